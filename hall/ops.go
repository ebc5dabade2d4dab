package hall

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"hallq/queue"
	"hallq/textcheck"
)

// Principal is who makes a request: a signed-in person or a paired device.
type Principal struct {
	Kind    string `json:"kind"` // "user" or "device"
	Name    string `json:"name"`
	Role    string `json:"role"` // clerk|manager|admin, or kiosk|display|counter|keypad
	Counter int    `json:"counter,omitempty"`
	Display string `json:"display,omitempty"`
	StaffNo string `json:"staff_no,omitempty"`
	ID      string `json:"-"` // a device's id (store.DeviceID), for revocation
}

// Roles.
const (
	RoleClerk   = "clerk"
	RoleManager = "manager"
	RoleAdmin   = "admin"
	KindKiosk   = "kiosk"
	KindDisplay = "display"
	KindCounter = "counter"
	KindKeypad  = "keypad"
	// KindIntegration is a machine that reads the event log for the
	// region's roll-up; it has no page.
	KindIntegration = "integration"
)

// Actor is how the event log names the principal.
func (p Principal) Actor() string {
	if p.Kind == "" {
		return "anonymous"
	}
	return p.Kind + ":" + p.Name
}

// Staff reports whether p is a manager or admin.
func (p Principal) Staff() bool {
	return p.Kind == "user" && (p.Role == RoleManager || p.Role == RoleAdmin)
}

// IssueRequest is a ticket request as it arrives from a kiosk or a desk.
type IssueRequest struct {
	Service  string `json:"service"`
	Priority string `json:"priority"`
	Phone    string `json:"phone"`
	Account  string `json:"account"`
	Item     string `json:"item"`
}

// Issue issues a ticket and returns it once it is durable.
func (h *Hall) Issue(ctx context.Context, p Principal, req IssueRequest) (queue.Ticket, error) {
	if !(p.Kind == "device" && p.Role == KindKiosk) && !(p.Kind == "user") {
		return queue.Ticket{}, Forbidden()
	}
	if strings.TrimSpace(req.Service) == "" {
		return queue.Ticket{}, queue.Err(queue.EINVALID, "err.hall.choose_a_service")
	}
	if queue.Priority(req.Priority) == queue.Appointment {
		// An appointment ticket jumps the queue: only a booking's check-in
		// (CheckIn) mints one.
		return queue.Ticket{}, queue.Err(queue.EINVALID, "err.hall.appointment_tickets_come_only")
	}
	if err := h.ValidItem(req.Item); err != nil { // hooks.go: CheckItem
		return queue.Ticket{}, err
	}
	q := queue.IssueRequest{Service: req.Service, Priority: queue.Priority(req.Priority),
		Phone: req.Phone, Account: req.Account, Item: req.Item, Tracking: NewCode(12)}
	ev, err := h.Exec(p.Actor(), func(tx *Tx) (queue.Event, error) { return tx.Engine().Issue(q, tx.Now()) })
	if err != nil {
		return queue.Ticket{}, fmt.Errorf("issue ticket %s: %w", req.Service, err)
	}
	return ev.Tickets[0], nil
}

// CounterOp names a counter operation of the API.
type CounterOp struct {
	Action  string `json:"-"`
	Ticket  uint64 `json:"ticket"`  // call: a named ticket (指呼) instead of the next
	Number  string `json:"number"`  // call: a named ticket by its number
	Service string `json:"service"` // transfer
	Counter int    `json:"counter"` // transfer
	Reason  string `json:"reason"`  // pause
	Item    string `json:"item"`    // finish: the business item handled
}

// Counter actions.
var CounterActions = []string{"call", "recall", "start", "finish", "no-show", "transfer", "postpone", "pause", "resume"}

// ErrNoOneWaiting is returned by a call when no ticket waits for the counter.
var ErrNoOneWaiting = errors.New("no one is waiting")

// Operate performs a counter operation for p and returns the ticket it
// concerns (the zero ticket for pause and resume). A call with no one
// waiting returns ErrNoOneWaiting.
func (h *Hall) Operate(ctx context.Context, p Principal, n int, op CounterOp) (queue.Ticket, error) {
	if err := h.MayOperate(p, n); err != nil {
		return queue.Ticket{}, err
	}
	if err := textcheck.Text("the reason", "原因", op.Reason); err != nil {
		return queue.Ticket{}, err
	}
	clerk, rules := p.Name, h.rules()
	var found = true
	ev, err := h.Exec(p.Actor(), func(tx *Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		switch op.Action {
		case "call":
			ev, ok, err := call(e, rules, p, n, op, now)
			if err == nil && !ok {
				found = false
				return queue.Event{}, errNothing
			}
			return ev, err
		case "recall":
			return e.Recall(n, clerk, now)
		case "start":
			return e.Start(n, clerk, now)
		case "finish":
			// The item is checked and recorded by what features registered (CheckItem, OnFinish: casework.go).
			if err := h.ValidItem(op.Item); err != nil {
				return queue.Event{}, err
			}
			ev, err := e.Finish(n, clerk, op.Item, now)
			if err == nil {
				h.finished(tx, &ev, op.Item) // hooks.go: OnFinish
			}
			return ev, err
		case "no-show":
			return e.NoShow(n, clerk, now)
		case "transfer":
			return e.Transfer(n, queue.TransferRequest{Service: op.Service, Counter: op.Counter}, clerk, now)
		case "postpone":
			return e.Postpone(n, clerk, now)
		case "pause":
			return e.Pause(n, op.Reason, now)
		case "resume":
			return e.Resume(n, now)
		}
		return queue.Event{}, queue.Err(queue.ENOTFOUND, "err.hall.unknown_action", op.Action)
	})
	if !found {
		return queue.Ticket{}, ErrNoOneWaiting
	}
	if err != nil {
		return queue.Ticket{}, fmt.Errorf("counter %d %s: %w", n, op.Action, err)
	}
	for _, t := range ev.Tickets {
		if t.ID == ev.Ticket {
			return t, nil
		}
	}
	return queue.Ticket{}, nil
}

// call decides a call at counter n for p: the next ticket (ok false when no
// one waits), or one named by id or number (指呼), which p may call only if
// the rules allow it (account: counter n serves it, or a manager's override,
// noted in the event's reason).
func call(e *queue.Engine, r Rules, p Principal, n int, op CounterOp, now time.Time) (ev queue.Event, ok bool, err error) {
	if op.Number != "" {
		t, found := e.Find(op.Number)
		if !found {
			return ev, true, queue.Err(queue.ENOTFOUND, "err.hall.there_is_no_ticket", op.Number)
		}
		op.Ticket = t.ID
	}
	if op.Ticket == 0 {
		return e.CallNext(n, p.Name, now)
	}
	t, found := e.Ticket(op.Ticket)
	if !found {
		return ev, true, queue.Err(queue.ENOTFOUND, "err.hall.no_such_ticket_today")
	}
	override, err := r.MayCallNamed(e, p, n, t)
	if err != nil {
		return ev, true, err
	}
	ev, err = e.CallTicket(n, op.Ticket, p.Name, now)
	if override != "" {
		ev.Reason = strings.TrimSpace(ev.Reason + " " + override)
	}
	return ev, true, err
}

// CancelTicket cancels a waiting ticket (managers).
func (h *Hall) CancelTicket(ctx context.Context, p Principal, id uint64, reason string) (queue.Ticket, error) {
	if !p.Staff() {
		return queue.Ticket{}, Forbidden()
	}
	if err := textcheck.Text("the reason", "原因", reason); err != nil {
		return queue.Ticket{}, err
	}
	ev, err := h.Exec(p.Actor(), func(tx *Tx) (queue.Event, error) { return tx.Engine().Cancel(id, reason, tx.Now()) })
	if err != nil {
		return queue.Ticket{}, fmt.Errorf("cancel ticket %d: %w", id, err)
	}
	return ev.Tickets[0], nil
}

// Ticket returns today's ticket by id from the committed state.
func (h *Hall) Ticket(id uint64) (t queue.Ticket, err error) {
	h.Read(func(v *queue.Engine, _ uint64) {
		var ok bool
		if t, ok = v.Ticket(id); !ok {
			err = queue.Err(queue.ENOTFOUND, "err.hall.no_such_ticket_today")
		}
	})
	return t, err
}

// Waiting returns the tickets counter n could call, in calling order, then the
// ones postponed there.
func (h *Hall) Waiting(n int) (list []queue.Ticket) {
	now := h.now()
	h.Read(func(v *queue.Engine, _ uint64) { list = v.WaitingFor(n, now) })
	return list
}

// Track returns the ticket of a tracking code with its live place in the queue.
func (h *Hall) Track(code string) (queue.Ticket, error) {
	t, err := h.st.TicketByTracking(code)
	if err != nil {
		return t, err
	}
	now := h.now()
	h.Read(func(v *queue.Engine, _ uint64) {
		if live, ok := v.Ticket(t.ID); ok {
			t = live
			if a, w, ok := v.Position(t.ID, now); ok {
				t.Ahead, t.EstimatedWaitS = a, w
			}
		}
	})
	return t, nil
}
