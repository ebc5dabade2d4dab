package privacy_test

import (
	"encoding/json"
	"testing"
	"time"

	"hallq/privacy"
	"hallq/queue"
)

// TestAudiences: each audience sees exactly its fields of a ticket, in a
// ticket, a list and a snapshot alike, and the original is not changed.
func TestAudiences(t *testing.T) {
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	full := queue.Ticket{ID: 7, Day: "2026-11-23", Number: "A007", Service: "A", Status: queue.Cancelled,
		Phone: "13812345678", Account: "3300112233", Item: "pay_bill", IssuedAt: at, Counter: 2,
		Clerk: "user:wang", Tracking: "ABCDEFGHJKLM", Note: "客户离开 left", Ahead: 3, EstimatedWaitS: 240}
	want := map[privacy.Audience]queue.Ticket{}
	staff := full
	staff.Phone, staff.Account = "138****5678", "******2233"
	want[privacy.Staff] = staff
	holder := full
	holder.Phone, holder.Account, holder.Clerk, holder.Note = "", "", "", ""
	want[privacy.Holder] = holder
	public := holder
	public.Tracking = ""
	want[privacy.Public] = public

	names := map[privacy.Audience]string{privacy.Staff: "staff", privacy.Holder: "holder", privacy.Public: "public"}
	for _, a := range []privacy.Audience{privacy.Staff, privacy.Holder, privacy.Public} {
		t.Run(names[a], func(t *testing.T) {
			kept := full
			same(t, "ticket", privacy.Ticket(full, a), want[a])
			if got := privacy.Tickets([]queue.Ticket{full, full}, a); len(got) != 2 {
				t.Errorf("tickets: %d, want 2", len(got))
			} else {
				same(t, "tickets[1]", got[1], want[a])
			}
			cur := full
			snap := queue.Snapshot{Day: full.Day, Counters: []queue.CounterView{{Counter: queue.Counter{Number: 1}}, {Counter: queue.Counter{Number: 2}, Ticket: &cur}},
				Recent: []queue.Ticket{full}}
			got := privacy.Snapshot(snap, a)
			if got.Counters[0].Ticket != nil {
				t.Errorf("an idle counter got a ticket: %+v", got.Counters[0].Ticket)
			}
			same(t, "snapshot counter", *got.Counters[1].Ticket, want[a])
			same(t, "snapshot recent", got.Recent[0], want[a])
			same(t, "the original snapshot's counter", *snap.Counters[1].Ticket, full)
			same(t, "the original snapshot's recent", snap.Recent[0], full)
			same(t, "the original ticket", full, kept)
		})
	}
	// An audience this package does not know gets the strictest view.
	same(t, "unknown audience", privacy.Ticket(full, privacy.Audience(99)), want[privacy.Public])
	if got := privacy.Tickets(nil, privacy.Staff); got == nil || len(got) != 0 {
		t.Errorf("no tickets: %#v, want an empty list", got)
	}
}

// TestMasks: the phone keeps its first three and last four digits (a
// shorter one is all stars), the 户号 its last four.
func TestMasks(t *testing.T) {
	for _, c := range []struct{ in, phone, account string }{
		{"13812345678", "138****5678", "*******5678"},
		{"02088886666", "020****6666", "*******6666"},
		{"1234567", "1234567", "***4567"},
		{"123456", "******", "**3456"},
		{"1234", "****", "1234"},
		{"", "", ""},
	} {
		if got := privacy.Phone(c.in); got != c.phone {
			t.Errorf("Phone(%q) = %q, want %q", c.in, got, c.phone)
		}
		if got := privacy.Account(c.in); got != c.account {
			t.Errorf("Account(%q) = %q, want %q", c.in, got, c.account)
		}
	}
}

func same(t *testing.T, what string, got, want queue.Ticket) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}
