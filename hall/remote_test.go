package hall_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"hallq/hall"
	"hallq/queue"
)

// TestRemoteTicketHall: a phone ticket goes through the kiosk's limits, is
// held until its check-in, an unconfirmed one is skipped after the grace
// period, the state survives a restart, and the store check accepts it all.
func TestRemoteTicketHall(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	h, clock, _ := apptHallIn(t, dir, false)
	if _, err := h.IssueRemote(ctx, hall.RemoteRequest{Service: "A", Phone: "13800138000"}); queue.ErrorCode(err) != queue.ECLOSED {
		t.Fatalf("phone tickets off: %v, want ECLOSED", err)
	}
	s := h.Settings()
	s.RemoteTickets, s.RemoteGraceS, s.PhoneDailyLimit = true, 900, 2
	if _, err := h.SaveSettings(ctx, apptManager, s); err != nil {
		t.Fatal(err)
	}
	if _, err := h.IssueRemote(ctx, hall.RemoteRequest{Service: "A"}); queue.ErrorCode(err) != queue.EINVALID {
		t.Fatalf("no phone: %v, want EINVALID", err)
	}
	a, err := h.IssueRemote(ctx, hall.RemoteRequest{Service: "A", Phone: "13800138000"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := h.IssueRemote(ctx, hall.RemoteRequest{Service: "A", Phone: "13800138000"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.IssueRemote(ctx, hall.RemoteRequest{Service: "A", Phone: "13800138000"}); queue.ErrorCode(err) != queue.ELIMIT {
		t.Fatalf("third ticket of one phone: %v, want ELIMIT", err)
	}
	if !a.Remote || a.ArrivedAt != nil {
		t.Fatalf("ticket = %+v", a)
	}
	clock.Set(apptAt(10, 5, 0))
	got, changed, err := h.Arrive(ctx, "device:kiosk", a.Tracking)
	if err != nil || !changed || got.ArrivedAt == nil {
		t.Fatalf("arrive: %+v %v %v", got, changed, err)
	}
	if _, changed, err := h.Arrive(ctx, "device:kiosk", a.Tracking); err != nil || changed {
		t.Fatalf("second arrive: %v %v", changed, err)
	}
	clock.Set(apptAt(10, 15, 0))
	if n, err := h.SkipUnconfirmed(ctx); err != nil || n != 1 {
		t.Fatalf("skip: %d %v, want 1", n, err)
	}
	if _, _, err := h.Arrive(ctx, "device:kiosk", b.Tracking); queue.ErrorCode(err) != queue.ECONFLICT {
		t.Fatalf("late arrive: %v, want ECONFLICT", err)
	}
	h.Close()
	h2, _, _ := apptHallIn(t, dir, true)
	ta, _ := h2.Ticket(a.ID)
	tb, _ := h2.Ticket(b.ID)
	if ta.ArrivedAt == nil || ta.Status != queue.Waiting || tb.Status != queue.NoShow {
		t.Fatalf("after restart: %+v / %+v", ta, tb)
	}
	if res := h2.CheckStore(); !res.OK {
		t.Fatalf("hallq check refuses the day: %s", res.Error)
	}
	_ = time.Second
}

// TestOverridesHonoured: a dated override closes a weekday for bookings and
// for tickets, and opens a 调休 Sunday with its own hours.
func TestOverridesHonoured(t *testing.T) {
	dir := t.TempDir()
	c := hall.DefaultConfig()
	delete(c.Hours, "7") // closed on Sundays
	c.Overrides = map[string]queue.DayHours{
		"2026-11-23": {Closed: true, Name: "停电检修"},                                 // today, a Monday
		"2026-11-29": {Open: "08:30", Close: "12:00", Workday: true, Name: "调休上班"}, // a Sunday
	}
	raw, _ := json.Marshal(c)
	if err := os.WriteFile(filepath.Join(dir, hall.ConfigFile), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	h, _, _ := apptHallIn(t, dir, true)
	if _, err := h.Issue(context.Background(), apptKiosk, hall.IssueRequest{Service: "A"}); queue.ErrorCode(err) != queue.ECLOSED {
		t.Fatalf("ticket on a closed override: %v, want ECLOSED", err)
	}
	if h.OpenNow() {
		t.Error("OpenNow on a closed override")
	}
	sun, err := h.Slots("A", "2026-11-29")
	if err != nil || len(sun) == 0 || sun[0].Slot != "08:30" || sun[len(sun)-1].Slot >= "12:00" {
		t.Fatalf("调休 Sunday slots: %+v %v", sun, err)
	}
	if got, err := h.Slots("A", "2026-11-30"); err != nil || len(got) == 0 {
		t.Fatalf("the Monday after: %d slots %v", len(got), err)
	}
}
