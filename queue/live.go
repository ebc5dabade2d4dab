package queue

import (
	"container/heap"
	"slices"
	"time"
)

// RecentSize is how many of the latest calls a snapshot lists.
const RecentSize = 10

// live is what a snapshot and the hot commands need, kept up to date on
// every installed ticket so that none of them looks at all of the day's
// tickets: the latest calls (a bounded, ordered ring), per service the
// waiting tickets that are not postponed (count and oldest), per counter the
// ticket it finished last, the latest ticket of each number, and counts by
// status. Engine.install calls track for every ticket it installs; reset
// clears it with the day.
type live struct {
	recent     []recentCall         // newest first, at most RecentSize
	queued     map[string]*waitHeap // service → waiting, not postponed, oldest first
	lastDone   map[int]recentCall   // counter → the ticket it finished last
	byNumber   map[string]uint64    // number → latest ticket id with it
	statuses   map[Status]int       // today's tickets by status
	done       []uint64             // today's done tickets, in the order they became done
	lastIssued time.Time            // latest issue time installed today
	rebuilds   int                  // full rebuilds of recent (tests)
}

// recentCall orders tickets by a time, newest first, then by id, newest
// first, so that the order never depends on map iteration.
type recentCall struct {
	at time.Time
	id uint64
}

func (a recentCall) newer(b recentCall) bool {
	if c := a.at.Compare(b.at); c != 0 {
		return c > 0
	}
	return a.id > b.id
}

func newLive() live {
	return live{queued: map[string]*waitHeap{}, lastDone: map[int]recentCall{},
		byNumber: map[string]uint64{}, statuses: map[Status]int{}}
}

// calledKey returns t's place among the recent calls; ok is false when t was
// never called to a counter.
func calledKey(t *Ticket) (recentCall, bool) {
	if t == nil || t.LastCalledAt == nil || t.Counter == 0 {
		return recentCall{}, false
	}
	return recentCall{at: *t.LastCalledAt, id: t.ID}, true
}

func queuedIn(t *Ticket) bool { return t != nil && t.Status == Waiting && !t.Postponed }

// track updates the live state for ticket t replacing old (nil: new today).
// t is already in e.tickets.
func (e *Engine) track(old, t *Ticket) {
	l := &e.live
	if old != nil {
		l.statuses[old.Status]--
	}
	if t.Status == Done && (old == nil || old.Status != Done) {
		l.done = append(l.done, t.ID)
	}
	l.statuses[t.Status]++
	if queuedIn(old) {
		l.queued[old.Service].remove(old.ID)
	}
	if queuedIn(t) {
		h := l.queued[t.Service]
		if h == nil {
			h = &waitHeap{at: map[uint64]int{}}
			l.queued[t.Service] = h
		}
		h.add(t)
	}
	if id := l.byNumber[t.Number]; t.ID > id {
		l.byNumber[t.Number] = t.ID
	}
	if t.IssuedAt.After(l.lastIssued) {
		l.lastIssued = t.IssuedAt
	}
	if k, ok := doneKey(old); ok && l.lastDone[old.Counter].id == old.ID {
		if k2, ok2 := doneKey(t); !ok2 || t.Counter != old.Counter || k.newer(k2) {
			// The counter's last finished ticket moved back (a record
			// installed out of the engine's order): look again.
			e.rebuildLastDone(old.Counter)
		}
	}
	if k, ok := doneKey(t); ok {
		if last, ok := l.lastDone[t.Counter]; !ok || k.newer(last) {
			l.lastDone[t.Counter] = k
		}
	}
	e.trackRecent(old, t)
}

// doneKey returns t's place among its counter's finished tickets.
func doneKey(t *Ticket) (recentCall, bool) {
	if t == nil || t.Status != Done || t.FinishedAt == nil || t.Counter == 0 {
		return recentCall{}, false
	}
	return recentCall{at: *t.FinishedAt, id: t.ID}, true
}

// rebuildLastDone finds counter n's last finished ticket over every ticket.
func (e *Engine) rebuildLastDone(n int) {
	delete(e.live.lastDone, n)
	e.live.rebuilds++
	for _, t := range e.tickets {
		if k, ok := doneKey(t); ok && t.Counter == n {
			if last, ok := e.live.lastDone[n]; !ok || k.newer(last) {
				e.live.lastDone[n] = k
			}
		}
	}
}

// trackRecent keeps recent the RecentSize newest calls. A ticket only ever
// moves up (a call or recall is later than the one before), which a bounded
// list follows exactly; a ticket of the full list that moves down or out (a
// record installed out of the engine's own order) needs the one that was
// eleventh, so recent is rebuilt from every ticket then.
func (e *Engine) trackRecent(old, t *Ticket) {
	l := &e.live
	full := len(l.recent) == RecentSize
	was := -1
	for i, r := range l.recent {
		if r.id == t.ID {
			was = i
			break
		}
	}
	k, ok := calledKey(t)
	if was >= 0 {
		prev := l.recent[was]
		if full && (!ok || prev.newer(k)) {
			e.rebuildRecent()
			return
		}
		l.recent = append(l.recent[:was], l.recent[was+1:]...)
	}
	if !ok {
		return
	}
	i := 0
	for i < len(l.recent) && l.recent[i].newer(k) {
		i++
	}
	if i >= RecentSize {
		return
	}
	l.recent = append(l.recent, recentCall{})
	copy(l.recent[i+1:], l.recent[i:])
	l.recent[i] = k
	if len(l.recent) > RecentSize {
		l.recent = l.recent[:RecentSize]
	}
}

// rebuildRecent recomputes recent over every ticket of the day.
func (e *Engine) rebuildRecent() {
	l := &e.live
	l.rebuilds++
	l.recent = l.recent[:0]
	for _, t := range e.tickets {
		k, ok := calledKey(t)
		if !ok {
			continue
		}
		i := 0
		for i < len(l.recent) && l.recent[i].newer(k) {
			i++
		}
		if i >= RecentSize {
			continue
		}
		l.recent = append(l.recent, recentCall{})
		copy(l.recent[i+1:], l.recent[i:])
		l.recent[i] = k
		if len(l.recent) > RecentSize {
			l.recent = l.recent[:RecentSize]
		}
	}
}

// queuedCount is how many tickets of the service wait, not postponed.
func (l *live) queuedCount(prefix string) int {
	if h := l.queued[prefix]; h != nil {
		return len(h.items)
	}
	return 0
}

// waitHeap holds the waiting tickets of one service by issue time (then
// id), with each ticket's index for removal.
type waitHeap struct {
	items []recentCall // at: issued at
	at    map[uint64]int
}

func (h *waitHeap) Len() int { return len(h.items) }
func (h *waitHeap) Less(i, j int) bool {
	return h.items[j].newer(h.items[i])
}
func (h *waitHeap) Swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.at[h.items[i].id], h.at[h.items[j].id] = i, j
}
func (h *waitHeap) Push(x any) {
	r := x.(recentCall)
	h.at[r.id] = len(h.items)
	h.items = append(h.items, r)
}
func (h *waitHeap) Pop() any {
	r := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	delete(h.at, r.id)
	return r
}

func (h *waitHeap) add(t *Ticket) {
	if _, in := h.at[t.ID]; in {
		h.remove(t.ID)
	}
	heap.Push(h, recentCall{at: t.IssuedAt, id: t.ID})
}

func (h *waitHeap) remove(id uint64) {
	if h == nil {
		return
	}
	if i, in := h.at[id]; in {
		heap.Remove(h, i)
	}
}

// oldest returns the issue time of the service's longest-waiting ticket.
func (h *waitHeap) oldest() (time.Time, bool) {
	if h == nil || len(h.items) == 0 {
		return time.Time{}, false
	}
	return h.items[0].at, true
}

// putCounter installs counter c, keeping the count of open counters per
// service.
func (e *Engine) putCounter(c *Counter) {
	if old := e.counters[c.Number]; old != nil && old.State == Open {
		eachService(old, func(p string) { e.openBy[p]-- })
	}
	e.counters[c.Number] = c
	if c.State == Open {
		eachService(c, func(p string) { e.openBy[p]++ })
	}
}

// eachService calls fn once with each service c serves (a prefix listed
// twice counts once).
func eachService(c *Counter, fn func(p string)) {
	var seen uint32 // prefixes are one letter A–Z (Config.Validate)
	for i, p := range c.Services {
		if len(p) == 1 && p[0] >= 'A' && p[0] <= 'Z' {
			if bit := uint32(1) << (p[0] - 'A'); seen&bit == 0 {
				seen |= bit
				fn(p)
			}
		} else if slices.Index(c.Services, p) == i {
			fn(p)
		}
	}
}

// LastFinished returns the ticket counter n finished last today (status
// done), if any.
func (e *Engine) LastFinished(n int) (Ticket, bool) {
	k, ok := e.live.lastDone[n]
	if !ok {
		return Ticket{}, false
	}
	t := e.tickets[k.id]
	if t == nil || t.Status != Done || t.Counter != n {
		return Ticket{}, false
	}
	return *t, true
}

// DoneFrom returns the ids of today's tickets that became done, in the
// order they did, from the i-th on (the hall expires unrated services with
// a cursor into it instead of looking at every ticket of the day).
func (e *Engine) DoneFrom(i int) []uint64 {
	if i < 0 || i >= len(e.live.done) {
		return nil
	}
	return slices.Clone(e.live.done[i:])
}

// StatusCounts returns how many of today's tickets are in each status.
func (e *Engine) StatusCounts() map[Status]int {
	out := make(map[Status]int, len(e.live.statuses))
	for s, n := range e.live.statuses {
		if n != 0 {
			out[s] = n
		}
	}
	return out
}

// Issued returns how many tickets were issued today (transfers not counted).
func (e *Engine) Issued() int {
	n := 0
	for _, c := range e.issued {
		n += c
	}
	return n
}

// ServiceFigures are a service's live figures (ServiceView less the
// service record).
type ServiceFigures struct {
	Prefix         string `json:"prefix"`
	Waiting        int    `json:"waiting"`
	EstimatedWaitS int    `json:"estimated_wait_s"`
	LongestWaitS   int    `json:"longest_wait_s"`
	OpenCounters   int    `json:"open_counters"`
}

// Figures are what a snapshot derives from the records, without the
// records: what the websocket hub needs after every event to tell what the
// event changed (it takes the whole Snapshot only when it sends it).
type Figures struct {
	Day      string
	Open     bool
	Services []ServiceFigures // in the snapshot's order
	Counters []int            // counter numbers in order
	Recent   []uint64         // ids of the latest calls, newest first
}

// Figures returns the live figures now, as Snapshot would show them. Its
// cost depends on the hall's services and counters, not on the day's
// tickets.
func (e *Engine) Figures(now time.Time) Figures {
	f := Figures{Day: e.day, Open: e.OpenAt(now), Services: make([]ServiceFigures, 0, len(e.order)),
		Counters: slices.Clone(e.numbers), Recent: make([]uint64, len(e.live.recent))}
	sh := e.newEstShared()
	for _, p := range e.order {
		f.Services = append(f.Services, e.serviceFiguresWith(sh, p, now))
	}
	for i, r := range e.live.recent {
		f.Recent[i] = r.id
	}
	return f
}

func (e *Engine) serviceFiguresWith(sh *estShared, p string, now time.Time) ServiceFigures {
	f := ServiceFigures{Prefix: p, Waiting: e.live.queuedCount(p), OpenCounters: e.openBy[p]}
	if at, ok := e.live.queued[p].oldest(); ok {
		f.LongestWaitS = max(0, int(now.Sub(at).Seconds()))
	}
	f.EstimatedWaitS = e.estimateWith(sh, p, f.Waiting, now)
	return f
}
