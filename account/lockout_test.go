package account_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"hallq/account"
	"hallq/console"
	"hallq/hall"
	"hallq/internal/halltest"
	"hallq/queue"
)

// TestLoginLockout: five wrong passwords lock the name (even the right
// password is refused, with a wait in minutes), other names are not
// affected, and the lock lifts after the window.
func TestLoginLockout(t *testing.T) {
	f := newFixture(t, time.Date(2026, 11, 23, 9, 0, 0, 0, shanghai), true)
	f.clerk("li", 0)
	f.clerk("wang", 0)
	for i := range account.LoginFailures {
		_, _, err := halltest.Accounts(f.h).SignIn(ctx, account.SignIn{Name: "li", Password: "wrong", Counter: 0})
		if queue.ErrorCode(err) != queue.EUNAUTHORIZED {
			t.Fatalf("wrong password %d: %v, want unauthorized", i+1, err)
		}
		f.clock.Add(time.Minute)
	}
	_, _, err := halltest.Accounts(f.h).SignIn(ctx, account.SignIn{Name: "li", Password: "li-password", Counter: 0})
	if queue.ErrorCode(err) != queue.ERATELIMIT {
		t.Fatalf("right password while locked: %v, want rate_limited", err)
	}
	if msg := queue.ErrorMessage(err); msg == "" || !containsAll(msg, "分钟", "minutes") {
		t.Errorf("lock message %q should say how long to wait", msg)
	}
	_, _, err = halltest.Accounts(f.h).SignIn(ctx, account.SignIn{Name: " LI ", Password: "li-password", Counter: 0})
	if queue.ErrorCode(err) != queue.ERATELIMIT {
		t.Errorf("same name in other case and spacing: %v, want rate_limited", err)
	}
	f.login("wang", 0) // another user signs in as usual
	f.clock.Add(account.LoginWindow)
	f.login("li", 0) // the lock has lifted
	// A good sign-in clears the count: four more failures do not lock.
	for range account.LoginFailures - 1 {
		halltest.Accounts(f.h).SignIn(ctx, account.SignIn{Name: "li", Password: "wrong", Counter: 0})
	}
	f.login("li", 0)
	// Unknown names count too, so guessing names costs the same.
	for range account.LoginFailures {
		halltest.Accounts(f.h).SignIn(ctx, account.SignIn{Name: "nobody", Password: "x", Counter: 0})
	}
	if _, _, err := halltest.Accounts(f.h).SignIn(ctx, account.SignIn{Name: "nobody", Password: "x", Counter: 0}); queue.ErrorCode(err) != queue.ERATELIMIT {
		t.Errorf("unknown name after %d failures: %v, want rate_limited", account.LoginFailures, err)
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// lockedHall is a hall whose log the test reads, with a manager and a clerk
// "li", and a paired display.
func lockedHall(t *testing.T, cost int) (*hall.Hall, *syncBuffer, hall.Principal, string) {
	t.Helper()
	log := &syncBuffer{}
	clock := newClock(monday10)
	h, err := hall.Open(hall.Options{Dir: t.TempDir(), Now: clock.Now, Logger: slog.New(slog.NewTextHandler(log, nil)), AlwaysOpen: true, Tick: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { checkClose(t, h) })
	halltest.UseAccounts(h, account.Options{BcryptCost: cost}) // the accounts at this cost
	for _, u := range []account.NewUser{{Name: "boss", Password: "boss-password", Role: hall.RoleManager}, {Name: "li", Password: "li-password", Role: hall.RoleClerk}} {
		if err := halltest.Accounts(h).AddUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	_, mgr, err := halltest.Accounts(h).SignIn(ctx, account.SignIn{Name: "boss", Password: "boss-password", Counter: 0})
	if err != nil {
		t.Fatal(err)
	}
	dev, err := halltest.Accounts(h).AddDevice(ctx, account.NewDevice{Name: "综合屏", Kind: hall.KindDisplay})
	if err != nil {
		t.Fatal(err)
	}
	return h, log, mgr, dev
}

// syncBuffer is a bytes.Buffer the hall's goroutines may write to at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// burst sends n sign-ins at once and counts the answers by error code.
func burst(h *hall.Hall, n int, in func(i int) account.SignIn) map[string]int {
	var mu sync.Mutex
	codes := map[string]int{}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, _, err := halltest.Accounts(h).SignIn(ctx, in(i))
			mu.Lock()
			codes[queue.ErrorCode(err)]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return codes
}

// TestLoginThrottleHoldsUnderConcurrency: 40 simultaneous wrong passwords get
// at most LoginFailures password checks, the rest are refused unchecked, and
// the right password after them is refused too. The lock-out raises a
// manager alert and is audited; the password is never logged.
func TestLoginThrottleHoldsUnderConcurrency(t *testing.T) {
	// A real bcrypt cost: a check that takes time is what a burst races past.
	h, log, mgr, _ := lockedHall(t, 10)
	codes := burst(h, 40, func(int) account.SignIn {
		return account.SignIn{Name: "li", Password: "guess-password-123", Addr: "10.0.0.2"}
	})
	if codes[queue.EUNAUTHORIZED] > account.LoginFailures || codes[queue.EUNAUTHORIZED]+codes[queue.ERATELIMIT] != 40 {
		t.Errorf("40 concurrent wrong passwords answered %v: want at most %d checked (unauthorized), the rest rate_limited", codes, account.LoginFailures)
	}
	if _, _, err := halltest.Accounts(h).SignIn(ctx, account.SignIn{Name: "li", Password: "li-password", Addr: "10.0.0.50"}); queue.ErrorCode(err) != queue.ERATELIMIT {
		t.Errorf("the right password after the burst: %v, want rate_limited", err)
	}
	checkSecurityTrail(t, h, mgr, codes[queue.EUNAUTHORIZED])
	if s := log.String(); strings.Contains(s, "guess-password-123") || !strings.Contains(s, "10.0.0.2") {
		t.Errorf("the log shows the password or lacks the address:\n%s", s)
	}
}

// TestLoginThrottlePerAddress: spraying one password over 40 names from one
// address gets at most AddrFailures checks; the lock-out alerts.
func TestLoginThrottlePerAddress(t *testing.T) {
	h, log, mgr, _ := lockedHall(t, 4)
	codes := burst(h, 40, func(i int) account.SignIn {
		return account.SignIn{Name: fmt.Sprintf("user%02d", i), Password: "Password1", Addr: "10.0.0.99"}
	})
	if codes[queue.EUNAUTHORIZED] > account.AddrFailures || codes[queue.EUNAUTHORIZED]+codes[queue.ERATELIMIT] != 40 {
		t.Errorf("40 names from one address answered %v: want at most %d checked, the rest rate_limited", codes, account.AddrFailures)
	}
	checkSecurityTrail(t, h, mgr, codes[queue.EUNAUTHORIZED])
	if s := log.String(); strings.Contains(s, "Password1") {
		t.Errorf("the log shows the password:\n%s", s)
	}
	// Another address still signs in.
	if _, _, err := halltest.Accounts(h).SignIn(ctx, account.SignIn{Name: "li", Password: "li-password", Addr: "10.0.0.3"}); err != nil {
		t.Errorf("another address: %v", err)
	}
}

// checkSecurityTrail: one lock-out alert on the monitor; the audit has every
// checked failure and the lock-out.
func checkSecurityTrail(t *testing.T, h *hall.Hall, mgr hall.Principal, failures int) {
	t.Helper()
	m, err := halltest.Console(h).Monitor(mgr)
	if err != nil {
		t.Fatal(err)
	}
	alerts := 0
	for _, a := range m.Alerts {
		if a.Kind == "security" {
			alerts++
		}
	}
	if alerts != 1 {
		t.Errorf("monitor alerts %+v: want the one lock-out", m.Alerts)
	}
	audit, err := halltest.Console(h).Audit(mgr, console.AuditQuery{Category: "security", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var failed, locked int
	for _, a := range audit {
		if strings.HasPrefix(a.What, "failed sign-in") {
			failed++
		}
		if strings.HasPrefix(a.What, "sign-in locked") {
			locked++
		}
	}
	if failed != failures || locked != 1 {
		t.Errorf("audit has %d failed sign-ins and %d lock-outs, want %d and 1", failed, locked, failures)
	}
}

// TestLoginLockCannotKeepManagerOut: a name locked by someone else's guesses
// still signs in with the right password from a paired device of the hall
// (not from an unknown one), and a manager can lift the lock.
func TestLoginLockCannotKeepManagerOut(t *testing.T) {
	h, _, mgr, dev := lockedHall(t, 4)
	for range account.LoginFailures {
		halltest.Accounts(h).SignIn(ctx, account.SignIn{Name: "li", Password: "wrong", Addr: "10.9.9.9"})
	}
	for _, tok := range []string{"", "not-a-device-token"} {
		if _, _, err := halltest.Accounts(h).SignIn(ctx, account.SignIn{Name: "li", Password: "li-password", Addr: "10.0.0.2", DeviceToken: tok}); queue.ErrorCode(err) != queue.ERATELIMIT {
			t.Errorf("locked name with device token %q: %v, want rate_limited", tok, err)
		}
	}
	if _, _, err := halltest.Accounts(h).SignIn(ctx, account.SignIn{Name: "li", Password: "li-password", Addr: "10.0.0.2", DeviceToken: dev}); err != nil {
		t.Errorf("locked name from a paired device: %v, want signed in", err)
	}
	for range account.LoginFailures {
		halltest.Accounts(h).SignIn(ctx, account.SignIn{Name: "li", Password: "wrong", Addr: "10.9.9.8"})
	}
	if _, _, err := halltest.Accounts(h).SignIn(ctx, account.SignIn{Name: "li", Password: "li-password"}); queue.ErrorCode(err) != queue.ERATELIMIT {
		t.Fatalf("locked again: %v", err)
	}
	li := hall.Principal{Kind: "user", Name: "li", Role: hall.RoleClerk}
	if err := halltest.Accounts(h).UnlockUser(ctx, li, "li"); queue.ErrorCode(err) != queue.EFORBIDDEN {
		t.Errorf("a clerk's unlock: %v, want forbidden", err)
	}
	if err := halltest.Accounts(h).UnlockUser(ctx, mgr, "li"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := halltest.Accounts(h).SignIn(ctx, account.SignIn{Name: "li", Password: "li-password"}); err != nil {
		t.Errorf("after the manager's unlock: %v", err)
	}
}
