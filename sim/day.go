package sim

import (
	"container/heap"
	"slices"
	"time"

	"hallq/i18n"
	"hallq/queue"
)

// arrival is one customer of a simulated day.
type arrival struct {
	at       int32 // seconds after local midnight
	service  string
	priority queue.Priority
	item     string
	serviceS int32  // how long the service takes once they sit down
	walkS    int32  // from the call to the counter
	noShow   bool   // does not come when called
	transfer string // service the clerk transfers them to ("" none)
	patience int32  // gives up after waiting this long (0: never)
	tracking string
	rating   int // 1–5 given on the keypad after the service, 0 none
	idx      int // index in the day's arrivals (for Replay)
}

// pause is a break of a clerk at AtS for DurS seconds.
type pause struct {
	at, dur int32
	reason  string
}

// shift is a counter's day: who sits there, when it opens and closes, and
// the pauses the clerk takes.
type shift struct {
	counter     int
	clerk       queue.Clerk
	open, close int32
	pauses      []pause
}

const (
	kArrive = iota
	kOpen
	kClose
	kPause
	kResume
	kWalked
	kRecall
	kNoShow
	kEnd
	kAbandon
)

type simEv struct {
	at   int32
	seq  int
	kind int
	n    int    // counter, shift or arrival index
	id   uint64 // ticket
}

type evHeap []simEv

func (h evHeap) Len() int { return len(h) }
func (h evHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}
func (h evHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *evHeap) Push(x any)   { *h = append(*h, x.(simEv)) }
func (h *evHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

type desk struct {
	shift    *shift
	services []string
	open     bool // signed in
	busy     bool // has a called ticket
	paused   bool
	closing  bool
	pending  []pause // pauses due while busy
	ticket   uint64
}

// dayRun drives the engine through one day.
type dayRun struct {
	eng      *queue.Engine
	midnight time.Time
	arrivals []arrival
	desks    map[int]*desk
	order    []int // counter numbers in the order idle counters are tried
	customer map[uint64]*arrival
	h        evHeap
	seq      int
	// emit receives every event the engine produced, with its actor.
	emit func(ev queue.Event, actor string)
	// called receives the first call of each arrival (Replay).
	called func(a *arrival, waitS int32)
	// rated receives the keypad rating of a finished ticket.
	rated func(t queue.Ticket, a *arrival, at time.Time)
}

func (d *dayRun) push(at int32, kind, n int, id uint64) {
	d.seq++
	heap.Push(&d.h, simEv{at: at, seq: d.seq, kind: kind, n: n, id: id})
}

func (d *dayRun) at(s int32) time.Time { return d.midnight.Add(time.Duration(s) * time.Second) }

func (d *dayRun) out(ev queue.Event, err error, actor string) bool {
	if err != nil {
		return false
	}
	if d.emit != nil {
		d.emit(ev, actor)
	}
	return true
}

// as returns out for actor, so a command's (Event, error) passes straight in.
func (d *dayRun) as(actor string) func(queue.Event, error) bool {
	return func(ev queue.Event, err error) bool { return d.out(ev, err, actor) }
}

// run plays the day: shifts open and close, customers arrive, counters call
// and serve, until nothing is left to happen.
func (d *dayRun) run(shifts []shift) {
	d.desks = map[int]*desk{}
	d.customer = map[uint64]*arrival{}
	for i := range shifts {
		s := &shifts[i]
		k := &desk{shift: s}
		if c, ok := d.eng.Counter(s.counter); ok {
			k.services = c.Services
		}
		d.desks[s.counter] = k
		d.order = append(d.order, s.counter)
		d.push(s.open, kOpen, s.counter, 0)
		d.push(s.close, kClose, s.counter, 0)
		for _, p := range s.pauses {
			d.push(p.at, kPause, s.counter, 0)
		}
	}
	for i := range d.arrivals {
		d.push(d.arrivals[i].at, kArrive, i, 0)
	}
	last := int32(0)
	for d.h.Len() > 0 {
		e := heap.Pop(&d.h).(simEv)
		last = e.at
		d.step(e)
	}
	// Whoever still waits when the last counter has closed (their service
	// had no counter left) is seen out by the duty manager.
	for _, t := range d.eng.Tickets() {
		if t.Status == queue.Waiting && d.emit != nil {
			d.as("system")(d.eng.Cancel(t.ID, i18n.Bilingual("sim.note_hall_closed"), d.at(last+60)))
		}
	}
	// Anyone still signed in (a shift with work left) leaves.
	for _, n := range d.order {
		if k := d.desks[n]; k.open && !k.busy {
			d.as(k.shift.clerk.User)(d.eng.SignOut(n, d.at(k.shift.close+3600)))
		}
	}
}

func (d *dayRun) step(e simEv) {
	now := d.at(e.at)
	switch e.kind {
	case kArrive:
		d.arrive(e, now)
	case kOpen:
		k := d.desks[e.n]
		if d.as(k.shift.clerk.User)(d.eng.SignIn(e.n, k.shift.clerk, now)) {
			k.open = true
			d.tryCall(e.at, e.n)
		}
	case kClose:
		k := d.desks[e.n]
		k.closing = true
		if k.open && !k.busy && !k.paused {
			d.free(e.at, e.n)
		}
	case kPause:
		d.pauseDue(e)
	case kResume:
		k := d.desks[e.n]
		if d.as(k.shift.clerk.User)(d.eng.Resume(e.n, now)) {
			k.paused = false
			d.free(e.at, e.n)
		}
	case kWalked:
		d.walked(e)
	case kRecall:
		k := d.desks[e.n]
		d.as(k.shift.clerk.User)(d.eng.Recall(e.n, k.shift.clerk.User, now))
		d.push(e.at+60, kNoShow, e.n, 0)
	case kNoShow:
		k := d.desks[e.n]
		if d.as(k.shift.clerk.User)(d.eng.NoShow(e.n, k.shift.clerk.User, now)) {
			k.busy, k.ticket = false, 0
			d.free(e.at, e.n)
		}
	case kEnd:
		d.end(e, now)
	case kAbandon:
		if t, ok := d.eng.Ticket(e.id); ok && t.Status == queue.Waiting {
			d.as("kiosk")(d.eng.Cancel(e.id, i18n.Bilingual("sim.note_customer_left"), now))
		}
	}
}

// arrive issues an arriving customer's ticket and offers it to the idle
// counters; a customer with limited patience leaves later if not called.
func (d *dayRun) arrive(e simEv, now time.Time) {
	a := &d.arrivals[e.n]
	ev, err := d.eng.Issue(queue.IssueRequest{Service: a.service, Priority: a.priority, Item: a.item, Tracking: a.tracking}, now)
	if !d.out(ev, err, "kiosk") {
		return
	}
	id := ev.Ticket
	d.customer[id] = a
	if a.patience > 0 {
		d.push(e.at+a.patience, kAbandon, 0, id)
	}
	d.offer(e.at, id)
}

// pauseDue starts a planned pause, or keeps it for when the counter's
// customer is done.
func (d *dayRun) pauseDue(e simEv) {
	k := d.desks[e.n]
	var p pause
	for _, q := range k.shift.pauses {
		if q.at == e.at {
			p = q
		}
	}
	if !k.open || k.closing || k.paused {
		return
	}
	if k.busy {
		k.pending = append(k.pending, p)
		return
	}
	d.pause(e.at, e.n, p)
}

// walked is a called customer reaching the counter (or, a no-show, not:
// the clerk recalls in 30 s); their service ends after its duration.
func (d *dayRun) walked(e simEv) {
	k := d.desks[e.n]
	a := d.customer[k.ticket]
	if a != nil && a.noShow {
		d.push(e.at+30, kRecall, e.n, 0)
		return
	}
	dur := int32(180)
	if a != nil {
		dur = a.serviceS
	}
	d.push(e.at+dur, kEnd, e.n, 0)
}

// end finishes the counter's customer, or transfers them to their next
// service (served in half the time, at least a minute), and frees the
// counter.
func (d *dayRun) end(e simEv, now time.Time) {
	k := d.desks[e.n]
	a := d.customer[k.ticket]
	if a != nil && a.transfer != "" {
		ev, err := d.eng.Transfer(e.n, queue.TransferRequest{Service: a.transfer}, k.shift.clerk.User, now)
		if d.out(ev, err, k.shift.clerk.User) {
			next := *a
			next.service, next.transfer, next.noShow, next.patience = a.transfer, "", false, 0
			next.serviceS = max(60, a.serviceS/2)
			next.idx = -1
			d.customer[ev.Ticket] = &next
			k.busy, k.ticket = false, 0
			d.offer(e.at, ev.Ticket)
			d.free(e.at, e.n)
		}
		return
	}
	ev, err := d.eng.Finish(e.n, k.shift.clerk.User, "", now)
	if d.out(ev, err, k.shift.clerk.User) {
		if a != nil && a.rating > 0 && d.rated != nil && len(ev.Tickets) > 0 {
			d.rated(ev.Tickets[0], a, now)
		}
		k.busy, k.ticket = false, 0
		d.free(e.at, e.n)
	}
}

// offer lets the idle counters call a new waiting ticket.
func (d *dayRun) offer(at int32, id uint64) {
	t, ok := d.eng.Ticket(id)
	if !ok {
		return
	}
	for _, n := range d.order {
		if k := d.desks[n]; k.open && !k.busy && !k.paused && slices.Contains(k.services, t.Service) {
			d.tryCall(at, n)
			if t, ok = d.eng.Ticket(id); !ok || t.Status != queue.Waiting {
				return
			}
		}
	}
}

// free is a counter with nothing in hand: it takes a pending pause, leaves
// at the end of its shift when no one is left for it, or calls the next.
func (d *dayRun) free(at int32, n int) {
	k := d.desks[n]
	if len(k.pending) > 0 && !k.closing {
		p := k.pending[0]
		k.pending = k.pending[1:]
		d.pause(at, n, p)
		return
	}
	if d.tryCall(at, n) {
		return
	}
	if k.closing && k.open {
		if d.as(k.shift.clerk.User)(d.eng.SignOut(n, d.at(at))) {
			k.open = false
		}
	}
}

func (d *dayRun) pause(at int32, n int, p pause) {
	k := d.desks[n]
	if d.as(k.shift.clerk.User)(d.eng.Pause(n, p.reason, d.at(at))) {
		k.paused = true
		d.push(at+p.dur, kResume, n, 0)
	}
}

// tryCall calls the next ticket at counter n; false when no one waits for it.
func (d *dayRun) tryCall(at int32, n int) bool {
	k := d.desks[n]
	if !k.open || k.busy || k.paused {
		return false
	}
	ev, found, err := d.eng.CallNext(n, k.shift.clerk.User, d.at(at))
	if err != nil || !found {
		return false
	}
	d.out(ev, nil, k.shift.clerk.User)
	k.busy, k.ticket = true, ev.Ticket
	walk := int32(25)
	if a := d.customer[ev.Ticket]; a != nil {
		walk = a.walkS
		if d.called != nil && a.idx >= 0 && len(ev.Tickets) > 0 && ev.Tickets[0].Recalls == 0 && ev.Tickets[0].CalledAt != nil {
			d.called(a, int32(ev.Tickets[0].CalledAt.Sub(ev.Tickets[0].IssuedAt)/time.Second))
		}
	}
	d.push(at+walk, kWalked, n, 0)
	return true
}
