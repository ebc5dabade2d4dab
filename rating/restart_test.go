package rating_test

import (
	"testing"
	"time"

	"hallq/hall"
	"hallq/internal/halltest"
	"hallq/rating"
)

// TestRatingOverMidnight: in a hall open across midnight, the customer being
// served at midnight is finished after it (and after a restart); the keypad
// then offers their rating, which counts on the day they were served.
// (Moved from hall's TestMidnightAtTheCounter, which keeps the queue's part.)
func TestRatingOverMidnight(t *testing.T) {
	f := newFixture(t, time.Date(2026, 11, 23, 23, 58, 0, 0, halltest.Shanghai), true)
	_, clerk := f.clerk("wang", 1)
	served := f.issue("A")
	f.op(clerk, 1, "call")
	f.op(clerk, 1, "start")
	f.clock.Set(time.Date(2026, 11, 24, 0, 1, 0, 0, halltest.Shanghai)) // Tuesday
	if fresh := f.issue("A"); fresh.Day != "2026-11-24" {               // rolls the day over
		t.Fatalf("first ticket after midnight: %+v", fresh)
	}
	f.restart()
	f.clock.Add(time.Minute)
	f.op(clerk, 1, "finish")
	if pr, ok := f.r.Pending(1); !ok || pr.Ticket != served.ID {
		t.Errorf("keypad after the finish: %+v %v, want %s to rate", pr, ok, served.Number)
	}
	keypad := hall.Principal{Kind: "device", Name: "keypad-1", Role: hall.KindKeypad, Counter: 1}
	if r, err := f.r.Rate(ctx, keypad, rating.RateRequest{Ticket: served.ID, Score: 5}); err != nil || r.Day != "2026-11-23" {
		t.Errorf("rating the customer served over midnight: %+v %v", r, err)
	}
}

// TestExpireAfterRestart: a service finished just before a restart (which
// reads the open tickets only) gets its 未评价 once its rating window has
// passed. (Moved from hall's TestRestartFromOpenTickets.)
func TestExpireAfterRestart(t *testing.T) {
	f := newFixture(t, monday10, false)
	_, clerk := f.clerk("clerk1", 1)
	for range 3 {
		f.issue("A")
	}
	f.op(clerk, 1, "call")
	f.op(clerk, 1, "start")
	f.clock.Add(3 * time.Minute)
	justDone := f.op(clerk, 1, "finish")
	f.op(clerk, 1, "call")
	f.clock.Add(10 * time.Second)
	f.restart()
	f.clock.Set(justDone.FinishedAt.Add(rating.DefaultSettings.Window() + time.Second))
	if n, err := f.r.Expire(ctx); err != nil || n == 0 {
		t.Errorf("ratings expired after restart: %d %v, want the service finished before it", n, err)
	}
}
