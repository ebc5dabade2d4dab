package remote_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"hallq/hall"
	"hallq/queue"
	"hallq/remote"
)

// TestRemoteTicketHall: a phone ticket goes through the kiosk's limits, is
// held until its check-in, an unconfirmed one is skipped after the grace
// period, the state survives a restart, and the store check accepts it all.
func TestRemoteTicketHall(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	h, clock, _ := apptHallIn(t, dir, false)
	r := remote.New(h)
	if _, err := r.Issue(ctx, remote.Request{Service: "A", Phone: "13800138000"}); queue.ErrorCode(err) != queue.ECLOSED {
		t.Fatalf("phone tickets off: %v, want ECLOSED", err)
	}
	s := h.Settings()
	s.RemoteTickets, s.RemoteGraceS, s.PhoneDailyLimit = true, 900, 2
	if _, err := h.SaveSettings(ctx, apptManager, s); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Issue(ctx, remote.Request{Service: "A"}); queue.ErrorCode(err) != queue.EINVALID {
		t.Fatalf("no phone: %v, want EINVALID", err)
	}
	a, err := r.Issue(ctx, remote.Request{Service: "A", Phone: "13800138000"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Issue(ctx, remote.Request{Service: "A", Phone: "13800138000"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Issue(ctx, remote.Request{Service: "A", Phone: "13800138000"}); queue.ErrorCode(err) != queue.ELIMIT {
		t.Fatalf("third ticket of one phone: %v, want ELIMIT", err)
	}
	if !a.Remote || a.ArrivedAt != nil {
		t.Fatalf("ticket = %+v", a)
	}
	clock.Set(apptAt(10, 5, 0))
	got, changed, err := r.Arrive(ctx, "device:kiosk", a.Tracking)
	if err != nil || !changed || got.ArrivedAt == nil {
		t.Fatalf("arrive: %+v %v %v", got, changed, err)
	}
	if _, changed, err := r.Arrive(ctx, "device:kiosk", a.Tracking); err != nil || changed {
		t.Fatalf("second arrive: %v %v", changed, err)
	}
	clock.Set(apptAt(10, 15, 0))
	if n, err := r.SkipUnconfirmed(ctx); err != nil || n != 1 {
		t.Fatalf("skip: %d %v, want 1", n, err)
	}
	if _, _, err := r.Arrive(ctx, "device:kiosk", b.Tracking); queue.ErrorCode(err) != queue.ECONFLICT {
		t.Fatalf("late arrive: %v, want ECONFLICT", err)
	}
	h.Close()
	h2, _, _ := apptHallIn(t, dir, true)
	ta, _ := h2.Ticket(a.ID)
	tb, _ := h2.Ticket(b.ID)
	if ta.ArrivedAt == nil || ta.Status != queue.Waiting || tb.Status != queue.NoShow {
		t.Fatalf("after restart: %+v / %+v", ta, tb)
	}
	if _, err := h2.Store().Verify(); err != nil { // what hallq check and the daily check (package health) run
		t.Fatalf("hallq check refuses the day: %v", err)
	}
	_ = time.Second
}

// The hall of these tests: the default one on a settable clock, Monday 23
// November 2026 at 10:00 (the appointment tests in appointment/ have the same; these came from package hall).
type apptClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *apptClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *apptClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

var apptLoc, _ = time.LoadLocation("Asia/Shanghai")

// apptAt is Monday 23 November 2026 at hh:mm:ss in the hall.
func apptAt(hh, mm, ss int) time.Time { return time.Date(2026, 11, 23, hh, mm, ss, 0, apptLoc) }

var apptManager = hall.Principal{Kind: "user", Name: "manager", Role: hall.RoleManager}

// apptHallIn opens the hall in dir; check runs the store check at cleanup.
func apptHallIn(t *testing.T, dir string, check bool) (*hall.Hall, *apptClock, string) {
	t.Helper()
	clock := &apptClock{t: apptAt(10, 0, 0)}
	h, err := hall.Open(hall.Options{Dir: dir, Now: clock.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Tick: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !check {
			return
		}
		if err := h.Store().Check(); err != nil {
			t.Errorf("store check: %v", err)
		}
		h.Close()
	})
	return h, clock, dir
}
