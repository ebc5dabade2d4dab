package queue

import (
	"cmp"
	"slices"
	"time"
)

// SnapshotByScan is the snapshot computed the slow way, over every ticket of
// the day, as it was before the live state was kept per event: the tests
// check the kept state against it after every step.
func (e *Engine) SnapshotByScan(now time.Time) Snapshot {
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
		// The estimate over the scanned waiting count (estimate.go reads the
		// counters serving the service and the services they call first).
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
	// Recent calls are today's: a ticket of the day before still at a
	// counter after midnight is on its counter, not in today's calls.
	for _, t := range e.tickets {
		if t.LastCalledAt != nil && t.Counter != 0 && t.Day == e.day {
			s.Recent = append(s.Recent, *t)
		}
	}
	slices.SortFunc(s.Recent, func(a, b Ticket) int {
		return cmp.Or(b.LastCalledAt.Compare(*a.LastCalledAt), cmp.Compare(b.ID, a.ID))
	})
	if len(s.Recent) > RecentSize {
		s.Recent = s.Recent[:RecentSize]
	}
	return s
}

// FindByScan, LastFinishedByScan and StatusCountsByScan are Find,
// LastFinished and StatusCounts over every ticket of the day (a ticket of
// the day before, still at a counter after midnight, is not one of today's:
// numbers restart each day).
func (e *Engine) FindByScan(number string) (Ticket, bool) {
	var best *Ticket
	for _, t := range e.tickets {
		if t.Number == number && t.Day == e.day && (best == nil || t.ID > best.ID) {
			best = t
		}
	}
	if best == nil {
		return Ticket{}, false
	}
	return *best, true
}

func (e *Engine) LastFinishedByScan(n int) (Ticket, bool) {
	var last *Ticket
	for _, t := range e.tickets {
		if t.Counter != n || t.Status != Done || t.FinishedAt == nil || t.Day != e.day {
			continue
		}
		if last == nil || t.FinishedAt.After(*last.FinishedAt) || (t.FinishedAt.Equal(*last.FinishedAt) && t.ID > last.ID) {
			last = t
		}
	}
	if last == nil {
		return Ticket{}, false
	}
	return *last, true
}

func (e *Engine) StatusCountsByScan() map[Status]int {
	out := map[Status]int{}
	for _, t := range e.tickets {
		if t.Day == e.day {
			out[t.Status]++
		}
	}
	return out
}

// RecentRebuilds is how many times the recent calls were rebuilt by a scan.
func (e *Engine) RecentRebuilds() int { return e.live.rebuilds }
