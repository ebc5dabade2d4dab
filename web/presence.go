package web

import (
	"sync"
	"time"
)

// presence is what the hub knows of a device's connections: how many are
// open now and when one last opened or closed (since the program started).
type presence struct {
	Online   int
	LastSeen time.Time
}

// presences keeps a device's presence by its id (store.DeviceID; its name
// when it has none), for the monitor's
// device health (managerPage).
type presences struct {
	mu sync.Mutex
	by map[string]*presence
}

func (p *presences) note(c *wsClient, delta int) {
	key := c.who.ID
	if key == "" {
		key = c.who.Name
	}
	if c.who.Kind != "device" || key == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.by == nil {
		p.by = map[string]*presence{}
	}
	d := p.by[key]
	if d == nil {
		d = &presence{}
		p.by[key] = d
	}
	d.Online = max(0, d.Online+delta)
	d.LastSeen = time.Now()
}

// Presence returns each device's presence by id: connected now (Online >
// 0) and last seen, for devices seen since the program started.
func (h *Hub) Presence() map[string]presence {
	h.seen.mu.Lock()
	defer h.seen.mu.Unlock()
	out := make(map[string]presence, len(h.seen.by))
	for name, d := range h.seen.by {
		out[name] = *d
	}
	return out
}
