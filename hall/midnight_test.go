package hall_test

import (
	"errors"
	"testing"
	"time"

	"hallq/hall"
	"hallq/queue"
)

// TestMidnightAtTheCounter: in a hall open across midnight, the customer
// being served at midnight finishes normally and counts on the day they
// were served; the clerk stays signed in (the next key press works, also
// after a restart); whoever still waited is cancelled with the day.
func TestMidnightAtTheCounter(t *testing.T) {
	monday2358 := time.Date(2026, 11, 23, 23, 58, 0, 0, shanghai)
	f := newFixture(t, monday2358, true)
	clerk := f.clerk("wang", 1)
	served := f.issue("A")
	waiting := f.issue("A")
	f.op(clerk, 1, "call")
	f.op(clerk, 1, "start")

	f.clock.Set(time.Date(2026, 11, 24, 0, 1, 0, 0, shanghai)) // Tuesday
	fresh := f.issue("A")                                      // rolls the day over
	if fresh.Day != "2026-11-24" || fresh.Number != "A001" {
		t.Fatalf("first ticket after midnight: %+v", fresh)
	}
	f.h = f.restart()
	f.clock.Add(time.Minute)
	done, err := f.h.Operate(ctx, clerk, 1, hall.CounterOp{Action: "finish"})
	if err != nil {
		t.Fatalf("finish after midnight: %v", err)
	}
	if done.ID != served.ID || done.Status != queue.Done || done.Day != "2026-11-23" || done.FinishedAt.Before(*done.StartedAt) {
		t.Errorf("the customer served at midnight: %+v", done)
	}
	if c, _ := counterOf(f.h, 1); c.Clerk != "wang" || c.State != queue.Open || c.Current != 0 || c.ServedToday != 0 {
		t.Errorf("counter 1 after the finish: %+v", c)
	}
	// (The keypad's rating of it counts on Monday: rating's
	// TestRatingOverMidnight.)
	var issued, nDone int
	f.h.Read(func(v *queue.Engine, _ uint64) { issued, nDone = v.Issued(), v.StatusCounts()[queue.Done] })
	if issued != 1 || nDone != 0 {
		t.Errorf("today's totals: %d issued, %d served, want 1 issued, none served yet", issued, nDone)
	}
	next := f.op(clerk, 1, "call")
	if next.ID != fresh.ID {
		t.Errorf("next call: %+v, want today's %s", next, fresh.Number)
	}

	mon, err := f.h.Store().Tickets("2026-11-23", "2026-11-23")
	if err != nil {
		t.Fatal(err)
	}
	status := map[uint64]queue.Status{}
	for _, tk := range mon {
		status[tk.ID] = tk.Status
	}
	if status[served.ID] != queue.Done || status[waiting.ID] != queue.Cancelled || len(mon) != 2 {
		t.Errorf("Monday's tickets: %+v", mon)
	}
}

// TestMidnightClosedHall: in a hall closed at midnight the counters close
// with the day, but the one with a customer still at it keeps its clerk
// until that customer is finished.
func TestMidnightClosedHall(t *testing.T) {
	monday17 := time.Date(2026, 11, 23, 17, 0, 0, 0, shanghai) // the default hall: 08:30–17:30
	f := newFixture(t, monday17, false)
	wang := f.clerk("wang", 1)
	li := f.clerk("li", 2)
	f.issue("A")
	f.op(wang, 1, "call")

	f.clock.Set(time.Date(2026, 11, 24, 0, 1, 0, 0, shanghai))
	if _, err := f.h.Operate(ctx, wang, 1, hall.CounterOp{Action: "no-show"}); queue.ErrorCode(err) != queue.ECONFLICT {
		t.Errorf("no-show without a recall: %v, want the usual conflict", err) // the clerk is still signed in
	}
	f.op(wang, 1, "recall")
	if tk := f.op(wang, 1, "no-show"); tk.Status != queue.NoShow || tk.Day != "2026-11-23" {
		t.Errorf("no-show after midnight: %+v", tk)
	}
	if _, err := f.h.Operate(ctx, li, 2, hall.CounterOp{Action: "call"}); queue.ErrorCode(err) != queue.EFORBIDDEN {
		t.Errorf("counter 2 (idle, hall closed at midnight) after midnight: %v, want signed out", err)
	}
	if _, err := f.h.Operate(ctx, wang, 1, hall.CounterOp{Action: "call"}); !errors.Is(err, hall.ErrNoOneWaiting) && queue.ErrorCode(err) != queue.ECLOSED {
		t.Errorf("call at counter 1 after its customer: %v", err)
	}
}
