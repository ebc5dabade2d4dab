package web_test

import (
	"sync"

	"hallq/account"
	"hallq/hall"
)

// testAccounts is the one account.Service of each hall a test opened without
// a server, made on first use (its lock-outs and revocation listeners are
// its own).
var testAccounts sync.Map // *hall.Hall → *account.Service

func accountsOf(h *hall.Hall) *account.Service {
	if s, ok := testAccounts.Load(h); ok {
		return s.(*account.Service)
	}
	s, _ := testAccounts.LoadOrStore(h, account.New(h, account.Options{BcryptCost: 4}))
	return s.(*account.Service)
}
