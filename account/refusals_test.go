package account_test

import (
	"strings"
	"testing"

	"hallq/account"
	"hallq/hall"
	"hallq/internal/halltest"
	"hallq/queue"
)

// TestAccountRefusals: bad account and pairing changes are refused with a
// clear error and commit nothing. (Moved from hall's TestConfigRefusals,
// which keeps the settings' cases.)
func TestAccountRefusals(t *testing.T) {
	f := newFixture(t, monday10, true)
	boss := f.manager()
	_, clerk := f.clerk("clerk1", 1)
	cases := []struct {
		name string
		do   func() error
		code string
		msg  string
	}{
		{"clerk pairs a device", func() error {
			_, _, err := halltest.Accounts(f.h).CreatePairing(ctx, clerk, account.NewDevice{Name: "x", Kind: hall.KindKiosk})
			return err
		}, queue.EFORBIDDEN, ""},
		{"manager makes an admin", func() error {
			return halltest.Accounts(f.h).CreateUser(ctx, boss, account.NewUser{Name: "root2", Password: "long-enough", Role: hall.RoleAdmin})
		}, queue.EFORBIDDEN, "admin"},
		{"manager disables themself", func() error {
			_, err := halltest.Accounts(f.h).UpdateUser(ctx, boss, "boss", account.UserChange{Disabled: ptr(true)})
			return err
		}, queue.EINVALID, "own account"},
		{"short password", func() error { return halltest.Accounts(f.h).ResetPassword(ctx, boss, "clerk1", "short", "") }, queue.EINVALID, "8"},
		{"keypad on a missing counter", func() error {
			_, _, err := halltest.Accounts(f.h).CreatePairing(ctx, boss, account.NewDevice{Name: "评价器", Kind: hall.KindKeypad, Counter: 42})
			return err
		}, queue.EINVALID, "existing counter"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, before := f.h.Snapshot()
			err := c.do()
			if queue.ErrorCode(err) != c.code || !strings.Contains(queue.ErrorMessage(err), c.msg) {
				t.Fatalf("err = %v (%s), want %s with %q", err, queue.ErrorCode(err), c.code, c.msg)
			}
			if _, after := f.h.Snapshot(); after != before {
				t.Errorf("a refused change committed events %d → %d", before, after)
			}
		})
	}
}
