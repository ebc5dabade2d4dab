package feed

import (
	"hallq/casework/cases"
	"hallq/hall"
	"hallq/hall/store"
)

// HallSource is the Source of a running hall: its id, epoch, catalog
// (casework.Service.Catalog; nil: the default catalog) and services.
func HallSource(h *hall.Hall, catalog func() *cases.Catalog) Source {
	if catalog == nil {
		catalog = cases.DefaultCatalog
	}
	return Source{
		Hall:  h.ID(),
		Epoch: EpochFunc(h.Store().EpochInfo()),
		Class: func(item string) string {
			if it, ok := catalog().Item(item); ok {
				return string(it.Class)
			}
			return ""
		},
		Target: func(svc string) int {
			for _, s := range h.Config().Services {
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
