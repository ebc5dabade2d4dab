package account_test

import (
	"testing"
	"time"

	"hallq/account"
	"hallq/hall"
	"hallq/hall/store"
	"hallq/internal/halltest"
	"hallq/queue"
)

// TestLogin: passwords, disabled accounts, session expiry and logout.
func TestLogin(t *testing.T) {
	f := newFixture(t, monday10, true)
	tok, p := f.clerk("clerk1", 2)
	if p.Kind != "user" || p.Name != "clerk1" || p.Role != hall.RoleClerk || p.Counter != 2 || p.Display != "职员clerk1" {
		t.Errorf("principal %+v", p)
	}
	if c, _ := counterOf(f.h, 2); c.State != queue.Open || c.Clerk != "clerk1" || c.ClerkName != "职员clerk1" {
		t.Errorf("counter 2 after sign-in: %+v", c)
	}
	if got, err := halltest.Accounts(f.h).Authenticate(ctx, tok); err != nil || got != p {
		t.Errorf("authenticate: %+v %v", got, err)
	}
	for _, tc := range []struct{ name, user, pw string }{
		{"wrong password", "clerk1", "nope-nope"},
		{"unknown user", "ghost", "ghost-password"},
		{"empty", "", ""},
	} {
		if _, _, err := halltest.Accounts(f.h).SignIn(ctx, account.SignIn{Name: tc.user, Password: tc.pw, Counter: 0}); queue.ErrorCode(err) != queue.EUNAUTHORIZED {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if _, _, err := halltest.Accounts(f.h).SignIn(ctx, account.SignIn{Name: "clerk1", Password: "clerk1-password", Counter: 42}); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Errorf("login at a missing counter: %v", err)
	}
	if _, err := halltest.Accounts(f.h).Authenticate(ctx, "forged"); queue.ErrorCode(err) != queue.EUNAUTHORIZED {
		t.Errorf("forged token: %v", err)
	}

	// Used sessions live on; idle ones expire.
	f.clock.Add(account.SessionIdle - time.Minute)
	if _, err := halltest.Accounts(f.h).Authenticate(ctx, tok); err != nil {
		t.Errorf("session just inside the idle limit: %v", err)
	}
	f.clock.Add(account.SessionIdle - time.Minute)
	if _, err := halltest.Accounts(f.h).Authenticate(ctx, tok); err != nil {
		t.Errorf("session used within the idle limit: %v", err)
	}
	f.clock.Add(account.SessionIdle + time.Minute)
	if _, err := halltest.Accounts(f.h).Authenticate(ctx, tok); queue.ErrorCode(err) != queue.EUNAUTHORIZED {
		t.Errorf("idle session: %v", err)
	}

	// Logout ends the session and closes the counter.
	tok, _ = f.login("clerk1", 2)
	if err := halltest.Accounts(f.h).Logout(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if _, err := halltest.Accounts(f.h).Authenticate(ctx, tok); queue.ErrorCode(err) != queue.EUNAUTHORIZED {
		t.Errorf("session after logout: %v", err)
	}
	if c, _ := counterOf(f.h, 2); c.State != queue.Closed || c.Clerk != "" {
		t.Errorf("counter 2 after logout: %+v", c)
	}

	// A disabled user may not sign in, and their sessions stop working.
	tok, _ = f.login("clerk1", 0)
	u, _ := f.h.Store().User("clerk1")
	u.Disabled = true
	if err := f.h.Store().PutUser(u); err != nil {
		t.Fatal(err)
	}
	if _, _, err := halltest.Accounts(f.h).SignIn(ctx, account.SignIn{Name: "clerk1", Password: "clerk1-password", Counter: 0}); queue.ErrorCode(err) != queue.EFORBIDDEN {
		t.Errorf("disabled login: %v", err)
	}
	if _, err := halltest.Accounts(f.h).Authenticate(ctx, tok); queue.ErrorCode(err) != queue.EUNAUTHORIZED {
		t.Errorf("disabled user's session: %v", err)
	}
}

// TestAddUser: names, roles and passwords are checked; names are unique;
// passwords are stored only as bcrypt hashes.
func TestAddUser(t *testing.T) {
	f := newFixture(t, monday10, true)
	tests := []struct {
		name string
		u    account.NewUser
		want string
	}{
		{"clerk", account.NewUser{Name: "wang.li", Password: "12345678", Role: hall.RoleClerk, Display: "王丽", StaffNo: "GD1001"}, ""},
		{"manager", account.NewUser{Name: "zhou", Password: "manager-pw", Role: hall.RoleManager}, ""},
		{"admin", account.NewUser{Name: "root_1", Password: "admin-pass", Role: hall.RoleAdmin}, ""},
		{"duplicate", account.NewUser{Name: "zhou", Password: "other-pass", Role: hall.RoleClerk}, queue.ECONFLICT},
		{"upper case name", account.NewUser{Name: "Zhou", Password: "12345678", Role: hall.RoleClerk}, queue.EINVALID},
		{"one letter", account.NewUser{Name: "z", Password: "12345678", Role: hall.RoleClerk}, queue.EINVALID},
		{"space in name", account.NewUser{Name: "li si", Password: "12345678", Role: hall.RoleClerk}, queue.EINVALID},
		{"unknown role", account.NewUser{Name: "lisi", Password: "12345678", Role: "boss"}, queue.EINVALID},
		{"device role", account.NewUser{Name: "lisi", Password: "12345678", Role: hall.KindKiosk}, queue.EINVALID},
		{"short password", account.NewUser{Name: "lisi", Password: "1234567", Role: hall.RoleClerk}, queue.EINVALID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := halltest.Accounts(f.h).AddUser(ctx, tc.u)
			if got := queue.ErrorCode(err); got != tc.want {
				t.Fatalf("add: %v, want code %q", err, tc.want)
			}
			if tc.want != "" {
				return
			}
			u, err := f.h.Store().User(tc.u.Name)
			if err != nil {
				t.Fatal(err)
			}
			display := tc.u.Display
			if display == "" {
				display = tc.u.Name
			}
			if u.Role != tc.u.Role || u.Display != display || u.StaffNo != tc.u.StaffNo || u.Disabled ||
				!u.Created.Equal(monday10) || len(u.Hash) == 0 || string(u.Hash) == tc.u.Password {
				t.Errorf("stored %+v", u)
			}
			if _, p, err := halltest.Accounts(f.h).SignIn(ctx, account.SignIn{Name: tc.u.Name, Password: tc.u.Password, Counter: 0}); err != nil || p.Role != tc.u.Role {
				t.Errorf("login: %+v %v", p, err)
			}
		})
	}
}

// TestDevices: pairing checks kind, counter and printer; a token resolves to
// its device until revoked.
func TestDevices(t *testing.T) {
	f := newFixture(t, monday10, true)
	tests := []struct {
		name string
		d    account.NewDevice
		want string
	}{
		{"kiosk with a network printer", account.NewDevice{Name: "取号机1", Kind: hall.KindKiosk, Printer: "tcp://192.168.1.50:9100"}, ""},
		{"kiosk with a USB printer", account.NewDevice{Name: "取号机2", Kind: hall.KindKiosk, Printer: "/dev/usb/lp0"}, ""},
		{"display", account.NewDevice{Name: "综合屏", Kind: hall.KindDisplay}, ""},
		{"counter screen", account.NewDevice{Name: "3号窗口屏", Kind: hall.KindCounter, Counter: 3}, ""},
		{"keypad", account.NewDevice{Name: "3号评价器", Kind: hall.KindKeypad, Counter: 3}, ""},
		{"no name", account.NewDevice{Name: " ", Kind: hall.KindDisplay}, queue.EINVALID},
		{"unknown kind", account.NewDevice{Name: "x", Kind: "toaster"}, queue.EINVALID},
		{"keypad without counter", account.NewDevice{Name: "x", Kind: hall.KindKeypad}, queue.EINVALID},
		{"keypad at a missing counter", account.NewDevice{Name: "x", Kind: hall.KindKeypad, Counter: 9}, queue.EINVALID},
		{"display bound to a counter", account.NewDevice{Name: "x", Kind: hall.KindDisplay, Counter: 1}, queue.EINVALID},
		{"printer on a display", account.NewDevice{Name: "x", Kind: hall.KindDisplay, Printer: "/dev/usb/lp0"}, queue.EINVALID},
		{"bad printer address", account.NewDevice{Name: "x", Kind: hall.KindKiosk, Printer: "http://printer"}, queue.EINVALID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := halltest.Accounts(f.h).AddDevice(ctx, tc.d)
			if got := queue.ErrorCode(err); got != tc.want {
				t.Fatalf("add: %v, want code %q", err, tc.want)
			}
			if tc.want != "" {
				if tok != "" {
					t.Errorf("a refused device got token %q", tok)
				}
				return
			}
			if len(tok) < 40 {
				t.Errorf("token %q is short", tok)
			}
			p, err := halltest.Accounts(f.h).AuthenticateDevice(ctx, tok)
			want := hall.Principal{Kind: "device", Name: tc.d.Name, Role: tc.d.Kind, Counter: tc.d.Counter, ID: store.DeviceID(tok)}
			if err != nil || p != want {
				t.Errorf("authenticate: %+v %v, want %+v", p, err, want)
			}
		})
	}
	if _, err := halltest.Accounts(f.h).AuthenticateDevice(ctx, "forged"); queue.ErrorCode(err) != queue.EUNAUTHORIZED {
		t.Errorf("forged device token: %v", err)
	}
	tok, _ := halltest.Accounts(f.h).AddDevice(ctx, account.NewDevice{Name: "旧取号机", Kind: hall.KindKiosk})
	d, _ := f.h.Store().Device(tok)
	d.Revoked = true
	f.h.Store().PutDevice(tok, d)
	if _, err := halltest.Accounts(f.h).AuthenticateDevice(ctx, tok); queue.ErrorCode(err) != queue.EUNAUTHORIZED {
		t.Errorf("revoked device: %v", err)
	}
}

// TestSeedDemo: the demo accounts and devices are made once, and their
// passwords and tokens work.
func TestSeedDemo(t *testing.T) {
	f := newFixture(t, monday10, true)
	d, err := halltest.Accounts(f.h).SeedDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Accounts) != 8 || len(d.Devices) != 14 {
		t.Fatalf("%d accounts, %d devices", len(d.Accounts), len(d.Devices))
	}
	for _, a := range d.Accounts {
		tok, p, err := halltest.Accounts(f.h).SignIn(ctx, account.SignIn{Name: a.User, Password: a.Password, Counter: a.Counter})
		if err != nil || p.Role != a.Role || p.Counter != a.Counter || tok == "" {
			t.Errorf("demo account %s: %+v %v", a.User, p, err)
		}
	}
	for _, dv := range d.Devices {
		if p, err := halltest.Accounts(f.h).AuthenticateDevice(ctx, dv.Token); err != nil || p.Role != dv.Kind || p.Counter != dv.Counter {
			t.Errorf("demo device %s: %+v %v", dv.Name, p, err)
		}
	}
	f.restart()
	again, err := halltest.Accounts(f.h).SeedDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "demo after restart", again, d)
	if us, _ := f.h.Store().Users(); len(us) != 8 {
		t.Errorf("%d users after seeding twice", len(us))
	}
}
