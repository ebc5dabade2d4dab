package account_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"hallq/hall"
	"hallq/internal/halltest"
	"hallq/queue"
)

var (
	ctx      = context.Background()
	shanghai = halltest.Shanghai
	monday10 = halltest.Monday10
	kiosk    = hall.Principal{Kind: "device", Name: "取号机1", Role: hall.KindKiosk}
)

func newClock(t time.Time) *halltest.Clock { return halltest.NewClock(t) }

func checkClose(t *testing.T, h *hall.Hall) { t.Helper(); halltest.CheckClose(t, h) }

// fixture is a hall on a settable clock in a temp dir, as hall's tests have it.
type fixture struct {
	t      *testing.T
	dir    string
	clock  *halltest.Clock
	always bool
	h      *hall.Hall
}

// newFixture opens a hall in a fresh directory. always: no opening hours.
func newFixture(t *testing.T, now time.Time, always bool) *fixture {
	t.Helper()
	f := &fixture{t: t, dir: t.TempDir(), clock: halltest.NewClock(now), always: always}
	f.open()
	return f
}

func (f *fixture) open() *hall.Hall {
	f.t.Helper()
	f.h = halltest.Open(f.t, hall.Options{Dir: f.dir, Now: f.clock.Now, AlwaysOpen: f.always})
	return f.h
}

// restart checks and closes the hall, then opens it again.
func (f *fixture) restart() *hall.Hall {
	f.t.Helper()
	checkClose(f.t, f.h)
	return f.open()
}

// clerk adds a clerk and signs them in at counter n (0: no counter).
func (f *fixture) clerk(name string, n int) (token string, p hall.Principal) {
	f.t.Helper()
	return halltest.Clerk(f.t, f.h, name, n)
}

func (f *fixture) login(name string, n int) (string, hall.Principal) {
	f.t.Helper()
	return halltest.Login(f.t, f.h, name, n)
}

func (f *fixture) manager() hall.Principal {
	f.t.Helper()
	return halltest.Manager(f.t, f.h)
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

func counterOf(h *hall.Hall, n int) (c queue.Counter, ok bool) {
	h.Read(func(v *queue.Engine, _ uint64) { c, ok = v.Counter(n) })
	return c, ok
}
func ptr[T any](v T) *T { return &v }

func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if !bytes.Equal(g, w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}
