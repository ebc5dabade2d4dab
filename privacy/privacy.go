// Package privacy is what the hall tells about a customer and for how long it
// keeps it (服务档案安全与保密): the one place that masks a ticket for each
// audience (this file), what the holder of a tracking code is told about a
// ticket of an earlier day (PastOf), and the retention job that erases old
// personal fields (retention.go). docs/architecture.md argues the cut.
package privacy

import (
	"strings"

	"hallq/queue"
)

// Audience is who sees a ticket. The personal fields of a ticket are the
// phone, the 户号 (Account), the clerk's account name (Clerk) and the note
// (a cancel reason, a clerk's remark); the tracking code is the holder's key
// to their own page.
//
//	audience  who                                          phone   户号    clerk  note  tracking
//	Staff     the desks (any counter), managers, the API   masked  masked  yes    yes   yes
//	Holder    /t/CODE, /api/v1/track, the ticket websocket —       —       —      —     yes
//	Public    kiosk, hall display, counter screen, keypad, —       —       —      —     —
//	          every device topic and device API read
type Audience int

const (
	// Staff are signed-in people: clerks at any counter and managers. They
	// see the phone and the 户号 masked (138****5678, ******2233).
	Staff Audience = iota
	// Holder is whoever holds the tracking code: nothing personal, not even
	// masked, and no clerk or note, on every tracking surface alike.
	Holder
	// Public is a shared screen: as Holder, and without the tracking code.
	Public
)

// Ticket returns t as audience a sees it.
func Ticket(t queue.Ticket, a Audience) queue.Ticket {
	switch a {
	case Staff:
		t.Phone, t.Account = Phone(t.Phone), Account(t.Account)
	case Holder:
		t.Phone, t.Account, t.Clerk, t.Note = "", "", "", ""
	default: // Public, and any audience this file does not know: the strictest
		t.Phone, t.Account, t.Clerk, t.Note, t.Tracking = "", "", "", "", ""
	}
	return t
}

// Tickets returns ts as a sees them, in a new slice (never nil).
func Tickets(ts []queue.Ticket, a Audience) []queue.Ticket {
	out := make([]queue.Ticket, len(ts))
	for i, t := range ts {
		out[i] = Ticket(t, a)
	}
	return out
}

// Snapshot returns snap with its tickets (the counters' current ones and the
// recent calls) as a sees them; snap itself is not changed.
func Snapshot(snap queue.Snapshot, a Audience) queue.Snapshot {
	out := snap
	out.Counters = make([]queue.CounterView, len(snap.Counters))
	copy(out.Counters, snap.Counters)
	for i := range out.Counters {
		if t := out.Counters[i].Ticket; t != nil {
			m := Ticket(*t, a)
			out.Counters[i].Ticket = &m
		}
	}
	out.Recent = Tickets(snap.Recent, a)
	return out
}

// Phone keeps the first three and last four digits: 138****5678.
func Phone(p string) string {
	if len(p) < 7 {
		return strings.Repeat("*", len(p))
	}
	return p[:3] + strings.Repeat("*", len(p)-7) + p[len(p)-4:]
}

// Account keeps the last four digits of an account number (户号).
func Account(a string) string {
	if len(a) <= 4 {
		return a
	}
	return strings.Repeat("*", len(a)-4) + a[len(a)-4:]
}
