package casework

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"hallq/account"
	"hallq/casework/cases"
	"hallq/hall"
	"hallq/queue"
	"hallq/textcheck"
)

// Work-order states. A cross-department case (跨部门协办) is opened, worked on
// by the named department (progress notes), resolved, called back (回访) and
// only then closed.
const (
	WOOpen     = "open"     // opened, waiting for the department
	WOProgress = "progress" // the department is working on it
	WOResolved = "resolved" // done; the customer is to be called back
	WOClosed   = "closed"   // called back and closed
)

// LogEntry is one line of a work order's or approval's progress log.
type LogEntry struct {
	At    time.Time `json:"at"`
	Actor string    `json:"actor"` // the person's display name or user name
	Kind  string    `json:"kind"`  // opened|progress|resolved|callback|closed|requested|approved|rejected
	Note  string    `json:"note,omitempty"`
}

// CallBack is the closing call to the customer (回访).
type CallBack struct {
	At        time.Time `json:"at"`
	By        string    `json:"by"`
	Reached   bool      `json:"reached"`
	Satisfied bool      `json:"satisfied"`
	Note      string    `json:"note,omitempty"`
}

// WorkOrder is a cross-department work order (工单). Phone is the customer's
// contact in full: only the work-order detail shows it to staff; every list
// and the customer's tracking page mask or omit it.
type WorkOrder struct {
	ID           string     `json:"id"`
	Code         string     `json:"code"` // the customer's tracking code (/t/CODE)
	Item         string     `json:"item"`
	ItemName     string     `json:"item_name"`
	Department   string     `json:"department"`
	Summary      string     `json:"summary"` // what the customer asked, in the clerk's words
	Customer     string     `json:"customer,omitempty"`
	Phone        string     `json:"phone"`
	Day          string     `json:"day,omitempty"`
	Ticket       uint64     `json:"ticket,omitempty"`
	TicketNumber string     `json:"ticket_number,omitempty"`
	TicketCode   string     `json:"ticket_code,omitempty"`
	Counter      int        `json:"counter,omitempty"`
	Clerk        string     `json:"clerk"`      // the user who opened it (the handling clerk)
	ClerkName    string     `json:"clerk_name"` // their display name
	OpenedAt     time.Time  `json:"opened_at"`
	PromisedDays int        `json:"promised_days"`
	PromisedAt   time.Time  `json:"promised_at"` // the end of the promised day, hall time
	Status       string     `json:"status"`
	ResolvedAt   *time.Time `json:"resolved_at,omitempty"`
	CallBack     *CallBack  `json:"callback,omitempty"`
	ClosedAt     *time.Time `json:"closed_at,omitempty"`
	Log          []LogEntry `json:"log"`
	Rev          int        `json:"rev"`
}

// Overdue reports whether the department missed the promised date: the work
// order is not resolved yet and now is past PromisedAt.
func (w WorkOrder) Overdue(now time.Time) bool {
	return (w.Status == WOOpen || w.Status == WOProgress) && now.After(w.PromisedAt)
}

// DueSoon reports whether the promised date is less than a day away.
func (w WorkOrder) DueSoon(now time.Time) bool {
	return (w.Status == WOOpen || w.Status == WOProgress) && !now.After(w.PromisedAt) && w.PromisedAt.Sub(now) < 24*time.Hour
}

// NeedsCallBack reports whether the work order waits for its call-back.
func (w WorkOrder) NeedsCallBack() bool {
	return w.Status == WOResolved && (w.CallBack == nil || !w.CallBack.Reached)
}

// OpenWorkOrder is a request to open a work order from the desk.
type OpenWorkOrder struct {
	Counter  int    `json:"counter"`  // the desk; its current ticket is the customer's
	Ticket   uint64 `json:"ticket"`   // or a ticket of today by id
	Item     string `json:"item"`     // a cross_department item of the catalog
	Summary  string `json:"summary"`  // what the customer asked
	Customer string `json:"customer"` // the customer's name (optional)
	Phone    string `json:"phone"`    // contact; the ticket's phone when empty
}

var mobileRE = regexp.MustCompile(`^(1\d{10}|0\d{2,3}-?\d{7,8})$`)

const maxNote = 500

func checkNote(field, zh, note string, required bool) (string, error) {
	note = strings.TrimSpace(note)
	if required && note == "" {
		return "", queue.Err(queue.EINVALID, "err.hall.is_required", zh, field)
	}
	if utf8.RuneCountInString(note) > maxNote {
		return "", queue.Err(queue.EINVALID, "err.hall.is_too_long_at", zh, maxNote, field)
	}
	if err := textcheck.Chars(field, zh, note, true); err != nil {
		return "", err
	}
	return note, nil
}

// addWorkingDays is the end (local midnight after) of the n-th working day
// after t: Saturdays, Sundays and the hall's holidays do not count.
func (s *Service) addWorkingDays(tx *hall.Tx, t time.Time, n int) time.Time {
	loc, cfg := s.h.Location(), tx.Engine().Config()
	d := t.In(loc)
	day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		ds := day.Format(time.DateOnly)
		if cfg.WorkdayOverride(ds) { // a 调休 working day counts
			n--
			continue
		}
		if o, ok := cfg.Overrides[ds]; ok && o.Closed {
			continue
		}
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday || slices.Contains(cfg.Holidays, ds) {
			continue
		}
		n--
	}
	return day.AddDate(0, 0, 1).Add(-time.Second)
}

// nextID is the next id of kind for the local day of now: PREFIX + YYYYMMDD-NNN.
// Inside Exec.
func nextID(tx *hall.Tx, loc *time.Location, kind, prefix string, now time.Time) string {
	day := prefix + now.In(loc).Format("20060102") + "-"
	n := 0
	for _, r := range tx.Records(kind) {
		if strings.HasPrefix(r.Key, day) {
			n++
		}
	}
	return fmt.Sprintf("%s%03d", day, n+1)
}

// TrackRef is what a tracking code leads to besides a ticket.
type TrackRef struct {
	WorkOrders []string `json:"workorders,omitempty"`
	Approvals  []string `json:"approvals,omitempty"`
}

// trackRecords links a new work order or approval to its own code and
// to the ticket's code, so the customer's ticket page shows it too.
func trackRecords(tx *hall.Tx, codes []string, workorder, approval string) []queue.Record {
	var out []queue.Record
	for _, code := range codes {
		if code == "" {
			continue
		}
		var ref TrackRef
		if r, ok := tx.Record(KindTrack, code); ok {
			json.Unmarshal(r.Data, &ref)
		}
		if workorder != "" {
			ref.WorkOrders = append(ref.WorkOrders, workorder)
		}
		if approval != "" {
			ref.Approvals = append(ref.Approvals, approval)
		}
		out = append(out, hall.NewRecord(KindTrack, code, ref))
	}
	return out
}

// caseTicket finds the customer's ticket of a desk request: by id, or the
// current ticket of the counter (inside Exec).
func caseTicket(e *queue.Engine, counter int, id uint64) (queue.Ticket, bool) {
	if id == 0 && counter > 0 {
		if c, ok := e.Counter(counter); ok {
			id = c.Current
		}
	}
	if id == 0 {
		return queue.Ticket{}, false
	}
	return e.Ticket(id)
}

// OpenWorkOrder opens a cross-department work order (people). A clerk opens
// one for the counter they work (or without a counter); the item must be a
// cross_department item; a contact phone is required (the request's, or the
// ticket's). The work order gets an unguessable tracking code and the
// promised date of the item's promised working days. Errors: EFORBIDDEN,
// EINVALID (wrong item class, bad phone, note too long), ENOTFOUND.
func (s *Service) OpenWorkOrder(ctx context.Context, p hall.Principal, req OpenWorkOrder) (WorkOrder, error) {
	if p.Kind != "user" {
		return WorkOrder{}, hall.Forbidden()
	}
	if req.Counter > 0 {
		if err := s.h.MayOperate(p, req.Counter); err != nil {
			return WorkOrder{}, err
		}
	}
	it, ok := s.Catalog().Item(req.Item)
	if !ok {
		return WorkOrder{}, queue.Err(queue.EINVALID, "err.hall.choose_a_business_item")
	}
	if it.Class != cases.CrossDepartment {
		return WorkOrder{}, queue.Err(queue.EINVALID, "err.hall.is_not_a_cross", it.NameZH, it.Class.NameZH(), it.ID, it.Class)
	}
	summary, err := checkNote("summary", "客户诉求", req.Summary, false)
	if err != nil {
		return WorkOrder{}, err
	}
	customer := strings.TrimSpace(req.Customer)
	if utf8.RuneCountInString(customer) > 40 {
		return WorkOrder{}, queue.Err(queue.EINVALID, "err.hall.the_customer_name_is")
	}
	if err := textcheck.Text("the customer name", "客户姓名", customer); err != nil {
		return WorkOrder{}, err
	}
	var wo WorkOrder
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
		phone := strings.ReplaceAll(strings.TrimSpace(req.Phone), " ", "")
		if phone == "" && hasTicket {
			phone = t.Phone
		}
		if phone == "" {
			return queue.Event{}, queue.Err(queue.EINVALID, "err.hall.a_contact_phone_is")
		}
		if !mobileRE.MatchString(phone) {
			return queue.Event{}, queue.Err(queue.EINVALID, "err.hall.the_phone_must_be")
		}
		wo = WorkOrder{ID: nextID(tx, s.h.Location(), KindWorkOrder, "W", now), Code: hall.NewCode(12), Item: it.ID, ItemName: it.NameZH,
			Department: it.Department, Summary: summary, Customer: customer, Phone: phone,
			Counter: req.Counter, Clerk: p.Name, ClerkName: who(p), OpenedAt: now,
			PromisedDays: it.PromisedDays, PromisedAt: s.addWorkingDays(tx, now, it.PromisedDays), Status: WOOpen,
			Log: []LogEntry{{At: now, Actor: who(p), Kind: "opened", Note: fmt.Sprintf("转%s，承诺 %d 个工作日内办结", it.Department, it.PromisedDays)}}}
		codes := []string{wo.Code}
		if hasTicket {
			wo.Day, wo.Ticket, wo.TicketNumber, wo.TicketCode = t.Day, t.ID, t.Number, t.Tracking
			codes = append(codes, t.Tracking)
			if wo.Counter == 0 {
				wo.Counter = t.Counter
			}
		}
		recs := append([]queue.Record{hall.NewRecord(KindWorkOrder, wo.ID, wo)}, trackRecords(tx, codes, wo.ID, "")...)
		return queue.Event{Type: EvWorkOrderOpened, At: now, Day: e.Day(), Counter: wo.Counter, Ticket: wo.Ticket, Reason: strings.TrimSpace(wo.ID + " " + override), Records: recs}, nil
	})
	if err != nil {
		return WorkOrder{}, fmt.Errorf("open work order: %w", err)
	}
	wo.Rev = ev.Records[0].Rev
	return wo, nil
}

// WorkOrderUpdate is one step of a work order's life.
type WorkOrderUpdate struct {
	Action    string `json:"-"`         // progress|resolve|callback|close
	Note      string `json:"note"`      // what happened
	Reached   bool   `json:"reached"`   // callback: the customer answered
	Satisfied bool   `json:"satisfied"` // callback: the customer is satisfied
}

// WorkOrderActions are the steps UpdateWorkOrder takes.
var WorkOrderActions = []string{"progress", "resolve", "callback", "close"}

// mayHandle: managers and admins handle every work order, a clerk the ones
// they opened.
func mayHandle(p hall.Principal, clerk string) error {
	if p.Staff() || (p.Kind == "user" && p.Role == hall.RoleClerk && p.Name == clerk) {
		return nil
	}
	return queue.Err(queue.EFORBIDDEN, "err.hall.only_the_handling_clerk")
}

// UpdateWorkOrder records a step: progress (a note from the department),
// resolve (the department finished), callback (the call to the customer:
// reached, satisfied, note; a call that did not reach them is logged and may
// be repeated), close (only after a call-back that reached the customer).
// Managers and the handling clerk only. Errors: EFORBIDDEN, ENOTFOUND,
// ECONFLICT (a step out of order), EINVALID (a missing note).
func (s *Service) UpdateWorkOrder(ctx context.Context, p hall.Principal, id string, u WorkOrderUpdate) (WorkOrder, error) {
	if p.Kind != "user" {
		return WorkOrder{}, hall.Forbidden()
	}
	if !slices.Contains(WorkOrderActions, u.Action) {
		return WorkOrder{}, queue.Err(queue.ENOTFOUND, "err.hall.unknown_action", u.Action)
	}
	note, err := checkNote("note", "说明", u.Note, u.Action == "progress" || u.Action == "resolve")
	if err != nil {
		return WorkOrder{}, err
	}
	var wo WorkOrder
	ev, err := s.h.Exec(p.Actor(), func(tx *hall.Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		r, ok := tx.Record(KindWorkOrder, id)
		if !ok {
			return queue.Event{}, queue.Err(queue.ENOTFOUND, "err.hall.no_such_work_order")
		}
		if err := json.Unmarshal(r.Data, &wo); err != nil {
			return queue.Event{}, fmt.Errorf("work order %s: %w", id, err)
		}
		if err := mayHandle(p, wo.Clerk); err != nil {
			return queue.Event{}, err
		}
		if wo.Status == WOClosed {
			return queue.Event{}, queue.Err(queue.ECONFLICT, "err.hall.work_order_is_closed", wo.ID)
		}
		entry := LogEntry{At: now, Actor: who(p), Kind: u.Action, Note: note}
		switch u.Action {
		case "progress":
			if wo.Status == WOOpen {
				wo.Status = WOProgress
			}
		case "resolve":
			if wo.Status == WOResolved {
				return queue.Event{}, queue.Err(queue.ECONFLICT, "err.hall.work_order_is_resolved", wo.ID)
			}
			wo.Status, wo.ResolvedAt = WOResolved, &now
			entry.Kind = "resolved"
		case "callback":
			if wo.Status != WOResolved {
				return queue.Event{}, queue.Err(queue.ECONFLICT, "err.hall.call_the_customer_back")
			}
			wo.CallBack = &CallBack{At: now, By: who(p), Reached: u.Reached, Satisfied: u.Reached && u.Satisfied, Note: note}
			switch {
			case !u.Reached:
				entry.Note = strings.TrimSpace("未接通，稍后再回访 " + note)
			case u.Satisfied:
				entry.Note = strings.TrimSpace("客户满意 " + note)
			default:
				entry.Note = strings.TrimSpace("客户不满意 " + note)
			}
		case "close":
			if wo.Status != WOResolved || wo.CallBack == nil || !wo.CallBack.Reached {
				return queue.Event{}, queue.Err(queue.ECONFLICT, "err.hall.call_the_customer_back_before")
			}
			wo.Status, wo.ClosedAt = WOClosed, &now
			entry.Kind = "closed"
		}
		wo.Log = append(wo.Log, entry)
		return queue.Event{Type: EvWorkOrderUpdated, At: now, Day: e.Day(), Counter: wo.Counter, Ticket: wo.Ticket, Reason: wo.ID + " " + u.Action,
			Records: []queue.Record{hall.NewRecord(KindWorkOrder, wo.ID, wo)}}, nil
	})
	if err != nil {
		return WorkOrder{}, fmt.Errorf("work order %s %s: %w", id, u.Action, err)
	}
	wo.Rev = ev.Records[0].Rev
	return wo, nil
}

func decodeWorkOrder(r queue.Record) (WorkOrder, error) {
	var w WorkOrder
	err := json.Unmarshal(r.Data, &w)
	w.Rev = r.Rev
	return w, err
}

// WorkOrder returns a work order for p: managers and admins see every one,
// a clerk the ones they opened (EFORBIDDEN otherwise); ENOTFOUND if none.
func (s *Service) WorkOrder(p hall.Principal, id string) (WorkOrder, error) {
	r, ok, err := s.h.Record(KindWorkOrder, id)
	if err != nil {
		return WorkOrder{}, err
	}
	if !ok {
		return WorkOrder{}, queue.Err(queue.ENOTFOUND, "err.hall.no_such_work_order")
	}
	w, err := decodeWorkOrder(r)
	if err != nil {
		return WorkOrder{}, err
	}
	if err := mayHandle(p, w.Clerk); err != nil {
		return WorkOrder{}, err
	}
	return w, nil
}

// WorkOrderFilter selects work orders for a list.
type WorkOrderFilter struct {
	Status string // one status, "active" (not closed), "overdue", or "" for all
	Mine   bool   // only the ones p opened
	Limit  int    // 0: 500
}

// WorkOrders lists work orders newest first: managers and admins see all, a
// clerk the ones they opened.
func (s *Service) WorkOrders(p hall.Principal, f WorkOrderFilter) ([]WorkOrder, error) {
	if p.Kind != "user" {
		return nil, hall.Forbidden()
	}
	if f.Limit <= 0 {
		f.Limit = 500
	}
	now := s.h.Now()
	var out []WorkOrder
	var derr error
	err := s.h.EachRecord(KindWorkOrder, "", func(r queue.Record) bool {
		w, err := decodeWorkOrder(r)
		if err != nil {
			derr = err
			return false
		}
		if (!p.Staff() || f.Mine) && w.Clerk != p.Name {
			return true
		}
		switch f.Status {
		case "":
		case "active":
			if w.Status == WOClosed {
				return true
			}
		case "overdue":
			if !w.Overdue(now) {
				return true
			}
		default:
			if w.Status != f.Status {
				return true
			}
		}
		out = append(out, w)
		return true
	})
	if err == nil {
		err = derr
	}
	slices.Reverse(out)
	if len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, err
}

// WorkOrderAlerts counts what needs attention now: overdue work orders, ones
// due within a day, and ones waiting for their call-back, among those p may
// see.
type WorkOrderAlerts struct {
	Overdue   int `json:"overdue"`
	DueSoon   int `json:"due_soon"`
	CallBacks int `json:"callbacks"`
	Active    int `json:"active"`
}

// WorkOrderAlerts returns the alert counts at the hall's clock.
func (s *Service) WorkOrderAlerts(p hall.Principal) (WorkOrderAlerts, error) {
	list, err := s.WorkOrders(p, WorkOrderFilter{Status: "active", Limit: 1 << 30})
	if err != nil {
		return WorkOrderAlerts{}, err
	}
	now := s.h.Now()
	var a WorkOrderAlerts
	for _, w := range list {
		a.Active++
		switch {
		case w.Overdue(now):
			a.Overdue++
		case w.DueSoon(now):
			a.DueSoon++
		case w.NeedsCallBack():
			a.CallBacks++
		}
	}
	return a, nil
}

// MonitorAlerts are casework's lines of the live monitor
// (console.Options.Alerts): overdue work orders and approvals waiting for a
// decision. The day is the monitor's; casework's alerts are of any day.
func (s *Service) MonitorAlerts(p hall.Principal, _ string) []hall.Alert {
	var out []hall.Alert
	if wa, err := s.WorkOrderAlerts(p); err == nil && wa.Overdue > 0 {
		out = append(out, hall.Alert{Kind: "workorder", Link: "/cases/workorders",
			TextZH: fmt.Sprintf("%d 张工单已超期", wa.Overdue), TextEN: fmt.Sprintf("%d work orders overdue", wa.Overdue)})
	}
	if aps, err := s.Approvals(p, ApPending, 1000); err == nil && len(aps) > 0 {
		out = append(out, hall.Alert{Kind: "approval", Link: "/cases/approvals",
			TextZH: fmt.Sprintf("%d 项审批待决定", len(aps)), TextEN: fmt.Sprintf("%d approvals waiting for a decision", len(aps))})
	}
	return out
}
