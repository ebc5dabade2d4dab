package catalogsync

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"hallq/casework/cases"
	"hallq/queue"
)

// State is the record catalog/region: the last bundle the hall applied (its
// catalog and services are the base of the next merge) and when.
type State struct {
	Version  int64           `json:"version"`
	Issued   string          `json:"issued,omitempty"`
	Catalog  *cases.Catalog  `json:"catalog"`
	Services []queue.Service `json:"services,omitempty"`
}

// serviceFields are the fields of a service the region governs; the rest
// (the measured average service time, the revision) are the hall's alone.
var serviceFields = []string{"name_zh", "name_en", "desc_zh", "desc_en", "target_wait_s", "daily_limit", "documents"}

// fields returns v's JSON object as raw fields (omitempty fields absent).
func fields(v any) map[string]json.RawMessage {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("catalogsync: %v", err)) // plain data only
	}
	m := map[string]json.RawMessage{}
	if err := json.Unmarshal(raw, &m); err != nil {
		panic(fmt.Sprintf("catalogsync: %v", err))
	}
	return m
}

func same(a, b json.RawMessage) bool { return bytes.Equal(a, b) }

// merge3 merges objects field by field: a field the hall changed (local
// differs from base, present or not) keeps the local value; every other
// field takes the region's. keys limits the fields (nil: all).
func merge3(base, local, inc map[string]json.RawMessage, keys []string) map[string]json.RawMessage {
	if keys == nil {
		for _, m := range []map[string]json.RawMessage{base, local, inc} {
			for k := range m {
				if !slices.Contains(keys, k) {
					keys = append(keys, k)
				}
			}
		}
	}
	out := map[string]json.RawMessage{}
	for k, v := range local {
		if !slices.Contains(keys, k) {
			out[k] = v // not the region's to change
		}
	}
	for _, k := range keys {
		b, bok := base[k]
		l, lok := local[k]
		i, iok := inc[k]
		if lok != bok || !same(l, b) { // the hall's own value
			if lok {
				out[k] = l
			}
			continue
		}
		if iok {
			out[k] = i
		}
	}
	return out
}

func decodeInto(m map[string]json.RawMessage, v any) error {
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// MergeCatalog merges the region's new catalog inc into the hall's catalog
// local, given base, the region's catalog the hall last applied: items by
// id and field by field, keyword groups by name, forbidden phrases phrase by
// phrase. An item the hall deleted stays deleted; an item the region dropped
// goes unless the hall changed it; the hall's own items stay.
func MergeCatalog(base, local, inc *cases.Catalog) (*cases.Catalog, error) {
	out := &cases.Catalog{}
	bItems, lItems := map[string]cases.Item{}, map[string]cases.Item{}
	for _, it := range base.Items {
		bItems[it.ID] = it
	}
	for _, it := range local.Items {
		lItems[it.ID] = it
	}
	seen := map[string]bool{}
	for _, ii := range inc.Items {
		seen[ii.ID] = true
		li, inLocal := lItems[ii.ID]
		bi, inBase := bItems[ii.ID]
		switch {
		case !inLocal && inBase: // the hall deleted it: its choice stands
			continue
		case !inLocal:
			out.Items = append(out.Items, ii)
			continue
		case !inBase: // the hall had its own item of that id first
			out.Items = append(out.Items, li)
			continue
		}
		var m cases.Item
		if err := decodeInto(merge3(fields(bi), fields(li), fields(ii), nil), &m); err != nil {
			return nil, fmt.Errorf("merge item %s: %w", ii.ID, err)
		}
		out.Items = append(out.Items, m)
	}
	for _, li := range local.Items {
		if seen[li.ID] {
			continue
		}
		if bi, inBase := bItems[li.ID]; inBase && bytes.Equal(mustJSON(bi), mustJSON(li)) {
			continue // the region dropped it and the hall never changed it
		}
		out.Items = append(out.Items, li)
	}
	out.Forbidden = mergeSet(base.Forbidden, local.Forbidden, inc.Forbidden)
	out.Groups = map[string][]string{}
	names := map[string]bool{}
	for _, g := range []map[string][]string{base.Groups, local.Groups, inc.Groups} {
		for k := range g {
			names[k] = true
		}
	}
	for k := range names {
		b, bok := base.Groups[k]
		l, lok := local.Groups[k]
		i, iok := inc.Groups[k]
		switch {
		case lok != bok || !slices.Equal(l, b):
			if lok {
				out.Groups[k] = l
			}
		case iok:
			out.Groups[k] = i
		}
	}
	if len(out.Groups) == 0 {
		out.Groups = nil
	}
	out.Reindex()
	return out, nil
}

func mustJSON(v any) []byte {
	raw, _ := json.Marshal(v)
	return raw
}

// mergeSet is the region's list with the phrases the hall added kept and
// the ones it removed left out.
func mergeSet(base, local, inc []string) []string {
	var out []string
	for _, s := range inc {
		if slices.Contains(base, s) && !slices.Contains(local, s) {
			continue // the hall removed it
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, s := range local {
		if !slices.Contains(base, s) && !slices.Contains(out, s) {
			out = append(out, s) // the hall's own
		}
	}
	return out
}

// ServiceChange is one service to save so that the hall follows the region.
type ServiceChange struct {
	Service queue.Service
	Create  bool
}

// MergeServices returns the services to save: the region's governed fields
// (names, descriptions, documents, target wait, daily limit) merged field by
// field with the hall's own values, and the region's new services. A service
// the region no longer lists stays (counters serve it). Unchanged services
// are left out.
func MergeServices(base, local, inc []queue.Service) []ServiceChange {
	find := func(list []queue.Service, p string) (queue.Service, bool) {
		i := slices.IndexFunc(list, func(s queue.Service) bool { return s.Prefix == p })
		if i < 0 {
			return queue.Service{}, false
		}
		return list[i], true
	}
	var out []ServiceChange
	for _, is := range inc {
		ls, inLocal := find(local, is.Prefix)
		bs, _ := find(base, is.Prefix)
		if !inLocal {
			is.AvgServiceS, is.Rev = 0, 0
			out = append(out, ServiceChange{Service: is, Create: true})
			continue
		}
		var m queue.Service
		if err := decodeInto(merge3(fields(bs), fields(ls), fields(is), serviceFields), &m); err != nil {
			continue // cannot happen with plain services
		}
		if !bytes.Equal(mustJSON(m), mustJSON(ls)) {
			out = append(out, ServiceChange{Service: m})
		}
	}
	return out
}

// Overrides lists the fields in which the hall differs from the bundle it
// last applied ("item pay_bill.script", "service A.target_wait_s", "forbidden
// +不知道"): the hall's own values, which the next push keeps.
func Overrides(st State, local *cases.Catalog, services []queue.Service) []string {
	var out []string
	if st.Catalog == nil {
		return nil
	}
	bItems := map[string]cases.Item{}
	for _, it := range st.Catalog.Items {
		bItems[it.ID] = it
	}
	lIDs := map[string]bool{}
	for _, li := range local.Items {
		lIDs[li.ID] = true
		bi, ok := bItems[li.ID]
		if !ok {
			out = append(out, "item "+li.ID+" (local)")
			continue
		}
		out = append(out, diffFields("item "+li.ID, fields(bi), fields(li), nil)...)
	}
	for _, bi := range st.Catalog.Items {
		if !lIDs[bi.ID] {
			out = append(out, "item "+bi.ID+" (deleted)")
		}
	}
	for _, s := range local.Forbidden {
		if !slices.Contains(st.Catalog.Forbidden, s) {
			out = append(out, "forbidden +"+s)
		}
	}
	for _, s := range st.Catalog.Forbidden {
		if !slices.Contains(local.Forbidden, s) {
			out = append(out, "forbidden -"+s)
		}
	}
	for _, bs := range st.Services {
		i := slices.IndexFunc(services, func(s queue.Service) bool { return s.Prefix == bs.Prefix })
		if i >= 0 {
			out = append(out, diffFields("service "+bs.Prefix, fields(bs), fields(services[i]), serviceFields)...)
		}
	}
	return out
}

func diffFields(prefix string, b, l map[string]json.RawMessage, keys []string) []string {
	if keys == nil {
		for k := range b {
			keys = append(keys, k)
		}
		for k := range l {
			if _, ok := b[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
	}
	var out []string
	for _, k := range keys {
		bv, bok := b[k]
		lv, lok := l[k]
		if bok != lok || !same(bv, lv) {
			out = append(out, prefix+"."+k)
		}
	}
	return out
}
