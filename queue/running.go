package queue

import (
	"maps"
	"slices"
	"time"
)

// Running is what today's live state holds beyond the open tickets: the
// day's running figures, each of a size set by the hall's services and
// counters, not by the day's customers. The hall persists it with every
// commit so that a restart rebuilds the live state from the open tickets
// and this record (RestoreRunning) instead of replaying every ticket of
// the day.
type Running struct {
	Day string `json:"day"`
	// Seq is the sequence of the last event the figures include (the hall
	// sets it; a store whose last event is later holds events written
	// without them, and a restart then rebuilds from every ticket).
	Seq      uint64         `json:"seq"`
	Statuses map[Status]int `json:"statuses"`
	Issued   map[string]int `json:"issued"` // per service, transfers not counted
	Serial   map[string]int `json:"serial"` // last serial per prefix
	// Recent are the ids of the latest calls, newest first; LastDone each
	// counter's last finished ticket. The tickets themselves are read back.
	Recent     []uint64       `json:"recent"`
	LastDone   map[int]uint64 `json:"last_done"`
	Last       time.Time      `json:"last"`
	LastIssued time.Time      `json:"last_issued"`
	// Services holds the estimate's windows of the services that changed
	// since the figures were taken last (all of them after a restore).
	Services map[string]ServiceRunning `json:"services,omitempty"`
}

// ServiceRunning is one service's estimate windows: its latest service
// times (kept across days) and today's latest arrivals, both bounded.
type ServiceRunning struct {
	Day      string      `json:"day"`
	Times    []float64   `json:"times"`
	Arrivals []time.Time `json:"arrivals"`
	// AvgServiceS is the service's service-time figure (Service.AvgServiceS,
	// learnt from the finished tickets); 0 in figures taken before it left
	// the service's record, which then holds it.
	AvgServiceS float64 `json:"avg_service_s,omitempty"`
}

// Running returns the running figures now; Services holds the windows of
// the services that changed since the last call (Running marks them
// clean). Its cost depends on the hall's services and counters only.
func (e *Engine) Running() Running {
	l := &e.live
	r := Running{Day: e.day, Statuses: maps.Clone(l.statuses), Issued: maps.Clone(e.issued),
		Serial: maps.Clone(e.serial), Recent: make([]uint64, len(l.recent)),
		LastDone: make(map[int]uint64, len(l.lastDone)), Last: e.last, LastIssued: l.lastIssued}
	for s, n := range r.Statuses {
		if n == 0 {
			delete(r.Statuses, s)
		}
	}
	for i, k := range l.recent {
		r.Recent[i] = k.id
	}
	for n, k := range l.lastDone {
		r.LastDone[n] = k.id
	}
	if len(e.dirty) > 0 {
		r.Services = make(map[string]ServiceRunning, len(e.dirty))
		for p := range e.dirty {
			sr := ServiceRunning{Day: e.day, Times: slices.Clone(e.recent[p]), Arrivals: slices.Clone(e.arrivals[p])}
			if s := e.services[p]; s != nil {
				sr.AvgServiceS = s.AvgServiceS
			}
			r.Services[p] = sr
		}
		clear(e.dirty)
	}
	return r
}

// NeededIDs are the tickets beyond the open ones that RestoreRunning needs
// back: the latest calls and each counter's last finished ticket.
func (r Running) NeededIDs() []uint64 {
	ids := slices.Clone(r.Recent)
	for _, id := range r.LastDone {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// RestoreRunning rebuilds the live state of day from the stored records as
// Restore does, but from the open tickets only (with the tickets
// r.NeededIDs names and done, the latest done ones the caller wants kept
// for their rating window, in the order they became done), the running
// figures r and the issue counts per phone. The finished tickets of the
// day are not in the engine afterwards: Ticket does not find them (the
// caller reads them from the store), Tickets lists the open ones.
func (e *Engine) RestoreRunning(day string, services []Service, counters []Counter, tickets []Ticket, maxID uint64, r Running, phones map[string]int, done []uint64) {
	e.Restore(day, services, counters, tickets, maxID)
	l := &e.live
	l.statuses = maps.Clone(r.Statuses)
	if l.statuses == nil {
		l.statuses = map[Status]int{}
	}
	// A ticket of the day before still at a counter is counted by
	// install but is not one of today's.
	e.issued = maps.Clone(r.Issued)
	if e.issued == nil {
		e.issued = map[string]int{}
	}
	for p, s := range r.Serial {
		e.serial[p] = max(e.serial[p], s)
	}
	e.phones = maps.Clone(phones)
	if e.phones == nil {
		e.phones = map[string]int{}
	}
	l.recent = l.recent[:0]
	for _, id := range r.Recent {
		if k, ok := calledKey(e.tickets[id]); ok && len(l.recent) < RecentSize {
			l.recent = append(l.recent, k)
		}
	}
	clear(l.lastDone)
	for n, id := range r.LastDone {
		if k, ok := doneKey(e.tickets[id]); ok && e.tickets[id].Counter == n {
			l.lastDone[n] = k
		}
	}
	l.done = l.done[:0]
	for _, id := range done {
		if t := e.tickets[id]; t != nil && t.Status == Done {
			l.done = append(l.done, id)
		}
	}
	e.see(r.Last)
	if r.LastIssued.After(l.lastIssued) {
		l.lastIssued = r.LastIssued
	}
	e.recent, e.arrivals = map[string][]float64{}, map[string][]time.Time{}
	for p, s := range r.Services {
		e.recent[p] = slices.Clone(s.Times)
		if s.Day == day {
			e.arrivals[p] = slices.Clone(s.Arrivals)
		}
		if svc := e.services[p]; svc != nil && s.AvgServiceS > 0 {
			k := *svc
			k.AvgServiceS = s.AvgServiceS
			e.services[p] = &k
		}
	}
	e.markAllDirty()
}

// markAllDirty makes the next Running carry every service's windows.
func (e *Engine) markAllDirty() {
	if e.dirty == nil {
		e.dirty = map[string]bool{}
	}
	for _, p := range e.order {
		e.dirty[p] = true
	}
}

func (e *Engine) markDirty(p string) {
	if e.dirty == nil {
		e.dirty = map[string]bool{}
	}
	e.dirty[p] = true
}

// SetLookup gives the engine where to read a ticket of the day it does not
// hold (a finished ticket left out by RestoreRunning): Ticket asks fn for
// an id it does not know. Commands never do; they act on open tickets.
func (e *Engine) SetLookup(fn func(day string, id uint64) (Ticket, bool)) { e.lookup = fn }
