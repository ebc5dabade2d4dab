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

// MetaEpochFrom is the store's meta key of the last sequence written before
// its epoch began.
const MetaEpochFrom = "epoch_from"

// EpochOf returns the store's current epoch and the last sequence written
// before it began. It is the one place that knows how the store keeps its
// epoch (until the store keeps one: "0" from 0).
func EpochOf(h *hall.Hall) (epoch string, from uint64) {
	if found, err := h.Store().GetMeta(MetaEpoch, &epoch); err != nil || !found || epoch == "" {
		epoch = "0"
	}
	h.Store().GetMeta(MetaEpochFrom, &from)
	return epoch, from
}

// epochOf names the epoch of each event: the current one after its start,
// the one before it (unnamed: "before-" and the current) up to it.
func epochOf(h *hall.Hall) func(seq uint64) string {
	e, from := EpochOf(h)
	return func(seq uint64) string {
		if seq <= from {
			return "before-" + e
		}
		return e
	}
}
