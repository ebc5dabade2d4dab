package account

import (
	"fmt"
	"slices"

	"hallq/hall"
	"hallq/queue"
)

// Rules are the kernel's object-level rules (docs/security.md), which New
// registers (hall.Authorise): a clerk works only the counter they signed in
// to and still hold; managers and admins any counter, and a named call
// outside their counter's services is noted as an override, for the audit.
// They hold no state: a hall opened without this service (tests, offline
// commands) may register them on their own.
type Rules struct{}

// MayOperate returns nil if p may work counter n (operate it or read its
// waiting list): a clerk only the counter they signed in to and still hold,
// managers and admins any counter. EFORBIDDEN otherwise.
func (Rules) MayOperate(view *queue.Engine, p hall.Principal, n int) error {
	if p.Staff() {
		return nil
	}
	if p.Kind != "user" || p.Role != hall.RoleClerk {
		return hall.Forbidden()
	}
	if p.Counter != n {
		return queue.Err(queue.EFORBIDDEN, "err.hall.you_are_signed_in", p.Counter, n)
	}
	if c, ok := view.Counter(n); !ok || c.Clerk != p.Name {
		return queue.Err(queue.EFORBIDDEN, "err.hall.someone_else_signed_in", n)
	}
	return nil
}

// MayCallNamed checks a named call (指呼) of ticket t at counter n: a clerk
// only a ticket of a service counter n serves or one transferred to it; a
// manager any waiting ticket, recorded as an override.
func (Rules) MayCallNamed(e *queue.Engine, p hall.Principal, n int, t queue.Ticket) (override string, err error) {
	c, ok := e.Counter(n)
	if !ok {
		return "", queue.Err(queue.ENOTFOUND, "err.hall.there_is_no_counter", n)
	}
	if t.TargetCounter == n || slices.Contains(c.Services, t.Service) {
		return "", nil
	}
	if p.Staff() {
		return fmt.Sprintf("%s%s (service %s) called at counter %d", hall.OverrideMark, t.Number, t.Service, n), nil
	}
	return "", queue.Err(queue.EFORBIDDEN, "err.hall.counter_does_not_serve", n, t.Service, t.Number)
}
