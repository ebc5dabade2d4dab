package hall

import "hallq/queue"

// Who may do what (docs/security.md) is account's: the kernel asks the Rules
// account registers (Authorise) who may work a counter and call a named
// ticket there. With none registered it refuses (EFORBIDDEN) every counter
// operation: it does not know its people. Forbidden, StaffOnly and
// OverrideMark are the words every feature shares.

// OverrideMark starts the part of an event's reason that records a manager
// acting on a ticket outside their own counter (audit category "override").
const OverrideMark = "manager override: "

// Forbidden is the EFORBIDDEN error of a principal who may not do a thing.
func Forbidden() error {
	return queue.Err(queue.EFORBIDDEN, "err.hall.you_may_not_do")
}

// StaffOnly refuses (EFORBIDDEN) a principal that is not a member of staff.
func StaffOnly(p Principal) error {
	if !p.Staff() {
		return Forbidden()
	}
	return nil
}

// Rules say who may work a counter (account.Rules).
type Rules interface {
	// MayOperate returns nil if p may work counter n (operate it or read its
	// waiting list); view is the committed state, read-locked.
	MayOperate(view *queue.Engine, p Principal, n int) error
	// MayCallNamed checks a named call (指呼) of ticket t at counter n,
	// inside Exec (e is tx.Engine()); override is the note for the event's
	// reason when p may call it as an override.
	MayCallNamed(e *queue.Engine, p Principal, n int, t queue.Ticket) (override string, err error)
}

// Authorise registers the rules the kernel asks (the last one counts).
func (h *Hall) Authorise(r Rules) {
	h.hooks.mu.Lock()
	h.hooks.rules = r
	h.hooks.mu.Unlock()
}

func (h *Hall) rules() Rules {
	h.hooks.mu.RLock()
	defer h.hooks.mu.RUnlock()
	if h.hooks.rules == nil {
		return denyAll{}
	}
	return h.hooks.rules
}

// denyAll is the rules of a hall without account: no one works a counter.
type denyAll struct{}

func (denyAll) MayOperate(*queue.Engine, Principal, int) error { return Forbidden() }
func (denyAll) MayCallNamed(*queue.Engine, Principal, int, queue.Ticket) (string, error) {
	return "", Forbidden()
}

// MayOperate returns nil if p may work counter n, by the registered Rules.
func (h *Hall) MayOperate(p Principal, n int) (err error) {
	r := h.rules()
	h.Read(func(v *queue.Engine, _ uint64) { err = r.MayOperate(v, p, n) })
	return err
}
