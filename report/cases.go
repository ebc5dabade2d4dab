package report

import (
	"cmp"
	"encoding/json"
	"slices"
	"time"

	"hallq/casework/cases"
	"hallq/hall/store"
	"hallq/queue"
)

// CaseTable sums up the cases of the range: served customers by case class
// and business item, refusals by reason, and the follow-up records of the
// case helpers (work orders, approvals) when the hall has any.
type CaseTable struct {
	ByClass  []ClassCount  `json:"by_class"`
	ByItem   []ItemCount   `json:"by_item"`
	Refusals []ReasonCount `json:"refusals"`
	// NoItem counts served customers whose clerk recorded no item.
	NoItem     int `json:"no_item"`
	WorkOrders struct {
		Opened  int `json:"opened"`
		Open    int `json:"open"`    // not resolved yet
		Overdue int `json:"overdue"` // past the promised date, not resolved
	} `json:"work_orders"`
	Approvals struct {
		Requested int `json:"requested"`
		Pending   int `json:"pending"`
		Approved  int `json:"approved"`
		Rejected  int `json:"rejected"`
	} `json:"approvals"`
}

// ClassCount is the number of cases of one class.
type ClassCount struct {
	Class  string `json:"class"`
	NameZH string `json:"name_zh"`
	Count  int    `json:"count"`
}

// ItemCount is the number of cases of one business item.
type ItemCount struct {
	Item   string `json:"item"`
	NameZH string `json:"name_zh"`
	Class  string `json:"class"`
	Count  int    `json:"count"`
}

// ReasonCount is the number of refusals for one reason.
type ReasonCount struct {
	Reason string `json:"reason"`
	Item   string `json:"item"`
	Count  int    `json:"count"`
}

// itemAcc counts served customers by recorded item.
type itemAcc struct {
	counts map[string]*int
	none   int
}

// merge adds o (a later part of the range) into a.
func (a *itemAcc) merge(o *itemAcc) {
	for item, n := range o.counts {
		if p, ok := a.counts[item]; ok {
			*p += *n
		} else {
			v := *n
			a.counts[item] = &v
		}
	}
	a.none += o.none
}

func (a *itemAcc) add(f *store.TicketFact) {
	if f.Status != queue.Done {
		return
	}
	if len(f.Item) == 0 {
		a.none++
		return
	}
	if p, ok := a.counts[string(f.Item)]; ok {
		*p++
		return
	}
	n := 1
	a.counts[string(f.Item)] = &n
}

// catalogOf is the hall's catalog as the case helper stores it (record
// catalog/current), or the default one.
func catalogOf(src Source) *cases.Catalog {
	var cat *cases.Catalog
	_ = src.EachRecord("catalog", "current", func(r queue.Record) bool {
		if r.Key == "current" {
			if c, err := cases.ParseCatalog(r.Data); err == nil {
				cat = c
			}
		}
		return false
	})
	if cat == nil {
		cat = cases.DefaultCatalog()
	}
	return cat
}

// caseTable builds the case table from the item counts and the work-order
// and approval records (kinds "workorder" and "approval") opened in the
// range; now decides what is overdue.
func caseTable(src Source, a *itemAcc, p Params, loc *time.Location, now time.Time) *CaseTable {
	t := &CaseTable{ByClass: []ClassCount{}, ByItem: []ItemCount{}, Refusals: []ReasonCount{}, NoItem: a.none}
	cat := catalogOf(src)
	byClass := map[cases.Class]int{}
	for id, n := range a.counts {
		it, ok := cat.Item(id)
		class := cases.Class("")
		name := id
		if ok {
			class, name = it.Class, it.NameZH
		}
		byClass[class] += *n
		t.ByItem = append(t.ByItem, ItemCount{Item: id, NameZH: name, Class: string(class), Count: *n})
		if class == cases.MustRefuse {
			t.Refusals = append(t.Refusals, ReasonCount{Reason: it.Reason, Item: name, Count: *n})
		}
	}
	for _, c := range cases.Classes {
		t.ByClass = append(t.ByClass, ClassCount{Class: string(c), NameZH: c.NameZH(), Count: byClass[c]})
	}
	byCount := func(x, y int, a, b string) int {
		if x != y {
			return cmp.Compare(y, x)
		}
		return cmp.Compare(a, b)
	}
	slices.SortFunc(t.ByItem, func(x, y ItemCount) int { return byCount(x.Count, y.Count, x.Item, y.Item) })
	slices.SortFunc(t.Refusals, func(x, y ReasonCount) int { return byCount(x.Count, y.Count, x.Item, y.Item) })

	inRange := func(at time.Time) bool {
		d := at.In(loc).Format(time.DateOnly)
		return d >= p.From && d <= p.To
	}
	_ = src.EachRecord("workorder", "", func(r queue.Record) bool {
		var w struct {
			Status     string    `json:"status"`
			OpenedAt   time.Time `json:"opened_at"`
			PromisedAt time.Time `json:"promised_at"`
		}
		if json.Unmarshal(r.Data, &w) != nil || !inRange(w.OpenedAt) {
			return true
		}
		t.WorkOrders.Opened++
		if w.Status == "open" || w.Status == "progress" {
			t.WorkOrders.Open++
			if now.After(w.PromisedAt) {
				t.WorkOrders.Overdue++
			}
		}
		return true
	})
	_ = src.EachRecord("approval", "", func(r queue.Record) bool {
		var ap struct {
			Status      string    `json:"status"`
			RequestedAt time.Time `json:"requested_at"`
		}
		if json.Unmarshal(r.Data, &ap) != nil || !inRange(ap.RequestedAt) {
			return true
		}
		t.Approvals.Requested++
		switch ap.Status {
		case "pending":
			t.Approvals.Pending++
		case "approved":
			t.Approvals.Approved++
		case "rejected":
			t.Approvals.Rejected++
		}
		return true
	})
	return t
}
