package queue

import "maps"

// RunningAll is Running with every service's windows, as a restart reads
// them back from the store (which keeps each service's latest).
func (e *Engine) RunningAll() Running {
	e.markAllDirty()
	return e.Running()
}

// PhoneCounts are today's tickets per phone number.
func (e *Engine) PhoneCounts() map[string]int { return maps.Clone(e.phones) }
