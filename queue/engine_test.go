package queue_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"hallq/queue"
)

// std seats clerks at counters 1–3 and issues A001 (id 1, at t0), A002 (id 2,
// t0+1m) and B001 (id 3, t0+2m); the clock ends at t0+3m.
func std(f *fx) {
	f.t.Helper()
	f.signIn(1)
	f.signIn(2)
	f.signIn(3)
	f.issue("A", queue.Normal)
	f.tick(time.Minute)
	f.issue("A", queue.Normal)
	f.tick(time.Minute)
	f.issue("B", queue.Normal)
	f.tick(time.Minute)
}

// wantEvent is what a command's event must hold apart from At and Day, which
// checkEvent verifies.
type wantEvent struct {
	Type     string
	Counter  int
	Ticket   uint64
	Reason   string
	Tickets  []queue.Ticket
	Counters []queue.Counter
	Services []queue.Service
}

func tk(b state, id uint64) queue.Ticket {
	for _, t := range b.Tickets {
		if t.ID == id {
			return t
		}
	}
	panic(fmt.Sprintf("no ticket %d before the command", id))
}

func ct(b state, n int) queue.Counter {
	for _, c := range b.Counters {
		if c.Number == n {
			return c
		}
	}
	panic(fmt.Sprintf("no counter %d before the command", n))
}

func sv(b state, p string) queue.Service {
	for _, s := range b.Services {
		if s.Prefix == p {
			return s
		}
	}
	panic(fmt.Sprintf("no service %s before the command", p))
}

// called is ticket id as called by counter n at now for the first time.
func called(b state, id uint64, n int, now time.Time) queue.Ticket {
	t := tk(b, id)
	t.Status, t.Counter, t.Clerk = queue.Called, n, clerkOf(n).User
	t.CalledAt, t.LastCalledAt = ptr(now), ptr(now)
	t.Rev++
	return t
}

func withCurrent(b state, n int, id uint64) queue.Counter {
	c := ct(b, n)
	c.Current = id
	c.Rev++
	return c
}

func TestCommands(t *testing.T) {
	tests := []struct {
		name  string
		cfg   func(*queue.Config)
		setup func(f *fx)
		do    func(f *fx) (queue.Event, error)
		want  func(f *fx, b state) wantEvent
	}{
		{
			name:  "issue normal ticket with phone and account",
			setup: std,
			do: func(f *fx) (queue.Event, error) {
				return f.e.Issue(queue.IssueRequest{Service: "A", Phone: " +86 138-0013-8000 ", Account: " 1234567890 ", Item: "pay", Tracking: "trk"}, f.now)
			},
			want: func(f *fx, b state) wantEvent {
				// A001 and A002 ahead. Counter 1 calls A first; counter 2
				// has B001 to serve first (900 s, shared with counter 1:
				// free in 450 s), so counter 1 takes both: 2×180.
				return wantEvent{Type: queue.EvIssued, Ticket: 4, Tickets: []queue.Ticket{{
					ID: 4, Day: "2026-11-23", Number: "A003", Serial: 3, Service: "A", Priority: queue.Normal,
					Status: queue.Waiting, Phone: "13800138000", Account: "1234567890", Item: "pay",
					IssuedAt: f.now, Tracking: "trk", Ahead: 2, EstimatedWaitS: 360, Rev: 1,
				}}}
			},
		},
		{
			name:  "issue first ticket of a service starts at 001",
			setup: std,
			do: func(f *fx) (queue.Event, error) {
				return f.e.Issue(queue.IssueRequest{Service: "C", Priority: queue.Normal, Tracking: "c"}, f.now)
			},
			want: func(f *fx, b state) wantEvent {
				return wantEvent{Type: queue.EvIssued, Ticket: 4, Tickets: []queue.Ticket{{
					ID: 4, Day: "2026-11-23", Number: "C001", Serial: 1, Service: "C", Priority: queue.Normal,
					Status: queue.Waiting, IssuedAt: f.now, Tracking: "c", Rev: 1,
				}}}
			},
		},
		{
			name:  "issue green ticket goes ahead of everyone",
			setup: std,
			do: func(f *fx) (queue.Event, error) {
				return f.e.Issue(queue.IssueRequest{Service: "A", Priority: queue.Green, Tracking: "g"}, f.now)
			},
			want: func(f *fx, b state) wantEvent {
				return wantEvent{Type: queue.EvIssued, Ticket: 4, Tickets: []queue.Ticket{{
					ID: 4, Day: "2026-11-23", Number: "A003", Serial: 3, Service: "A", Priority: queue.Green,
					Status: queue.Waiting, IssuedAt: f.now, Tracking: "g", Rev: 1,
				}}}
			},
		},
		{
			name:  "issue appointment keeps its slot",
			setup: std,
			do: func(f *fx) (queue.Event, error) {
				return f.e.Issue(queue.IssueRequest{Service: "B", Priority: queue.Appointment, DueAt: ptr(t0.Add(time.Hour)), Tracking: "ap"}, f.now)
			},
			want: func(f *fx, b state) wantEvent {
				// Not yet due: it queues by issue time behind B001. Counter 2
				// calls B first (one every 900 s); counter 1 first serves its
				// share of A001–A002 (180 s) and keeps a tenth of its time for
				// A's arrivals (2 in 30 min × 180 s / 2 counters): B002 goes
				// when 1 = t/900 + (t−180)/1000, at 559 s.
				return wantEvent{Type: queue.EvIssued, Ticket: 4, Tickets: []queue.Ticket{{
					ID: 4, Day: "2026-11-23", Number: "B002", Serial: 2, Service: "B", Priority: queue.Appointment,
					Status: queue.Waiting, IssuedAt: f.now, DueAt: ptr(t0.Add(time.Hour)), Tracking: "ap",
					Ahead: 1, EstimatedWaitS: 559, Rev: 1,
				}}}
			},
		},
		{
			name:  "call next at counter 1 takes its first service",
			setup: std,
			do: func(f *fx) (queue.Event, error) {
				ev, _, err := f.e.CallNext(1, "clerk1", f.now)
				return ev, err
			},
			want: func(f *fx, b state) wantEvent {
				return wantEvent{Type: queue.EvCalled, Counter: 1, Ticket: 1,
					Tickets: []queue.Ticket{called(b, 1, 1, f.now)}, Counters: []queue.Counter{withCurrent(b, 1, 1)}}
			},
		},
		{
			name:  "call next at counter 2 takes its first service",
			setup: std,
			do: func(f *fx) (queue.Event, error) {
				ev, _, err := f.e.CallNext(2, "clerk2", f.now)
				return ev, err
			},
			want: func(f *fx, b state) wantEvent {
				return wantEvent{Type: queue.EvCalled, Counter: 2, Ticket: 3,
					Tickets: []queue.Ticket{called(b, 3, 2, f.now)}, Counters: []queue.Counter{withCurrent(b, 2, 3)}}
			},
		},
		{
			name: "call next on a counter opened by a manager without a clerk",
			setup: func(f *fx) {
				f.issue("C", queue.Normal)
				f.ok(func() (queue.Event, error) { return f.e.SetOpen(3, true, f.now) })
				f.tick(time.Minute)
			},
			do: func(f *fx) (queue.Event, error) {
				ev, _, err := f.e.CallNext(3, "clerk3", f.now)
				return ev, err
			},
			want: func(f *fx, b state) wantEvent {
				return wantEvent{Type: queue.EvCalled, Counter: 3, Ticket: 1,
					Tickets: []queue.Ticket{called(b, 1, 3, f.now)}, Counters: []queue.Counter{withCurrent(b, 3, 1)}}
			},
		},
		{
			name:  "call ticket out of order",
			setup: std,
			do:    func(f *fx) (queue.Event, error) { return f.e.CallTicket(1, 2, "clerk1", f.now) },
			want: func(f *fx, b state) wantEvent {
				return wantEvent{Type: queue.EvCalled, Counter: 1, Ticket: 2,
					Tickets: []queue.Ticket{called(b, 2, 1, f.now)}, Counters: []queue.Counter{withCurrent(b, 1, 2)}}
			},
		},
		{
			name:  "call ticket of a service the counter does not serve",
			setup: std,
			do:    func(f *fx) (queue.Event, error) { return f.e.CallTicket(3, 1, "clerk3", f.now) },
			want: func(f *fx, b state) wantEvent {
				return wantEvent{Type: queue.EvCalled, Counter: 3, Ticket: 1,
					Tickets: []queue.Ticket{called(b, 1, 3, f.now)}, Counters: []queue.Counter{withCurrent(b, 3, 1)}}
			},
		},
		{
			name: "call back a postponed ticket keeps first call time and recalls",
			setup: func(f *fx) {
				std(f)
				f.callNext(1) // A001 at t0+3m
				f.tick(time.Minute)
				f.ok(func() (queue.Event, error) { return f.e.Recall(1, "clerk1", f.now) })
				f.tick(time.Minute)
				f.ok(func() (queue.Event, error) { return f.e.Postpone(1, "clerk1", f.now) })
				f.tick(10 * time.Minute)
			},
			do: func(f *fx) (queue.Event, error) { return f.e.CallTicket(1, 1, "clerk1", f.now) },
			want: func(f *fx, b state) wantEvent {
				t := tk(b, 1)
				t.Status, t.Postponed, t.TargetCounter = queue.Called, false, 0
				t.LastCalledAt = ptr(f.now)
				t.Rev++
				if !t.CalledAt.Equal(t0.Add(3*time.Minute)) || t.Recalls != 1 || t.Counter != 1 || t.Clerk != "clerk1" {
					f.t.Errorf("postponed ticket before the call back: %+v", t)
				}
				return wantEvent{Type: queue.EvCalled, Counter: 1, Ticket: 1,
					Tickets: []queue.Ticket{t}, Counters: []queue.Counter{withCurrent(b, 1, 1)}}
			},
		},
		{
			name: "call ticket transferred to this counter",
			setup: func(f *fx) {
				std(f)
				f.ok(func() (queue.Event, error) { return f.e.Move(1, queue.TransferRequest{Counter: 3}, f.now) })
				f.tick(time.Minute)
			},
			do: func(f *fx) (queue.Event, error) { return f.e.CallTicket(3, 4, "clerk3", f.now) },
			want: func(f *fx, b state) wantEvent {
				t := called(b, 4, 3, f.now)
				t.TargetCounter = 0
				return wantEvent{Type: queue.EvCalled, Counter: 3, Ticket: 4,
					Tickets: []queue.Ticket{t}, Counters: []queue.Counter{withCurrent(b, 3, 4)}}
			},
		},
		{
			name: "recall counts and stamps the last call",
			setup: func(f *fx) {
				std(f)
				f.callNext(1)
				f.tick(30 * time.Second)
				f.ok(func() (queue.Event, error) { return f.e.Recall(1, "clerk1", f.now) })
				f.tick(30 * time.Second)
			},
			do: func(f *fx) (queue.Event, error) { return f.e.Recall(1, "clerk1", f.now) },
			want: func(f *fx, b state) wantEvent {
				t := tk(b, 1)
				t.Recalls, t.LastCalledAt = 2, ptr(f.now)
				t.Rev++
				return wantEvent{Type: queue.EvRecalled, Counter: 1, Ticket: 1, Tickets: []queue.Ticket{t}}
			},
		},
		{
			name: "start records the clerk who serves",
			setup: func(f *fx) {
				std(f)
				f.callNext(1)
				f.tick(time.Minute)
			},
			do: func(f *fx) (queue.Event, error) { return f.e.Start(1, "relief", f.now) },
			want: func(f *fx, b state) wantEvent {
				t := tk(b, 1)
				t.Status, t.StartedAt, t.Clerk = queue.Serving, ptr(f.now), "relief"
				t.Rev++
				return wantEvent{Type: queue.EvStarted, Counter: 1, Ticket: 1, Tickets: []queue.Ticket{t}}
			},
		},
		{
			name: "finish from serving updates item, counter and average",
			setup: func(f *fx) {
				std(f)
				f.callNext(1)
				f.tick(time.Minute)
				f.ok(func() (queue.Event, error) { return f.e.Start(1, "clerk1", f.now) })
				f.tick(240 * time.Second)
			},
			do: func(f *fx) (queue.Event, error) { return f.e.Finish(1, "clerk1", "item-x", f.now) },
			want: func(f *fx, b state) wantEvent {
				t := tk(b, 1)
				t.Status, t.FinishedAt, t.Item = queue.Done, ptr(f.now), "item-x"
				t.Rev++
				c := ct(b, 1)
				c.Current, c.ServedToday = 0, 1
				c.Rev++
				// The figure is learnt from the ticket; the event carries
				// no image of the service.
				if s, _ := f.e.Service("A"); s.AvgServiceS != 192 || s.Rev != sv(b, "A").Rev {
					f.t.Errorf("service A after the finish: %+v, want figure 192 (0.8×180 + 0.2×240), same rev", s)
				}
				return wantEvent{Type: queue.EvFinished, Counter: 1, Ticket: 1,
					Tickets: []queue.Ticket{t}, Counters: []queue.Counter{c}}
			},
		},
		{
			name: "finish from called times the service from the last call",
			setup: func(f *fx) {
				std(f)
				f.issueReq(queue.IssueRequest{Service: "B", Item: "orig"}) // id 4
				f.ok(func() (queue.Event, error) { return f.e.CallTicket(2, 4, "clerk2", f.now) })
				f.tick(2 * time.Minute)
				f.ok(func() (queue.Event, error) { return f.e.Recall(2, "clerk2", f.now) })
				f.tick(90 * time.Second)
			},
			do: func(f *fx) (queue.Event, error) { return f.e.Finish(2, "clerk2", "", f.now) },
			want: func(f *fx, b state) wantEvent {
				t := tk(b, 4)
				t.Status, t.FinishedAt, t.StartedAt = queue.Done, ptr(f.now), ptr(f.now.Add(-90*time.Second))
				t.Rev++
				c := ct(b, 2)
				c.Current, c.ServedToday = 0, 1
				c.Rev++
				// The figure is learnt from the ticket; the event carries
				// no image of the service.
				if s, _ := f.e.Service("B"); s.AvgServiceS != 738 || s.Rev != sv(b, "B").Rev {
					f.t.Errorf("service B after the finish: %+v, want figure 738 (0.8×900 + 0.2×90), same rev", s)
				}
				return wantEvent{Type: queue.EvFinished, Counter: 2, Ticket: 4,
					Tickets: []queue.Ticket{t}, Counters: []queue.Counter{c}}
			},
		},
		{
			name: "no-show after the required recall",
			setup: func(f *fx) {
				std(f)
				f.callNext(1)
				f.tick(time.Minute)
				f.ok(func() (queue.Event, error) { return f.e.Recall(1, "clerk1", f.now) })
				f.tick(time.Minute)
			},
			do: func(f *fx) (queue.Event, error) { return f.e.NoShow(1, "clerk1", f.now) },
			want: func(f *fx, b state) wantEvent {
				t := tk(b, 1)
				t.Status, t.FinishedAt = queue.NoShow, ptr(f.now)
				t.Rev++
				return wantEvent{Type: queue.EvNoShow, Counter: 1, Ticket: 1,
					Tickets: []queue.Ticket{t}, Counters: []queue.Counter{withCurrent(b, 1, 0)}}
			},
		},
		{
			name: "no-show at once when no recall is required",
			cfg:  func(c *queue.Config) { c.RecallsBeforeNoShow = 0 },
			setup: func(f *fx) {
				std(f)
				f.callNext(2)
				f.tick(time.Minute)
			},
			do: func(f *fx) (queue.Event, error) { return f.e.NoShow(2, "clerk2", f.now) },
			want: func(f *fx, b state) wantEvent {
				t := tk(b, 3)
				t.Status, t.FinishedAt = queue.NoShow, ptr(f.now)
				t.Rev++
				return wantEvent{Type: queue.EvNoShow, Counter: 2, Ticket: 3,
					Tickets: []queue.Ticket{t}, Counters: []queue.Counter{withCurrent(b, 2, 0)}}
			},
		},
		{
			name: "transfer to another service keeps number and issue time",
			setup: func(f *fx) {
				std(f)
				f.callNext(1) // A001
				f.tick(time.Minute)
				f.ok(func() (queue.Event, error) { return f.e.Recall(1, "clerk1", f.now) })
				f.ok(func() (queue.Event, error) { return f.e.Start(1, "clerk1", f.now) })
				f.tick(time.Minute)
			},
			do: func(f *fx) (queue.Event, error) {
				return f.e.Transfer(1, queue.TransferRequest{Service: "C"}, "clerk1", f.now)
			},
			want: func(f *fx, b state) wantEvent {
				old := tk(b, 1)
				old.Status, old.FinishedAt, old.TransferredTo = queue.Transferred, ptr(f.now), 4
				old.Rev++
				nt := queue.Ticket{
					ID: 4, Day: "2026-11-23", Number: "A001", Serial: 1, Service: "C", Priority: queue.Normal,
					Status: queue.Waiting, IssuedAt: t0, Tracking: old.Tracking, TransferredFrom: 1, Rev: 1,
				}
				return wantEvent{Type: queue.EvTransferred, Counter: 1, Ticket: 4, Reason: "A→C/0",
					Tickets: []queue.Ticket{old, nt}, Counters: []queue.Counter{withCurrent(b, 1, 0)}}
			},
		},
		{
			name: "transfer to another counter",
			setup: func(f *fx) {
				std(f)
				f.callNext(1) // A001
				f.tick(time.Minute)
			},
			do: func(f *fx) (queue.Event, error) {
				return f.e.Transfer(1, queue.TransferRequest{Counter: 2}, "clerk1", f.now)
			},
			want: func(f *fx, b state) wantEvent {
				old := tk(b, 1)
				old.Status, old.FinishedAt, old.TransferredTo = queue.Transferred, ptr(f.now), 4
				old.Rev++
				nt := queue.Ticket{
					ID: 4, Day: "2026-11-23", Number: "A001", Serial: 1, Service: "A", Priority: queue.Normal,
					Status: queue.Waiting, IssuedAt: t0, Tracking: old.Tracking, TransferredFrom: 1,
					TargetCounter: 2, Rev: 1,
				}
				return wantEvent{Type: queue.EvTransferred, Counter: 1, Ticket: 4, Reason: "A→A/2",
					Tickets: []queue.Ticket{old, nt}, Counters: []queue.Counter{withCurrent(b, 1, 0)}}
			},
		},
		{
			name: "transfer a late ticket behind the queue of the new service",
			setup: func(f *fx) {
				std(f)
				f.issue("A", queue.Green) // id 4, A003, t0+3m
				f.callNext(1)
				f.tick(time.Minute)
			},
			do: func(f *fx) (queue.Event, error) {
				return f.e.Transfer(1, queue.TransferRequest{Service: "B", Counter: 2}, "clerk1", f.now)
			},
			want: func(f *fx, b state) wantEvent {
				old := tk(b, 4)
				old.Status, old.FinishedAt, old.TransferredTo = queue.Transferred, ptr(f.now), 5
				old.Rev++
				// Still green: nothing is ahead of it.
				nt := queue.Ticket{
					ID: 5, Day: "2026-11-23", Number: "A003", Serial: 3, Service: "B", Priority: queue.Green,
					Status: queue.Waiting, IssuedAt: t0.Add(3 * time.Minute), Tracking: old.Tracking,
					TransferredFrom: 4, TargetCounter: 2, Rev: 1,
				}
				return wantEvent{Type: queue.EvTransferred, Counter: 1, Ticket: 5, Reason: "A→B/2",
					Tickets: []queue.Ticket{old, nt}, Counters: []queue.Counter{withCurrent(b, 1, 0)}}
			},
		},
		{
			name: "transfer gets an estimate in the new service",
			setup: func(f *fx) {
				std(f)
				f.issue("A", queue.Normal) // id 4, A003, t0+3m
				f.callTicket(1, 4)
				f.tick(time.Minute)
			},
			do: func(f *fx) (queue.Event, error) {
				return f.e.Transfer(1, queue.TransferRequest{Service: "B"}, "clerk1", f.now)
			},
			want: func(f *fx, b state) wantEvent {
				old := tk(b, 4)
				old.Status, old.FinishedAt, old.TransferredTo = queue.Transferred, ptr(f.now), 5
				old.Rev++
				// B001 (t0+2m) is ahead; counter 2 calls B first, counter 1
				// after its share of A002 (90 s) and A's arrivals: 569 s.
				nt := queue.Ticket{
					ID: 5, Day: "2026-11-23", Number: "A003", Serial: 3, Service: "B", Priority: queue.Normal,
					Status: queue.Waiting, IssuedAt: t0.Add(3 * time.Minute), Tracking: old.Tracking,
					TransferredFrom: 4, Ahead: 1, EstimatedWaitS: 569, Rev: 1,
				}
				return wantEvent{Type: queue.EvTransferred, Counter: 1, Ticket: 5, Reason: "A→B/0",
					Tickets: []queue.Ticket{old, nt}, Counters: []queue.Counter{withCurrent(b, 1, 0)}}
			},
		},
		{
			name:  "move a waiting ticket to another service",
			setup: std,
			do:    func(f *fx) (queue.Event, error) { return f.e.Move(2, queue.TransferRequest{Service: "B"}, f.now) },
			want: func(f *fx, b state) wantEvent {
				old := tk(b, 2)
				old.Status, old.FinishedAt, old.TransferredTo = queue.Transferred, ptr(f.now), 4
				old.Rev++
				nt := old
				nt.ID, nt.Service, nt.Status, nt.FinishedAt, nt.TransferredTo, nt.TransferredFrom = 4, "B", queue.Waiting, nil, 0, 2
				nt.Ahead, nt.EstimatedWaitS, nt.Rev = 0, 0, 1 // issued before B001
				return wantEvent{Type: queue.EvTransferred, Ticket: 4, Reason: "A→B/0", Tickets: []queue.Ticket{old, nt}}
			},
		},
		{
			name:  "move a waiting ticket to a counter of its service",
			setup: std,
			do:    func(f *fx) (queue.Event, error) { return f.e.Move(2, queue.TransferRequest{Counter: 3}, f.now) },
			want: func(f *fx, b state) wantEvent {
				old := tk(b, 2)
				old.Status, old.FinishedAt, old.TransferredTo = queue.Transferred, ptr(f.now), 4
				old.Rev++
				nt := old
				nt.ID, nt.Status, nt.FinishedAt, nt.TransferredTo, nt.TransferredFrom, nt.TargetCounter = 4, queue.Waiting, nil, 0, 2, 3
				nt.Ahead, nt.EstimatedWaitS, nt.Rev = 1, 180, 1 // A001 ahead: counter 1 (2 serves B001 first)
				return wantEvent{Type: queue.EvTransferred, Ticket: 4, Reason: "A→A/3", Tickets: []queue.Ticket{old, nt}}
			},
		},
		{
			name: "move a postponed ticket clears the postponement",
			setup: func(f *fx) {
				std(f)
				f.callNext(1)
				f.tick(time.Minute)
				f.ok(func() (queue.Event, error) { return f.e.Postpone(1, "clerk1", f.now) })
				f.tick(time.Minute)
			},
			do: func(f *fx) (queue.Event, error) { return f.e.Move(1, queue.TransferRequest{Service: "C"}, f.now) },
			want: func(f *fx, b state) wantEvent {
				old := tk(b, 1)
				old.Status, old.FinishedAt, old.TransferredTo = queue.Transferred, ptr(f.now), 4
				old.Rev++
				nt := queue.Ticket{
					ID: 4, Day: "2026-11-23", Number: "A001", Serial: 1, Service: "C", Priority: queue.Normal,
					Status: queue.Waiting, IssuedAt: t0, Tracking: old.Tracking, TransferredFrom: 1, Rev: 1,
				}
				return wantEvent{Type: queue.EvTransferred, Ticket: 4, Reason: "A→C/0", Tickets: []queue.Ticket{old, nt}}
			},
		},
		{
			name: "postpone a called ticket",
			setup: func(f *fx) {
				std(f)
				f.callNext(1)
				f.tick(time.Minute)
			},
			do: func(f *fx) (queue.Event, error) { return f.e.Postpone(1, "clerk1", f.now) },
			want: func(f *fx, b state) wantEvent {
				t := tk(b, 1)
				t.Status, t.Postponed, t.TargetCounter = queue.Waiting, true, 1
				t.Rev++
				return wantEvent{Type: queue.EvPostponed, Counter: 1, Ticket: 1,
					Tickets: []queue.Ticket{t}, Counters: []queue.Counter{withCurrent(b, 1, 0)}}
			},
		},
		{
			name: "postpone a ticket in service",
			setup: func(f *fx) {
				std(f)
				f.callNext(2)
				f.ok(func() (queue.Event, error) { return f.e.Start(2, "clerk2", f.now) })
				f.tick(time.Minute)
			},
			do: func(f *fx) (queue.Event, error) { return f.e.Postpone(2, "clerk2", f.now) },
			want: func(f *fx, b state) wantEvent {
				t := tk(b, 3)
				t.Status, t.Postponed, t.TargetCounter = queue.Waiting, true, 2
				t.Rev++
				return wantEvent{Type: queue.EvPostponed, Counter: 2, Ticket: 3,
					Tickets: []queue.Ticket{t}, Counters: []queue.Counter{withCurrent(b, 2, 0)}}
			},
		},
		{
			name:  "cancel a waiting ticket",
			setup: std,
			do:    func(f *fx) (queue.Event, error) { return f.e.Cancel(2, "customer left", f.now) },
			want: func(f *fx, b state) wantEvent {
				t := tk(b, 2)
				t.Status, t.FinishedAt, t.Note = queue.Cancelled, ptr(f.now), "customer left"
				t.Rev++
				return wantEvent{Type: queue.EvCancelled, Ticket: 2, Reason: "customer left", Tickets: []queue.Ticket{t}}
			},
		},
		{
			name: "cancel a postponed ticket",
			setup: func(f *fx) {
				std(f)
				f.callNext(1)
				f.ok(func() (queue.Event, error) { return f.e.Postpone(1, "clerk1", f.now) })
				f.tick(time.Minute)
			},
			do: func(f *fx) (queue.Event, error) { return f.e.Cancel(1, "gone", f.now) },
			want: func(f *fx, b state) wantEvent {
				t := tk(b, 1)
				t.Status, t.FinishedAt, t.Note = queue.Cancelled, ptr(f.now), "gone"
				t.Rev++
				return wantEvent{Type: queue.EvCancelled, Ticket: 1, Reason: "gone", Tickets: []queue.Ticket{t}}
			},
		},
		{
			name:  "pause trims the reason",
			setup: std,
			do:    func(f *fx) (queue.Event, error) { return f.e.Pause(1, "  午休 ", f.now) },
			want: func(f *fx, b state) wantEvent {
				c := ct(b, 1)
				c.State, c.PauseReason, c.PausedAt = queue.Paused, "午休", ptr(f.now)
				c.Rev++
				return wantEvent{Type: queue.EvPaused, Counter: 1, Reason: "午休", Counters: []queue.Counter{c}}
			},
		},
		{
			name:  "pause with a reason of 60 characters",
			setup: std,
			do:    func(f *fx) (queue.Event, error) { return f.e.Pause(2, strings.Repeat("休", 60), f.now) },
			want: func(f *fx, b state) wantEvent {
				c := ct(b, 2)
				c.State, c.PauseReason, c.PausedAt = queue.Paused, strings.Repeat("休", 60), ptr(f.now)
				c.Rev++
				return wantEvent{Type: queue.EvPaused, Counter: 2, Reason: c.PauseReason, Counters: []queue.Counter{c}}
			},
		},
		{
			name: "resume a paused counter",
			setup: func(f *fx) {
				std(f)
				f.ok(func() (queue.Event, error) { return f.e.Pause(1, "break", f.now) })
				f.tick(time.Minute)
			},
			do: func(f *fx) (queue.Event, error) { return f.e.Resume(1, f.now) },
			want: func(f *fx, b state) wantEvent {
				c := ct(b, 1)
				c.State, c.PauseReason, c.PausedAt = queue.Open, "", nil
				c.Rev++
				return wantEvent{Type: queue.EvResumed, Counter: 1, Counters: []queue.Counter{c}}
			},
		},
		{
			name: "sign in opens a closed counter",
			do:   func(f *fx) (queue.Event, error) { return f.e.SignIn(2, clerkOf(2), f.now) },
			want: func(f *fx, b state) wantEvent {
				return wantEvent{Type: queue.EvSignedIn, Counter: 2, Counters: []queue.Counter{{
					Number: 2, NameZH: "2号窗口", NameEN: "Counter 2", Services: []string{"B", "A"}, State: queue.Open,
					Clerk: "clerk2", ClerkName: "柜员2", StaffNo: "G002", Rev: 1,
				}}}
			},
		},
		{
			name: "sign in at a paused counter keeps it paused",
			setup: func(f *fx) {
				std(f)
				f.ok(func() (queue.Event, error) { return f.e.Pause(1, "break", f.now) })
			},
			do: func(f *fx) (queue.Event, error) { return f.e.SignIn(1, clerkOf(9), f.now) },
			want: func(f *fx, b state) wantEvent {
				c := ct(b, 1)
				c.Clerk, c.ClerkName, c.StaffNo = "clerk9", "柜员9", "G009"
				c.Rev++
				if c.State != queue.Paused || c.PauseReason != "break" {
					f.t.Errorf("counter before sign in: %+v", c)
				}
				return wantEvent{Type: queue.EvSignedIn, Counter: 1, Counters: []queue.Counter{c}}
			},
		},
		{
			name: "sign in at a busy counter keeps its ticket",
			setup: func(f *fx) {
				std(f)
				f.callNext(1)
			},
			do: func(f *fx) (queue.Event, error) { return f.e.SignIn(1, clerkOf(7), f.now) },
			want: func(f *fx, b state) wantEvent {
				c := ct(b, 1)
				c.Clerk, c.ClerkName, c.StaffNo = "clerk7", "柜员7", "G007"
				c.Rev++
				return wantEvent{Type: queue.EvSignedIn, Counter: 1, Counters: []queue.Counter{c}}
			},
		},
		{
			name:  "sign out closes and clears the clerk",
			setup: std,
			do:    func(f *fx) (queue.Event, error) { return f.e.SignOut(3, f.now) },
			want: func(f *fx, b state) wantEvent {
				c := ct(b, 3)
				c.State, c.Clerk, c.ClerkName, c.StaffNo = queue.Closed, "", "", ""
				c.Rev++
				return wantEvent{Type: queue.EvSignedOut, Counter: 3, Counters: []queue.Counter{c}}
			},
		},
		{
			name: "sign out of a paused counter clears the pause",
			setup: func(f *fx) {
				std(f)
				f.ok(func() (queue.Event, error) { return f.e.Pause(3, "break", f.now) })
			},
			do: func(f *fx) (queue.Event, error) { return f.e.SignOut(3, f.now) },
			want: func(f *fx, b state) wantEvent {
				c := ct(b, 3)
				c.State, c.Clerk, c.ClerkName, c.StaffNo, c.PauseReason, c.PausedAt = queue.Closed, "", "", "", "", nil
				c.Rev++
				return wantEvent{Type: queue.EvSignedOut, Counter: 3, Counters: []queue.Counter{c}}
			},
		},
		{
			name: "manager opens a closed counter",
			do:   func(f *fx) (queue.Event, error) { return f.e.SetOpen(3, true, f.now) },
			want: func(f *fx, b state) wantEvent {
				c := ct(b, 3)
				c.State = queue.Open
				c.Rev++
				return wantEvent{Type: queue.EvOpened, Counter: 3, Counters: []queue.Counter{c}}
			},
		},
		{
			name: "manager opens a paused counter",
			setup: func(f *fx) {
				std(f)
				f.ok(func() (queue.Event, error) { return f.e.Pause(2, "break", f.now) })
			},
			do: func(f *fx) (queue.Event, error) { return f.e.SetOpen(2, true, f.now) },
			want: func(f *fx, b state) wantEvent {
				c := ct(b, 2)
				c.State, c.PauseReason, c.PausedAt = queue.Open, "", nil
				c.Rev++
				return wantEvent{Type: queue.EvOpened, Counter: 2, Counters: []queue.Counter{c}}
			},
		},
		{
			name:  "manager closes an open counter",
			setup: std,
			do:    func(f *fx) (queue.Event, error) { return f.e.SetOpen(2, false, f.now) },
			want: func(f *fx, b state) wantEvent {
				c := ct(b, 2)
				c.State = queue.Closed
				c.Rev++
				return wantEvent{Type: queue.EvClosed, Counter: 2, Counters: []queue.Counter{c}}
			},
		},
		{
			name: "manager closes a paused counter and clears the pause",
			setup: func(f *fx) {
				std(f)
				f.ok(func() (queue.Event, error) { return f.e.Pause(2, "break", f.now) })
			},
			do: func(f *fx) (queue.Event, error) { return f.e.SetOpen(2, false, f.now) },
			want: func(f *fx, b state) wantEvent {
				c := ct(b, 2)
				c.State, c.PauseReason, c.PausedAt = queue.Closed, "", nil
				c.Rev++
				return wantEvent{Type: queue.EvClosed, Counter: 2, Counters: []queue.Counter{c}}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			f := newFx(t, cfg, t0)
			if tt.setup != nil {
				tt.setup(f)
			}
			b := capture(f.e, f.now)
			ev := f.ok(func() (queue.Event, error) { return tt.do(f) })
			w := tt.want(f, b)
			got := wantEvent{Type: ev.Type, Counter: ev.Counter, Ticket: ev.Ticket, Reason: ev.Reason,
				Tickets: ev.Tickets, Counters: ev.Counters, Services: ev.Services}
			if !reflect.DeepEqual(got, w) {
				t.Errorf("event\n got %+v\nwant %+v", got, w)
			}
			if ev.Seq != 0 || ev.Actor != "" {
				t.Errorf("the engine stamped seq %d actor %q; the caller does that", ev.Seq, ev.Actor)
			}
		})
	}
}

// TestCallNextNoOne: a ready counter with no one to call gets found=false, no
// event and no change.
func TestCallNextNoOne(t *testing.T) {
	f := newFx(t, testConfig(), t0)
	f.signIn(3)
	f.issue("A", queue.Normal)
	before := capture(f.e, f.now)
	ev, found, err := f.e.CallNext(3, "clerk3", f.now)
	if err != nil || found || !reflect.DeepEqual(ev, queue.Event{}) {
		t.Fatalf("CallNext = %+v, %v, %v; want empty, false, nil", ev, found, err)
	}
	if after := capture(f.e, f.now); !reflect.DeepEqual(before, after) {
		t.Fatalf("state changed:\n%s", diffState(before, after))
	}
}

func TestRefusals(t *testing.T) {
	callNext := func(n int) func(f *fx) error {
		return func(f *fx) error { _, _, err := f.e.CallNext(n, "x", f.now); return err }
	}
	busy := func(f *fx) { std(f); f.callNext(1) }
	serving := func(f *fx) {
		busy(f)
		f.ok(func() (queue.Event, error) { return f.e.Start(1, "clerk1", f.now) })
	}
	paused := func(f *fx) {
		std(f)
		f.ok(func() (queue.Event, error) { return f.e.Pause(1, "break", f.now) })
	}
	closed := func(f *fx) {
		std(f)
		f.ok(func() (queue.Event, error) { return f.e.SignOut(1, f.now) })
	}
	postponedAt2 := func(f *fx) {
		std(f)
		f.callNext(2) // B001, id 3
		f.ok(func() (queue.Event, error) { return f.e.Postpone(2, "clerk2", f.now) })
	}
	movedTo3 := func(f *fx) {
		std(f)
		f.ok(func() (queue.Event, error) { return f.e.Move(1, queue.TransferRequest{Counter: 3}, f.now) }) // id 4
	}
	issue := func(req queue.IssueRequest) func(f *fx) error {
		return func(f *fx) error { _, err := f.e.Issue(req, f.now); return err }
	}
	transfer := func(n int, req queue.TransferRequest) func(f *fx) error {
		return func(f *fx) error { _, err := f.e.Transfer(n, req, "x", f.now); return err }
	}
	move := func(id uint64, req queue.TransferRequest) func(f *fx) error {
		return func(f *fx) error { _, err := f.e.Move(id, req, f.now); return err }
	}
	tests := []struct {
		name  string
		cfg   func(*queue.Config)
		setup func(f *fx)
		code  string
		do    func(f *fx) error
	}{
		{name: "issue unknown service", setup: std, code: queue.EINVALID, do: issue(queue.IssueRequest{Service: "Z"})},
		{name: "issue lowercase service", setup: std, code: queue.EINVALID, do: issue(queue.IssueRequest{Service: "a"})},
		{name: "issue bad priority", setup: std, code: queue.EINVALID, do: issue(queue.IssueRequest{Service: "A", Priority: "vip"})},
		{name: "issue bad phone", setup: std, code: queue.EINVALID, do: issue(queue.IssueRequest{Service: "A", Phone: "12345"})},
		{name: "issue landline phone", setup: std, code: queue.EINVALID, do: issue(queue.IssueRequest{Service: "A", Phone: "010-12345678"})},
		{name: "issue bad account", setup: std, code: queue.EINVALID, do: issue(queue.IssueRequest{Service: "A", Account: "12ab56"})},
		{name: "issue short account", setup: std, code: queue.EINVALID, do: issue(queue.IssueRequest{Service: "A", Account: "12345"})},
		{
			name: "issue when the hall is closed", code: queue.ECLOSED,
			cfg: func(c *queue.Config) { c.Hours = map[string]queue.Hours{"1": {Open: "11:00", Close: "17:00"}} },
			do:  issue(queue.IssueRequest{Service: "A"}),
		},
		{
			name: "issue on a holiday", code: queue.ECLOSED,
			cfg: func(c *queue.Config) {
				c.Hours = map[string]queue.Hours{"1": {Open: "08:00", Close: "17:00"}}
				c.Holidays = []string{"2026-11-23"}
			},
			do: issue(queue.IssueRequest{Service: "A"}),
		},
		{
			name: "issue past the service limit", code: queue.ELIMIT,
			setup: func(f *fx) { std(f); f.issue("B", queue.Normal); f.issue("B", queue.Green) },
			do:    issue(queue.IssueRequest{Service: "B"}),
		},
		{
			name: "issue past the service limit after cancellations", code: queue.ELIMIT,
			setup: func(f *fx) {
				std(f)
				f.issue("B", queue.Normal)
				f.issue("B", queue.Normal)
				f.ok(func() (queue.Event, error) { return f.e.Cancel(4, "", f.now) })
				f.ok(func() (queue.Event, error) { return f.e.Cancel(5, "", f.now) })
			},
			do: issue(queue.IssueRequest{Service: "B"}),
		},
		{
			name: "issue past the phone limit across services", code: queue.ELIMIT,
			setup: func(f *fx) {
				f.issueReq(queue.IssueRequest{Service: "A", Phone: "13800138000"})
				f.issueReq(queue.IssueRequest{Service: "C", Phone: "+86 13800138000"})
			},
			do: issue(queue.IssueRequest{Service: "B", Phone: "138-0013-8000"}),
		},

		{name: "call next unknown counter", setup: std, code: queue.ENOTFOUND, do: callNext(42)},
		{name: "call next closed counter", setup: closed, code: queue.ECLOSED, do: callNext(1)},
		{name: "call next paused counter", setup: paused, code: queue.ECONFLICT, do: callNext(1)},
		{name: "call next busy counter", setup: busy, code: queue.ECONFLICT, do: callNext(1)},

		{name: "call ticket unknown counter", setup: std, code: queue.ENOTFOUND, do: func(f *fx) error { _, err := f.e.CallTicket(42, 1, "x", f.now); return err }},
		{name: "call ticket unknown ticket", setup: std, code: queue.ENOTFOUND, do: func(f *fx) error { _, err := f.e.CallTicket(1, 99, "x", f.now); return err }},
		{name: "call ticket closed counter", setup: closed, code: queue.ECLOSED, do: func(f *fx) error { _, err := f.e.CallTicket(1, 2, "x", f.now); return err }},
		{name: "call ticket paused counter", setup: paused, code: queue.ECONFLICT, do: func(f *fx) error { _, err := f.e.CallTicket(1, 2, "x", f.now); return err }},
		{name: "call ticket busy counter", setup: busy, code: queue.ECONFLICT, do: func(f *fx) error { _, err := f.e.CallTicket(1, 2, "x", f.now); return err }},
		{name: "call ticket already called elsewhere", setup: busy, code: queue.ECONFLICT, do: func(f *fx) error { _, err := f.e.CallTicket(2, 1, "x", f.now); return err }},
		{
			name: "call ticket already done", code: queue.ECONFLICT,
			setup: func(f *fx) {
				busy(f)
				f.ok(func() (queue.Event, error) { return f.e.Finish(1, "clerk1", "", f.now) })
			},
			do: func(f *fx) error { _, err := f.e.CallTicket(1, 1, "x", f.now); return err },
		},
		{name: "call ticket postponed at another counter", setup: postponedAt2, code: queue.ECONFLICT, do: func(f *fx) error { _, err := f.e.CallTicket(1, 3, "x", f.now); return err }},
		{name: "call ticket transferred to another counter", setup: movedTo3, code: queue.ECONFLICT, do: func(f *fx) error { _, err := f.e.CallTicket(1, 4, "x", f.now); return err }},
		{name: "call ticket transferred away", setup: movedTo3, code: queue.ECONFLICT, do: func(f *fx) error { _, err := f.e.CallTicket(3, 1, "x", f.now); return err }},

		{name: "recall unknown counter", setup: std, code: queue.ENOTFOUND, do: func(f *fx) error { _, err := f.e.Recall(42, "x", f.now); return err }},
		{name: "recall idle counter", setup: std, code: queue.ECONFLICT, do: func(f *fx) error { _, err := f.e.Recall(1, "x", f.now); return err }},
		{name: "recall ticket in service", setup: serving, code: queue.ECONFLICT, do: func(f *fx) error { _, err := f.e.Recall(1, "x", f.now); return err }},

		{name: "start unknown counter", setup: std, code: queue.ENOTFOUND, do: func(f *fx) error { _, err := f.e.Start(42, "x", f.now); return err }},
		{name: "start idle counter", setup: std, code: queue.ECONFLICT, do: func(f *fx) error { _, err := f.e.Start(1, "x", f.now); return err }},
		{name: "start twice", setup: serving, code: queue.ECONFLICT, do: func(f *fx) error { _, err := f.e.Start(1, "x", f.now); return err }},

		{name: "finish unknown counter", setup: std, code: queue.ENOTFOUND, do: func(f *fx) error { _, err := f.e.Finish(42, "x", "", f.now); return err }},
		{name: "finish idle counter", setup: std, code: queue.ECONFLICT, do: func(f *fx) error { _, err := f.e.Finish(1, "x", "", f.now); return err }},
		{name: "finish closed counter", setup: closed, code: queue.ECONFLICT, do: func(f *fx) error { _, err := f.e.Finish(1, "x", "", f.now); return err }},

		{name: "no-show unknown counter", setup: std, code: queue.ENOTFOUND, do: func(f *fx) error { _, err := f.e.NoShow(42, "x", f.now); return err }},
		{name: "no-show idle counter", setup: std, code: queue.ECONFLICT, do: func(f *fx) error { _, err := f.e.NoShow(1, "x", f.now); return err }},
		{name: "no-show before the recall", setup: busy, code: queue.ECONFLICT, do: func(f *fx) error { _, err := f.e.NoShow(1, "x", f.now); return err }},
		{
			name: "no-show before enough recalls", code: queue.ECONFLICT,
			cfg: func(c *queue.Config) { c.RecallsBeforeNoShow = 2 },
			setup: func(f *fx) {
				busy(f)
				f.ok(func() (queue.Event, error) { return f.e.Recall(1, "clerk1", f.now) })
			},
			do: func(f *fx) error { _, err := f.e.NoShow(1, "x", f.now); return err },
		},
		{
			name: "no-show of a ticket in service", code: queue.ECONFLICT,
			setup: func(f *fx) {
				busy(f)
				f.ok(func() (queue.Event, error) { return f.e.Recall(1, "clerk1", f.now) })
				f.ok(func() (queue.Event, error) { return f.e.Start(1, "clerk1", f.now) })
			},
			do: func(f *fx) error { _, err := f.e.NoShow(1, "x", f.now); return err },
		},

		{name: "transfer unknown counter", setup: std, code: queue.ENOTFOUND, do: transfer(42, queue.TransferRequest{Service: "B"})},
		{name: "transfer idle counter", setup: std, code: queue.ECONFLICT, do: transfer(1, queue.TransferRequest{Service: "B"})},
		{name: "transfer to nowhere", setup: busy, code: queue.EINVALID, do: transfer(1, queue.TransferRequest{})},
		{name: "transfer to unknown service", setup: busy, code: queue.EINVALID, do: transfer(1, queue.TransferRequest{Service: "Z"})},
		{name: "transfer to unknown counter", setup: busy, code: queue.EINVALID, do: transfer(1, queue.TransferRequest{Counter: 42})},
		{name: "transfer to the same counter", setup: busy, code: queue.EINVALID, do: transfer(1, queue.TransferRequest{Service: "B", Counter: 1})},

		{name: "move unknown ticket", setup: std, code: queue.ENOTFOUND, do: move(99, queue.TransferRequest{Service: "B"})},
		{name: "move called ticket", setup: busy, code: queue.ECONFLICT, do: move(1, queue.TransferRequest{Service: "B"})},
		{name: "move transferred ticket", setup: movedTo3, code: queue.ECONFLICT, do: move(1, queue.TransferRequest{Service: "B"})},
		{name: "move to nowhere", setup: std, code: queue.EINVALID, do: move(1, queue.TransferRequest{})},
		{name: "move to its own service", setup: std, code: queue.EINVALID, do: move(1, queue.TransferRequest{Service: "A"})},
		{name: "move to unknown service", setup: std, code: queue.EINVALID, do: move(1, queue.TransferRequest{Service: "Z"})},
		{name: "move to unknown counter", setup: std, code: queue.EINVALID, do: move(1, queue.TransferRequest{Counter: 42})},

		{name: "postpone unknown counter", setup: std, code: queue.ENOTFOUND, do: func(f *fx) error { _, err := f.e.Postpone(42, "x", f.now); return err }},
		{name: "postpone idle counter", setup: std, code: queue.ECONFLICT, do: func(f *fx) error { _, err := f.e.Postpone(1, "x", f.now); return err }},

		{name: "cancel unknown ticket", setup: std, code: queue.ENOTFOUND, do: func(f *fx) error { _, err := f.e.Cancel(99, "x", f.now); return err }},
		{name: "cancel called ticket", setup: busy, code: queue.ECONFLICT, do: func(f *fx) error { _, err := f.e.Cancel(1, "x", f.now); return err }},
		{name: "cancel ticket in service", setup: serving, code: queue.ECONFLICT, do: func(f *fx) error { _, err := f.e.Cancel(1, "x", f.now); return err }},
		{
			name: "cancel twice", code: queue.ECONFLICT,
			setup: func(f *fx) { std(f); f.ok(func() (queue.Event, error) { return f.e.Cancel(2, "x", f.now) }) },
			do:    func(f *fx) error { _, err := f.e.Cancel(2, "x", f.now); return err },
		},

		{name: "pause without reason", setup: std, code: queue.EINVALID, do: func(f *fx) error { _, err := f.e.Pause(1, "", f.now); return err }},
		{name: "pause with blank reason", setup: std, code: queue.EINVALID, do: func(f *fx) error { _, err := f.e.Pause(1, " \t ", f.now); return err }},
		{name: "pause with 61 characters", setup: std, code: queue.EINVALID, do: func(f *fx) error { _, err := f.e.Pause(1, strings.Repeat("休", 61), f.now); return err }},
		{name: "pause unknown counter", setup: std, code: queue.ENOTFOUND, do: func(f *fx) error { _, err := f.e.Pause(42, "break", f.now); return err }},
		{name: "pause closed counter", setup: closed, code: queue.ECLOSED, do: func(f *fx) error { _, err := f.e.Pause(1, "break", f.now); return err }},
		{name: "pause twice", setup: paused, code: queue.ECONFLICT, do: func(f *fx) error { _, err := f.e.Pause(1, "break", f.now); return err }},
		{name: "pause busy counter", setup: busy, code: queue.ECONFLICT, do: func(f *fx) error { _, err := f.e.Pause(1, "break", f.now); return err }},

		{name: "resume unknown counter", setup: std, code: queue.ENOTFOUND, do: func(f *fx) error { _, err := f.e.Resume(42, f.now); return err }},
		{name: "resume open counter", setup: std, code: queue.ECONFLICT, do: func(f *fx) error { _, err := f.e.Resume(1, f.now); return err }},
		{name: "resume closed counter", setup: closed, code: queue.ECONFLICT, do: func(f *fx) error { _, err := f.e.Resume(1, f.now); return err }},

		{name: "sign in unknown counter", setup: std, code: queue.ENOTFOUND, do: func(f *fx) error { _, err := f.e.SignIn(42, clerkOf(1), f.now); return err }},
		{name: "sign out unknown counter", setup: std, code: queue.ENOTFOUND, do: func(f *fx) error { _, err := f.e.SignOut(42, f.now); return err }},
		{name: "sign out busy counter", setup: busy, code: queue.ECONFLICT, do: func(f *fx) error { _, err := f.e.SignOut(1, f.now); return err }},

		{name: "open unknown counter", setup: std, code: queue.ENOTFOUND, do: func(f *fx) error { _, err := f.e.SetOpen(42, true, f.now); return err }},
		{name: "open an open counter", setup: std, code: queue.ECONFLICT, do: func(f *fx) error { _, err := f.e.SetOpen(1, true, f.now); return err }},
		{name: "close busy counter", setup: busy, code: queue.ECONFLICT, do: func(f *fx) error { _, err := f.e.SetOpen(1, false, f.now); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			f := newFx(t, cfg, t0)
			if tt.setup != nil {
				tt.setup(f)
			}
			f.tick(time.Minute)
			f.refused(tt.code, func() error { return tt.do(f) })
		})
	}
}

// TestLimitsIgnoreTransfers: a transfer is not a new ticket, so it counts
// against neither the target service's nor the phone's daily limit.
func TestLimitsIgnoreTransfers(t *testing.T) {
	cfg := testConfig()
	cfg.PhoneDailyLimit = 3
	f := newFx(t, cfg, t0)
	f.signIn(1)
	const phone = "13900139000"
	a := f.issueReq(queue.IssueRequest{Service: "A", Phone: phone})
	f.issueReq(queue.IssueRequest{Service: "B", Phone: phone})
	f.issue("B", queue.Normal)
	// B has 2 of 3 and the phone 2 of 3; moving A001 into B takes neither.
	f.ok(func() (queue.Event, error) { return f.e.Move(a.ID, queue.TransferRequest{Service: "B"}, f.now) })
	f.callNext(1) // B001, then transferred on to counter 2
	f.ok(func() (queue.Event, error) {
		return f.e.Transfer(1, queue.TransferRequest{Service: "B", Counter: 2}, "clerk1", f.now)
	})
	if n := len(f.e.Tickets()); n != 5 {
		t.Fatalf("%d tickets, want 5", n)
	}
	if b := f.issueReq(queue.IssueRequest{Service: "B", Phone: phone}); b.Number != "B003" {
		t.Fatalf("third B ticket is %s", b.Number)
	}
	f.refused(queue.ELIMIT, func() error { _, err := f.e.Issue(queue.IssueRequest{Service: "B"}, f.now); return err })
	f.refused(queue.ELIMIT, func() error {
		_, err := f.e.Issue(queue.IssueRequest{Service: "A", Phone: "+86 139 0013 9000"}, f.now)
		return err
	})
	// Other phones and unlimited services still work.
	f.issueReq(queue.IssueRequest{Service: "A", Phone: "13700137000"})
}

func TestFind(t *testing.T) {
	f := newFx(t, testConfig(), t0)
	std(f)
	f.ok(func() (queue.Event, error) { return f.e.Move(1, queue.TransferRequest{Service: "C"}, f.now) }) // id 4
	tests := []struct {
		name   string
		number string
		id     uint64
		ok     bool
	}{
		{"waiting ticket", "A002", 2, true},
		{"lower case and spaces", " b001 ", 3, true},
		{"transfer chain gives the open ticket", "A001", 4, true},
		{"unknown number", "A009", 0, false},
		{"empty", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := f.e.Find(tt.number)
			if ok != tt.ok || got.ID != tt.id {
				t.Fatalf("Find(%q) = %d, %v; want %d, %v", tt.number, got.ID, ok, tt.id, tt.ok)
			}
			if ok && !reflect.DeepEqual(got, f.ticket(tt.id)) {
				t.Fatalf("Find(%q) = %+v, want %+v", tt.number, got, f.ticket(tt.id))
			}
		})
	}
}

func TestLookupsOfUnknownRecords(t *testing.T) {
	f := newFx(t, testConfig(), t0)
	if _, ok := f.e.Ticket(1); ok {
		t.Error("Ticket(1) found on an empty engine")
	}
	if _, ok := f.e.Counter(42); ok {
		t.Error("Counter(42) found")
	}
	if _, ok := f.e.Service("Z"); ok {
		t.Error("Service(Z) found")
	}
	if _, ok := f.e.Next(42, f.now); ok {
		t.Error("Next(42) found a ticket")
	}
	if got := f.e.WaitingFor(42, f.now); got != nil {
		t.Errorf("WaitingFor(42) = %v", got)
	}
	if _, _, ok := f.e.Position(1, f.now); ok {
		t.Error("Position(1) found")
	}
}

// TestRecordsAreCopies: what the engine hands out cannot change it.
func TestRecordsAreCopies(t *testing.T) {
	f := newFx(t, testConfig(), t0)
	std(f)
	before := capture(f.e, f.now)
	c, _ := f.e.Counter(1)
	c.Services[0] = "Z"
	for _, c := range f.e.Counters() {
		c.Services[0] = "Z"
	}
	s, _ := f.e.Service("A")
	s.Documents[0] = "changed"
	for _, s := range f.e.Services() {
		if len(s.Documents) > 0 {
			s.Documents[0] = "changed"
		}
	}
	snap := f.e.Snapshot(f.now)
	snap.Services[0].Documents[0] = "changed"
	snap.Counters[0].Services[0] = "Z"
	if after := capture(f.e, f.now); !reflect.DeepEqual(before, after) {
		t.Fatalf("changing a returned record changed the engine:\n%s", diffState(before, after))
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(c *queue.Config)
		ok   bool
	}{
		{"valid", func(c *queue.Config) {}, true},
		{"valid UTC with hours and holidays", func(c *queue.Config) {
			c.TimeZone = "UTC"
			c.Hours = map[string]queue.Hours{"1": {Open: "08:30", Close: "17:30"}, "7": {Open: "00:00", Close: "24:00"}}
			c.Holidays = []string{"2026-10-01"}
		}, true},
		{"unknown time zone", func(c *queue.Config) { c.TimeZone = "Mars/Olympus" }, false},
		{"no services", func(c *queue.Config) { c.Services = nil; c.Counters = nil }, false},
		{"two-letter prefix", func(c *queue.Config) { c.Services[0].Prefix = "AB" }, false},
		{"lower-case prefix", func(c *queue.Config) { c.Services[0].Prefix = "a" }, false},
		{"duplicate prefix", func(c *queue.Config) { c.Services[1].Prefix = "A" }, false},
		{"service without name", func(c *queue.Config) { c.Services[0].NameZH = " " }, false},
		{"negative limit", func(c *queue.Config) { c.Services[0].DailyLimit = -1 }, false},
		{"negative average", func(c *queue.Config) { c.Services[0].AvgServiceS = -1 }, false},
		{"negative target", func(c *queue.Config) { c.Services[0].TargetWaitS = -1 }, false},
		{"counter 0", func(c *queue.Config) { c.Counters[0].Number = 0 }, false},
		{"counter 100", func(c *queue.Config) { c.Counters[0].Number = 100 }, false},
		{"duplicate counter", func(c *queue.Config) { c.Counters[1].Number = 1 }, false},
		{"counter without services", func(c *queue.Config) { c.Counters[0].Services = nil }, false},
		{"counter with unknown service", func(c *queue.Config) { c.Counters[0].Services = []string{"Z"} }, false},
		{"weekday 0", func(c *queue.Config) { c.Hours = map[string]queue.Hours{"0": {Open: "08:00", Close: "17:00"}} }, false},
		{"weekday 8", func(c *queue.Config) { c.Hours = map[string]queue.Hours{"8": {Open: "08:00", Close: "17:00"}} }, false},
		{"bad clock", func(c *queue.Config) { c.Hours = map[string]queue.Hours{"1": {Open: "8am", Close: "17:00"}} }, false},
		{"close before open", func(c *queue.Config) { c.Hours = map[string]queue.Hours{"1": {Open: "17:00", Close: "08:00"}} }, false},
		{"close equals open", func(c *queue.Config) { c.Hours = map[string]queue.Hours{"1": {Open: "08:00", Close: "08:00"}} }, false},
		{"bad holiday", func(c *queue.Config) { c.Holidays = []string{"2026-13-01"} }, false},
		{"negative starvation", func(c *queue.Config) { c.StarveAfterS = -1 }, false},
		{"negative recalls", func(c *queue.Config) { c.RecallsBeforeNoShow = -1 }, false},
		{"negative phone limit", func(c *queue.Config) { c.PhoneDailyLimit = -1 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			tt.edit(&cfg)
			err := cfg.Validate()
			_, nerr := queue.New(cfg, t0)
			if tt.ok {
				if err != nil || nerr != nil {
					t.Fatalf("Validate = %v, New = %v; want nil", err, nerr)
				}
				return
			}
			if queue.ErrorCode(err) != queue.EINVALID || queue.ErrorCode(nerr) != queue.EINVALID {
				t.Fatalf("Validate = %v, New = %v; want %s", err, nerr, queue.EINVALID)
			}
		})
	}
}

func TestNew(t *testing.T) {
	cfg := testConfig()
	cfg.Counters[2].State = queue.Open
	e, err := queue.New(cfg, time.Date(2026, 11, 23, 16, 30, 0, 0, time.UTC)) // 00:30 on the 24th in Shanghai
	if err != nil {
		t.Fatal(err)
	}
	if e.Day() != "2026-11-24" || e.Location().String() != "Asia/Shanghai" {
		t.Fatalf("day %s in %s", e.Day(), e.Location())
	}
	if len(e.Tickets()) != 0 {
		t.Fatalf("tickets: %v", e.Tickets())
	}
	want := []queue.Counter{
		{Number: 1, NameZH: "1号窗口", NameEN: "Counter 1", Services: []string{"A", "B"}, State: queue.Closed},
		{Number: 2, NameZH: "2号窗口", NameEN: "Counter 2", Services: []string{"B", "A"}, State: queue.Closed},
		{Number: 3, NameZH: "3号窗口", NameEN: "Counter 3", Services: []string{"C"}, State: queue.Open},
	}
	if got := e.Counters(); !reflect.DeepEqual(got, want) {
		t.Fatalf("counters\n got %+v\nwant %+v", got, want)
	}
	if got := e.Services(); !reflect.DeepEqual(got, cfg.Services) {
		t.Fatalf("services\n got %+v\nwant %+v", got, cfg.Services)
	}
	cfg.Counters[0].Services[0] = "C" // the engine keeps its own copy
	if c, _ := e.Counter(1); c.Services[0] != "A" {
		t.Fatalf("changing the config changed counter 1: %v", c.Services)
	}
	if !reflect.DeepEqual(e.Config().Services, cfg.Services) {
		t.Fatalf("Config() does not return the configuration")
	}
}

func TestErrors(t *testing.T) {
	e := queue.Errorf(queue.ELIMIT, "已满 %d / full %d", 3, 3)
	tests := []struct {
		name string
		err  error
		code string
		msg  string
	}{
		{"nil", nil, "", ""},
		{"queue error", e, queue.ELIMIT, "已满 3 / full 3"},
		{"wrapped", fmt.Errorf("issue ticket A: %w", e), queue.ELIMIT, "已满 3 / full 3"},
		{"other error", errors.New("disk on fire"), queue.EINTERNAL, "系统内部错误，请稍后再试 / Internal error, please try again"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := queue.ErrorCode(tt.err); got != tt.code {
				t.Errorf("ErrorCode = %q, want %q", got, tt.code)
			}
			if got := queue.ErrorMessage(tt.err); got != tt.msg {
				t.Errorf("ErrorMessage = %q, want %q", got, tt.msg)
			}
		})
	}
	if e.Error() != "limit: 已满 3 / full 3" {
		t.Errorf("Error() = %q", e.Error())
	}
}

func TestNormalizePhone(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"plain", "13800138000", "13800138000"},
		{"spaces and dashes", " 138 0013-8000 ", "13800138000"},
		{"plus 86", "+86 138 0013 8000", "13800138000"},
		{"0086", "0086-13800138000", "13800138000"},
		{"brackets", "(138)00138000", "13800138000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := queue.NormalizePhone(tt.in); got != tt.want {
				t.Errorf("NormalizePhone(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestStatusAndPriority(t *testing.T) {
	for _, tt := range []struct {
		s             queue.Status
		final, active bool
	}{
		{queue.Waiting, false, false}, {queue.Called, false, true}, {queue.Serving, false, true},
		{queue.Done, true, false}, {queue.NoShow, true, false}, {queue.Transferred, true, false}, {queue.Cancelled, true, false},
	} {
		t.Run(string(tt.s), func(t *testing.T) {
			if tt.s.Final() != tt.final || tt.s.Active() != tt.active {
				t.Errorf("Final %v Active %v", tt.s.Final(), tt.s.Active())
			}
		})
	}
	for _, p := range []queue.Priority{queue.Normal, queue.Green, queue.Appointment} {
		if !p.Valid() {
			t.Errorf("%s not valid", p)
		}
	}
	for _, p := range []queue.Priority{"", "vip", "Green"} {
		if p.Valid() {
			t.Errorf("%q valid", p)
		}
	}
	c := queue.Counter{Services: []string{"B", "A"}}
	if !c.Serves("A") || !c.Serves("B") || c.Serves("C") {
		t.Errorf("Serves wrong for %v", c.Services)
	}
}

// TestEventsAreCopies: an event is handed to listeners and to a replica's
// Apply; changing it afterwards must change neither engine.
func TestEventsAreCopies(t *testing.T) {
	f := newFx(t, testConfig(), t0)
	replica, _ := queue.New(testConfig(), t0)
	std(f)
	f.callNext(1)
	f.tick(time.Minute)
	ev := f.ok(func() (queue.Event, error) { return f.e.Finish(1, "clerk1", "", f.now) })
	a := f.service("A")
	a.Documents = []string{"户号", "身份证"}
	sev := f.ok(func() (queue.Event, error) { return f.e.SaveService(a, false, f.now) })
	for _, e := range f.evs {
		replica.Apply(e)
	}
	before, rbefore := capture(f.e, f.now), capture(replica, f.now)
	ev.Counters[0].Services[0] = "Z"
	sev.Services[0].Documents[0] = "changed"
	for _, e := range f.evs {
		for i := range e.Counters {
			e.Counters[i].Services[0] = "Z"
		}
	}
	if after := capture(f.e, f.now); !reflect.DeepEqual(before, after) {
		t.Errorf("changing an event changed the engine:\n%s", diffState(before, after))
	}
	if after := capture(replica, f.now); !reflect.DeepEqual(rbefore, after) {
		t.Errorf("changing an event changed the replica:\n%s", diffState(rbefore, after))
	}
}

// TestCloseClearsPause: a paused counter closed by a manager and signed in
// again is open, not open with a stale pause reason.
func TestCloseClearsPause(t *testing.T) {
	f := newFx(t, testConfig(), t0)
	f.signIn(1)
	f.ok(func() (queue.Event, error) { return f.e.Pause(1, "break", f.now) })
	f.ok(func() (queue.Event, error) { return f.e.SetOpen(1, false, f.now) })
	f.signIn(1)
	want := queue.Counter{Number: 1, NameZH: "1号窗口", NameEN: "Counter 1", Services: []string{"A", "B"},
		State: queue.Open, Clerk: "clerk1", ClerkName: "柜员1", StaffNo: "G001", Rev: 4}
	if got := f.counter(1); !reflect.DeepEqual(got, want) {
		t.Fatalf("counter\n got %+v\nwant %+v", got, want)
	}
}
