package hall

import (
	"context"
	"fmt"
	"slices"

	"hallq/queue"
)

// Object-level rules (docs/security.md). The route table says which roles
// may call an endpoint; these say which objects a caller may touch, whatever
// handler, CLI or socket called the kernel: a clerk acts only on the ticket
// current at, or served today at, the counter they hold; managers and admins
// may act on any ticket, and when the ticket is not theirs the event says
// so, for the audit.

// OverrideMark starts the part of an event's reason that records a manager
// acting on a ticket outside their own counter (audit category "override").
const OverrideMark = "manager override: "

// MayTouchTicket is mayTouchTicketLocked for a feature's Exec function (e
// is tx.Engine()).
func MayTouchTicket(e *queue.Engine, p Principal, t queue.Ticket) (override string, err error) {
	return mayTouchTicketLocked(e, p, t)
}

// mayTouchTicketLocked returns nil if p may attach a work order or an
// approval to ticket t, or name it in a call, with the override note to add
// to the event's reason ("" when p acts on their own ticket). A clerk must
// hold a counter (the one they signed in to) and the ticket must be current
// there or have been called there today. EFORBIDDEN otherwise. Call with
// h.mu held.
func mayTouchTicketLocked(e *queue.Engine, p Principal, t queue.Ticket) (override string, err error) {
	if p.Staff() {
		if held, ok := e.Counter(p.Counter); ok && p.Counter != 0 && held.Clerk == p.Name && (held.Current == t.ID || t.Counter == p.Counter) {
			return "", nil
		}
		return fmt.Sprintf("%s%s of counter %d", OverrideMark, t.Number, t.Counter), nil
	}
	if p.Kind != "user" || p.Role != RoleClerk {
		return "", forbidden()
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

// mayCallNamedLocked checks a named call (指呼) of ticket t at counter n: a
// clerk only a ticket of a service counter n serves or one transferred to
// it; a manager any waiting ticket, recorded as an override.
func mayCallNamedLocked(e *queue.Engine, p Principal, n int, t queue.Ticket) (override string, err error) {
	c, ok := e.Counter(n)
	if !ok {
		return "", queue.Err(queue.ENOTFOUND, "err.hall.there_is_no_counter", n)
	}
	if t.TargetCounter == n || slices.Contains(c.Services, t.Service) {
		return "", nil
	}
	if p.Staff() {
		return fmt.Sprintf("%s%s (service %s) called at counter %d", OverrideMark, t.Number, t.Service, n), nil
	}
	return "", queue.Err(queue.EFORBIDDEN, "err.hall.counter_does_not_serve", n, t.Service, t.Number)
}

// ReleaseCounter frees counter n from the clerk who holds it (managers), so
// that another clerk may sign in there: a counter with no active ticket
// closes, as at the holder's sign-out; one with a customer stays open with
// no clerk, and the next clerk to sign in takes the customer over. The
// holder's sessions may no longer work it. ENOTFOUND for an unknown
// counter, ECONFLICT when no one holds it.
func (h *Hall) ReleaseCounter(ctx context.Context, p Principal, n int) (queue.Counter, error) {
	if err := StaffOnly(p); err != nil {
		return queue.Counter{}, err
	}
	var holder string
	ev, err := h.Exec(p.Actor(), func(tx *Tx) (queue.Event, error) {
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
	h.log.Info("counter released", "counter", n, "holder", holder, "actor", p.Actor())
	if len(ev.Counters) == 0 {
		return queue.Counter{}, nil
	}
	return ev.Counters[0], nil
}
