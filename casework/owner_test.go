package casework_test

import (
	"strings"
	"testing"

	"hallq/account"
	"hallq/casework"
	"hallq/console"
	"hallq/hall"
	"hallq/internal/halltest"
	"hallq/queue"
)

// TestOwnerWorkOrdersAndApprovals walks the object-level rule as the wrong
// actor: a clerk attaches work orders and approval requests only to the
// ticket current at, or served at, the counter they hold; a manager may act
// on any ticket, and the audit records it as an override.
func TestOwnerWorkOrdersAndApprovals(t *testing.T) {
	c := newCaseHall(t)
	tk := c.serving(t, c.clerk1, 1, "13911111111")
	_, noCounter, err := halltest.Accounts(c.h).SignIn(c.ctx, account.SignIn{Name: "clerk3", Password: "clerk3-demo", Counter: 0})
	if err != nil {
		t.Fatal(err)
	}
	wrong := []struct {
		name string
		p    hall.Principal
		wo   casework.OpenWorkOrder
		ap   casework.RequestApproval
	}{
		{"clerk 2 names counter 1's ticket at their own counter", c.clerk2,
			casework.OpenWorkOrder{Counter: 2, Ticket: tk.ID, Item: "lv_connection"}, casework.RequestApproval{Counter: 2, Ticket: tk.ID, Item: "late_fee_waiver", Request: "x"}},
		{"clerk 2 names counter 1's ticket without a counter", c.clerk2,
			casework.OpenWorkOrder{Ticket: tk.ID, Item: "lv_connection"}, casework.RequestApproval{Ticket: tk.ID, Item: "late_fee_waiver", Request: "x"}},
		{"a clerk signed in at no counter", noCounter,
			casework.OpenWorkOrder{Ticket: tk.ID, Item: "lv_connection"}, casework.RequestApproval{Ticket: tk.ID, Item: "late_fee_waiver", Request: "x"}},
		{"clerk 2 names counter 1", c.clerk2,
			casework.OpenWorkOrder{Counter: 1, Item: "lv_connection"}, casework.RequestApproval{Counter: 1, Item: "late_fee_waiver", Request: "x"}},
	}
	for _, w := range wrong {
		t.Run(w.name, func(t *testing.T) {
			before := seqOf(c.h)
			_, err := c.cw.OpenWorkOrder(c.ctx, w.p, w.wo)
			wantCode(t, err, queue.EFORBIDDEN)
			_, err = c.cw.RequestApproval(c.ctx, w.p, w.ap)
			wantCode(t, err, queue.EFORBIDDEN)
			if after := seqOf(c.h); after != before {
				t.Errorf("a refused request committed %d events", after-before)
			}
		})
	}
	// The owner may, by counter or by ticket; so may the clerk after the
	// customer left their counter (served there today).
	if _, err := c.cw.OpenWorkOrder(c.ctx, c.clerk1, casework.OpenWorkOrder{Counter: 1, Item: "lv_connection"}); err != nil {
		t.Fatalf("the owner's work order: %v", err)
	}
	if _, err := c.finishCase(c.clerk1, 1, ""); err != nil {
		t.Fatal(err)
	}
	wo, err := c.cw.OpenWorkOrder(c.ctx, c.clerk1, casework.OpenWorkOrder{Ticket: tk.ID, Item: "lv_connection"})
	if err != nil || wo.Phone != "13911111111" {
		t.Fatalf("the owner's work order after serving: %+v %v", wo, err)
	}
	if _, err := c.cw.RequestApproval(c.ctx, c.clerk1, casework.RequestApproval{Ticket: tk.ID, Item: "late_fee_waiver", Request: "住院"}); err != nil {
		t.Fatalf("the owner's approval: %v", err)
	}
	// A manager may, and the audit says so.
	if _, err := c.cw.OpenWorkOrder(c.ctx, c.manager, casework.OpenWorkOrder{Ticket: tk.ID, Item: "lv_connection"}); err != nil {
		t.Fatalf("the manager's work order: %v", err)
	}
	audit, err := console.New(c.h, console.Options{}).Audit(c.manager, console.AuditQuery{Category: "override"})
	if err != nil {
		t.Fatal(err)
	}
	if len(audit) != 1 || audit[0].Actor != "user:manager" || !strings.Contains(audit[0].What, tk.Number) {
		t.Errorf("override audit %+v, want one entry by the manager naming %s", audit, tk.Number)
	}
}

// TestOwnerNamedCall: a named call (指呼) pulls only a ticket of a service the
// counter serves (or one transferred to it); a manager may, audited.
func TestOwnerNamedCall(t *testing.T) {
	c := newCaseHall(t)
	b, err := c.h.Issue(c.ctx, c.kiosk, hall.IssueRequest{Service: "B", Priority: "normal"}) // counter 1 serves A and D
	if err != nil {
		t.Fatal(err)
	}
	before := seqOf(c.h)
	_, err = c.h.Operate(c.ctx, c.clerk1, 1, hall.CounterOp{Action: "call", Number: b.Number})
	wantCode(t, err, queue.EFORBIDDEN)
	_, err = c.h.Operate(c.ctx, c.clerk1, 1, hall.CounterOp{Action: "call", Ticket: b.ID})
	wantCode(t, err, queue.EFORBIDDEN)
	if seqOf(c.h) != before {
		t.Error("a refused named call committed")
	}
	if got, _ := c.h.Ticket(b.ID); got.Status != queue.Waiting {
		t.Errorf("%s is %s after refused calls, want waiting", b.Number, got.Status)
	}
	a, err := c.h.Issue(c.ctx, c.kiosk, hall.IssueRequest{Service: "D", Priority: "normal"})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.h.Operate(c.ctx, c.clerk1, 1, hall.CounterOp{Action: "call", Number: a.Number}); err != nil || got.ID != a.ID {
		t.Fatalf("named call of a served service: %+v %v", got, err)
	}
	if _, err := c.h.Operate(c.ctx, c.clerk1, 1, hall.CounterOp{Action: "start"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.finishCase(c.clerk1, 1, ""); err != nil {
		t.Fatal(err)
	}
	if got, err := c.h.Operate(c.ctx, c.manager, 1, hall.CounterOp{Action: "call", Number: b.Number}); err != nil || got.ID != b.ID {
		t.Fatalf("the manager's named call: %+v %v", got, err)
	}
	audit, err := console.New(c.h, console.Options{}).Audit(c.manager, console.AuditQuery{Category: "override"})
	if err != nil {
		t.Fatal(err)
	}
	if len(audit) != 1 || !strings.Contains(audit[0].What, b.Number) {
		t.Errorf("override audit %+v, want the manager's call of %s", audit, b.Number)
	}
}

// seqOf is the hall's last committed sequence.
func seqOf(h *hall.Hall) (seq uint64) {
	h.Read(func(_ *queue.Engine, s uint64) { seq = s })
	return seq
}
