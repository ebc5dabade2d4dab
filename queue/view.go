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

// Snapshot returns copies of the live state. It is built from the state kept
// per event (live.go), so its cost depends on the hall's services and
// counters, not on how many tickets the day has seen.
func (e *Engine) Snapshot(now time.Time) Snapshot {
	now = e.At(now)
	s := Snapshot{Day: e.day, Open: e.OpenAt(now), Services: make([]ServiceView, 0, len(e.order)),
		Counters: make([]CounterView, 0, len(e.numbers)), Recent: make([]Ticket, 0, len(e.live.recent))}
	sh := e.newEstShared()
	for _, p := range e.order {
		s.Services = append(s.Services, e.serviceView(sh, p, now))
	}
	for _, n := range e.numbers {
		s.Counters = append(s.Counters, e.counterView(n))
	}
	for _, r := range e.live.recent {
		s.Recent = append(s.Recent, *e.tickets[r.id])
	}
	return s
}

// serviceView is service p with its live figures.
func (e *Engine) serviceView(sh *estShared, p string, now time.Time) ServiceView {
	svc := e.services[p]
	v := ServiceView{Service: *svc}
	v.Documents = slices.Clone(svc.Documents)
	f := e.serviceFiguresWith(sh, p, now)
	v.Waiting, v.EstimatedWaitS, v.LongestWaitS, v.OpenCounters = f.Waiting, f.EstimatedWaitS, f.LongestWaitS, f.OpenCounters
	return v
}

// counterView is counter n with its current ticket.
func (e *Engine) counterView(n int) CounterView {
	c := e.counters[n]
	v := CounterView{Counter: cloneCounter(c)}
	if t := e.tickets[c.Current]; c.Current != 0 && t != nil {
		v.Ticket = ptr(*t)
	}
	return v
}

// Ticket returns today's ticket with the id, or a ticket of the day before
// that was at a counter at midnight (Roll).
func (e *Engine) Ticket(id uint64) (Ticket, bool) {
	t := e.tickets[id]
	if t == nil {
		t = e.carried[id] // served over midnight, ended since
	}
	if t == nil && e.lookup != nil && id != 0 {
		if st, ok := e.lookup(e.day, id); ok && st.Day == e.day && st.Status.Final() {
			return st, true
		}
	}
	if t == nil {
		return Ticket{}, false
	}
	return *t, true
}

// CarriedOver returns, in id order, the tickets of the day before that were
// at a counter at midnight and have ended since (Roll): out of today's
// queue, but just served (a keypad rates them).
func (e *Engine) CarriedOver() []Ticket {
	out := make([]Ticket, 0, len(e.carried))
	for _, t := range e.carried {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b Ticket) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Tickets returns all of today's tickets in id order, with any ticket of
// the day before still at a counter (called or served over midnight).
func (e *Engine) Tickets() []Ticket {
	out := make([]Ticket, 0, len(e.tickets))
	for _, id := range e.sortedIDs() {
		out = append(out, *e.tickets[id])
	}
	return out
}

// Waiting returns the tickets waiting now, in id order: a cost of the queue's
// length, not of the day's tickets.
func (e *Engine) Waiting() []Ticket {
	out := make([]Ticket, 0, len(e.waiting))
	for _, t := range e.waiting {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b Ticket) int { return cmp.Compare(a.ID, b.ID) })
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
	now = e.At(now)
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
	list = e.fairOrder(c, list, now)
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
	now = e.At(now)
	t := e.tickets[id]
	if t == nil || t.Status != Waiting {
		return 0, 0, false
	}
	ahead = e.aheadOf(t, now)
	return ahead, e.estimate(t.Service, ahead, now), true
}

// fairOrder turns list, sorted by the policy, into the order counter c
// would call it: after Config.GreenBurst green calls in a row, the first
// ticket that is not green comes next (as Next picks).
func (e *Engine) fairOrder(c *Counter, list []*Ticket, now time.Time) []*Ticket {
	burst := e.cfg.GreenBurst
	if burst <= 0 {
		return list
	}
	var green, other []*Ticket
	for _, t := range list {
		if e.greenCall(t, now) {
			green = append(green, t)
		} else {
			other = append(other, t)
		}
	}
	if len(green) == 0 || len(other) == 0 {
		return list
	}
	out := make([]*Ticket, 0, len(list))
	run, gi, oi := c.GreenRun, 0, 0
	pos := make(map[uint64]int, len(list))
	for i, t := range list {
		pos[t.ID] = i
	}
	for gi < len(green) || oi < len(other) {
		takeGreen := gi < len(green) && (oi == len(other) || pos[green[gi].ID] < pos[other[oi].ID])
		if takeGreen && run >= burst && oi < len(other) {
			takeGreen = false
		}
		if takeGreen {
			out = append(out, green[gi])
			gi++
			run++
		} else {
			out = append(out, other[oi])
			oi++
			run = 0
		}
	}
	return out
}
