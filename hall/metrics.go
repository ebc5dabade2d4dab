package hall

import (
	"sync"

	"hallq/queue"
)

// Metrics counts what the hall did since start, for /metrics.
type Metrics struct {
	mu     sync.Mutex
	Events map[string]uint64 // committed events by type
	Issued map[string]uint64 // tickets issued by service
	// WaitSum and WaitCount: first-call waits (seconds) by service.
	WaitSum   map[string]float64
	WaitCount map[string]uint64
	// Commits counts committed events; Failed counts commits that failed.
	Commits uint64
	// Panics counts panics recovered inside the hall (a command, the
	// committer, a listener) since start.
	Panics uint64
}

func (m *Metrics) panicked() {
	m.mu.Lock()
	m.Panics++
	m.mu.Unlock()
}

func (m *Metrics) observe(ev *queue.Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Events == nil {
		m.Events, m.Issued = map[string]uint64{}, map[string]uint64{}
		m.WaitSum, m.WaitCount = map[string]float64{}, map[string]uint64{}
	}
	m.Commits++
	m.Events[ev.Type]++
	switch ev.Type {
	case queue.EvIssued:
		m.Issued[ev.Tickets[0].Service]++
	case queue.EvCalled:
		t := ev.Tickets[0]
		if t.CalledAt != nil && t.LastCalledAt != nil && t.CalledAt.Equal(*t.LastCalledAt) && t.TransferredFrom == 0 {
			m.WaitSum[t.Service] += t.CalledAt.Sub(t.IssuedAt).Seconds()
			m.WaitCount[t.Service]++
		}
	}
}

// Snapshot copies the metrics under their lock.
func (m *Metrics) Snapshot(fn func(m *Metrics)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fn(m)
}
