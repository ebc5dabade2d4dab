package privacy_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"hallq/hall"
	"hallq/internal/halltest"
	"hallq/privacy"
	"hallq/queue"
)

var (
	ctx   = context.Background()
	kiosk = hall.Principal{Kind: "device", Name: "取号机1", Role: hall.KindKiosk}
)

// fixture is a hall without opening hours on a settable clock, in a
// directory it may reopen, with its privacy service (no scheduled job: the
// tests run it).
type fixture struct {
	t     *testing.T
	dir   string
	clock *halltest.Clock
	h     *hall.Hall
	pr    *privacy.Service
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{t: t, dir: t.TempDir(), clock: halltest.NewClock(halltest.Monday10)}
	f.open()
	return f
}

func (f *fixture) open() {
	f.h = halltest.Open(f.t, hall.Options{Dir: f.dir, Now: f.clock.Now, AlwaysOpen: true})
	f.pr = privacy.New(f.h, privacy.Options{NoRetention: true})
}

// restart checks and closes the hall, then opens it again.
func (f *fixture) restart() {
	f.t.Helper()
	halltest.CheckClose(f.t, f.h)
	f.open()
}

// TestRetention: phone and account numbers of tickets older than the
// retention period are erased from the tickets and the event log; newer
// tickets keep theirs; everything else about the old ticket stays; a second
// run changes nothing.
func TestRetention(t *testing.T) {
	f := newFixture(t)
	if f.h.Config().RetentionDays != 365 {
		t.Fatalf("default retention %d days, want 365", f.h.Config().RetentionDays)
	}
	old, err := f.h.Issue(ctx, kiosk, hall.IssueRequest{Service: "A", Phone: "13811112222", Account: "3300112233"})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Add(200 * 24 * time.Hour)
	mid, err := f.h.Issue(ctx, kiosk, hall.IssueRequest{Service: "A", Phone: "13833334444"})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Add(200 * 24 * time.Hour) // old is now 400 days old, mid 200
	n, err := f.pr.ApplyRetention(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The old ticket, its issue event, and the next day's rollover, which
	// carried it as left over.
	if n != 3 {
		t.Errorf("changed %d records, want 3 (the ticket, its issue event, the rollover that closed it)", n)
	}
	stored := map[uint64]queue.Ticket{}
	ts, err := f.h.Store().Tickets("2000-01-01", "2100-01-01")
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range ts {
		stored[tk.ID] = tk
	}
	if got := stored[old.ID]; got.Phone != "" || got.Account != "" || got.Number != old.Number || !got.IssuedAt.Equal(old.IssuedAt) || got.Service != "A" {
		t.Errorf("old ticket after retention: %+v, want the same ticket without phone and account", got)
	}
	if got := stored[mid.ID]; got.Phone != "13833334444" {
		t.Errorf("a 200-day-old ticket lost its phone: %+v", got)
	}
	evs, err := f.h.Events(0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, ev := range evs {
		for _, tk := range ev.Tickets {
			all.WriteString(tk.Phone + " " + tk.Account + "\n")
		}
	}
	if strings.Contains(all.String(), "13811112222") || strings.Contains(all.String(), "3300112233") {
		t.Errorf("the event log still carries the old ticket's phone or account")
	}
	if !strings.Contains(all.String(), "13833334444") {
		t.Errorf("the event log lost the newer ticket's phone")
	}
	if n, err := f.pr.ApplyRetention(ctx); err != nil || n != 0 {
		t.Errorf("second run: %d changed, %v; want 0", n, err)
	}
	f.restart() // the rewritten store opens and checks clean
}
