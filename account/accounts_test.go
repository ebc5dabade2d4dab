package account_test

import (
	"slices"
	"testing"
	"time"

	"hallq/account"
	"hallq/console"
	"hallq/hall"
	"hallq/hall/store"
	"hallq/internal/halltest"
	"hallq/queue"
)

// TestPairingOnceAndRevoke: a pairing code pairs one device once; revoking
// the device stops its token at once.
func TestPairingOnceAndRevoke(t *testing.T) {
	f := newFixture(t, monday10, true)
	boss := f.manager()
	code, pr, err := halltest.Accounts(f.h).CreatePairing(ctx, boss, account.NewDevice{Name: "3号评价器", Kind: hall.KindKeypad, Counter: 3})
	if err != nil || pr.Used != nil || !pr.Expires.Equal(monday10.Add(account.PairingTTL)) {
		t.Fatalf("pairing %+v %v", pr, err)
	}
	tok, p, err := halltest.Accounts(f.h).RedeemPairing(ctx, code)
	if err != nil || p.Role != hall.KindKeypad || p.Counter != 3 || p.Name != "3号评价器" {
		t.Fatalf("redeem: %+v %v", p, err)
	}
	if _, _, err := halltest.Accounts(f.h).RedeemPairing(ctx, code); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Errorf("second redeem: %v, want %s", err, queue.ENOTFOUND)
	}
	if got, err := halltest.Accounts(f.h).AuthenticateDevice(ctx, tok); err != nil || got.Counter != 3 {
		t.Fatalf("token: %+v %v", got, err)
	}
	// An expired code does not pair.
	f.clock.Add(time.Minute)
	code2, _, _ := halltest.Accounts(f.h).CreatePairing(ctx, boss, account.NewDevice{Name: "综合屏", Kind: hall.KindDisplay})
	f.clock.Add(account.PairingTTL + time.Second)
	if _, _, err := halltest.Accounts(f.h).RedeemPairing(ctx, code2); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Errorf("expired code: %v", err)
	}
	if err := halltest.Accounts(f.h).RevokeDevice(ctx, boss, store.DeviceID(tok)); err != nil {
		t.Fatal(err)
	}
	if _, err := halltest.Accounts(f.h).AuthenticateDevice(ctx, tok); queue.ErrorCode(err) != queue.EUNAUTHORIZED {
		t.Errorf("revoked token: %v, want %s", err, queue.EUNAUTHORIZED)
	}
	ds, _ := halltest.Accounts(f.h).Devices(ctx)
	if len(ds) != 1 || !ds[0].Revoked || ds[0].ID != store.DeviceID(tok) {
		t.Errorf("devices %+v", ds)
	}
	ps, _ := halltest.Accounts(f.h).Pairings(ctx)
	// Newest first: the unused display code, then the used keypad code.
	if len(ps) != 2 || ps[1].Used == nil || ps[1].Device != store.DeviceID(tok) || ps[0].Used != nil || ps[0].Kind != hall.KindDisplay {
		t.Errorf("pairings %+v", ps)
	}
	if err := halltest.Accounts(f.h).RevokeDevice(ctx, boss, "0011223344556677"); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Errorf("revoke unknown: %v", err)
	}
}

// TestPasswordResetEndsSessions: a new password ends the user's other
// sessions (the manager's own stays when they change their own password);
// disabling an account ends its sessions.
func TestPasswordResetEndsSessions(t *testing.T) {
	f := newFixture(t, monday10, true)
	boss := f.manager()
	tok1, _ := f.clerk("clerk1", 0)
	tok2, _ := f.login("clerk1", 0)
	if err := halltest.Accounts(f.h).ResetPassword(ctx, boss, "clerk1", "new-password-1", ""); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{tok1, tok2} {
		if _, err := halltest.Accounts(f.h).Authenticate(ctx, tok); queue.ErrorCode(err) != queue.EUNAUTHORIZED {
			t.Errorf("old session after reset: %v", err)
		}
	}
	if _, _, err := halltest.Accounts(f.h).SignIn(ctx, account.SignIn{Name: "clerk1", Password: "clerk1-password", Counter: 0}); err == nil {
		t.Errorf("the old password still works")
	}
	tok3, _, err := halltest.Accounts(f.h).SignIn(ctx, account.SignIn{Name: "clerk1", Password: "new-password-1", Counter: 0})
	if err != nil {
		t.Fatal(err)
	}
	// The boss changes their own password from one session: it stays.
	own, _ := f.login("boss", 0)
	other, _ := f.login("boss", 0)
	if err := halltest.Accounts(f.h).ResetPassword(ctx, boss, "boss", "boss-password-2", own); err != nil {
		t.Fatal(err)
	}
	if _, err := halltest.Accounts(f.h).Authenticate(ctx, own); err != nil {
		t.Errorf("own session ended: %v", err)
	}
	if _, err := halltest.Accounts(f.h).Authenticate(ctx, other); err == nil {
		t.Errorf("the boss's other session survived")
	}
	u, err := halltest.Accounts(f.h).UpdateUser(ctx, boss, "clerk1", account.UserChange{Disabled: ptr(true), Role: ptr(hall.RoleManager)})
	if err != nil || !u.Disabled || u.Role != hall.RoleManager {
		t.Fatalf("update: %+v %v", u, err)
	}
	if _, err := halltest.Accounts(f.h).Authenticate(ctx, tok3); err == nil {
		t.Errorf("a disabled user's session still works")
	}
	audit, err := halltest.Console(f.h).Audit(boss, console.AuditQuery{Category: "config"})
	if err != nil {
		t.Fatal(err)
	}
	var whats []string
	for _, e := range audit {
		whats = append(whats, e.What)
	}
	want := []string{"user clerk1: role clerk→manager, disabled", "user boss password reset (2 sessions ended)", "user clerk1 password reset (2 sessions ended)"}
	if !slices.Equal(whats, want) {
		t.Errorf("audit %q, want %q", whats, want)
	}
}
