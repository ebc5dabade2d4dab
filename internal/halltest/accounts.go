package halltest

import (
	"context"
	"sync"
	"testing"

	"hallq/account"
	"hallq/console"
	"hallq/hall"
	"hallq/queue"
)

// accounts holds the one account.Service of each test hall (its lock-outs
// and revocation listeners are its own), made on first use.
var accounts sync.Map // *hall.Hall → *account.Service

// Accounts returns the account.Service of h, made on first use (bcrypt cost
// 4, the fastest; security events to Console(h)): every caller of one hall
// shares it, as the running program does.
func Accounts(h *hall.Hall) *account.Service {
	if s, ok := accounts.Load(h); ok {
		return s.(*account.Service)
	}
	return UseAccounts(h, account.Options{BcryptCost: 4})
}

// UseAccounts makes h's account.Service with opt (a nil opt.Security reports
// to Console(h)) before anyone used Accounts(h) — e.g. a test of the bcrypt
// cost, or a hall seeded with the demo's hashes.
func UseAccounts(h *hall.Hall, opt account.Options) *account.Service {
	if opt.Security == nil {
		opt.Security = Console(h).Security()
	}
	s, _ := accounts.LoadOrStore(h, account.New(h, opt))
	return s.(*account.Service)
}

// consoles holds the console of each test hall: the audit, the monitor and
// the security log its accounts report to.
var consoles sync.Map // *hall.Hall → *console.Service

// Console returns the console.Service of h, made on first use.
func Console(h *hall.Hall) *console.Service {
	if s, ok := consoles.Load(h); ok {
		return s.(*console.Service)
	}
	s, _ := consoles.LoadOrStore(h, console.New(h, console.Options{}))
	return s.(*console.Service)
}

// Clerk adds the clerk name (password name+"-password", display name
// "职员"+name) unless the hall has them, and signs them in at counter n
// (0: no counter).
func Clerk(t testing.TB, h *hall.Hall, name string, n int) (token string, p hall.Principal) {
	t.Helper()
	err := Accounts(h).AddUser(context.Background(), account.NewUser{Name: name, Password: name + "-password", Role: hall.RoleClerk, Display: "职员" + name})
	if err != nil && queue.ErrorCode(err) != queue.ECONFLICT {
		t.Fatalf("add %s: %v", name, err)
	}
	return Login(t, h, name, n)
}

// Login signs in a person Clerk or Manager added at counter n (0: none).
func Login(t testing.TB, h *hall.Hall, name string, n int) (token string, p hall.Principal) {
	t.Helper()
	token, p, err := Accounts(h).SignIn(context.Background(), account.SignIn{Name: name, Password: name + "-password", Counter: n})
	if err != nil {
		t.Fatalf("login %s at %d: %v", name, n, err)
	}
	return token, p
}

// Manager adds the manager "boss" unless the hall has them and signs them in.
func Manager(t testing.TB, h *hall.Hall) hall.Principal {
	t.Helper()
	err := Accounts(h).AddUser(context.Background(), account.NewUser{Name: "boss", Password: "boss-password", Role: hall.RoleManager})
	if err != nil && queue.ErrorCode(err) != queue.ECONFLICT {
		t.Fatal(err)
	}
	_, p := Login(t, h, "boss", 0)
	return p
}
