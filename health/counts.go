package health

import (
	"sync"

	"hallq/queue"
)

// Counts are what the hall committed since New, for /metrics: events by
// type, tickets issued by service and first-call waits by service. New
// counts them through Hall.Listen; the kernel counts only its recovered
// panics (Hall.Panics).
type Counts struct {
	Events map[string]uint64 // committed events by type
	Issued map[string]uint64 // tickets issued by service
	// WaitSum and WaitCount: first-call waits (seconds) by service.
	WaitSum   map[string]float64
	WaitCount map[string]uint64
}

// counts guards the Counts of a Service.
type counts struct {
	mu sync.Mutex
	c  Counts
}

// count is the listener of committed events; it runs with the hall's read
// model locked: it only counts.
func (s *Service) count(ev queue.Event, _ *queue.Engine) {
	s.counts.mu.Lock()
	defer s.counts.mu.Unlock()
	c := &s.counts.c
	if c.Events == nil {
		c.Events, c.Issued = map[string]uint64{}, map[string]uint64{}
		c.WaitSum, c.WaitCount = map[string]float64{}, map[string]uint64{}
	}
	c.Events[ev.Type]++
	switch ev.Type {
	case queue.EvIssued:
		c.Issued[ev.Tickets[0].Service]++
	case queue.EvCalled:
		t := ev.Tickets[0]
		if t.CalledAt != nil && t.LastCalledAt != nil && t.CalledAt.Equal(*t.LastCalledAt) && t.TransferredFrom == 0 {
			c.WaitSum[t.Service] += t.CalledAt.Sub(t.IssuedAt).Seconds()
			c.WaitCount[t.Service]++
		}
	}
}

// Counts calls fn with the counts under their lock; fn must not keep them.
func (s *Service) Counts(fn func(c *Counts)) {
	s.counts.mu.Lock()
	defer s.counts.mu.Unlock()
	fn(&s.counts.c)
}
