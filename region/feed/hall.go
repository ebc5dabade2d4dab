package feed

import (
	"fmt"

	"hallq/casework/cases"
	"hallq/hall"
	"hallq/hall/config"
	"hallq/hall/store"
	"hallq/queue"
)

// HallSource is the Source of a running hall: its id, epoch, catalog
// (casework.Service.Catalog; nil: the default catalog) and services.
func HallSource(h *hall.Hall, catalog func() *cases.Catalog) Source {
	return sourceOf(h.ID(), h.Store().EpochInfo(), catalog, func() []queue.Service { return h.Config().Services })
}

// StoreSource is the Source of a stopped hall's store in dir (hallq export
// with the server stopped): the same lines the running hall gives, from
// what the store holds — hall.json's id in dir (else the id derived from
// the stored config), the store's epoch, the catalog saved by managers
// (nil: the default) and the stored config's services.
func StoreSource(st *store.Store, dir string, catalog *cases.Catalog) (Source, error) {
	var cfg queue.Config
	if _, err := st.GetMeta("config", &cfg); err != nil {
		return Source{}, fmt.Errorf("read hall config: %w", err)
	}
	id := config.ReadIdentity(dir).ID
	if id == "" {
		id = config.DeriveID(cfg)
	}
	var cat func() *cases.Catalog
	if catalog != nil {
		cat = func() *cases.Catalog { return catalog }
	}
	return sourceOf(id, st.EpochInfo(), cat, func() []queue.Service { return cfg.Services }), nil
}

func sourceOf(id string, ep store.Epoch, catalog func() *cases.Catalog, services func() []queue.Service) Source {
	if catalog == nil {
		catalog = cases.SharedDefault
	}
	return Source{
		Hall:  id,
		Epoch: EpochFunc(ep),
		Class: func(item string) string {
			if it, ok := catalog().Item(item); ok {
				return string(it.Class)
			}
			return ""
		},
		Target: func(svc string) int {
			for _, s := range services() {
				if s.Prefix == svc {
					return s.TargetWaitS
				}
			}
			return 0
		},
	}
}

// Epoch is what the region needs of a store's epoch: its id, the last
// sequence number before it (a restore's floor: the restored file's events
// and every number the replaced file used are at or below it) and the epoch
// before it (the replaced file's).
type Epoch struct {
	ID   string
	From uint64
	Prev string
}

// EpochOf returns the store's current epoch.
func EpochOf(h *hall.Hall) Epoch { return epochOf(h.Store().EpochInfo()) }

func epochOf(e store.Epoch) Epoch {
	out := Epoch{ID: e.ID, Prev: e.Prev}
	if out.ID == "" {
		out.ID = "0" // a read-only store written before epochs
	}
	if e.Cause == store.EpochRestore {
		out.From = e.SeqFloor
	}
	return out
}

// EpochFunc names the epoch of each event: the current one after its
// start; up to it (the events a restored file brought back) the epoch
// before, or "before-" and the current one when that is unknown.
func EpochFunc(se store.Epoch) func(seq uint64) string {
	e := epochOf(se)
	before := e.Prev
	if before == "" {
		before = "before-" + e.ID
	}
	return func(seq uint64) string {
		if seq <= e.From {
			return before
		}
		return e.ID
	}
}
