package casework

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"hallq/account"
	"hallq/casework/cases"
	"hallq/hall"
	"hallq/queue"
)

// Approval states.
const (
	ApPending  = "pending"
	ApApproved = "approved"
	ApRejected = "rejected"
)

// Approval is a request for a decision beyond the clerk's authority (需审批):
// it goes to the approver the catalog names; managers and admins decide it in
// their inbox with a note; the desk that asked sees the decision live (the
// decision event carries the desk's counter), and the customer follows it on
// the tracking page.
type Approval struct {
	ID           string     `json:"id"`
	Code         string     `json:"code"` // the customer's tracking code (/t/CODE)
	Item         string     `json:"item"`
	ItemName     string     `json:"item_name"`
	Approver     string     `json:"approver"` // who decides, as the catalog names them
	Request      string     `json:"request"`  // what the customer asks, in the clerk's words
	Day          string     `json:"day,omitempty"`
	Ticket       uint64     `json:"ticket,omitempty"`
	TicketNumber string     `json:"ticket_number,omitempty"`
	TicketCode   string     `json:"ticket_code,omitempty"`
	Counter      int        `json:"counter,omitempty"`
	Clerk        string     `json:"clerk"`
	ClerkName    string     `json:"clerk_name"`
	RequestedAt  time.Time  `json:"requested_at"`
	Status       string     `json:"status"`
	DecidedAt    *time.Time `json:"decided_at,omitempty"`
	DecidedBy    string     `json:"decided_by,omitempty"`
	Decision     string     `json:"decision,omitempty"` // the approver's note
	Log          []LogEntry `json:"log"`
	Rev          int        `json:"rev"`
}

// RequestApproval is a desk's request for a decision.
type RequestApproval struct {
	Counter int    `json:"counter"` // the desk; its current ticket is the customer's
	Ticket  uint64 `json:"ticket"`  // or a ticket of today by id
	Item    string `json:"item"`    // a needs_approval item of the catalog
	Request string `json:"request"` // what the customer asks
}

// RequestApproval opens an approval request (people). A clerk asks for the
// counter they work. The item must be a needs_approval item; the request note
// is required. Errors: EFORBIDDEN, EINVALID, ENOTFOUND.
func (s *Service) RequestApproval(ctx context.Context, p hall.Principal, req RequestApproval) (Approval, error) {
	if p.Kind != "user" {
		return Approval{}, hall.Forbidden()
	}
	if req.Counter > 0 {
		if err := s.h.MayOperate(p, req.Counter); err != nil {
			return Approval{}, err
		}
	}
	it, ok := s.Catalog().Item(req.Item)
	if !ok {
		return Approval{}, queue.Err(queue.EINVALID, "err.hall.choose_a_business_item")
	}
	if it.Class != cases.NeedsApproval {
		return Approval{}, queue.Err(queue.EINVALID, "err.hall.is_not_a_case", it.NameZH, it.Class.NameZH(), it.ID, it.Class)
	}
	note, err := checkNote("request", "申请事由", req.Request, true)
	if err != nil {
		return Approval{}, err
	}
	var ap Approval
	ev, err := s.h.Exec(p.Actor(), func(tx *hall.Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		t, hasTicket := caseTicket(e, req.Counter, req.Ticket)
		if req.Ticket != 0 && !hasTicket {
			return queue.Event{}, queue.Err(queue.ENOTFOUND, "err.hall.no_such_ticket_today")
		}
		var override string
		if hasTicket {
			var err error
			if override, err = account.MayTouchTicket(e, p, t); err != nil { // account/owner.go
				return queue.Event{}, err
			}
		}
		ap = Approval{ID: nextID(tx, s.h.Location(), KindApproval, "S", now), Code: hall.NewCode(12), Item: it.ID, ItemName: it.NameZH,
			Approver: it.Approver, Request: note, Counter: req.Counter, Clerk: p.Name, ClerkName: who(p),
			RequestedAt: now, Status: ApPending,
			Log: []LogEntry{{At: now, Actor: who(p), Kind: "requested", Note: "报" + it.Approver + "审批"}}}
		codes := []string{ap.Code}
		if hasTicket {
			ap.Day, ap.Ticket, ap.TicketNumber, ap.TicketCode = t.Day, t.ID, t.Number, t.Tracking
			codes = append(codes, t.Tracking)
			if ap.Counter == 0 {
				ap.Counter = t.Counter
			}
		}
		recs := append([]queue.Record{hall.NewRecord(KindApproval, ap.ID, ap)}, trackRecords(tx, codes, "", ap.ID)...)
		return queue.Event{Type: EvApprovalRequested, At: now, Day: e.Day(), Counter: ap.Counter, Ticket: ap.Ticket, Reason: strings.TrimSpace(ap.ID + " " + override), Records: recs}, nil
	})
	if err != nil {
		return Approval{}, fmt.Errorf("request approval: %w", err)
	}
	ap.Rev = ev.Records[0].Rev
	return ap, nil
}

// Decision is an approver's answer.
type Decision struct {
	Approve bool   `json:"approve"`
	Note    string `json:"note"` // required: what was decided and why
}

// DecideApproval decides a pending approval (managers and admins only; a
// clerk gets EFORBIDDEN). The note is required. The event carries the
// asking desk's counter, so desk/N hears of it at once. Errors: EFORBIDDEN,
// ENOTFOUND, ECONFLICT (decided already), EINVALID (no note).
func (s *Service) DecideApproval(ctx context.Context, p hall.Principal, id string, d Decision) (Approval, error) {
	if !p.Staff() {
		return Approval{}, queue.Err(queue.EFORBIDDEN, "err.hall.only_managers_may_decide")
	}
	note, err := checkNote("note", "审批意见", d.Note, true)
	if err != nil {
		return Approval{}, err
	}
	var ap Approval
	ev, err := s.h.Exec(p.Actor(), func(tx *hall.Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		r, ok := tx.Record(KindApproval, id)
		if !ok {
			return queue.Event{}, queue.Err(queue.ENOTFOUND, "err.hall.no_such_approval_request")
		}
		if err := json.Unmarshal(r.Data, &ap); err != nil {
			return queue.Event{}, fmt.Errorf("approval %s: %w", id, err)
		}
		if ap.Status != ApPending {
			return queue.Event{}, queue.Err(queue.ECONFLICT, "err.hall.approval_is_decided_already", ap.ID)
		}
		ap.Status, ap.DecidedAt, ap.DecidedBy, ap.Decision = ApRejected, &now, who(p), note
		if d.Approve {
			ap.Status = ApApproved
		}
		ap.Log = append(ap.Log, LogEntry{At: now, Actor: who(p), Kind: ap.Status, Note: note})
		return queue.Event{Type: EvApprovalDecided, At: now, Day: e.Day(), Counter: ap.Counter, Ticket: ap.Ticket, Reason: ap.ID + " " + ap.Status,
			Records: []queue.Record{hall.NewRecord(KindApproval, ap.ID, ap)}}, nil
	})
	if err != nil {
		return Approval{}, fmt.Errorf("decide approval %s: %w", id, err)
	}
	ap.Rev = ev.Records[0].Rev
	return ap, nil
}

func decodeApproval(r queue.Record) (Approval, error) {
	var a Approval
	err := json.Unmarshal(r.Data, &a)
	a.Rev = r.Rev
	return a, err
}

// Approval returns an approval request: managers and admins see every one, a
// clerk the ones they asked for.
func (s *Service) Approval(p hall.Principal, id string) (Approval, error) {
	r, ok, err := s.h.Record(KindApproval, id)
	if err != nil {
		return Approval{}, err
	}
	if !ok {
		return Approval{}, queue.Err(queue.ENOTFOUND, "err.hall.no_such_approval_request")
	}
	a, err := decodeApproval(r)
	if err != nil {
		return Approval{}, err
	}
	if err := mayHandle(p, a.Clerk); err != nil {
		return Approval{}, err
	}
	return a, nil
}

// Approvals lists approval requests newest first, pending ones first: the
// manager's inbox (all), or a clerk's own requests. status "" is all.
func (s *Service) Approvals(p hall.Principal, status string, limit int) ([]Approval, error) {
	if p.Kind != "user" {
		return nil, hall.Forbidden()
	}
	if limit <= 0 {
		limit = 500
	}
	var out []Approval
	var derr error
	err := s.h.EachRecord(KindApproval, "", func(r queue.Record) bool {
		a, err := decodeApproval(r)
		if err != nil {
			derr = err
			return false
		}
		if !p.Staff() && a.Clerk != p.Name {
			return true
		}
		if status != "" && a.Status != status {
			return true
		}
		out = append(out, a)
		return true
	})
	if err == nil {
		err = derr
	}
	slices.Reverse(out)
	slices.SortStableFunc(out, func(a, b Approval) int {
		ap, bp := a.Status == ApPending, b.Status == ApPending
		switch {
		case ap && !bp:
			return -1
		case bp && !ap:
			return 1
		}
		return 0
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, err
}

// TrackView is what a customer's tracking page shows: the ticket (if the code
// is a ticket's) and the work orders and approvals linked to the code, with
// nothing personal: the phone masked, no account, no names, no notes from the
// progress log (only its steps and times).
type TrackView struct {
	Ticket     *queue.Ticket    `json:"ticket,omitempty"`
	WorkOrders []TrackWorkOrder `json:"workorders,omitempty"`
	Approvals  []TrackApproval  `json:"approvals,omitempty"`
}

// TrackStep is one public line of progress.
type TrackStep struct {
	At   time.Time `json:"at"`
	Kind string    `json:"kind"`
}

// TrackWorkOrder is the public part of a work order.
type TrackWorkOrder struct {
	ID         string      `json:"id"`
	ItemName   string      `json:"item_name"`
	Department string      `json:"department"`
	OpenedAt   time.Time   `json:"opened_at"`
	PromisedAt time.Time   `json:"promised_at"`
	Status     string      `json:"status"`
	Overdue    bool        `json:"overdue"`
	Steps      []TrackStep `json:"steps"`
}

// TrackApproval is the public part of an approval request.
type TrackApproval struct {
	ID          string      `json:"id"`
	ItemName    string      `json:"item_name"`
	Approver    string      `json:"approver"`
	RequestedAt time.Time   `json:"requested_at"`
	Status      string      `json:"status"`
	DecidedAt   *time.Time  `json:"decided_at,omitempty"`
	Decision    string      `json:"decision,omitempty"`
	Steps       []TrackStep `json:"steps"`
}

func steps(log []LogEntry) []TrackStep {
	out := make([]TrackStep, 0, len(log))
	for _, l := range log {
		out = append(out, TrackStep{At: l.At, Kind: l.Kind})
	}
	return out
}

// TrackCase returns what a tracking code shows the customer: a ticket's live
// place in the queue, and every work order and approval opened for it (or
// the one the code belongs to). ENOTFOUND if the code is unknown.
func (s *Service) TrackCase(code string) (TrackView, error) {
	var v TrackView
	if code == "" || len(code) > 64 {
		return v, queue.Err(queue.ENOTFOUND, "err.hall.unknown_tracking_code")
	}
	if t, err := s.h.Track(code); err == nil {
		t.Phone, t.Account, t.Clerk, t.Note = "", "", "", ""
		v.Ticket = &t
	}
	r, ok, err := s.h.Record(KindTrack, code)
	if err != nil {
		return v, err
	}
	if !ok && v.Ticket == nil {
		return v, queue.Err(queue.ENOTFOUND, "err.hall.unknown_tracking_code")
	}
	var ref TrackRef
	if ok {
		if err := json.Unmarshal(r.Data, &ref); err != nil {
			return v, err
		}
	}
	now := s.h.Now()
	for _, id := range ref.WorkOrders {
		r, ok, err := s.h.Record(KindWorkOrder, id)
		if err != nil || !ok {
			continue
		}
		w, err := decodeWorkOrder(r)
		if err != nil {
			continue
		}
		v.WorkOrders = append(v.WorkOrders, TrackWorkOrder{ID: w.ID, ItemName: w.ItemName, Department: w.Department,
			OpenedAt: w.OpenedAt, PromisedAt: w.PromisedAt, Status: w.Status, Overdue: w.Overdue(now),
			Steps: steps(w.Log)})
	}
	for _, id := range ref.Approvals {
		r, ok, err := s.h.Record(KindApproval, id)
		if err != nil || !ok {
			continue
		}
		a, err := decodeApproval(r)
		if err != nil {
			continue
		}
		v.Approvals = append(v.Approvals, TrackApproval{ID: a.ID, ItemName: a.ItemName, Approver: a.Approver,
			RequestedAt: a.RequestedAt, Status: a.Status, DecidedAt: a.DecidedAt, Decision: a.Decision, Steps: steps(a.Log)})
	}
	return v, nil
}
