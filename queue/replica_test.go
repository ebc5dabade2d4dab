package queue_test

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"hallq/queue"
)

// roll rolls the engine over if the day changed and records the event.
func (f *fx) roll() (queue.Event, bool) {
	f.t.Helper()
	before := capture(f.e, f.now)
	ev, ok := f.e.Roll(f.now)
	if !ok {
		return ev, false
	}
	checkRoll(f.t, before, f.e, ev, f.now)
	f.record(ev)
	return ev, true
}

// checkRoll checks a roll event (Engine.Roll, the running hall's) against
// the state before it: on the next day a customer at a counter stays there
// with the clerk, and every signed-in clerk stays when the hall is open
// across midnight; over a gap of days everything open ends.
func checkRoll(t testing.TB, before state, e *queue.Engine, ev queue.Event, now time.Time) {
	t.Helper()
	if ev.Type != queue.EvDayRolled || ev.Day != e.Day() || ev.Day == before.Day || !ev.At.Equal(now) {
		t.Fatalf("roll event %s day %s at %v; engine day %s, was %s", ev.Type, ev.Day, ev.At, e.Day(), before.Day)
	}
	old, _ := time.ParseInLocation(time.DateOnly, before.Day, e.Location())
	midnight, _ := time.ParseInLocation(time.DateOnly, ev.Day, e.Location())
	next := old.AddDate(0, 0, 1).Equal(midnight)
	across := next && e.OpenAt(midnight.Add(-time.Second)) && e.OpenAt(midnight)
	var open, kept []queue.Ticket
	for _, tk := range before.Tickets {
		switch {
		case tk.Status.Final():
		case next && tk.Status.Active():
			kept = append(kept, tk)
		default:
			tk.Status, tk.FinishedAt, tk.Note = queue.Cancelled, ptr(now), "营业日结束 / day ended"
			tk.Rev++
			open = append(open, tk)
		}
	}
	if !reflect.DeepEqual(ev.Tickets, open) {
		t.Fatalf("roll cancelled\n  %+v\nwant\n  %+v", ev.Tickets, open)
	}
	if got := e.Tickets(); !reflect.DeepEqual(got, kept) && len(got)+len(kept) > 0 {
		t.Fatalf("tickets after the roll: %+v, want those at counters %+v", got, kept)
	}
	// The event carries the counters the roll changed, each with its
	// revision raised; the others stay as they were.
	var changed []queue.Counter
	for i, c := range e.Counters() {
		was := before.Counters[i]
		want := was
		want.ServedToday = 0
		if !(next && was.Current != 0 || across && was.State != queue.Closed) {
			want.State, want.PauseReason, want.PausedAt = queue.Closed, "", nil
			want.Clerk, want.ClerkName, want.StaffNo, want.Current = "", "", "", 0
		}
		if !reflect.DeepEqual(want, was) {
			want.Rev++
			changed = append(changed, want)
		}
		if !reflect.DeepEqual(c, want) {
			t.Fatalf("counter after the roll: %+v, want %+v", c, want)
		}
	}
	if !reflect.DeepEqual(ev.Counters, changed) {
		t.Fatalf("counters in the roll event\n  %+v\nwant the changed ones\n  %+v", ev.Counters, changed)
	}
	if !reflect.DeepEqual(e.Services(), before.Services) {
		t.Fatalf("the roll changed services")
	}
}

// script drives f through two days with every kind of command, ending on the
// second day with tickets in every state.
func script(f *fx) {
	f.t.Helper()
	ok := func(do func() (queue.Event, error)) { f.t.Helper(); f.ok(do) }
	f.signIn(1)
	f.signIn(2)
	f.signIn(3)
	f.issueReq(queue.IssueRequest{Service: "A", Phone: "13800138000", Account: "12345678", Tracking: "t1"}) // 1
	f.tick(time.Minute)
	f.issue("A", queue.Green)                                                                                         // 2
	f.issueReq(queue.IssueRequest{Service: "B", Priority: queue.Appointment, DueAt: ptr(f.now.Add(5 * time.Minute))}) // 3
	f.issue("C", queue.Normal)                                                                                        // 4
	f.issue("B", queue.Normal)                                                                                        // 5
	f.issue("A", queue.Normal)                                                                                        // 6
	f.tick(time.Minute)
	f.callNext(1) // A002 green
	ok(func() (queue.Event, error) { return f.e.Recall(1, "clerk1", f.now) })
	ok(func() (queue.Event, error) { return f.e.Start(1, "clerk1", f.now) })
	f.tick(3 * time.Minute)
	ok(func() (queue.Event, error) { return f.e.Finish(1, "clerk1", "bill", f.now) })
	f.callNext(2) // B002 (the appointment is not due yet)
	ok(func() (queue.Event, error) { return f.e.Recall(2, "clerk2", f.now) })
	f.tick(time.Minute)
	ok(func() (queue.Event, error) { return f.e.NoShow(2, "clerk2", f.now) })
	f.callNext(1) // A001
	ok(func() (queue.Event, error) {
		return f.e.Transfer(1, queue.TransferRequest{Service: "C"}, "clerk1", f.now)
	}) // 7
	f.callNext(3) // A001 in C
	ok(func() (queue.Event, error) { return f.e.Postpone(3, "clerk3", f.now) })
	ok(func() (queue.Event, error) { return f.e.Pause(2, "喝水", f.now) })
	f.tick(time.Minute)
	ok(func() (queue.Event, error) { return f.e.Resume(2, f.now) })
	f.callTicket(3, 7)
	ok(func() (queue.Event, error) { return f.e.Start(3, "clerk3", f.now) })
	f.tick(2 * time.Minute)
	ok(func() (queue.Event, error) { return f.e.Finish(3, "clerk3", "", f.now) })
	ok(func() (queue.Event, error) { return f.e.Move(6, queue.TransferRequest{Counter: 2}, f.now) }) // 8
	ok(func() (queue.Event, error) { return f.e.Cancel(4, "left", f.now) })
	ok(func() (queue.Event, error) { return f.e.SetOpen(2, false, f.now) })
	ok(func() (queue.Event, error) { return f.e.SetOpen(2, true, f.now) })
	ok(func() (queue.Event, error) { return f.e.SignOut(3, f.now) })
	f.issue("A", queue.Normal) // 9
	f.issue("B", queue.Normal) // 10
	f.callNext(2)              // the appointment, now due: B001
	f.callNext(1)              // A003
	f.ok(func() (queue.Event, error) { return f.e.Postpone(1, "clerk1", f.now) })

	// Midnight in Shanghai: the next command rolls the day first.
	f.now = time.Date(2026, 11, 24, 0, 0, 0, 0, shanghai)
	if _, rolled := f.roll(); !rolled {
		f.t.Fatal("no roll at midnight")
	}
	// The customer called at counter 2 before midnight is served after it.
	ok(func() (queue.Event, error) { return f.e.Start(2, "clerk2", f.now) })
	f.tick(time.Minute)
	ok(func() (queue.Event, error) { return f.e.Finish(2, "clerk2", "", f.now) })
	f.tick(8 * time.Hour)
	f.signIn(1)
	f.signIn(2)
	f.issue("A", queue.Normal) // 11, A001 again
	f.issue("B", queue.Green)  // 12
	f.issueReq(queue.IssueRequest{Service: "A", Phone: "13800138000"})
	f.tick(time.Minute)
	f.callNext(1) // B001 green
	f.callNext(2) // A001
	ok(func() (queue.Event, error) {
		return f.e.Transfer(2, queue.TransferRequest{Service: "B", Counter: 1}, "clerk2", f.now)
	})
	f.tick(time.Minute)
	ok(func() (queue.Event, error) { return f.e.Start(1, "clerk1", f.now) })
	f.tick(5 * time.Minute)
	ok(func() (queue.Event, error) { return f.e.Finish(1, "clerk1", "", f.now) })
	f.callNext(1) // the transferred A001
	f.issue("C", queue.Normal)
}

func maxID(evs []queue.Event) uint64 {
	var m uint64
	for _, ev := range evs {
		for _, t := range ev.Tickets {
			m = max(m, t.ID)
		}
	}
	return m
}

func sameEngines(t *testing.T, what string, a, b *queue.Engine, now time.Time) {
	t.Helper()
	if sa, sb := capture(a, now), capture(b, now); !reflect.DeepEqual(sa, sb) {
		t.Fatalf("%s differs:\n%s", what, diffState(sa, sb))
	}
}

// TestReplica: applying every event, in order, to an engine made by New
// gives the same state after every event, and both go on the same way.
func TestReplica(t *testing.T) {
	start := t0.Add(-2 * time.Hour)
	f := newFx(t, testConfig(), start)
	replica, err := queue.New(testConfig(), start)
	if err != nil {
		t.Fatal(err)
	}
	f.hook = func(ev queue.Event) {
		replica.Apply(ev)
		sameEngines(t, "replica after "+ev.Type, f.e, replica, f.now)
	}
	script(f)
	if len(f.evs) < 40 {
		t.Fatalf("the script made only %d events", len(f.evs))
	}
	types := map[string]bool{}
	for _, ev := range f.evs {
		types[ev.Type] = true
	}
	for _, typ := range []string{queue.EvIssued, queue.EvCalled, queue.EvRecalled, queue.EvStarted, queue.EvFinished,
		queue.EvNoShow, queue.EvTransferred, queue.EvPostponed, queue.EvCancelled, queue.EvPaused, queue.EvResumed,
		queue.EvOpened, queue.EvClosed, queue.EvSignedIn, queue.EvSignedOut, queue.EvDayRolled} {
		if !types[typ] {
			t.Errorf("the script made no %s event", typ)
		}
	}
	// A second replica fed the whole log at once ends the same.
	late, _ := queue.New(testConfig(), start)
	for _, ev := range f.evs {
		late.Apply(ev)
	}
	sameEngines(t, "replica fed at the end", f.e, late, f.now)
	for _, n := range []int{1, 2, 3} {
		if got, want := numbers(late.WaitingFor(n, f.now)), numbers(f.e.WaitingFor(n, f.now)); !slices.Equal(got, want) {
			t.Errorf("WaitingFor(%d): %v vs %v", n, got, want)
		}
	}
	f.hook = nil
	for _, req := range []queue.IssueRequest{{Service: "A"}, {Service: "B"}, {Service: "B"}, {Service: "A", Phone: "13800138000"}} {
		e1, err1 := f.e.Issue(req, f.now)
		e2, err2 := late.Issue(req, f.now)
		if queue.ErrorCode(err1) != queue.ErrorCode(err2) || !reflect.DeepEqual(e1, e2) {
			t.Fatalf("issue %+v differs:\n%+v %v\n%+v %v", req, e1, err1, e2, err2)
		}
	}
}

// TestApplyIsIdempotent: a replica that sees an event twice, or an older
// revision of a ticket after a newer one, keeps the newest state.
func TestApplyIsIdempotent(t *testing.T) {
	f := newFx(t, testConfig(), t0)
	std(f)
	f.callNext(1)
	f.tick(time.Minute)
	f.ok(func() (queue.Event, error) { return f.e.Start(1, "clerk1", f.now) })
	replica, _ := queue.New(testConfig(), t0)
	for _, ev := range f.evs {
		replica.Apply(ev)
		replica.Apply(ev)
	}
	sameEngines(t, "replica fed twice", f.e, replica, f.now)
	// The call event again (ticket 1 at rev 2, now at rev 3) changes no ticket.
	var call queue.Event
	for _, ev := range f.evs {
		if ev.Type == queue.EvCalled {
			call = ev
		}
	}
	replica.Apply(queue.Event{Type: call.Type, Tickets: call.Tickets})
	sameEngines(t, "replica fed a stale ticket", f.e, replica, f.now)
	// Limits still count each ticket once.
	for range 2 {
		replica.Issue(queue.IssueRequest{Service: "B"}, f.now)
	}
	if _, err := replica.Issue(queue.IssueRequest{Service: "B"}, f.now); queue.ErrorCode(err) != queue.ELIMIT {
		t.Fatalf("fourth B on the replica: %v", err)
	}
}

// TestRestore: an engine restored from the records — services, counters,
// today's tickets and the highest id — shows the same hall and goes on with
// the same numbers and ids.
func TestRestore(t *testing.T) {
	tests := []struct {
		name    string
		shuffle bool
		viaJSON bool
	}{
		{"records as they are", false, false},
		{"tickets in any order", true, false},
		{"records read back from JSON", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFx(t, testConfig(), t0.Add(-2*time.Hour))
			script(f)
			services, counters, tickets := f.e.Services(), f.e.Counters(), f.e.Tickets()
			if tt.shuffle {
				r := rand.New(rand.NewPCG(1, 2))
				r.Shuffle(len(tickets), func(i, j int) { tickets[i], tickets[j] = tickets[j], tickets[i] })
			}
			if tt.viaJSON {
				roundTrip(t, &services)
				roundTrip(t, &counters)
				roundTrip(t, &tickets)
			}
			r, err := queue.New(testConfig(), f.now)
			if err != nil {
				t.Fatal(err)
			}
			r.Restore(f.e.Day(), services, counters, tickets, maxID(f.evs))
			if tt.viaJSON {
				if a, b := jsonOf(t, f.e.Snapshot(f.now)), jsonOf(t, r.Snapshot(f.now)); a != b {
					t.Fatalf("snapshot differs:\n%s\n%s", a, b)
				}
				if a, b := jsonOf(t, f.e.Tickets()), jsonOf(t, r.Tickets()); a != b {
					t.Fatalf("tickets differ:\n%s\n%s", a, b)
				}
			} else {
				sameEngines(t, "restored engine", f.e, r, f.now)
			}
			for _, n := range []int{1, 2, 3} {
				a, aok := f.e.Next(n, f.now)
				b, bok := r.Next(n, f.now)
				if aok != bok || a.ID != b.ID {
					t.Errorf("Next(%d): %s vs %s", n, a.Number, b.Number)
				}
				if got, want := numbers(r.WaitingFor(n, f.now)), numbers(f.e.WaitingFor(n, f.now)); !slices.Equal(got, want) {
					t.Errorf("WaitingFor(%d): %v vs %v", n, got, want)
				}
			}
			// The same next numbers and ids, and the same limits.
			for _, req := range []queue.IssueRequest{
				{Service: "A"}, {Service: "B"}, {Service: "C"}, {Service: "B"}, {Service: "B"},
				{Service: "C", Phone: "13800138000"}, {Service: "C", Phone: "13800138000"},
			} {
				e1, err1 := f.e.Issue(req, f.now)
				e2, err2 := r.Issue(req, f.now)
				if queue.ErrorCode(err1) != queue.ErrorCode(err2) {
					t.Fatalf("issue %+v: %v vs %v", req, err1, err2)
				}
				if err1 == nil {
					a, b := e1.Tickets[0], e2.Tickets[0]
					if a.ID != b.ID || a.Number != b.Number || a.Ahead != b.Ahead || a.EstimatedWaitS != b.EstimatedWaitS {
						t.Fatalf("issue %+v: %+v vs %+v", req, a, b)
					}
				}
			}
			if got := len(r.Tickets()); got != len(f.e.Tickets()) {
				t.Fatalf("%d tickets vs %d", got, len(f.e.Tickets()))
			}
		})
	}
}

// TestRestoreOldDayThenRoll: a hall restarted after midnight restores the
// last day it ran and rolls it over like the running hall would have.
func TestRestoreOldDayThenRoll(t *testing.T) {
	f := newFx(t, testConfig(), t0)
	std(f)
	f.callNext(1)
	f.ok(func() (queue.Event, error) { return f.e.Start(1, "clerk1", f.now) })
	services, counters, tickets := f.e.Services(), f.e.Counters(), f.e.Tickets()
	day := f.e.Day()

	midnight := time.Date(2026, 11, 24, 0, 0, 0, 0, shanghai)
	r, _ := queue.New(testConfig(), midnight.Add(time.Hour))
	if r.Day() != "2026-11-24" {
		t.Fatalf("new engine day %s", r.Day())
	}
	r.Restore(day, services, counters, tickets, maxID(f.evs))
	sameEngines(t, "restored old day", f.e, r, f.now)

	f.now = midnight.Add(time.Hour)
	want, ok1 := f.e.Roll(f.now)
	got, ok2 := r.Roll(f.now)
	if !ok1 || !ok2 || !reflect.DeepEqual(got, want) {
		t.Fatalf("roll after restore\n got %+v\nwant %+v", got, want)
	}
	sameEngines(t, "rolled", f.e, r, f.now)
	a, _ := r.Issue(queue.IssueRequest{Service: "A"}, f.now)
	if a.Tickets[0].Number != "A001" || a.Tickets[0].ID != 4 {
		t.Fatalf("first ticket after restore and roll: %+v", a.Tickets[0])
	}
}

// TestRestoreKeepsConfiguredOrder: services come back in configured order
// whatever order the store gives them, services it does not know go last,
// and a restore of no tickets still honours the highest id.
func TestRestoreKeepsConfiguredOrder(t *testing.T) {
	e, _ := queue.New(testConfig(), t0)
	svcs := testConfig().Services
	extra := queue.Service{Prefix: "Z", NameZH: "其他", NameEN: "Other", AvgServiceS: 60}
	stored := []queue.Service{extra, svcs[2], svcs[0], svcs[1]}
	counters := testConfig().Counters
	counters = append(counters, queue.Counter{Number: 9, NameZH: "9号", Services: []string{"Z"}})
	slices.Reverse(counters)
	e.Restore(e.Day(), stored, counters, nil, 41)
	var order []string
	for _, s := range e.Services() {
		order = append(order, s.Prefix)
	}
	if !slices.Equal(order, []string{"A", "B", "C", "Z"}) {
		t.Fatalf("service order %v", order)
	}
	var nums []int
	for _, c := range e.Counters() {
		nums = append(nums, c.Number)
		if c.State != queue.Closed {
			t.Errorf("counter %d restored as %q", c.Number, c.State)
		}
	}
	if !slices.Equal(nums, []int{1, 2, 3, 9}) {
		t.Fatalf("counter order %v", nums)
	}
	ev, err := e.Issue(queue.IssueRequest{Service: "Z"}, t0)
	if err != nil || ev.Tickets[0].ID != 42 || ev.Tickets[0].Number != "Z001" {
		t.Fatalf("issue after restore: %+v %v", ev, err)
	}
}

func roundTrip[T any](t *testing.T, v *T) {
	t.Helper()
	b, err := json.Marshal(*v)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	*v = out
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
