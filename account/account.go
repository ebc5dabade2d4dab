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
	// Security is where failed sign-ins, lock-outs, unlocks and refused
	// password resets go: the audit and the manager's monitor
	// (console.Security, given at wiring in cmd/hallq). Nil: they are only
	// logged.
	Security Security
}

// Security is what the accounts report security events to (console.Security).
type Security interface {
	// Event writes a security event to the audit (actor, the client's
	// address, what happened).
	Event(actor, addr, what string)
	// Alert puts a lock-out on the manager's monitor.
	Alert(what, addr string)
}

// logOnly is the Security of accounts not given one: events are logged.
type logOnly struct{ h *hall.Hall }

func (l logOnly) Event(actor, addr, what string) {
	l.h.Log().Warn("security", "what", what, "actor", actor, "addr", addr)
}

func (l logOnly) Alert(what, addr string) {}

// Service is the accounts of one hall. Make one per hall (cmd/hallq
// features.go): the sign-in lock-outs and the revocation listeners are its own.
type Service struct {
	h       *hall.Hall
	st      *store.Store
	sec     Security    // Options.Security
	cost    int         // bcrypt cost (Options.BcryptCost)
	locks   lockout     // sign-in failures per user name and address (lockout.go)
	revokes revokeWatch // who closes a principal's connections when its credentials end (security.go)
}

// New makes the accounts of h and registers their Rules with the kernel
// (who may work a counter).
func New(h *hall.Hall, opt Options) *Service {
	h.Authorise(Rules{})
	s := &Service{h: h, st: h.Store(), sec: opt.Security, cost: opt.BcryptCost}
	if s.sec == nil {
		s.sec = logOnly{h}
	}
	return s
}
