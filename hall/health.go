package hall

import "sync"

// The health feature (package health: disk space, the daily database check)
// gives the live monitor its alerts through HealthAlerts; Monitor shows them
// in their place among the kernel's own.
type healthHooks struct {
	mu        sync.RWMutex
	integrity func() *Alert
	disks     func() []Alert
}

// HealthAlerts makes integrity (a failed database check, or nil) and disks
// (the disks below their free-space limits) the health alerts of Monitor.
func (h *Hall) HealthAlerts(integrity func() *Alert, disks func() []Alert) {
	h.health.mu.Lock()
	h.health.integrity, h.health.disks = integrity, disks
	h.health.mu.Unlock()
}

func (h *Hall) integrityAlert() *Alert {
	h.health.mu.RLock()
	fn := h.health.integrity
	h.health.mu.RUnlock()
	if fn == nil {
		return nil
	}
	return fn()
}

func (h *Hall) diskAlerts() []Alert {
	h.health.mu.RLock()
	fn := h.health.disks
	h.health.mu.RUnlock()
	if fn == nil {
		return nil
	}
	return fn()
}
