package hall

import (
	"fmt"
	"slices"

	"hallq/queue"
)

// Object-level rules (docs/security.md). The route table says which roles
// may call an endpoint; these say which objects a caller may touch, whatever
// handler, CLI or socket called the kernel: a clerk acts only on the ticket
// current at, or served today at, the counter they hold; managers and admins
// may act on any ticket, and when the ticket is not theirs the event says
// so, for the audit. The kernel keeps the rules of its own commands (who may
// work a counter: MayOperate; the named call); account holds
// those of the features' objects (account.MayTouchTicket) and the release of
// a held counter.

// OverrideMark starts the part of an event's reason that records a manager
// acting on a ticket outside their own counter (audit category "override").
const OverrideMark = "manager override: "

// Forbidden is the EFORBIDDEN error of a principal who may not do a thing.
func Forbidden() error {
	return queue.Err(queue.EFORBIDDEN, "err.hall.you_may_not_do")
}

// MayOperate returns nil if p may work counter n (operate it or read its
// waiting list): a clerk only the counter they signed in to and still hold,
// managers and admins any counter. EFORBIDDEN otherwise.
func (h *Hall) MayOperate(p Principal, n int) error {
	if p.Staff() {
		return nil
	}
	if p.Kind != "user" || p.Role != RoleClerk {
		return Forbidden()
	}
	if p.Counter != n {
		return queue.Err(queue.EFORBIDDEN, "err.hall.you_are_signed_in", p.Counter, n)
	}
	var holder string
	h.Read(func(v *queue.Engine, _ uint64) {
		if c, ok := v.Counter(n); ok {
			holder = c.Clerk
		}
	})
	if holder != p.Name {
		return queue.Err(queue.EFORBIDDEN, "err.hall.someone_else_signed_in", n)
	}
	return nil
}

// StaffOnly refuses (EFORBIDDEN) a principal that is not a member of staff.
func StaffOnly(p Principal) error {
	if !p.Staff() {
		return Forbidden()
	}
	return nil
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
