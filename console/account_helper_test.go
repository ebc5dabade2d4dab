package console_test

import (
	"sync"

	"hallq/account"
	"hallq/hall"
)

// accounts is the one account.Service of each test hall (its lock-outs and
// revocation listeners are its own), made on first use.
var accounts sync.Map // *hall.Hall → *account.Service

func acc(h *hall.Hall) *account.Service {
	if s, ok := accounts.Load(h); ok {
		return s.(*account.Service)
	}
	s, _ := accounts.LoadOrStore(h, account.New(h, account.Options{BcryptCost: 4}))
	return s.(*account.Service)
}
