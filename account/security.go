package account

import (
	"context"
	"fmt"
	"sync"

	"hallq/hall"
	"hallq/queue"
)

// Lifting lock-outs and telling who listens when a principal's credentials
// end (docs/security.md). The security events and the monitor's alerts are
// the console's (Options.Security = console.Security): web's refused
// cross-site requests and the public bookings raise them too.

// UnlockUser lifts a sign-in lock-out of user name (managers; an admin's
// lock only an admin). ENOTFOUND for an unknown user.
func (s *Service) UnlockUser(ctx context.Context, p hall.Principal, name string) error {
	if _, err := s.userFor(p, name); err != nil {
		return err
	}
	_, err := s.Unlock(ctx, p.Actor(), name)
	return err
}

// Unlock lifts a sign-in lock-out of user name for actor (the hall PC's
// command line, `hallq user unlock`, through the control socket) and
// reports whether the name was locked. ENOTFOUND for an unknown user.
func (s *Service) Unlock(ctx context.Context, actor, name string) (bool, error) {
	if _, err := s.st.User(name); err != nil {
		return false, queue.Err(queue.ENOTFOUND, "err.hall.there_is_no_user", name)
	}
	cleared := s.locks.clear(nameKey(name))
	s.sec.Event(actor, "", fmt.Sprintf("sign-in lock of %s lifted (locked: %v)", name, cleared))
	return cleared, nil
}

// Revoked names a principal whose credentials ended: a user who was
// disabled, demoted or had their password reset, or a revoked device (by
// id). Listeners close that principal's live connections.
type Revoked struct {
	User   string // a user name, or ""
	Device string // a device id (store.DeviceID), or ""
}

type revokeWatch struct {
	mu   sync.Mutex
	next int
	fns  map[int]func(Revoked)
}

// OnRevoke calls fn whenever a principal's credentials end (after the change
// is stored); the returned func stops it. fn must not block.
func (s *Service) OnRevoke(fn func(Revoked)) (stop func()) {
	w := &s.revokes
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fns == nil {
		w.fns = map[int]func(Revoked){}
	}
	id := w.next
	w.next++
	w.fns[id] = fn
	return func() {
		w.mu.Lock()
		delete(w.fns, id)
		w.mu.Unlock()
	}
}

// revoked tells the listeners that r's credentials ended and logs it.
func (s *Service) revoked(actor string, r Revoked, what string) {
	s.h.Log().Warn("security", "what", what, "actor", actor, "user", r.User, "device", r.Device)
	s.revokes.mu.Lock()
	fns := make([]func(Revoked), 0, len(s.revokes.fns))
	for _, fn := range s.revokes.fns {
		fns = append(fns, fn)
	}
	s.revokes.mu.Unlock()
	for _, fn := range fns {
		fn(r)
	}
}
