package casework_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"hallq/account"
	"hallq/casework"
	"hallq/casework/cases"
	"hallq/hall"
	"hallq/internal/halltest"
	"hallq/queue"
)

// caseClock is the injected clock of the case tests.
type caseClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *caseClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *caseClock) Set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *caseClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

var caseLoc, _ = time.LoadLocation("Asia/Shanghai")

// caseHall is an always-open demo hall on a clock that starts on Monday
// 2026-11-23 10:00 in Shanghai, with clerk1 at counter 1, clerk2 at counter 2
// and the manager signed in.
type caseHall struct {
	h              *hall.Hall
	cw             *casework.Service
	clock          *caseClock
	dir            string
	clerk1, clerk2 hall.Principal
	manager, kiosk hall.Principal
	ctx            context.Context
	opt            hall.Options
}

func newCaseHall(t *testing.T) *caseHall {
	t.Helper()
	c := &caseHall{clock: &caseClock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, caseLoc)}, dir: t.TempDir(), ctx: context.Background()}
	c.opt = hall.Options{Dir: c.dir, Now: c.clock.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), AlwaysOpen: true, Tick: time.Hour}
	h, err := hall.Open(c.opt)
	if err != nil {
		t.Fatal(err)
	}
	h.Authorise(account.Rules{})
	c.h, c.cw = h, casework.New(h)
	t.Cleanup(func() {
		if err := c.h.Store().Check(); err != nil {
			t.Errorf("store check: %v", err)
		}
		c.h.Close()
	})
	if _, err := halltest.Accounts(h).SeedDemo(c.ctx); err != nil {
		t.Fatal(err)
	}
	login := func(user string, n int) hall.Principal {
		_, p, err := halltest.Accounts(h).SignIn(c.ctx, account.SignIn{Name: user, Password: user + "-demo", Counter: n})
		if err != nil {
			t.Fatalf("login %s: %v", user, err)
		}
		return p
	}
	c.clerk1, c.clerk2, c.manager = login("clerk1", 1), login("clerk2", 2), login("manager", 0)
	c.kiosk = hall.Principal{Kind: "device", Name: "kiosk", Role: hall.KindKiosk}
	return c
}

// reopen closes the hall and opens it again on the same directory, with its
// casework.
func (c *caseHall) reopen(t *testing.T) {
	t.Helper()
	c.h.Close()
	h, err := hall.Open(c.opt)
	if err != nil {
		t.Fatal(err)
	}
	h.Authorise(account.Rules{})
	c.h, c.cw = h, casework.New(h)
}

// finishCase finishes counter n's ticket naming a business item, as the desk
// does (Operate "finish" with the item: casework records the case).
func (c *caseHall) finishCase(p hall.Principal, n int, item string) (queue.Ticket, error) {
	return c.h.Operate(c.ctx, p, n, hall.CounterOp{Action: "finish", Item: item})
}

// caseOf reads the case record of a ticket (ENOTFOUND if none).
func (c *caseHall) caseOf(day string, ticket uint64) (casework.CaseRecord, error) {
	rec, ok, err := hall.Load[casework.CaseRecord](c.h, casework.KindCase, fmt.Sprintf("%s/%012d", day, ticket))
	if err == nil && !ok {
		err = queue.Errorf(queue.ENOTFOUND, "no case recorded")
	}
	return rec, err
}

// casesOf reads the case records of a day, in ticket order.
func (c *caseHall) casesOf(day string) ([]casework.CaseRecord, error) {
	var out []casework.CaseRecord
	var derr error
	err := c.h.EachRecord(casework.KindCase, day+"/", func(r queue.Record) bool {
		if !strings.HasPrefix(r.Key, day+"/") {
			return false
		}
		rec, err := hall.Decode[casework.CaseRecord](r)
		if derr = err; err != nil {
			return false
		}
		out = append(out, rec)
		return true
	})
	return out, errors.Join(err, derr)
}

// serving issues a ticket for service A with phone and brings it to counter
// n's clerk, serving.
func (c *caseHall) serving(t *testing.T, p hall.Principal, n int, phone string) queue.Ticket {
	t.Helper()
	tk, err := c.h.Issue(c.ctx, c.kiosk, hall.IssueRequest{Service: "A", Priority: "normal", Phone: phone})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.h.Operate(c.ctx, p, n, hall.CounterOp{Action: "call", Ticket: tk.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.h.Operate(c.ctx, p, n, hall.CounterOp{Action: "start"}); err != nil {
		t.Fatal(err)
	}
	return tk
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := queue.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

func TestFinishRecordsItemAndClass(t *testing.T) {
	c := newCaseHall(t)
	tk := c.serving(t, c.clerk1, 1, "")
	// An unknown item is refused and the ticket stays at the counter.
	_, err := c.finishCase(c.clerk1, 1, "no_such_item")
	wantCode(t, err, queue.EINVALID)
	if got, _ := c.h.Ticket(tk.ID); got.Status != queue.Serving {
		t.Fatalf("after a refused finish the ticket is %s, want serving", got.Status)
	}
	done, err := c.finishCase(c.clerk1, 1, "other_account_privacy")
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != queue.Done || done.Item != "other_account_privacy" {
		t.Fatalf("finished ticket %+v", done)
	}
	rec, err := c.caseOf(tk.Day, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := casework.CaseRecord{Day: tk.Day, Ticket: tk.ID, Number: tk.Number, Item: "other_account_privacy", ItemName: rec.ItemName,
		Class: cases.MustRefuse, Counter: 1, Clerk: "clerk1", At: c.clock.Now()}
	if rec.ItemName == "" || !rec.At.Equal(want.At) {
		t.Fatalf("case record %+v", rec)
	}
	rec.At = want.At
	if rec != want {
		t.Fatalf("case record\n got %+v\nwant %+v", rec, want)
	}
	list, err := c.casesOf(tk.Day)
	if err != nil || len(list) != 1 || list[0].Class != cases.MustRefuse {
		t.Fatalf("cases of the day: %+v, %v", list, err)
	}
	// A finish without an item records no case.
	tk2 := c.serving(t, c.clerk1, 1, "")
	if _, err := c.finishCase(c.clerk1, 1, ""); err != nil {
		t.Fatal(err)
	}
	_, err = c.caseOf(tk2.Day, tk2.ID)
	wantCode(t, err, queue.ENOTFOUND)
}

func TestWorkOrderLifecycle(t *testing.T) {
	c := newCaseHall(t)
	var events []queue.Event
	var mu sync.Mutex
	c.h.Listen(func(ev queue.Event, _ *queue.Engine) { mu.Lock(); events = append(events, ev); mu.Unlock() })
	tk := c.serving(t, c.clerk1, 1, "13812345678")

	// Refusals first: wrong class, someone else's counter, a device, bad phone.
	_, err := c.cw.OpenWorkOrder(c.ctx, c.clerk1, casework.OpenWorkOrder{Counter: 1, Item: "pay_bill"})
	wantCode(t, err, queue.EINVALID)
	_, err = c.cw.OpenWorkOrder(c.ctx, c.clerk2, casework.OpenWorkOrder{Counter: 1, Item: "meter_check"})
	wantCode(t, err, queue.EFORBIDDEN)
	_, err = c.cw.OpenWorkOrder(c.ctx, c.kiosk, casework.OpenWorkOrder{Item: "meter_check", Phone: "13812345678"})
	wantCode(t, err, queue.EFORBIDDEN)
	_, err = c.cw.OpenWorkOrder(c.ctx, c.clerk1, casework.OpenWorkOrder{Counter: 1, Item: "meter_check", Phone: "12345"})
	wantCode(t, err, queue.EINVALID)
	if list, _ := c.cw.WorkOrders(c.manager, casework.WorkOrderFilter{}); len(list) != 0 {
		t.Fatalf("refused requests opened %d work orders", len(list))
	}

	wo, err := c.cw.OpenWorkOrder(c.ctx, c.clerk1, casework.OpenWorkOrder{Counter: 1, Item: "meter_check", Summary: "电表走得快，要求校验"})
	if err != nil {
		t.Fatal(err)
	}
	// meter_check promises 5 working days (State Grid's commitment for a
	// resident's meter test): Monday 23 Nov + 5 → Monday 30 Nov, end of day.
	wantDue := time.Date(2026, 11, 30, 23, 59, 59, 0, caseLoc)
	switch {
	case wo.ID != "W20261123-001":
		t.Errorf("id %q", wo.ID)
	case len(wo.Code) != 12 || wo.Code == tk.Tracking:
		t.Errorf("tracking code %q", wo.Code)
	case wo.Phone != "13812345678":
		t.Errorf("phone %q: the ticket's phone is the contact", wo.Phone)
	case wo.Department == "" || wo.PromisedDays != 5 || !wo.PromisedAt.Equal(wantDue):
		t.Errorf("department %q, promised %d days, due %v (want %v)", wo.Department, wo.PromisedDays, wo.PromisedAt, wantDue)
	case wo.Ticket != tk.ID || wo.TicketNumber != tk.Number || wo.Counter != 1 || wo.Clerk != "clerk1" || wo.Status != casework.WOOpen:
		t.Errorf("work order %+v", wo)
	case len(wo.Log) != 1 || wo.Log[0].Kind != "opened":
		t.Errorf("log %+v", wo.Log)
	}
	mu.Lock()
	last := events[len(events)-1]
	mu.Unlock()
	if last.Type != casework.EvWorkOrderOpened || last.Counter != 1 || len(last.Records) == 0 {
		t.Errorf("event %+v", last)
	}
	second, err := c.cw.OpenWorkOrder(c.ctx, c.clerk1, casework.OpenWorkOrder{Counter: 1, Item: "voltage_quality", Phone: "021-12345678"})
	if err != nil || second.ID != "W20261123-002" {
		t.Fatalf("second work order %q: %v", second.ID, err)
	}

	// Only the handling clerk and managers see and work on it.
	_, err = c.cw.WorkOrder(c.clerk2, wo.ID)
	wantCode(t, err, queue.EFORBIDDEN)
	_, err = c.cw.UpdateWorkOrder(c.ctx, c.clerk2, wo.ID, casework.WorkOrderUpdate{Action: "progress", Note: "x"})
	wantCode(t, err, queue.EFORBIDDEN)
	if l, _ := c.cw.WorkOrders(c.clerk2, casework.WorkOrderFilter{}); len(l) != 0 {
		t.Errorf("clerk2 lists %d work orders of clerk1", len(l))
	}
	if l, _ := c.cw.WorkOrders(c.clerk1, casework.WorkOrderFilter{}); len(l) != 2 || l[0].ID != second.ID {
		t.Errorf("clerk1's list %v, want newest first", l)
	}

	step := func(p hall.Principal, u casework.WorkOrderUpdate, code string) casework.WorkOrder {
		t.Helper()
		w, err := c.cw.UpdateWorkOrder(c.ctx, p, wo.ID, u)
		if code != "" {
			wantCode(t, err, code)
			return w
		}
		if err != nil {
			t.Fatalf("%s: %v", u.Action, err)
		}
		return w
	}
	step(c.clerk1, casework.WorkOrderUpdate{Action: "progress"}, queue.EINVALID) // a note is required
	step(c.clerk1, casework.WorkOrderUpdate{Action: "callback", Reached: true}, queue.ECONFLICT)
	step(c.clerk1, casework.WorkOrderUpdate{Action: "close"}, queue.ECONFLICT)
	c.clock.Add(2 * time.Hour)
	if w := step(c.manager, casework.WorkOrderUpdate{Action: "progress", Note: "计量中心已收表"}, ""); w.Status != casework.WOProgress {
		t.Errorf("after progress: %s", w.Status)
	}
	if w := step(c.clerk1, casework.WorkOrderUpdate{Action: "resolve", Note: "校验合格，误差 0.3%"}, ""); w.Status != casework.WOResolved || w.ResolvedAt == nil || !w.NeedsCallBack() {
		t.Errorf("after resolve: %+v", w)
	}
	step(c.clerk1, casework.WorkOrderUpdate{Action: "resolve", Note: "again"}, queue.ECONFLICT)
	if w := step(c.clerk1, casework.WorkOrderUpdate{Action: "callback", Reached: false, Note: "无人接听"}, ""); !w.NeedsCallBack() {
		t.Errorf("an unanswered call-back leaves the call-back pending")
	}
	step(c.clerk1, casework.WorkOrderUpdate{Action: "close"}, queue.ECONFLICT)
	step(c.clerk1, casework.WorkOrderUpdate{Action: "callback", Reached: true, Satisfied: true, Note: "客户满意"}, "")
	w := step(c.clerk1, casework.WorkOrderUpdate{Action: "close", Note: "办结"}, "")
	if w.Status != casework.WOClosed || w.ClosedAt == nil || w.CallBack == nil || !w.CallBack.Satisfied {
		t.Fatalf("closed: %+v", w)
	}
	kinds := []string{}
	for _, l := range w.Log {
		kinds = append(kinds, l.Kind)
	}
	if got := strings.Join(kinds, ","); got != "opened,progress,resolved,callback,callback,closed" {
		t.Errorf("log %s", got)
	}
	step(c.manager, casework.WorkOrderUpdate{Action: "progress", Note: "late"}, queue.ECONFLICT)

	// The customer's page: both codes lead to it, nothing personal.
	for _, code := range []string{wo.Code, tk.Tracking} {
		v, err := c.cw.TrackCase(code)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.WorkOrders) == 0 || v.WorkOrders[0].ID != wo.ID || v.WorkOrders[0].Status != casework.WOClosed {
			t.Fatalf("track %s: %+v", code, v)
		}
		raw, _ := json.Marshal(v)
		for _, secret := range []string{"13812345678", "138****", "5678", "clerk1", "王丽", "误差", "客户满意"} {
			if strings.Contains(string(raw), secret) {
				t.Errorf("tracking view of %s shows %q: %s", code, secret, raw)
			}
		}
	}
	_, err = c.cw.TrackCase("NOSUCHCODE12")
	wantCode(t, err, queue.ENOTFOUND)

	// It is all durable.
	c.reopen(t)
	got, err := c.cw.WorkOrder(c.manager, wo.ID)
	if err != nil || got.Status != casework.WOClosed || len(got.Log) != 6 {
		t.Fatalf("after reopen: %+v %v", got, err)
	}
}

func TestWorkOrderOverdue(t *testing.T) {
	c := newCaseHall(t)
	// Friday 27 Nov 16:00; voltage_quality promises 3 working days: Mon,
	// Tue, Wed → due at the end of Wednesday 2 Dec.
	c.clock.Set(time.Date(2026, 11, 27, 16, 0, 0, 0, caseLoc))
	wo, err := c.cw.OpenWorkOrder(c.ctx, c.manager, casework.OpenWorkOrder{Item: "voltage_quality", Phone: "13900001111"})
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 12, 2, 23, 59, 59, 0, caseLoc)
	if !wo.PromisedAt.Equal(due) {
		t.Fatalf("due %v, want %v (weekends do not count)", wo.PromisedAt, due)
	}
	alerts := func() casework.WorkOrderAlerts {
		a, err := c.cw.WorkOrderAlerts(c.manager)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	cases := []struct {
		at               time.Time
		overdue, dueSoon bool
	}{
		{time.Date(2026, 11, 30, 9, 0, 0, 0, caseLoc), false, false},
		{time.Date(2026, 12, 2, 9, 0, 0, 0, caseLoc), false, true},
		{due, false, true},
		{due.Add(2 * time.Second), true, false},
		{time.Date(2026, 12, 10, 9, 0, 0, 0, caseLoc), true, false},
	}
	for _, tc := range cases {
		c.clock.Set(tc.at)
		if got := wo.Overdue(c.h.Now()); got != tc.overdue {
			t.Errorf("%v: overdue %v, want %v", tc.at, got, tc.overdue)
		}
		a := alerts()
		if (a.Overdue == 1) != tc.overdue || (a.DueSoon == 1) != tc.dueSoon || a.Active != 1 {
			t.Errorf("%v: alerts %+v, want overdue %v due soon %v", tc.at, a, tc.overdue, tc.dueSoon)
		}
		list, _ := c.cw.WorkOrders(c.manager, casework.WorkOrderFilter{Status: "overdue"})
		if (len(list) == 1) != tc.overdue {
			t.Errorf("%v: overdue list %d", tc.at, len(list))
		}
	}
	// Resolved late: no longer overdue, the call-back is due.
	if _, err := c.cw.UpdateWorkOrder(c.ctx, c.manager, wo.ID, casework.WorkOrderUpdate{Action: "resolve", Note: "已调整变压器分接头"}); err != nil {
		t.Fatal(err)
	}
	if a := alerts(); a.Overdue != 0 || a.CallBacks != 1 {
		t.Errorf("after resolve: %+v", a)
	}
}

func TestApprovalLifecycle(t *testing.T) {
	c := newCaseHall(t)
	decided := make(chan queue.Event, 4)
	c.h.Listen(func(ev queue.Event, _ *queue.Engine) {
		if ev.Type == casework.EvApprovalDecided {
			decided <- ev
		}
	})
	tk := c.serving(t, c.clerk1, 1, "13812345678")
	_, err := c.cw.RequestApproval(c.ctx, c.clerk1, casework.RequestApproval{Counter: 1, Item: "meter_check", Request: "x"})
	wantCode(t, err, queue.EINVALID) // not a needs_approval item
	_, err = c.cw.RequestApproval(c.ctx, c.clerk1, casework.RequestApproval{Counter: 1, Item: "late_fee_waiver"})
	wantCode(t, err, queue.EINVALID) // no request note
	ap, err := c.cw.RequestApproval(c.ctx, c.clerk1, casework.RequestApproval{Counter: 1, Item: "late_fee_waiver", Request: "住院期间未能按时缴费，申请减免违约金 35.20 元"})
	if err != nil {
		t.Fatal(err)
	}
	if ap.ID != "S20261123-001" || ap.Status != casework.ApPending || ap.Ticket != tk.ID || ap.Counter != 1 || ap.Approver == "" || len(ap.Code) != 12 {
		t.Fatalf("approval %+v", ap)
	}
	inbox, err := c.cw.Approvals(c.manager, casework.ApPending, 0)
	if err != nil || len(inbox) != 1 || inbox[0].ID != ap.ID {
		t.Fatalf("inbox %+v %v", inbox, err)
	}
	// A clerk cannot decide, not even their own; a decision needs a note.
	_, err = c.cw.DecideApproval(c.ctx, c.clerk1, ap.ID, casework.Decision{Approve: true, Note: "ok"})
	wantCode(t, err, queue.EFORBIDDEN)
	_, err = c.cw.DecideApproval(c.ctx, c.manager, ap.ID, casework.Decision{Approve: true})
	wantCode(t, err, queue.EINVALID)
	_, err = c.cw.DecideApproval(c.ctx, c.manager, "S20991231-001", casework.Decision{Approve: true, Note: "x"})
	wantCode(t, err, queue.ENOTFOUND)
	select {
	case ev := <-decided:
		t.Fatalf("a refused decision published %+v", ev)
	default:
	}
	if a, _ := c.cw.Approval(c.manager, ap.ID); a.Status != casework.ApPending {
		t.Fatalf("refused decisions changed the request: %s", a.Status)
	}

	c.clock.Add(10 * time.Minute)
	got, err := c.cw.DecideApproval(c.ctx, c.manager, ap.ID, casework.Decision{Approve: true, Note: "同意减免，住院证明已核"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != casework.ApApproved || got.Decision == "" || got.DecidedAt == nil || !got.DecidedAt.Equal(c.clock.Now()) || len(got.Log) != 2 {
		t.Fatalf("decided %+v", got)
	}
	ev := <-decided
	if ev.Counter != 1 || ev.Ticket != tk.ID || len(ev.Records) != 1 || ev.Records[0].Kind != casework.KindApproval {
		t.Fatalf("decision event %+v: it must name the desk's counter", ev)
	}
	_, err = c.cw.DecideApproval(c.ctx, c.manager, ap.ID, casework.Decision{Approve: false, Note: "again"})
	wantCode(t, err, queue.ECONFLICT)

	// The clerk sees their own request, clerk2 does not.
	if _, err := c.cw.Approval(c.clerk1, ap.ID); err != nil {
		t.Error(err)
	}
	_, err = c.cw.Approval(c.clerk2, ap.ID)
	wantCode(t, err, queue.EFORBIDDEN)
	v, err := c.cw.TrackCase(ap.Code)
	if err != nil || len(v.Approvals) != 1 || v.Approvals[0].Status != casework.ApApproved {
		t.Fatalf("track %+v %v", v, err)
	}
}

func TestCatalogEditing(t *testing.T) {
	c := newCaseHall(t)
	it, ok := c.cw.Catalog().Item("queue_jump")
	if !ok {
		t.Fatal("default catalog lacks queue_jump")
	}
	before, _ := c.cw.Catalog().JSON()

	bad := it
	bad.Script = "对不起，插队不可以。"
	_, err := c.cw.SaveCatalogItem(c.ctx, c.manager, bad)
	wantCode(t, err, queue.EINVALID)
	var pe *cases.PhraseError
	if !errors.As(err, &pe) || pe.Phrase != "不可以" || pe.Pos != 6 || pe.Field != "script" {
		t.Fatalf("phrase error %+v", pe)
	}
	if !strings.Contains(queue.ErrorMessage(err), "不可以") || !strings.Contains(queue.ErrorMessage(err), "6") {
		t.Errorf("message %q names neither phrase nor position", queue.ErrorMessage(err))
	}
	_, err = c.cw.SaveCatalogItem(c.ctx, c.clerk1, it)
	wantCode(t, err, queue.EFORBIDDEN)
	if after, _ := c.cw.Catalog().JSON(); string(after) != string(before) {
		t.Fatal("a refused save changed the catalog")
	}

	// A new item is classified at once, and kept across a restart.
	nw := cases.Item{ID: "parking_card", NameZH: "停车卡办理", NameEN: "Parking card", Class: cases.MustRefuse, Service: "D",
		Keywords: []cases.Rule{{Words: []string{"停车卡"}, Weight: 3}},
		Script:   "营业厅停车位由物业统一管理。", Reason: "停车场属于物业。", CanDo: "我们可以告诉您物业服务中心的位置。",
		Alternatives: []string{"到一楼物业服务中心办理停车卡"}}
	if _, err := c.cw.SaveCatalogItem(c.ctx, c.manager, nw); err != nil {
		t.Fatal(err)
	}
	r, err := c.cw.Classify("", "我想办一张停车卡")
	if err != nil || r.Item != "parking_card" || r.Class != cases.MustRefuse || len(r.Alternatives) != 1 {
		t.Fatalf("classify after save: %+v %v", r, err)
	}

	// The forbidden list is configurable: a new phrase that an existing
	// script uses is refused, naming it; then a list without it makes the
	// phrase allowed and a new one forbidden.
	_, err = c.cw.SetForbiddenPhrases(c.ctx, c.manager, []string{"不能", "物业"})
	wantCode(t, err, queue.EINVALID)
	if !errors.As(err, &pe) || pe.Phrase != "物业" {
		t.Fatalf("forbidden list refusal %+v", pe)
	}
	if _, err := c.cw.SetForbiddenPhrases(c.ctx, c.manager, []string{"不能", "不会", "不愿意", "不可以", "您自己看着办"}); err != nil {
		t.Fatal(err)
	}
	nw.Script = "您自己看着办吧。"
	_, err = c.cw.SaveCatalogItem(c.ctx, c.manager, nw)
	if !errors.As(err, &pe) || pe.Phrase != "您自己看着办" || pe.Pos != 0 {
		t.Fatalf("custom phrase: %v", err)
	}
	if got := c.cw.ForbiddenPhrases(); len(got) != 5 {
		t.Errorf("forbidden list %v", got)
	}

	if err := c.cw.DeleteCatalogItem(c.ctx, c.manager, "queue_jump"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.cw.DeleteCatalogItem(c.ctx, c.manager, "queue_jump"), queue.ENOTFOUND)

	c.reopen(t)
	if _, ok := c.cw.Catalog().Item("parking_card"); !ok {
		t.Error("the saved item is gone after a restart")
	}
	if _, ok := c.cw.Catalog().Item("queue_jump"); ok {
		t.Error("the deleted item is back after a restart")
	}
	if err := c.cw.ResetCatalog(c.ctx, c.manager); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.cw.Catalog().Item("queue_jump"); !ok {
		t.Error("reset did not bring back the default catalog")
	}
}

// TestCommonItems: a desk's one-click items are those recorded at its
// counter today, most frequent first, then its services' catalog items in
// catalog order; other counters' records do not count.
func TestCommonItems(t *testing.T) {
	c := newCaseHall(t)
	services := []string{"A", "D"}
	first, err := c.cw.CommonItems(1, services, "2026-11-23", 4)
	if err != nil {
		t.Fatal(err)
	}
	cat := c.cw.Catalog()
	want := append(cat.ItemsFor("A"), cat.ItemsFor("D")...)[:4]
	for i := range want {
		if first[i].ID != want[i].ID {
			t.Fatalf("with no records: %v, want the catalog order %v", ids(first), ids(want))
		}
	}
	finish := func(p hall.Principal, n int, item string) {
		t.Helper()
		c.serving(t, p, n, "")
		if _, err := c.finishCase(p, n, item); err != nil {
			t.Fatal(err)
		}
	}
	finish(c.clerk1, 1, "tariff_enquiry")
	finish(c.clerk1, 1, "invoice")
	finish(c.clerk1, 1, "tariff_enquiry")
	finish(c.clerk2, 2, "name_transfer") // another counter
	got, err := c.cw.CommonItems(1, services, "2026-11-23", 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || got[0].ID != "tariff_enquiry" || got[1].ID != "invoice" {
		t.Errorf("common items %v, want tariff_enquiry, invoice, then the catalog's", ids(got))
	}
	for _, it := range got {
		if it.ID == "name_transfer" {
			t.Errorf("counter 2's item is among counter 1's: %v", ids(got))
		}
	}
}

func ids(items []cases.Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}
