package account

import (
	"context"
	"fmt"

	"hallq/hall"
	"hallq/queue"
)

// Object-level rules (docs/security.md) beside the kernel's own (who may
// work a counter, the named call: Rules, rules.go): which
// tickets a caller may touch with a feature's objects, whatever handler, CLI
// or socket called, and who may free a counter a clerk holds.

// MayTouchTicket returns nil if p may attach a work order or an approval to
// ticket t, with the override note to add to the event's reason ("" when p
// acts on their own ticket): a clerk must hold a counter (the one they
// signed in to) and the ticket must be current there or have been called
// there today; managers and admins may touch any ticket, and when it is not
// theirs the event says so (hall.OverrideMark), for the audit. EFORBIDDEN
// otherwise. Call it inside Exec (e is tx.Engine()).
func MayTouchTicket(e *queue.Engine, p hall.Principal, t queue.Ticket) (override string, err error) {
	if p.Staff() {
		if held, ok := e.Counter(p.Counter); ok && p.Counter != 0 && held.Clerk == p.Name && (held.Current == t.ID || t.Counter == p.Counter) {
			return "", nil
		}
		return fmt.Sprintf("%s%s of counter %d", hall.OverrideMark, t.Number, t.Counter), nil
	}
	if p.Kind != "user" || p.Role != hall.RoleClerk {
		return "", hall.Forbidden()
	}
	c, ok := e.Counter(p.Counter)
	if p.Counter == 0 || !ok || c.Clerk != p.Name {
		return "", queue.Err(queue.EFORBIDDEN, "err.hall.sign_in_at_a")
	}
	if c.Current != t.ID && t.Counter != p.Counter {
		return "", queue.Err(queue.EFORBIDDEN, "err.hall.is_not_a_customer", t.Number, p.Counter)
	}
	return "", nil
}

// ReleaseCounter frees counter n from the clerk who holds it (managers), so
// that another clerk may sign in there: a counter with no active ticket
// closes, as at the holder's sign-out; one with a customer stays open with
// no clerk, and the next clerk to sign in takes the customer over. The
// holder's sessions may no longer work it. ENOTFOUND for an unknown
// counter, ECONFLICT when no one holds it.
func (s *Service) ReleaseCounter(ctx context.Context, p hall.Principal, n int) (queue.Counter, error) {
	if err := hall.StaffOnly(p); err != nil {
		return queue.Counter{}, err
	}
	var holder string
	ev, err := s.h.Exec(p.Actor(), func(tx *hall.Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		c, ok := e.Counter(n)
		if !ok {
			return queue.Event{}, queue.Err(queue.ENOTFOUND, "err.hall.there_is_no_counter", n)
		}
		if c.Clerk == "" {
			return queue.Event{}, queue.Err(queue.ECONFLICT, "err.hall.no_one_holds_counter", n)
		}
		holder = c.Clerk
		var ev queue.Event
		var err error
		if c.Current == 0 {
			ev, err = e.SignOut(n, now)
		} else {
			ev, err = e.SignIn(n, queue.Clerk{}, now)
		}
		ev.Reason = "released by a manager from " + holder
		return ev, err
	})
	if err != nil {
		return queue.Counter{}, fmt.Errorf("release counter %d: %w", n, err)
	}
	s.h.Log().Info("counter released", "counter", n, "holder", holder, "actor", p.Actor())
	if len(ev.Counters) == 0 {
		return queue.Counter{}, nil
	}
	return ev.Counters[0], nil
}
