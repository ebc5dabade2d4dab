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
// work a counter: mayOperate, ops.go; the named call below); account holds
// those of the features' objects (account.MayTouchTicket) and the release of
// a held counter.

// OverrideMark starts the part of an event's reason that records a manager
// acting on a ticket outside their own counter (audit category "override").
const OverrideMark = "manager override: "

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
