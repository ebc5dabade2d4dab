package hall_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"
	_ "time/tzdata"

	"hallq/account"
	"hallq/hall"
	"hallq/hall/store"
	"hallq/queue"
)

var (
	ctx      = context.Background()
	quiet    = slog.New(slog.NewTextHandler(io.Discard, nil))
	shanghai = mustZone("Asia/Shanghai")
	// monday10 is Monday 2026-11-23 10:00 in the hall's time zone: the
	// default hall is open (08:30–17:30).
	monday10 = time.Date(2026, 11, 23, 10, 0, 0, 0, shanghai)
	kiosk    = hall.Principal{Kind: "device", Name: "取号机1", Role: hall.KindKiosk}
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// clock is an injected clock the test moves by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fixture is a hall under test and what it needs to reopen it.
type fixture struct {
	t      *testing.T
	dir    string
	clock  *clock
	always bool
	h      *hall.Hall
}

// newFixture opens a hall in a fresh directory. always: no opening hours.
func newFixture(t *testing.T, now time.Time, always bool) *fixture {
	t.Helper()
	f := &fixture{t: t, dir: t.TempDir(), clock: newClock(now), always: always}
	f.open()
	return f
}

// open opens the hall in f.dir; when the test ends it is checked and closed.
func (f *fixture) open() *hall.Hall {
	f.t.Helper()
	h, err := hall.Open(hall.Options{Dir: f.dir, Now: f.clock.Now, Logger: quiet, AlwaysOpen: f.always, Tick: time.Hour})
	if err != nil {
		f.t.Fatalf("open hall: %v", err)
	}
	h.Authorise(account.Rules{}) // who may work a counter (the kernel alone refuses everyone)
	f.h = h
	f.t.Cleanup(func() { checkClose(f.t, h) })
	return h
}

// restart checks and closes the hall, then opens it again.
func (f *fixture) restart() *hall.Hall {
	f.t.Helper()
	checkClose(f.t, f.h)
	return f.open()
}

// checkClose runs the store's full check (bbolt's pages, every value, the
// rules of the data) on the hall's store and closes the hall; a hall closed
// already is left alone.
func checkClose(t *testing.T, h *hall.Hall) {
	t.Helper()
	if h.Ping(ctx) != nil { // closed already
		return
	}
	if _, err := h.Store().Verify(); err != nil {
		t.Errorf("store check: %v", err)
	}
	if err := h.Close(); err != nil {
		t.Errorf("close hall: %v", err)
	}
}

// clerk signs the clerk name in at counter n (0: no counter) through the
// kernel alone, as account's sign-in does once it has checked the password:
// the engine's sign-in at the counter, then the login event the audit lists.
// It returns the principal the kernel's commands take; accounts, passwords
// and sessions are account's, and its tests cover them.
func (f *fixture) clerk(name string, n int) hall.Principal {
	f.t.Helper()
	return f.signIn(hall.Principal{Kind: "user", Name: name, Role: hall.RoleClerk, Display: "职员" + name}, n)
}

// manager signs the manager "boss" in, without a counter.
func (f *fixture) manager() hall.Principal {
	f.t.Helper()
	return f.signIn(hall.Principal{Kind: "user", Name: "boss", Role: hall.RoleManager}, 0)
}

func (f *fixture) signIn(p hall.Principal, n int) hall.Principal {
	f.t.Helper()
	if n != 0 {
		ck := queue.Clerk{User: p.Name, Name: p.Display}
		if _, err := f.h.Exec(p.Actor(), func(tx *hall.Tx) (queue.Event, error) {
			return tx.Engine().SignIn(n, ck, tx.Now())
		}); err != nil {
			f.t.Fatalf("sign %s in at %d: %v", p.Name, n, err)
		}
		p.Counter = n
	}
	if _, err := f.h.Exec(p.Actor(), func(tx *hall.Tx) (queue.Event, error) {
		return queue.Event{Type: queue.EvLoggedIn, At: tx.Now(), Day: tx.Engine().Day(), Counter: n}, nil
	}); err != nil {
		f.t.Fatalf("log %s in: %v", p.Name, err)
	}
	return p
}

func (f *fixture) issue(svc string) queue.Ticket {
	f.t.Helper()
	t, err := f.h.Issue(ctx, kiosk, hall.IssueRequest{Service: svc})
	if err != nil {
		f.t.Fatalf("issue %s: %v", svc, err)
	}
	return t
}

func (f *fixture) op(p hall.Principal, n int, action string) queue.Ticket {
	f.t.Helper()
	t, err := f.h.Operate(ctx, p, n, hall.CounterOp{Action: action})
	if err != nil {
		f.t.Fatalf("%s at counter %d: %v", action, n, err)
	}
	return t
}

// sameJSON fails the test unless got and want encode to the same JSON.
func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if !bytes.Equal(g, w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// recorder collects what listeners are told, and checks every event against
// the view it comes with.
type recorder struct {
	mu       sync.Mutex
	events   []queue.Event
	problems []string
}

func (r *recorder) listen(h *hall.Hall) (cancel func()) {
	return h.Listen(func(ev queue.Event, view *queue.Engine) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.events = append(r.events, ev)
		for _, t := range ev.Tickets {
			if t.Day != view.Day() {
				continue
			}
			if got, ok := view.Ticket(t.ID); !ok || got.Rev != t.Rev || got.Status != t.Status {
				r.problems = append(r.problems, fmt.Sprintf("seq %d: view has ticket %d as %+v, event says rev %d %s", ev.Seq, t.ID, got, t.Rev, t.Status))
			}
		}
		for _, c := range ev.Counters {
			if got, ok := view.Counter(c.Number); !ok || got.Rev != c.Rev || got.Current != c.Current || got.State != c.State || got.Clerk != c.Clerk {
				r.problems = append(r.problems, fmt.Sprintf("seq %d: view has counter %d as %+v, event says %+v", ev.Seq, c.Number, got, c))
			}
		}
		if ev.Type == queue.EvDayRolled && view.Day() != ev.Day {
			r.problems = append(r.problems, fmt.Sprintf("seq %d: rolled to %s, view at %s", ev.Seq, ev.Day, view.Day()))
		}
	})
}

func (r *recorder) get() ([]queue.Event, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events), slices.Clone(r.problems)
}

func types(evs []queue.Event) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Type)
	}
	return out
}

// TestRoundTrip: a ticket is issued, called, served and finished; each step
// is in the committed state and the store when the call returns.
func TestRoundTrip(t *testing.T) {
	f := newFixture(t, monday10, false)
	clerk := f.clerk("clerk1", 1)

	f.clock.Add(time.Minute)
	a := f.issue("A")
	if a.Number != "A001" || a.Serial != 1 || a.Service != "A" || a.Status != queue.Waiting || a.Priority != queue.Normal ||
		a.Day != "2026-11-23" || !a.IssuedAt.Equal(f.clock.Now()) || a.Ahead != 0 || len(a.Tracking) != 12 || a.ID == 0 {
		t.Errorf("issued %+v", a)
	}
	if got, err := f.h.Ticket(a.ID); err != nil || got.Status != queue.Waiting {
		t.Errorf("Ticket after issue: %+v %v", got, err)
	}
	if w := f.h.Waiting(1); len(w) != 1 || w[0].ID != a.ID {
		t.Errorf("waiting at counter 1: %+v", w)
	}

	f.clock.Add(2 * time.Minute)
	c := f.op(clerk, 1, "call")
	if c.ID != a.ID || c.Status != queue.Called || c.Counter != 1 || c.Clerk != "clerk1" || c.CalledAt == nil || !c.CalledAt.Equal(f.clock.Now()) {
		t.Errorf("called %+v", c)
	}
	f.clock.Add(time.Minute)
	if s := f.op(clerk, 1, "start"); s.Status != queue.Serving || s.StartedAt == nil {
		t.Errorf("started %+v", s)
	}
	f.clock.Add(4 * time.Minute)
	d, err := f.h.Operate(ctx, clerk, 1, hall.CounterOp{Action: "finish", Item: "pay_bill"})
	if err != nil || d.Status != queue.Done || d.FinishedAt == nil || d.Item != "pay_bill" {
		t.Errorf("finished %+v %v", d, err)
	}
	if _, err := f.h.Operate(ctx, clerk, 1, hall.CounterOp{Action: "call"}); !errors.Is(err, hall.ErrNoOneWaiting) {
		t.Errorf("call with no one waiting: %v", err)
	}

	snap, seq := f.h.Snapshot()
	if seq != 6 || snap.Counters[0].Current != 0 || snap.Counters[0].ServedToday != 1 || snap.Counters[0].Clerk != "clerk1" || snap.Services[0].Waiting != 0 {
		t.Errorf("snapshot at seq %d: %+v", seq, snap.Counters[0])
	}
	stored, err := f.h.Store().Tickets("2026-11-23", "2026-11-23")
	if err != nil || len(stored) != 1 {
		t.Fatalf("stored %+v %v", stored, err)
	}
	sameJSON(t, "stored ticket", stored[0], d)
	evs, _ := f.h.Events(0, 100)
	want := []string{queue.EvSignedIn, queue.EvLoggedIn, queue.EvIssued, queue.EvCalled, queue.EvStarted, queue.EvFinished}
	if got := types(evs); !slices.Equal(got, want) {
		t.Errorf("event log %v, want %v", got, want)
	}
	for i, ev := range evs {
		if ev.Seq != uint64(i+1) {
			t.Errorf("event %d has seq %d", i, ev.Seq)
		}
	}
	if evs[2].Actor != "device:取号机1" || evs[3].Actor != "user:clerk1" {
		t.Errorf("actors %q %q", evs[2].Actor, evs[3].Actor)
	}
	tr, err := f.h.Track(a.Tracking)
	if err != nil || tr.ID != a.ID || tr.Status != queue.Done {
		t.Errorf("track: %+v %v", tr, err)
	}
}

// TestListen: listeners get every committed event once, in sequence order,
// with the committed state just after it; cancel stops them.
func TestListen(t *testing.T) {
	f := newFixture(t, monday10, true)
	clerk := f.clerk("clerk1", 1)
	_, seq0 := f.h.Snapshot()
	var r recorder
	cancel := r.listen(f.h)

	var ids []uint64
	for _, svc := range []string{"A", "D", "A"} {
		f.clock.Add(time.Minute)
		ids = append(ids, f.issue(svc).ID)
	}
	f.clock.Add(time.Minute)
	f.op(clerk, 1, "call")
	f.op(clerk, 1, "recall")
	f.op(clerk, 1, "no-show")
	f.op(clerk, 1, "call")
	if _, err := f.h.Operate(ctx, clerk, 1, hall.CounterOp{Action: "transfer", Service: "E"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.h.Operate(ctx, clerk, 1, hall.CounterOp{Action: "pause", Reason: "午休"}); err != nil {
		t.Fatal(err)
	}
	f.op(clerk, 1, "resume")

	evs, problems := r.get()
	for _, p := range problems {
		t.Error(p)
	}
	want := []string{queue.EvIssued, queue.EvIssued, queue.EvIssued, queue.EvCalled, queue.EvRecalled, queue.EvNoShow,
		queue.EvCalled, queue.EvTransferred, queue.EvPaused, queue.EvResumed}
	if got := types(evs); !slices.Equal(got, want) {
		t.Fatalf("published %v, want %v", got, want)
	}
	for i, ev := range evs {
		if ev.Seq != seq0+uint64(i+1) {
			t.Errorf("event %d has seq %d, want %d", i, ev.Seq, seq0+uint64(i+1))
		}
	}
	stored, _ := f.h.Events(seq0, 100)
	sameJSON(t, "published events vs the store", evs, stored)
	// Counter 1 serves A before D: A001, then A002.
	if evs[0].Ticket != ids[0] || evs[3].Ticket != ids[0] || evs[6].Ticket != ids[2] {
		t.Errorf("events are about tickets %d %d %d, want %d %d %d", evs[0].Ticket, evs[3].Ticket, evs[6].Ticket, ids[0], ids[0], ids[2])
	}

	cancel()
	f.issue("A")
	if evs, _ := r.get(); len(evs) != len(want) {
		t.Errorf("a cancelled listener got %d more events", len(evs)-len(want))
	}
}

// TestConcurrent: 64 kiosks issue while three counters call and finish. Every
// ticket returned exists once, numbers are unique and gap-free per service,
// no ticket is called twice, and the published events are gap-free and in
// order, the same as the store's.
func TestConcurrent(t *testing.T) {
	f := newFixture(t, monday10, true)
	counters := []int{1, 2, 5} // all serve A and D
	var clerks []hall.Principal
	for i, n := range counters {
		p := f.clerk(fmt.Sprintf("clerk%d", i+1), n)
		clerks = append(clerks, p)
	}
	_, seq0 := f.h.Snapshot()
	var r recorder
	r.listen(f.h)

	const kiosks, each = 64, 12
	issued := make([][]queue.Ticket, kiosks)
	var issuers sync.WaitGroup
	for k := range kiosks {
		issuers.Add(1)
		go func() {
			defer issuers.Done()
			for i := range each {
				svc := []string{"A", "D"}[(k+i)%2]
				tk, err := f.h.Issue(ctx, kiosk, hall.IssueRequest{Service: svc})
				if err != nil {
					t.Errorf("kiosk %d: issue %s: %v", k, svc, err)
					return
				}
				issued[k] = append(issued[k], tk)
			}
		}()
	}
	done := make(chan struct{})
	go func() { issuers.Wait(); close(done) }()

	called := make([][]queue.Ticket, len(counters))
	var desks sync.WaitGroup
	for i, n := range counters {
		desks.Add(1)
		go func() {
			defer desks.Done()
			for {
				finished := false
				select {
				case <-done:
					finished = true
				default:
				}
				tk, err := f.h.Operate(ctx, clerks[i], n, hall.CounterOp{Action: "call"})
				if errors.Is(err, hall.ErrNoOneWaiting) {
					if finished {
						return
					}
					time.Sleep(time.Millisecond)
					continue
				} else if err != nil {
					t.Errorf("counter %d call: %v", n, err)
					return
				}
				called[i] = append(called[i], tk)
				if _, err := f.h.Operate(ctx, clerks[i], n, hall.CounterOp{Action: "finish"}); err != nil {
					t.Errorf("counter %d finish: %v", n, err)
					return
				}
			}
		}()
	}
	desks.Wait()
	if t.Failed() {
		t.FailNow()
	}

	// Every ticket returned is unique, numbered 1..n per service.
	byID := map[uint64]queue.Ticket{}
	serials := map[string][]int{}
	for _, list := range issued {
		for _, tk := range list {
			if _, dup := byID[tk.ID]; dup {
				t.Errorf("ticket id %d returned twice", tk.ID)
			}
			byID[tk.ID] = tk
			serials[tk.Service] = append(serials[tk.Service], tk.Serial)
		}
	}
	if len(byID) != kiosks*each {
		t.Errorf("%d tickets, want %d", len(byID), kiosks*each)
	}
	for svc, s := range serials {
		slices.Sort(s)
		for i, n := range s {
			if n != i+1 {
				t.Fatalf("service %s: serials %v are not 1..%d", svc, s, len(s))
			}
		}
	}
	// Each ticket was called exactly once and is done, in the store too.
	calledOnce := map[uint64]int{}
	for _, list := range called {
		for _, tk := range list {
			calledOnce[tk.ID]++
		}
	}
	stored, err := f.h.Store().Tickets("2026-11-23", "2026-11-23")
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != len(byID) {
		t.Errorf("store holds %d tickets, want %d", len(stored), len(byID))
	}
	numbers := map[string]bool{}
	for _, tk := range stored {
		want, ok := byID[tk.ID]
		if !ok || want.Number != tk.Number || tk.Status != queue.Done || calledOnce[tk.ID] != 1 {
			t.Errorf("stored ticket %d %s %s called %d times; issued as %+v", tk.ID, tk.Number, tk.Status, calledOnce[tk.ID], want)
		}
		if numbers[tk.Number] {
			t.Errorf("number %s stored twice", tk.Number)
		}
		numbers[tk.Number] = true
	}

	// Events: gap-free, in order, the same as the store's, views consistent.
	evs, problems := r.get()
	for _, p := range problems {
		t.Error(p)
	}
	for i, ev := range evs {
		if ev.Seq != seq0+uint64(i+1) {
			t.Fatalf("published event %d has seq %d, want %d", i, ev.Seq, seq0+uint64(i+1))
		}
	}
	if want := kiosks*each + 2*len(byID); len(evs) != want {
		t.Errorf("%d events published, want %d", len(evs), want)
	}
	storedEvs, _ := f.h.Events(seq0, 10*len(evs))
	sameJSON(t, "published events vs the store", types(evs), types(storedEvs))
	snap, seq := f.h.Snapshot()
	if seq != seq0+uint64(len(evs)) {
		t.Errorf("snapshot at seq %d, want %d", seq, seq0+uint64(len(evs)))
	}
	for _, s := range snap.Services {
		if s.Waiting != 0 {
			t.Errorf("service %s: %d still waiting", s.Prefix, s.Waiting)
		}
	}
}

// TestRestart: closing and opening the hall again restores the live queue
// exactly, and numbering and sessions carry on.
func TestRestart(t *testing.T) {
	f := newFixture(t, monday10, false)
	c1 := f.clerk("clerk1", 1)
	c2 := f.clerk("clerk2", 2)
	c5 := f.clerk("clerk5", 5)
	var last queue.Ticket
	for _, svc := range []string{"A", "D", "A", "E", "A", "D", "B", "A", "E", "F"} {
		f.clock.Add(time.Minute)
		last = f.issue(svc)
	}
	f.clock.Add(time.Minute)
	f.op(c1, 1, "call")
	f.clock.Add(time.Minute)
	f.op(c2, 2, "call")
	f.clock.Add(time.Minute)
	f.op(c2, 2, "start")
	f.clock.Add(time.Minute)
	f.op(c5, 5, "call")
	f.clock.Add(time.Minute)
	f.op(c5, 5, "finish")
	f.clock.Add(time.Minute)
	if _, err := f.h.Operate(ctx, c5, 5, hall.CounterOp{Action: "pause", Reason: "取资料"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Minute)
	before, seqBefore := f.h.Snapshot()
	waitingBefore := [][]queue.Ticket{f.h.Waiting(1), f.h.Waiting(3)}

	f.restart()
	after, seqAfter := f.h.Snapshot()
	sameJSON(t, "snapshot after restart", after, before)
	if seqAfter != seqBefore {
		t.Errorf("seq %d after restart, was %d", seqAfter, seqBefore)
	}
	sameJSON(t, "waiting lists after restart", [][]queue.Ticket{f.h.Waiting(1), f.h.Waiting(3)}, waitingBefore)

	// clerk1 still holds counter 1 (that the session survives too is
	// account's TestSessionSurvivesRestart).
	if tk := f.op(c1, 1, "finish"); tk.Status != queue.Done {
		t.Errorf("finish after restart: %+v", tk)
	}
	f.clock.Add(time.Minute)
	next := f.issue("A")
	if next.Number != "A005" || next.ID != last.ID+1 {
		t.Errorf("first ticket after restart: %s id %d, want A005 id %d", next.Number, next.ID, last.ID+1)
	}
	evs, _ := f.h.Events(seqBefore, 10)
	if len(evs) != 2 || evs[0].Seq != seqBefore+1 || evs[0].Type != queue.EvFinished {
		t.Errorf("events after restart: %v", types(evs))
	}
}

// TestRolloverOnRestart: a hall opened on a later day cancels the old day's
// open tickets, closes the counters and numbers from 001 again; a clerk who
// signs in on the new day stays signed in across another restart.
func TestRolloverOnRestart(t *testing.T) {
	f := newFixture(t, monday10, false)
	c1 := f.clerk("clerk1", 1)
	a1, a2, d1 := f.issue("A"), f.issue("A"), f.issue("D")
	f.op(c1, 1, "call") // A001 is at the counter when the day ends
	f.clock.Add(time.Minute)
	b1 := f.issue("B")
	f.clock.Add(time.Minute)
	c2 := f.clerk("clerk2", 2)
	f.op(c2, 2, "call") // A002: counter 2 serves A before D
	f.op(c2, 2, "finish")
	checkClose(t, f.h)

	tuesday := time.Date(2026, 11, 24, 9, 0, 0, 0, shanghai)
	f.clock.Set(tuesday)
	f.open()
	snap, _ := f.h.Snapshot()
	if snap.Day != "2026-11-24" || !snap.Open {
		t.Errorf("snapshot day %s open %v", snap.Day, snap.Open)
	}
	for _, s := range snap.Services {
		if s.Waiting != 0 {
			t.Errorf("service %s: %d waiting on the new day", s.Prefix, s.Waiting)
		}
	}
	for _, c := range snap.Counters {
		if c.State != queue.Closed || c.Clerk != "" || c.Current != 0 || c.ServedToday != 0 || c.Ticket != nil {
			t.Errorf("counter %d on the new day: %+v", c.Number, c.Counter)
		}
	}
	old, err := f.h.Store().Tickets("2026-11-23", "2026-11-23")
	if err != nil || len(old) != 4 {
		t.Fatalf("old day: %+v %v", old, err)
	}
	want := map[uint64]queue.Status{a1.ID: queue.Cancelled, a2.ID: queue.Done, d1.ID: queue.Cancelled, b1.ID: queue.Cancelled}
	for _, tk := range old {
		if tk.Status != want[tk.ID] {
			t.Errorf("old ticket %s: %s, want %s", tk.Number, tk.Status, want[tk.ID])
		}
		if tk.Status == queue.Cancelled && (tk.FinishedAt == nil || !tk.FinishedAt.Equal(tuesday) || tk.Note == "") {
			t.Errorf("old ticket %s cancelled at %v with note %q", tk.Number, tk.FinishedAt, tk.Note)
		}
	}
	evs, _ := f.h.Events(0, 100)
	if last := evs[len(evs)-1]; last.Type != queue.EvDayRolled || last.Day != "2026-11-24" || last.Actor != "system" || len(last.Tickets) != 3 {
		t.Errorf("last event %s day %s actor %s with %d tickets", last.Type, last.Day, last.Actor, len(last.Tickets))
	}

	// Yesterday's sign-in is gone (and its session has expired: account's
	// TestSessionEndsWithTheDay): the clerk signs in again.
	if _, err := f.h.Operate(ctx, c1, 1, hall.CounterOp{Action: "call"}); queue.ErrorCode(err) != queue.EFORBIDDEN {
		t.Errorf("call with yesterday's sign-in: %v, want %s", err, queue.EFORBIDDEN)
	}
	c1 = f.clerk("clerk1", 1)

	// A restart before the day's first ticket keeps the new day's state.
	f.clock.Add(10 * time.Minute)
	f.restart()
	if c, ok := counterOf(f.h, 1); !ok || c.State != queue.Open || c.Clerk != "clerk1" {
		t.Errorf("counter 1 after a restart on the new day: %+v", c)
	}
	seqs, _ := f.h.Events(0, 1000)
	if n := len(seqs); seqs[n-1].Type != queue.EvLoggedIn { // the sign-in, then the login
		t.Errorf("the restart added %s", seqs[n-1].Type)
	}

	n1 := f.issue("A")
	if n1.Number != "A001" || n1.Day != "2026-11-24" || n1.ID != b1.ID+1 {
		t.Errorf("first ticket of the new day: %s %s id %d", n1.Number, n1.Day, n1.ID)
	}
	if tk := f.op(c1, 1, "call"); tk.ID != n1.ID {
		t.Errorf("called %s, want the new A001", tk.Number)
	}
}

func counterOf(h *hall.Hall, n int) (c queue.Counter, ok bool) {
	h.Read(func(v *queue.Engine, _ uint64) { c, ok = v.Counter(n) })
	return c, ok
}

// TestRolloverWhileRunning: at local midnight the running hall rolls over by
// itself (its ticker), and the next command sees the new day.
func TestRolloverWhileRunning(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(time.Date(2026, 11, 23, 23, 58, 0, 0, shanghai))
	h, err := hall.Open(hall.Options{Dir: dir, Now: clk.Now, Logger: quiet, AlwaysOpen: true, Tick: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	h.Authorise(account.Rules{})
	t.Cleanup(func() { checkClose(t, h) })
	var r recorder
	r.listen(h)
	a, err := h.Issue(ctx, kiosk, hall.IssueRequest{Service: "A"})
	if err != nil || a.Number != "A001" {
		t.Fatalf("issue: %+v %v", a, err)
	}
	clk.Set(time.Date(2026, 11, 24, 0, 0, 1, 0, shanghai))
	deadline := time.Now().Add(5 * time.Second)
	for {
		if snap, _ := h.Snapshot(); snap.Day == "2026-11-24" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the hall did not roll over at midnight")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if tk, err := h.Ticket(a.ID); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Errorf("yesterday's ticket is live: %+v %v", tk, err)
	}
	b, err := h.Issue(ctx, kiosk, hall.IssueRequest{Service: "A"})
	if err != nil || b.Number != "A001" || b.Day != "2026-11-24" {
		t.Errorf("first ticket after midnight: %+v %v", b, err)
	}
	evs, problems := r.get()
	for _, p := range problems {
		t.Error(p)
	}
	if got, want := types(evs), []string{queue.EvIssued, queue.EvDayRolled, queue.EvIssued}; !slices.Equal(got, want) {
		t.Errorf("published %v, want %v", got, want)
	}
	old, _ := h.Store().Tickets("2026-11-23", "2026-11-23")
	if len(old) != 1 || old[0].Status != queue.Cancelled {
		t.Errorf("yesterday's ticket in the store: %+v", old)
	}
}

// TestClosedHours: outside opening hours no ticket is issued, and nothing is
// written.
func TestClosedHours(t *testing.T) {
	f := newFixture(t, time.Date(2026, 11, 23, 19, 0, 0, 0, shanghai), false)
	_, seq := f.h.Snapshot()
	if _, err := f.h.Issue(ctx, kiosk, hall.IssueRequest{Service: "A"}); queue.ErrorCode(err) != queue.ECLOSED {
		t.Errorf("issue at 19:00: %v, want %s", err, queue.ECLOSED)
	}
	if _, err := f.h.Issue(ctx, kiosk, hall.IssueRequest{Service: " "}); queue.ErrorCode(err) != queue.EINVALID {
		t.Errorf("issue without a service: %v, want %s", err, queue.EINVALID)
	}
	if _, seq2 := f.h.Snapshot(); seq2 != seq {
		t.Errorf("refused issues moved seq from %d to %d", seq, seq2)
	}
}

// TestFailedCommit: when a commit fails the caller gets an internal error,
// nothing of the command is visible, and the hall reloads its write side from
// the store, so the failed ticket's number is issued again.
func TestFailedCommit(t *testing.T) {
	f := newFixture(t, monday10, true)
	clerk := f.clerk("clerk1", 1)
	var r recorder
	r.listen(f.h)
	f.issue("A") // A001
	disk := errors.New("disk full")
	f.h.SetCommitFault(func([]queue.Event) error { return disk })

	tk, err := f.h.Issue(ctx, kiosk, hall.IssueRequest{Service: "A"})
	if !errors.Is(err, disk) || queue.ErrorCode(err) != queue.EINTERNAL || tk.ID != 0 {
		t.Errorf("issue with a failing disk: %+v %v", tk, err)
	}
	if _, err := f.h.Operate(ctx, clerk, 1, hall.CounterOp{Action: "call"}); queue.ErrorCode(err) != queue.EINTERNAL {
		t.Errorf("call with a failing disk: %v", err)
	}
	snap, _ := f.h.Snapshot()
	if snap.Services[0].Waiting != 1 || snap.Counters[0].Current != 0 {
		t.Errorf("after failed commits: %d waiting for A, counter 1 has %d", snap.Services[0].Waiting, snap.Counters[0].Current)
	}

	f.h.SetCommitFault(nil)
	a2 := f.issue("A")
	if a2.Number != "A002" || a2.ID != 2 {
		t.Errorf("after the disk recovered: %s id %d, want A002 id 2", a2.Number, a2.ID)
	}
	if c := f.op(clerk, 1, "call"); c.Number != "A001" {
		t.Errorf("called %s, want A001", c.Number)
	}
	evs, problems := r.get()
	for _, p := range problems {
		t.Error(p)
	}
	if got, want := types(evs), []string{queue.EvIssued, queue.EvIssued, queue.EvCalled}; !slices.Equal(got, want) {
		t.Errorf("published %v, want %v", got, want)
	}
	stored, _ := f.h.Store().Tickets("2026-11-23", "2026-11-23")
	if len(stored) != 2 || stored[0].Number != "A001" || stored[1].Number != "A002" {
		t.Errorf("stored %+v", stored)
	}
	// The failed events never reached anyone: the sequence goes on after
	// the last durable event, so the log has no hole.
	storedEvs, _ := f.h.Events(0, 100)
	for i, ev := range storedEvs {
		if ev.Seq != uint64(i+1) {
			t.Errorf("stored event %d has sequence %d: a hole in the log", i+1, ev.Seq)
			break
		}
	}
	last := storedEvs[len(storedEvs)-1]
	if last.Seq != evs[2].Seq || evs[1].Seq != evs[0].Seq+1 || evs[2].Seq != evs[1].Seq+1 {
		t.Errorf("sequence numbers: published %d %d %d", evs[0].Seq, evs[1].Seq, evs[2].Seq)
	}
	before, _ := f.h.Snapshot()
	f.restart()
	after, _ := f.h.Snapshot()
	sameJSON(t, "state after restart", after, before)
}

// TestFailedCommitsUnderLoad: commits failing at random among concurrent
// ones leave the live state equal to the store's, numbers unique.
func TestFailedCommitsUnderLoad(t *testing.T) {
	f := newFixture(t, monday10, true)
	// Every commit whose last event has a sequence divisible by 5 fails.
	f.h.SetCommitFault(func(evs []queue.Event) error {
		if evs[len(evs)-1].Seq%5 == 0 {
			return errors.New("disk hiccup")
		}
		return nil
	})
	var wg sync.WaitGroup
	var okMu sync.Mutex
	var ok []queue.Ticket
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				if tk, err := f.h.Issue(ctx, kiosk, hall.IssueRequest{Service: "D"}); err == nil {
					okMu.Lock()
					ok = append(ok, tk)
					okMu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	f.h.SetCommitFault(nil)
	if len(ok) == 16*10 || len(ok) == 0 {
		t.Errorf("%d of 160 issues succeeded; want some to fail", len(ok))
	}
	stored, _ := f.h.Store().Tickets("2026-11-23", "2026-11-23")
	numbers := map[string]bool{}
	for _, tk := range stored {
		if numbers[tk.Number] {
			t.Errorf("number %s stored twice", tk.Number)
		}
		numbers[tk.Number] = true
	}
	for _, tk := range ok {
		if !numbers[tk.Number] {
			t.Errorf("acknowledged %s is not stored", tk.Number)
		}
	}
	next := f.issue("D")
	if numbers[next.Number] {
		t.Errorf("the next ticket reuses %s", next.Number)
	}
	// No hole in the log: commands decided after a failed commit failed too.
	evs, err := f.h.Events(0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	for i, ev := range evs {
		if ev.Seq != uint64(i+1) {
			t.Fatalf("stored event %d has sequence %d: a hole in the log", i+1, ev.Seq)
		}
	}
	before, _ := f.h.Snapshot()
	f.restart()
	after, _ := f.h.Snapshot()
	sameJSON(t, "state after restart", after, before)
}

// TestClosedHallOpensAsStore: a closed hall's directory holds one database
// that opens as a store, with the seeded hall and its tickets.
func TestClosedHallOpensAsStore(t *testing.T) {
	f := newFixture(t, monday10, true)
	f.issue("A")
	checkClose(t, f.h)
	s, err := store.Open(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st, err := s.Load("2026-11-23")
	if err != nil || len(st.Tickets) != 1 || len(st.Services) != 6 || len(st.Counters) != 6 || st.LastDay != "2026-11-23" {
		t.Errorf("store of a closed hall: %d tickets %d services %d counters day %s: %v", len(st.Tickets), len(st.Services), len(st.Counters), st.LastDay, err)
	}
	if err := s.Check(); err != nil {
		t.Error(err)
	}
}

// TestCloseCancelsRunningJob: a scheduled job that is running when the hall
// closes sees its context cancelled (a long backup or sealing pass stops at
// its next check instead of holding the stop for minutes), and Close
// returns once it has.
func TestCloseCancelsRunningJob(t *testing.T) {
	f := newFixture(t, time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC), true)
	started, saw := make(chan struct{}), make(chan error, 1)
	var once sync.Once
	f.h.Every("long job", time.Millisecond, func(ctx context.Context) error {
		once.Do(func() {
			close(started)
			<-ctx.Done() // without the cancel, Close would wait here for ever
			saw <- ctx.Err()
		})
		return nil
	})
	<-started
	if err := f.h.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if err := <-saw; !errors.Is(err, context.Canceled) {
		t.Fatalf("the running job's context: %v, want canceled", err)
	}
}
