package queue

import (
	"cmp"
	"slices"
	"time"
)

// ServiceView is a service with its live figures.
type ServiceView struct {
	Service
	Waiting        int `json:"waiting"`
	EstimatedWaitS int `json:"estimated_wait_s"` // for a ticket taken now
	LongestWaitS   int `json:"longest_wait_s"`
	OpenCounters   int `json:"open_counters"`
}

// CounterView is a counter with its current ticket.
type CounterView struct {
	Counter
	Ticket *Ticket `json:"ticket"`
}

// Snapshot is the live hall at one moment.
type Snapshot struct {
	Day      string        `json:"day"`
	Open     bool          `json:"open"`
	Services []ServiceView `json:"services"`
	Counters []CounterView `json:"counters"`
	Recent   []Ticket      `json:"recent"` // latest calls, newest first
}

// Snapshot returns copies of the live state.
func (e *Engine) Snapshot(now time.Time) Snapshot {
	s := Snapshot{Day: e.day, Open: e.OpenAt(now), Services: []ServiceView{}, Counters: []CounterView{}, Recent: []Ticket{}}
	for _, p := range e.order {
		svc := e.services[p]
		v := ServiceView{Service: *svc}
		v.Documents = slices.Clone(svc.Documents)
		for _, t := range e.waiting {
			if t.Service == p && !t.Postponed {
				v.Waiting++
				if w := int(now.Sub(t.IssuedAt).Seconds()); w > v.LongestWaitS {
					v.LongestWaitS = w
				}
			}
		}
		for _, c := range e.counters {
			if c.State == Open && c.Serves(p) {
				v.OpenCounters++
			}
		}
		v.EstimatedWaitS = e.estimate(p, v.Waiting, now)
		s.Services = append(s.Services, v)
	}
	for _, n := range e.numbers {
		c := e.counters[n]
		v := CounterView{Counter: cloneCounter(c)}
		if t := e.tickets[c.Current]; c.Current != 0 && t != nil {
			v.Ticket = ptr(*t)
		}
		s.Counters = append(s.Counters, v)
	}
	for _, t := range e.tickets {
		if t.LastCalledAt != nil && t.Counter != 0 {
			s.Recent = append(s.Recent, *t)
		}
	}
	// Calls in the same instant go newest ticket first, so that the order
	// (and which ten are kept) does not depend on map iteration.
	slices.SortFunc(s.Recent, func(a, b Ticket) int {
		return cmp.Or(b.LastCalledAt.Compare(*a.LastCalledAt), cmp.Compare(b.ID, a.ID))
	})
	if len(s.Recent) > 10 {
		s.Recent = s.Recent[:10]
	}
	return s
}

// Ticket returns today's ticket with the id.
func (e *Engine) Ticket(id uint64) (Ticket, bool) {
	t := e.tickets[id]
	if t == nil {
		return Ticket{}, false
	}
	return *t, true
}

// Tickets returns all of today's tickets in id order.
func (e *Engine) Tickets() []Ticket {
	out := make([]Ticket, 0, len(e.tickets))
	for _, id := range e.sortedIDs() {
		out = append(out, *e.tickets[id])
	}
	return out
}

// Counter returns counter n.
func (e *Engine) Counter(n int) (Counter, bool) {
	c := e.counters[n]
	if c == nil {
		return Counter{}, false
	}
	return cloneCounter(c), true
}

// Counters returns every counter in number order.
func (e *Engine) Counters() []Counter {
	out := make([]Counter, 0, len(e.numbers))
	for _, n := range e.numbers {
		out = append(out, cloneCounter(e.counters[n]))
	}
	return out
}

// Service returns the service with the prefix.
func (e *Engine) Service(prefix string) (Service, bool) {
	s := e.services[prefix]
	if s == nil {
		return Service{}, false
	}
	v := *s
	v.Documents = slices.Clone(s.Documents)
	return v, true
}

// Services returns every service in configured order.
func (e *Engine) Services() []Service {
	out := make([]Service, 0, len(e.order))
	for _, p := range e.order {
		s, _ := e.Service(p)
		out = append(out, s)
	}
	return out
}

// WaitingFor returns the tickets counter n could call, in the order the policy
// would call them, followed by the tickets postponed at counter n.
func (e *Engine) WaitingFor(n int, now time.Time) []Ticket {
	c := e.counters[n]
	if c == nil {
		return nil
	}
	var list, held []*Ticket
	for _, t := range e.waiting {
		if e.eligible(t, c) {
			list = append(list, t)
		} else if t.Postponed && t.TargetCounter == n {
			held = append(held, t)
		}
	}
	slices.SortFunc(list, func(a, b *Ticket) int {
		if e.before(a, b, n, now) {
			return -1
		}
		return 1
	})
	slices.SortFunc(held, func(a, b *Ticket) int { return cmp.Compare(a.ID, b.ID) })
	out := make([]Ticket, 0, len(list)+len(held))
	for _, t := range append(list, held...) {
		out = append(out, *t)
	}
	return out
}

// Position returns how many tickets the policy would call before the waiting
// ticket id in its service, and the estimated wait.
func (e *Engine) Position(id uint64, now time.Time) (ahead, waitS int, ok bool) {
	t := e.tickets[id]
	if t == nil || t.Status != Waiting {
		return 0, 0, false
	}
	ahead = e.aheadOf(t, now)
	return ahead, e.estimate(t.Service, ahead, now), true
}
