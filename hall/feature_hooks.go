package hall

import (
	"sync"

	"hallq/queue"
)

// Two more hooks beside hooks.go's: the health feature (package health:
// disk space, the daily database check) gives the live monitor its alerts
// through HealthAlerts (Monitor shows them in their place among the
// kernel's own), and a feature adds records to a change of the settings
// with OnSettings (package remote: the door key of phone tickets).
type featureHooks struct {
	mu        sync.RWMutex
	integrity func() *Alert
	disks     func() []Alert
	settings  []func(tx *Tx, s queue.Settings)
}

// OnSettings registers fn to run inside every SaveSettings, after the
// engine took the new settings s and before they are committed: fn may add
// records to the change (tx.Put), which then commit with it.
func (h *Hall) OnSettings(fn func(tx *Tx, s queue.Settings)) {
	h.fhooks.mu.Lock()
	h.fhooks.settings = append(h.fhooks.settings, fn)
	h.fhooks.mu.Unlock()
}

func (h *Hall) settingsSaved(tx *Tx, s queue.Settings) {
	h.fhooks.mu.RLock()
	defer h.fhooks.mu.RUnlock()
	for _, fn := range h.fhooks.settings {
		fn(tx, s)
	}
}

// HealthAlerts makes integrity (a failed database check, or nil) and disks
// (the disks below their free-space limits) the health alerts of Monitor.
func (h *Hall) HealthAlerts(integrity func() *Alert, disks func() []Alert) {
	h.fhooks.mu.Lock()
	h.fhooks.integrity, h.fhooks.disks = integrity, disks
	h.fhooks.mu.Unlock()
}

func (h *Hall) integrityAlert() *Alert {
	h.fhooks.mu.RLock()
	fn := h.fhooks.integrity
	h.fhooks.mu.RUnlock()
	if fn == nil {
		return nil
	}
	return fn()
}

func (h *Hall) diskAlerts() []Alert {
	h.fhooks.mu.RLock()
	fn := h.fhooks.disks
	h.fhooks.mu.RUnlock()
	if fn == nil {
		return nil
	}
	return fn()
}

// ValidItem runs the checks registered with CheckItem on the business item
// of a ticket a feature issues on its own path (remote: phone tickets); ""
// means no item.
func (h *Hall) ValidItem(item string) error { return h.checkItem(item) }
