package halltest

import (
	"context"
	"sync"
	"testing"

	"hallq/account"
	"hallq/hall"
	"hallq/queue"
)

// accounts holds the one account.Service of each test hall (its lock-outs
// and revocation listeners are its own), made on first use.
var accounts sync.Map // *hall.Hall → *account.Service

// Accounts returns the account.Service of h, made on first use: every caller
// of one hall shares it, as the running program does.
func Accounts(h *hall.Hall) *account.Service {
	if s, ok := accounts.Load(h); ok {
		return s.(*account.Service)
	}
	s, _ := accounts.LoadOrStore(h, account.New(h, account.Options{}))
	return s.(*account.Service)
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
	token, p, err := Accounts(h).Login(context.Background(), name, name+"-password", n)
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
