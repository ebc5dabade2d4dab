package hall_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"hallq/account"
	"hallq/hall"
	"hallq/hall/store"
	"hallq/queue"
)

// TestClockStepBackAndForward reproduces the hall whose clock went a day
// back and forward again (an RTC battery, then NTP): tickets issued, the
// clock a day back, more tickets, the clock right again, calls and
// finishes, a restart. Ids stay unique and go on after the restart, each
// day's numbers are unique, no duration is negative, the counter holding a
// ticket can finish it, and the manager is told about the clock.
func TestClockStepBackAndForward(t *testing.T) {
	f := newFixture(t, monday10, true)
	var logs bytes.Buffer
	checkClose(t, f.h) // reopen with a log to read
	h, err := hall.Open(hall.Options{Dir: f.dir, Now: f.clock.Now, Logger: slog.New(slog.NewTextHandler(&logs, nil)), AlwaysOpen: true, Tick: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	h.Authorise(account.Rules{})
	f.h = h
	t.Cleanup(func() { checkClose(t, h) })
	clerk := f.clerk("wang", 1)

	for range 8 {
		f.issue("A")
	}
	f.clock.Add(time.Minute)
	f.op(clerk, 1, "call")
	f.op(clerk, 1, "start")

	f.clock.Add(-24 * time.Hour) // a day back
	a := f.issue("A")
	b := f.issue("A")
	if a.Day != "2026-11-23" || a.Number != "A009" || b.Number != "A010" || !a.IssuedAt.Equal(monday10.Add(time.Minute)) {
		t.Errorf("with the clock a day back: %s %s on %s at %v, want A009 A010 on 2026-11-23 held at %v",
			a.Number, b.Number, a.Day, a.IssuedAt, monday10.Add(time.Minute))
	}
	if !strings.Contains(logs.String(), "wall clock is behind") {
		t.Errorf("the step back is not logged:\n%s", logs.String())
	}
	if d := f.h.ClockBehind(); d < 23*time.Hour {
		t.Errorf("clock behind by %v, want about a day", d)
	}
	if st, ok := f.h.ClockStep(); !ok || st.Caught != nil { // the console's clock alert (console's TestMonitorClockAlert)
		t.Errorf("no step back for the manager while the clock is behind: %+v %v", st, ok)
	}
	done := f.op(clerk, 1, "finish")
	if done.Status != queue.Done || done.FinishedAt.Before(*done.StartedAt) {
		t.Errorf("finish with the clock behind: %+v", done)
	}

	f.clock.Add(24*time.Hour + 5*time.Minute) // right again
	for range 2 {
		f.issue("A")
	}
	f.op(clerk, 1, "call")
	f.op(clerk, 1, "start")
	if d := f.h.ClockBehind(); d != 0 {
		t.Errorf("clock behind by %v after the correction", d)
	}
	if st, ok := f.h.ClockStep(); !ok || st.Caught == nil || st.Caught.Format(time.DateOnly) != st.Seen.Format(time.DateOnly) {
		t.Errorf("the step is not kept, caught up on its day: %+v %v", st, ok)
	}

	f.h = f.restart()
	f.clock.Add(time.Minute)
	c := f.issue("A")
	if c.ID != 13 || c.Number != "A013" {
		t.Errorf("first ticket after the restart: id %d %s, want 13 A013", c.ID, c.Number)
	}
	fin := f.op(clerk, 1, "finish")
	if fin.Number != "A002" || fin.Status != queue.Done {
		t.Errorf("finish after the restart: %+v", fin)
	}
	checkHistory(t, f.h)
}

// TestClockBehindAtStart: a hall started with its clock behind its last
// event (the RTC battery died while it was off) logs it, holds its times at
// the last event's, and tells the manager.
func TestClockBehindAtStart(t *testing.T) {
	f := newFixture(t, monday10, true)
	first := f.issue("A")
	checkClose(t, f.h)
	f.clock.Set(time.Date(2000, 1, 1, 0, 0, 0, 0, shanghai))
	var logs bytes.Buffer
	h, err := hall.Open(hall.Options{Dir: f.dir, Now: f.clock.Now, Logger: slog.New(slog.NewTextHandler(&logs, nil)), AlwaysOpen: true, Tick: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	h.Authorise(account.Rules{})
	f.h = h
	t.Cleanup(func() { checkClose(t, h) })
	if !strings.Contains(logs.String(), "wall clock is behind") {
		t.Errorf("a clock behind at start is not logged:\n%s", logs.String())
	}
	next := f.issue("A")
	if next.Day != first.Day || next.ID != first.ID+1 || next.Number != "A002" || next.IssuedAt.Before(first.IssuedAt) {
		t.Errorf("ticket with the clock in 2000: %+v after %+v", next, first)
	}
	if st, ok := f.h.ClockStep(); !ok || st.Caught != nil {
		t.Errorf("no step back for the manager: %+v %v", st, ok)
	}
	checkHistory(t, f.h)
}

// checkHistory checks every stored ticket: ids unique (the store keys them
// by day and id), numbers unique per day, no negative duration.
func checkHistory(t *testing.T, h *hall.Hall) {
	t.Helper()
	ts, err := h.Store().Tickets("0000-00-00", "9999-99-99")
	if err != nil {
		t.Fatal(err)
	}
	ids, numbers := map[uint64]string{}, map[string]uint64{}
	for _, tk := range ts {
		where := fmt.Sprintf("%s %s (id %d)", tk.Day, tk.Number, tk.ID)
		if was, dup := ids[tk.ID]; dup {
			t.Errorf("id %d is used twice: %s and %s", tk.ID, was, where)
		}
		ids[tk.ID] = where
		if tk.TransferredFrom == 0 {
			if id, dup := numbers[tk.Day+tk.Number]; dup {
				t.Errorf("number %s is used twice on %s: ids %d and %d", tk.Number, tk.Day, id, tk.ID)
			}
			numbers[tk.Day+tk.Number] = tk.ID
		}
		prev := tk.IssuedAt
		for _, at := range []*time.Time{tk.CalledAt, tk.StartedAt, tk.FinishedAt} {
			if at != nil && at.Before(prev) {
				t.Errorf("%s has a negative duration: %+v", where, tk)
			}
			if at != nil {
				prev = *at
			}
		}
	}
}

// TestStoreLeftByAClockStep opens a store as older versions left it after a
// clock step: ticket id 9 issued on two days, counter 1 holding the id while
// today's ticket 9 waits. The hall starts, frees the counter (it used to
// answer 409 to call and no-show and crash on finish, after every restart),
// and the clerk goes on; new ids do not repeat.
func TestStoreLeftByAClockStep(t *testing.T) {
	f := newFixture(t, monday10, true)
	clerk := f.clerk("wang", 1)
	checkClose(t, f.h)

	st, err := store.Open(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	s0, err := st.Load("2026-11-23")
	if err != nil {
		t.Fatal(err)
	}
	var k1 queue.Counter
	for _, c := range s0.Counters {
		if c.Number == 1 {
			k1 = c
		}
	}
	at := monday10.Add(-time.Minute)
	yesterday := queue.Ticket{ID: 9, Day: "2026-11-22", Number: "A001", Serial: 1, Service: "A", Priority: queue.Normal,
		Status: queue.Cancelled, IssuedAt: at, FinishedAt: &at, Counter: 1, Clerk: "wang", Tracking: "OLD9", Rev: 3}
	today := queue.Ticket{ID: 9, Day: "2026-11-23", Number: "A001", Serial: 1, Service: "A", Priority: queue.Normal,
		Status: queue.Waiting, IssuedAt: at, Tracking: "NEW9", Rev: 1}
	k1.Current, k1.Rev = 9, k1.Rev+1
	seq := s0.LastSeq
	if err := st.Commit([]queue.Event{
		{Seq: seq + 1, Type: queue.EvCancelled, At: at, Day: yesterday.Day, Tickets: []queue.Ticket{yesterday}},
		{Seq: seq + 2, Type: queue.EvIssued, At: at, Day: today.Day, Tickets: []queue.Ticket{today}, Counters: []queue.Counter{k1}},
	}, nil); err != nil {
		t.Fatal(err)
	}
	st.Close()

	f.open()
	if _, err := f.h.Operate(ctx, clerk, 1, hall.CounterOp{Action: "finish"}); queue.ErrorCode(err) != queue.ECONFLICT {
		t.Errorf("finish at the freed counter: %v, want a conflict (nothing to finish)", err)
	}
	if tk := f.op(clerk, 1, "call"); tk.ID != 9 || tk.Day != "2026-11-23" {
		t.Errorf("call at the freed counter: %+v", tk)
	}
	f.op(clerk, 1, "finish")
	if next := f.issue("A"); next.ID != 10 || next.Number != "A002" {
		t.Errorf("next ticket: id %d %s, want 10 A002", next.ID, next.Number)
	}
	// check names what the older version left, as a broken rule of the
	// data (a backup holds the same), not as damage to the file.
	if _, err := f.h.Store().Verify(); !errors.Is(err, store.ErrInconsistent) || errors.Is(err, store.ErrDamaged) ||
		!strings.Contains(err.Error(), store.RuleTicketID) {
		t.Errorf("check of the stepped store: %v, want the %s rule only", err, store.RuleTicketID)
	}
	if err := f.h.Close(); err != nil {
		t.Error(err)
	}
}
