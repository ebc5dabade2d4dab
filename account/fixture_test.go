package account_test

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"hallq/account"
	"hallq/console"
	"hallq/hall"
	"hallq/hall/halltest"
	"hallq/queue"
)

var (
	ctx      = context.Background()
	shanghai = halltest.Shanghai
	monday10 = halltest.Monday10
	kiosk    = hall.Principal{Kind: "device", Name: "取号机1", Role: hall.KindKiosk}
)

// accounts is the one account.Service of each test hall (its lock-outs and
// revocation listeners are its own, as they were the hall's), made on first use.
var accounts sync.Map // *hall.Hall → *account.Service

func acc(h *hall.Hall) *account.Service {
	if s, ok := accounts.Load(h); ok {
		return s.(*account.Service)
	}
	s, _ := accounts.LoadOrStore(h, account.New(h, account.Options{Security: cons(h).Security(), BcryptCost: 4}))
	return s.(*account.Service)
}

// consoles is the console of each test hall: the audit, the monitor and the
// security log the accounts report to.
var consoles sync.Map // *hall.Hall → *console.Service

func cons(h *hall.Hall) *console.Service {
	if s, ok := consoles.Load(h); ok {
		return s.(*console.Service)
	}
	s, _ := consoles.LoadOrStore(h, console.New(h, console.Options{}))
	return s.(*console.Service)
}

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
	if err := acc(f.h).AddUser(ctx, account.NewUser{Name: name, Password: name + "-password", Role: hall.RoleClerk, Display: "职员" + name}); err != nil && queue.ErrorCode(err) != queue.ECONFLICT {
		f.t.Fatalf("add %s: %v", name, err)
	}
	return f.login(name, n)
}

func (f *fixture) login(name string, n int) (string, hall.Principal) {
	f.t.Helper()
	tok, p, err := acc(f.h).Login(ctx, name, name+"-password", n)
	if err != nil {
		f.t.Fatalf("login %s at %d: %v", name, n, err)
	}
	return tok, p
}

func (f *fixture) manager() hall.Principal {
	f.t.Helper()
	if err := acc(f.h).AddUser(ctx, account.NewUser{Name: "boss", Password: "boss-password", Role: hall.RoleManager}); err != nil && queue.ErrorCode(err) != queue.ECONFLICT {
		f.t.Fatal(err)
	}
	_, p := f.login("boss", 0)
	return p
}

func (f *fixture) issue(svc string) queue.Ticket {
	f.t.Helper()
	t, err := f.h.Issue(ctx, kiosk, hall.IssueRequest{Service: svc})
	if err != nil {
		f.t.Fatalf("issue %s: %v", svc, err)
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
