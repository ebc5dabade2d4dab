// Package account is the hall's people and devices: staff accounts, sign-in
// sessions with their lock-outs, paired devices and pairing codes, and who
// may manage whom (docs/architecture.md). The queue commands' own checks
// (hall.Principal, hall.StaffOnly) stay in the kernel; account makes the
// principals they check.
package account

import (
	"hallq/hall"
	"hallq/hall/store"
)

// Options configures the accounts.
type Options struct {
	// BcryptCost is the cost of the password hashes; 0 means
	// bcrypt.DefaultCost (tests use 4, the fastest). Was
	// hall.Options.BcryptCost.
	BcryptCost int
}

// Service is the accounts of one hall. Make one per hall (cmd/hallq
// features.go): the sign-in lock-outs and the revocation listeners are its own.
type Service struct {
	h       *hall.Hall
	st      *store.Store
	cost    int         // bcrypt cost (Options.BcryptCost)
	locks   lockout     // sign-in failures per user name and address (lockout.go)
	revokes revokeWatch // who closes a principal's connections when its credentials end (security.go)
}

// New makes the accounts of h. It registers nothing with the kernel.
func New(h *hall.Hall, opt Options) *Service {
	return &Service{h: h, st: h.Store(), cost: opt.BcryptCost}
}
