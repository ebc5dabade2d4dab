package console_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"hallq/account"
	"hallq/console"
	"hallq/hall"
	"hallq/internal/halltest"
	"hallq/queue"
)

var kiosk = hall.Principal{Kind: "device", Name: "取号机1", Role: hall.KindKiosk}

func (f *fixture) clerk(name string, n int) (token string, p hall.Principal) {
	f.t.Helper()
	if err := halltest.Accounts(f.h).AddUser(ctx, account.NewUser{Name: name, Password: name + "-password", Role: hall.RoleClerk, Display: "职员" + name}); err != nil && queue.ErrorCode(err) != queue.ECONFLICT {
		f.t.Fatalf("add %s: %v", name, err)
	}
	tok, p, err := halltest.Accounts(f.h).SignIn(ctx, account.SignIn{Name: name, Password: name + "-password", Counter: n})
	if err != nil {
		f.t.Fatalf("login %s at %d: %v", name, n, err)
	}
	return tok, p
}

func (f *fixture) issue(svc string) queue.Ticket {
	f.t.Helper()
	t, err := f.h.Issue(ctx, kiosk, hall.IssueRequest{Service: svc})
	if err != nil {
		f.t.Fatalf("issue %s: %v", svc, err)
	}
	return t
}

func (f *fixture) op(p hall.Principal, n int, action string) queue.Ticket {
	f.t.Helper()
	t, err := f.h.Operate(ctx, p, n, hall.CounterOp{Action: action})
	if err != nil {
		f.t.Fatalf("%s at counter %d: %v", action, n, err)
	}
	return t
}

// TestMonitorAndAudit: the monitor's totals and alerts, the manager's
// actions, and the audit search over them.
func TestMonitorAndAudit(t *testing.T) {
	f := newFixture(t)
	boss := f.manager()
	_, c1 := f.clerk("clerk1", 1)
	a1 := f.issue("A")
	a2 := f.issue("A")
	a3 := f.issue("A")
	f.op(c1, 1, "call")
	f.op(c1, 1, "start")
	if _, err := f.h.CancelTicket(ctx, boss, a3.ID, "客户离开"); err != nil {
		t.Fatal(err)
	}
	moved, err := f.h.MoveTicket(ctx, boss, a2.ID, queue.TransferRequest{Service: "C"})
	if err != nil || moved.Service != "C" || moved.Number != a2.Number || moved.Status != queue.Waiting {
		t.Fatalf("move: %+v %v", moved, err)
	}
	if _, err := f.h.SetCounterOpen(ctx, boss, 2, true); err != nil {
		t.Fatal(err)
	}
	// An hour later A001 is still being served and C waits past its target.
	f.clock.Add(time.Hour)
	m, err := f.cs.Monitor(boss)
	if err != nil {
		t.Fatal(err)
	}
	if m.Totals != (console.Totals{Issued: 3, Waiting: 1, Cancelled: 1}) {
		t.Errorf("totals %+v", m.Totals)
	}
	kinds := map[string]int{}
	for _, a := range m.Alerts {
		kinds[a.Kind]++
	}
	if kinds["serving"] != 1 || kinds["wait"] != 1 {
		t.Errorf("alerts %+v", m.Alerts)
	}
	if _, err := f.cs.Monitor(c1); queue.ErrorCode(err) != queue.EFORBIDDEN {
		t.Errorf("a clerk's monitor: %v", err)
	}
	_ = a1

	all, err := f.cs.Audit(boss, console.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var cats []string
	for _, e := range all {
		cats = append(cats, e.Category)
	}
	// Newest first: open counter 2, the move, the cancel, the two logins.
	want := []string{"counter", "move", "cancel", "login", "login"}
	if !slices.Equal(cats, want) {
		t.Errorf("audit categories %v, want %v", cats, want)
	}
	found, _ := f.cs.Audit(boss, console.AuditQuery{Q: "客户离开"})
	if len(found) != 1 || found[0].Category != "cancel" || found[0].Actor != "user:boss" || !strings.Contains(found[0].What, a3.Number) {
		t.Errorf("search: %+v", found)
	}
	if got, _ := f.cs.Audit(boss, console.AuditQuery{From: "2026-11-24", To: "2026-11-30"}); len(got) != 0 {
		t.Errorf("a later range found %d", len(got))
	}
	if _, err := f.cs.Audit(boss, console.AuditQuery{From: "2026-11-30", To: "2026-11-01"}); queue.ErrorCode(err) != queue.EINVALID {
		t.Errorf("reversed range: %v", err)
	}
}

// TestMonitorClockAlert: a step back of the clock that the kernel saw
// (Hall.ClockStep; hall's TestClockStepBackAndForward) is on the monitor
// while the clock is behind and for the rest of the day it was corrected
// on, and gone the day after.
func TestMonitorClockAlert(t *testing.T) {
	f := newFixture(t)
	boss := f.manager()
	clockAlert := func() *hall.Alert {
		t.Helper()
		m, err := f.cs.Monitor(boss)
		if err != nil {
			t.Fatal(err)
		}
		for i := range m.Alerts {
			if m.Alerts[i].Kind == "clock" {
				return &m.Alerts[i]
			}
		}
		return nil
	}
	f.issue("A")
	if a := clockAlert(); a != nil {
		t.Errorf("a clock alert before any step: %+v", a)
	}
	f.clock.Add(-time.Hour)
	f.issue("A") // held at the last event's time: the step is seen
	if a := clockAlert(); a == nil || !strings.Contains(a.TextEN, "1h0m0s behind the last recorded event") || !strings.Contains(a.TextZH, "请校准时间") {
		t.Errorf("clock behind: alert %+v", a)
	}
	f.clock.Add(2 * time.Hour)
	if a := clockAlert(); a == nil || !strings.Contains(a.TextEN, "went back 1h0m0s (seen 11-23 10:00, right again at 11:00)") {
		t.Errorf("clock right again on the day of the step: alert %+v", a)
	}
	f.clock.Add(24 * time.Hour)
	f.issue("A") // the next day
	if a := clockAlert(); a != nil {
		t.Errorf("the day after the step: alert %+v", a)
	}
}
