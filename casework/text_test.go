package casework_test

import (
	"testing"

	"hallq/account"
	"hallq/appointment"
	"hallq/casework"
	"hallq/hall"
	"hallq/internal/halltest"
	"hallq/queue"
)

// TestTextRefusesControlCharacters: names, notices, reasons and notes refuse
// control characters and bidi overrides (EINVALID) and change nothing; a
// note may keep its line breaks.
func TestTextRefusesControlCharacters(t *testing.T) {
	c := newCaseHall(t)
	c.serving(t, c.clerk1, 1, "13911111111")
	bad := map[string]string{
		"right-to-left override": "王\u202e丽",
		"NUL":                    "王\x00丽",
		"CR LF":                  "王丽\r\n窗口",
		"left-to-right isolate":  "\u2066王丽",
	}
	for name, s := range bad {
		t.Run(name, func(t *testing.T) {
			before := seqOf(c.h)
			steps := map[string]error{}
			_, steps["display name"] = halltest.Accounts(c.h).UpdateUser(c.ctx, c.manager, "clerk2", account.UserChange{Display: &s})
			steps["new user"] = halltest.Accounts(c.h).CreateUser(c.ctx, c.manager, account.NewUser{Name: "zhao", Password: "zhao-password", Role: hall.RoleClerk, Display: s})
			_, steps["pause reason"] = c.h.Operate(c.ctx, c.clerk2, 2, hall.CounterOp{Action: "pause", Reason: s})
			_, steps["booking name"] = appointment.New(c.h, appointment.Options{}).Book(c.ctx, hall.Principal{}, appointment.BookRequest{Service: "B", Day: "2026-11-24", Slot: "09:00", Phone: "13800000001", Name: s})
			_, steps["work-order customer"] = c.cw.OpenWorkOrder(c.ctx, c.clerk1, casework.OpenWorkOrder{Counter: 1, Item: "lv_connection", Customer: s})
			_, _, steps["device name"] = halltest.Accounts(c.h).CreatePairing(c.ctx, c.manager, account.NewDevice{Name: s, Kind: hall.KindDisplay})
			_, steps["service name"] = c.h.SaveService(c.ctx, c.manager, queue.Service{Prefix: "G", NameZH: s, NameEN: "G", TargetWaitS: 600, AvgServiceS: 300}, true)
			_, steps["counter name"] = c.h.SaveCounter(c.ctx, c.manager, queue.CounterConfig{Number: 7, NameZH: s, NameEN: "7", Services: []string{"A"}}, true)
			if name != "CR LF" {
				_, steps["approval note"] = c.cw.RequestApproval(c.ctx, c.clerk1, casework.RequestApproval{Counter: 1, Item: "late_fee_waiver", Request: s})
			}
			for what, err := range steps {
				if queue.ErrorCode(err) != queue.EINVALID {
					t.Errorf("%s %q: %v, want invalid", what, s, err)
				}
			}
			if after := seqOf(c.h); after != before {
				t.Errorf("refused text committed %d events", after-before)
			}
		})
	}
	if _, err := c.cw.RequestApproval(c.ctx, c.clerk1, casework.RequestApproval{Counter: 1, Item: "late_fee_waiver", Request: "住院\n未能按时缴费"}); err != nil {
		t.Errorf("a note with a line break: %v", err)
	}
	// The same requests with plain text pass (so the refusals above were
	// the text's).
	if _, err := c.h.SaveService(c.ctx, c.manager, queue.Service{Prefix: "G", NameZH: "综合业务", NameEN: "G", TargetWaitS: 600, AvgServiceS: 300}, true); err != nil {
		t.Errorf("a plain service name: %v", err)
	}
	if _, err := c.h.SaveCounter(c.ctx, c.manager, queue.CounterConfig{Number: 7, NameZH: "7号窗口", NameEN: "7", Services: []string{"A"}}, true); err != nil {
		t.Errorf("a plain counter name: %v", err)
	}
	plain := "王丽"
	if _, err := halltest.Accounts(c.h).UpdateUser(c.ctx, c.manager, "clerk2", account.UserChange{Display: &plain}); err != nil {
		t.Errorf("a plain display name: %v", err)
	}
}
