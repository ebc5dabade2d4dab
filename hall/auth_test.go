package hall_test

import (
	"testing"

	"hallq/hall"
	"hallq/queue"
)

// TestOperatePermissions: a clerk works only the counter they signed in to
// and still hold; managers work any counter; devices and anonymous callers
// none. A refused operation writes nothing.
func TestOperatePermissions(t *testing.T) {
	f := newFixture(t, monday10, true)
	clerk1 := f.clerk("clerk1", 1)
	roaming := f.clerk("roamer", 0)
	boss := f.manager()
	for range 4 {
		f.issue("A")
	}
	display := hall.Principal{Kind: "device", Name: "综合屏", Role: hall.KindDisplay}
	keypad := hall.Principal{Kind: "device", Name: "1号评价器", Role: hall.KindKeypad, Counter: 1}
	screen := hall.Principal{Kind: "device", Name: "1号窗口屏", Role: hall.KindCounter, Counter: 1}
	admin := hall.Principal{Kind: "user", Name: "root", Role: hall.RoleAdmin}

	tests := []struct {
		name    string
		p       hall.Principal
		counter int
		want    string // error code, "" for success
	}{
		{"clerk at their counter", clerk1, 1, ""},
		{"clerk at another counter", clerk1, 2, queue.EFORBIDDEN},
		{"clerk without a counter", roaming, 1, queue.EFORBIDDEN},
		{"kiosk", kiosk, 1, queue.EFORBIDDEN},
		{"display", display, 1, queue.EFORBIDDEN},
		{"keypad of the counter", keypad, 1, queue.EFORBIDDEN},
		{"counter screen of the counter", screen, 1, queue.EFORBIDDEN},
		{"anonymous", hall.Principal{}, 1, queue.EFORBIDDEN},
		{"manager at a closed counter", boss, 3, queue.ECLOSED}, // allowed; the counter refuses
		{"admin at a closed counter", admin, 4, queue.ECLOSED},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, seq := f.h.Snapshot()
			_, err := f.h.Operate(ctx, tc.p, tc.counter, hall.CounterOp{Action: "call"})
			if got := queue.ErrorCode(err); got != tc.want {
				t.Fatalf("call: %v, want code %q", err, tc.want)
			}
			if tc.want != "" {
				if _, seq2 := f.h.Snapshot(); seq2 != seq {
					t.Errorf("a refused call moved seq from %d to %d", seq, seq2)
				}
			}
			mayWant := ""
			if tc.want == queue.EFORBIDDEN {
				mayWant = queue.EFORBIDDEN
			}
			if err := f.h.MayOperate(tc.p, tc.counter); queue.ErrorCode(err) != mayWant {
				t.Errorf("MayOperate: %v, want code %q", err, mayWant)
			}
			if tc.want == "" {
				f.op(tc.p, tc.counter, "finish")
			}
		})
	}

	// A manager may work a counter where a clerk sits, without signing in.
	if tk := f.op(boss, 1, "call"); tk.Counter != 1 || tk.Clerk != "boss" {
		t.Errorf("manager's call at counter 1: %+v", tk)
	}
	f.op(boss, 1, "finish")
	// That only a manager releases a held counter, and that the clerk who
	// held it may no longer work it, is account's TestHeldCounterRefusesSecondClerk.
}

// TestIssuePermissions: kiosks and people issue tickets; other devices and
// anonymous callers do not; only managers cancel.
func TestIssuePermissions(t *testing.T) {
	f := newFixture(t, monday10, true)
	clerk := f.clerk("clerk1", 1)
	boss := f.manager()
	tests := []struct {
		name string
		p    hall.Principal
		want string
	}{
		{"kiosk", kiosk, ""},
		{"clerk", clerk, ""},
		{"manager", boss, ""},
		{"display", hall.Principal{Kind: "device", Name: "综合屏", Role: hall.KindDisplay}, queue.EFORBIDDEN},
		{"keypad", hall.Principal{Kind: "device", Name: "评价器", Role: hall.KindKeypad, Counter: 1}, queue.EFORBIDDEN},
		{"counter screen", hall.Principal{Kind: "device", Name: "窗口屏", Role: hall.KindCounter, Counter: 1}, queue.EFORBIDDEN},
		{"anonymous", hall.Principal{}, queue.EFORBIDDEN},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tk, err := f.h.Issue(ctx, tc.p, hall.IssueRequest{Service: "D"})
			if got := queue.ErrorCode(err); got != tc.want {
				t.Fatalf("issue: %v, want code %q", err, tc.want)
			}
			if tc.want == "" && tk.Number == "" {
				t.Errorf("issued %+v", tk)
			}
		})
	}
	tk := f.issue("A")
	if _, err := f.h.CancelTicket(ctx, clerk, tk.ID, "走了"); queue.ErrorCode(err) != queue.EFORBIDDEN {
		t.Errorf("clerk cancels: %v", err)
	}
	if _, err := f.h.CancelTicket(ctx, kiosk, tk.ID, "走了"); queue.ErrorCode(err) != queue.EFORBIDDEN {
		t.Errorf("kiosk cancels: %v", err)
	}
	c, err := f.h.CancelTicket(ctx, boss, tk.ID, "客户离开")
	if err != nil || c.Status != queue.Cancelled || c.Note != "客户离开" {
		t.Errorf("manager cancels: %+v %v", c, err)
	}
	if _, err := f.h.CancelTicket(ctx, boss, tk.ID, "again"); queue.ErrorCode(err) != queue.ECONFLICT {
		t.Errorf("cancel twice: %v", err)
	}
}
