package queue_test

import (
	"reflect"
	"testing"
	"time"

	"hallq/queue"
)

// take is one ticket issued at t0+at.
type take struct {
	at  time.Duration
	svc string
	pri queue.Priority
	due *time.Duration // appointment slot, from t0
}

func dur(d time.Duration) *time.Duration { return &d }

func numbers(ts []queue.Ticket) []string {
	out := []string{}
	for _, t := range ts {
		out = append(out, t.Number)
	}
	return out
}

// TestCallingPolicy checks the order in which a counter calls, both as
// WaitingFor reports it and as CallNext followed by Finish actually calls.
func TestCallingPolicy(t *testing.T) {
	tests := []struct {
		name    string
		cfg     func(*queue.Config)
		takes   []take
		setup   func(f *fx)
		counter int
		at      time.Duration
		want    []string
	}{
		{
			name:    "green before normal",
			takes:   []take{{0, "A", queue.Normal, nil}, {time.Minute, "A", queue.Normal, nil}, {2 * time.Minute, "A", queue.Green, nil}},
			counter: 1, at: 3 * time.Minute,
			want: []string{"A003", "A001", "A002"},
		},
		{
			name:    "green of a lower-ranked service before normal of the first",
			takes:   []take{{0, "A", queue.Normal, nil}, {time.Minute, "B", queue.Green, nil}},
			counter: 1, at: 2 * time.Minute,
			want: []string{"B001", "A001"},
		},
		{
			name:    "greens by issue time, not service order",
			takes:   []take{{0, "B", queue.Green, nil}, {time.Minute, "A", queue.Green, nil}},
			counter: 1, at: 2 * time.Minute,
			want: []string{"B001", "A001"},
		},
		{
			name:    "appointment due before normal",
			takes:   []take{{0, "A", queue.Normal, nil}, {time.Minute, "A", queue.Appointment, dur(5 * time.Minute)}},
			counter: 1, at: 5 * time.Minute,
			want: []string{"A002", "A001"},
		},
		{
			name:    "appointment not yet due waits by issue time",
			takes:   []take{{0, "A", queue.Normal, nil}, {time.Minute, "A", queue.Appointment, dur(5 * time.Minute)}},
			counter: 1, at: 5*time.Minute - time.Second,
			want: []string{"A001", "A002"},
		},
		{
			name:    "appointment not yet due does not jump a higher-ranked service",
			takes:   []take{{0, "B", queue.Appointment, dur(time.Hour)}, {time.Minute, "A", queue.Normal, nil}},
			counter: 1, at: 2 * time.Minute,
			want: []string{"A001", "B001"},
		},
		{
			name:    "appointment without a slot is due at once",
			takes:   []take{{0, "A", queue.Normal, nil}, {time.Minute, "A", queue.Appointment, nil}},
			counter: 1, at: 2 * time.Minute,
			want: []string{"A002", "A001"},
		},
		{
			name:    "due appointment of a lower-ranked service before normal of the first",
			takes:   []take{{0, "A", queue.Normal, nil}, {time.Minute, "B", queue.Appointment, dur(0)}},
			counter: 1, at: 2 * time.Minute,
			want: []string{"B001", "A001"},
		},
		{
			name:    "green before due appointment",
			takes:   []take{{0, "A", queue.Appointment, dur(0)}, {time.Minute, "A", queue.Green, nil}},
			counter: 1, at: 2 * time.Minute,
			want: []string{"A002", "A001"},
		},
		{
			name:    "counter 1 serves A before B",
			takes:   []take{{0, "B", queue.Normal, nil}, {time.Minute, "A", queue.Normal, nil}, {2 * time.Minute, "A", queue.Normal, nil}},
			counter: 1, at: 3 * time.Minute,
			want: []string{"A001", "A002", "B001"},
		},
		{
			name:    "counter 2 serves B before A",
			takes:   []take{{0, "A", queue.Normal, nil}, {time.Minute, "A", queue.Normal, nil}, {2 * time.Minute, "B", queue.Normal, nil}},
			counter: 2, at: 3 * time.Minute,
			want: []string{"B001", "A001", "A002"},
		},
		{
			name:    "counter 3 calls only its service",
			takes:   []take{{0, "A", queue.Green, nil}, {time.Minute, "C", queue.Normal, nil}, {2 * time.Minute, "C", queue.Normal, nil}},
			counter: 3, at: 3 * time.Minute,
			want: []string{"C001", "C002"},
		},
		{
			name:    "longest waiting first within a service",
			takes:   []take{{0, "B", queue.Normal, nil}, {10 * time.Second, "B", queue.Normal, nil}, {20 * time.Second, "B", queue.Normal, nil}},
			counter: 2, at: time.Minute,
			want: []string{"B001", "B002", "B003"},
		},
		{
			name:    "same issue time by ticket id",
			takes:   []take{{0, "B", queue.Normal, nil}, {0, "B", queue.Normal, nil}, {0, "B", queue.Normal, nil}},
			counter: 2, at: time.Minute,
			want: []string{"B001", "B002", "B003"},
		},
		{
			name:    "not yet starving: service order",
			takes:   []take{{0, "A", queue.Normal, nil}, {10 * time.Minute, "B", queue.Normal, nil}},
			counter: 2, at: 30*time.Minute - time.Second,
			want: []string{"B001", "A001"},
		},
		{
			name:    "starving ticket before newer one of a higher-ranked service",
			takes:   []take{{0, "A", queue.Normal, nil}, {10 * time.Minute, "B", queue.Normal, nil}},
			counter: 2, at: 30 * time.Minute,
			want: []string{"A001", "B001"},
		},
		{
			name:    "starving tickets by issue time",
			takes:   []take{{0, "A", queue.Normal, nil}, {time.Minute, "B", queue.Normal, nil}, {2 * time.Minute, "A", queue.Normal, nil}},
			counter: 2, at: time.Hour,
			want: []string{"A001", "B001", "A002"},
		},
		{
			name:    "starvation off when StarveAfterS is 0",
			cfg:     func(c *queue.Config) { c.StarveAfterS = 0 },
			takes:   []take{{0, "A", queue.Normal, nil}, {time.Minute, "B", queue.Normal, nil}},
			counter: 2, at: 5 * time.Hour,
			want: []string{"B001", "A001"},
		},
		{
			name:    "green before starving",
			takes:   []take{{0, "A", queue.Normal, nil}, {40 * time.Minute, "B", queue.Green, nil}},
			counter: 1, at: 41 * time.Minute,
			want: []string{"B001", "A001"},
		},
		{
			name:    "due appointment before starving",
			takes:   []take{{0, "A", queue.Normal, nil}, {40 * time.Minute, "B", queue.Appointment, dur(40 * time.Minute)}},
			counter: 1, at: 41 * time.Minute,
			want: []string{"B001", "A001"},
		},
		{
			name:  "ticket transferred to this counter first among normal tickets",
			takes: []take{{0, "A", queue.Normal, nil}, {time.Minute, "C", queue.Normal, nil}, {2 * time.Minute, "A", queue.Normal, nil}},
			setup: func(f *fx) {
				f.ok(func() (queue.Event, error) { return f.e.Move(3, queue.TransferRequest{Counter: 3}, f.now) })
			},
			counter: 3, at: 3 * time.Minute,
			want: []string{"A002", "C001"},
		},
		{
			name:  "ticket transferred to a counter is not called elsewhere",
			takes: []take{{0, "A", queue.Normal, nil}, {time.Minute, "C", queue.Normal, nil}, {2 * time.Minute, "A", queue.Normal, nil}},
			setup: func(f *fx) {
				f.ok(func() (queue.Event, error) { return f.e.Move(3, queue.TransferRequest{Counter: 3}, f.now) })
			},
			counter: 1, at: 3 * time.Minute,
			want: []string{"A001"},
		},
		{
			name:  "green still before a ticket transferred to this counter",
			takes: []take{{0, "C", queue.Normal, nil}, {time.Minute, "C", queue.Green, nil}},
			setup: func(f *fx) {
				f.ok(func() (queue.Event, error) {
					return f.e.Move(1, queue.TransferRequest{Service: "A", Counter: 3}, f.now)
				})
			},
			counter: 3, at: 2 * time.Minute,
			want: []string{"C002", "C001"},
		},
		{
			name:  "postponed ticket is not called at its own counter",
			takes: []take{{0, "A", queue.Normal, nil}, {time.Minute, "A", queue.Normal, nil}},
			setup: func(f *fx) {
				f.callNext(1)
				f.ok(func() (queue.Event, error) { return f.e.Postpone(1, "clerk1", f.now) })
			},
			counter: 1, at: 2 * time.Minute,
			want: []string{"A002"},
		},
		{
			name:  "postponed ticket is not called at another counter",
			takes: []take{{0, "A", queue.Normal, nil}, {time.Minute, "A", queue.Normal, nil}},
			setup: func(f *fx) {
				f.callNext(1)
				f.ok(func() (queue.Event, error) { return f.e.Postpone(1, "clerk1", f.now) })
			},
			counter: 2, at: 2 * time.Minute,
			want: []string{"A002"},
		},
		{
			name:  "called, cancelled and transferred tickets are not waiting",
			takes: []take{{0, "A", queue.Normal, nil}, {time.Minute, "A", queue.Normal, nil}, {2 * time.Minute, "A", queue.Normal, nil}, {3 * time.Minute, "A", queue.Normal, nil}},
			setup: func(f *fx) {
				f.callNext(2) // A001
				f.ok(func() (queue.Event, error) { return f.e.Cancel(2, "left", f.now) })
				f.ok(func() (queue.Event, error) { return f.e.Move(3, queue.TransferRequest{Service: "C"}, f.now) })
			},
			counter: 1, at: 4 * time.Minute,
			want: []string{"A004"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			f := newFx(t, cfg, t0)
			f.signIn(1)
			f.signIn(2)
			f.signIn(3)
			for _, tk := range tt.takes {
				f.now = t0.Add(tk.at)
				req := queue.IssueRequest{Service: tk.svc, Priority: tk.pri}
				if tk.due != nil {
					req.DueAt = ptr(t0.Add(*tk.due))
				}
				f.issueReq(req)
			}
			if tt.setup != nil {
				tt.setup(f)
			}
			f.now = t0.Add(tt.at)
			var listed []queue.Ticket
			for _, w := range f.e.WaitingFor(tt.counter, f.now) {
				if !w.Postponed {
					listed = append(listed, w)
				}
			}
			if got := numbers(listed); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("WaitingFor(%d) = %v, want %v", tt.counter, got, tt.want)
			}
			if got := f.nextNumber(tt.counter); got != tt.want[0] {
				t.Errorf("Next(%d) = %s, want %s", tt.counter, got, tt.want[0])
			}
			var calls []string
			for range len(tt.want) + 1 {
				ev, found, err := f.e.CallNext(tt.counter, "x", f.now)
				if err != nil {
					t.Fatal(err)
				}
				if !found {
					break
				}
				calls = append(calls, ev.Tickets[0].Number)
				f.ok(func() (queue.Event, error) { return f.e.Finish(tt.counter, "x", "", f.now) })
			}
			if !reflect.DeepEqual(calls, tt.want) {
				t.Errorf("CallNext at %d called %v, want %v", tt.counter, calls, tt.want)
			}
		})
	}
}

// TestExcludedButCallable: tickets kept out of CallNext — postponed ones and
// ones transferred to another counter — can still be called by name at the
// right counter.
func TestExcludedButCallable(t *testing.T) {
	f := newFx(t, testConfig(), t0)
	f.signIn(1)
	f.signIn(2)
	f.signIn(3)
	a1 := f.issue("A", queue.Normal)
	f.callNext(1)
	f.ok(func() (queue.Event, error) { return f.e.Postpone(1, "clerk1", f.now) })
	a2 := f.issue("A", queue.Normal)
	moved := f.ok(func() (queue.Event, error) { return f.e.Move(a2.ID, queue.TransferRequest{Counter: 3}, f.now) }).Tickets[1]
	f.tick(time.Minute)
	for _, n := range []int{1, 2} {
		if _, found, err := f.e.CallNext(n, "x", f.now); err != nil || found {
			t.Fatalf("CallNext(%d) = %v, %v; want nothing to call", n, found, err)
		}
	}
	wantHeld := []string{"A001"}
	if got := numbers(f.e.WaitingFor(1, f.now)); !reflect.DeepEqual(got, wantHeld) {
		t.Errorf("WaitingFor(1) = %v, want the held %v", got, wantHeld)
	}
	if got := numbers(f.e.WaitingFor(2, f.now)); len(got) != 0 {
		t.Errorf("WaitingFor(2) = %v, want none", got)
	}
	if got := numbers(f.e.WaitingFor(3, f.now)); !reflect.DeepEqual(got, []string{"A002"}) {
		t.Errorf("WaitingFor(3) = %v, want [A002]", got)
	}
	got := f.callTicket(1, a1.ID)
	if got.Status != queue.Called || got.Postponed || got.TargetCounter != 0 || got.Counter != 1 {
		t.Errorf("called back %+v", got)
	}
	got = f.callNext(3)
	if got.ID != moved.ID || got.Counter != 3 || got.TargetCounter != 0 {
		t.Errorf("counter 3 called %+v, want the moved A002", got)
	}
}

// TestWaitingForOrder: the list a counter sees is the call order, then the
// tickets postponed at that counter by id.
func TestWaitingForOrder(t *testing.T) {
	f := newFx(t, testConfig(), t0)
	f.signIn(1)
	f.signIn(2)
	for range 3 {
		f.issue("A", queue.Normal)
		f.tick(time.Minute)
	}
	f.issue("B", queue.Normal) // B001 id 4
	f.issue("B", queue.Green)  // B002 id 5
	// Postpone A002 and A001 at counter 1, in that order.
	f.callTicket(1, 2)
	f.ok(func() (queue.Event, error) { return f.e.Postpone(1, "clerk1", f.now) })
	f.callTicket(1, 1)
	f.ok(func() (queue.Event, error) { return f.e.Postpone(1, "clerk1", f.now) })
	want := []string{"B002", "A003", "B001", "A001", "A002"}
	got := f.e.WaitingFor(1, f.now)
	if !reflect.DeepEqual(numbers(got), want) {
		t.Fatalf("WaitingFor(1) = %v, want %v", numbers(got), want)
	}
	for _, w := range got {
		if !reflect.DeepEqual(w, f.ticket(w.ID)) {
			t.Errorf("WaitingFor gives %+v, engine has %+v", w, f.ticket(w.ID))
		}
	}
	if got := numbers(f.e.WaitingFor(2, f.now)); !reflect.DeepEqual(got, []string{"B002", "B001", "A003"}) {
		t.Fatalf("WaitingFor(2) = %v", got)
	}
}
