package feed

import (
	"hallq/hall"
)

// MetaEpoch is the store's meta key of its epoch.
const MetaEpoch = "epoch"

// HallSource is the Source of a running hall: its id, epoch, catalog and
// services.
func HallSource(h *hall.Hall) Source {
	return Source{
		Hall:  h.ID(),
		Epoch: epochOf(h),
		Class: func(item string) string {
			if it, ok := h.Catalog().Item(item); ok {
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

// epochOf is the one place that knows how the store names its epoch (until
// the store keeps one, "0").
func epochOf(h *hall.Hall) func(seq uint64) string {
	var e string
	if found, err := h.Store().GetMeta(MetaEpoch, &e); err != nil || !found || e == "" {
		e = "0"
	}
	return func(uint64) string { return e }
}
