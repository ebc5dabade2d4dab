package store_test

import (
	"errors"
	"strings"
	"testing"

	"hallq/hall/store"
	"hallq/queue"
)

// transferred returns the two tickets of a transfer of from to service svc
// as new ticket id: from ends (transferred, pointing at id), the new one
// keeps the number and points back.
func transferred(from queue.Ticket, id uint64, svc string) (old, nt queue.Ticket) {
	old, nt = from, from
	old.Status, old.TransferredTo, old.FinishedAt, old.Rev = queue.Transferred, id, ptr(at(int(id))), from.Rev+1
	nt.ID, nt.Service, nt.Status, nt.TransferredFrom, nt.Rev = id, svc, queue.Waiting, from.ID, 1
	return old, nt
}

func transferEvent(seq uint64, old, nt queue.Ticket) queue.Event {
	return queue.Event{Seq: seq, Type: queue.EvTransferred, At: at(int(nt.ID)), Day: nt.Day, Actor: "user:c1",
		Ticket: nt.ID, Tickets: []queue.Ticket{old, nt}}
}

// TestVerifyKnowsLegitimateStates: every state the queue engine makes passes
// the check — a number transferred twice (three ticket records with one
// number), recalled, postponed and appointment tickets, tickets the day's end
// cancelled, and the same numbers again on the next day.
func TestVerifyKnowsLegitimateStates(t *testing.T) {
	s := openStore(t, t.TempDir())
	const d1, d2 = "2026-11-23", "2026-11-24"
	a1 := ticket(1, d1, "A001", 1)
	a2 := ticket(2, d1, "A002", 1)
	a2.Priority, a2.DueAt = queue.Appointment, ptr(at(30))
	a3 := ticket(3, d1, "A003", 1)
	commit(t, s, issued(1, a1), issued(2, a2), issued(3, a3))
	old, nt := transferred(a1, 4, "B")
	commit(t, s, transferEvent(4, old, nt))
	old2, nt2 := transferred(nt, 5, "C")
	commit(t, s, transferEvent(5, old2, nt2))
	a2.Status, a2.Recalls, a2.Postponed, a2.Rev = queue.Waiting, 2, true, 2
	a3.Status, a3.Note, a3.Rev = queue.Cancelled, "营业日结束 / day ended", 2
	commit(t, s, queue.Event{Seq: 6, Type: queue.EvPostponed, Day: d1, Tickets: []queue.Ticket{a2}},
		queue.Event{Seq: 7, Type: queue.EvDayRolled, Day: d2, Tickets: []queue.Ticket{a3}})
	commit(t, s, issued(8, ticket(6, d2, "A001", 1)), issued(9, ticket(7, d2, "B001", 1)))

	sum, err := s.Verify()
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if sum.Tickets != 7 || sum.Days != 2 || sum.Events != 9 || sum.LastSeq != 9 || len(sum.Problems) != 0 {
		t.Errorf("summary %+v", sum)
	}
}

// TestVerifyNamesBrokenRules: records that break a rule of the data are
// reported one by one, with the record and the rule, as inconsistencies, not
// damage; VerifyIntegrity (what restore runs) does not apply them.
func TestVerifyNamesBrokenRules(t *testing.T) {
	s := openStore(t, t.TempDir())
	const d1, d2 = "2026-11-23", "2026-11-24"
	a1 := ticket(1, d1, "A001", 1)
	dup := ticket(2, d1, "A001", 1) // issued twice, no transfer
	orphan := ticket(3, d1, "A002", 1)
	orphan.TransferredFrom = 99 // from a ticket the day does not hold
	again := ticket(3, d2, "A001", 1)
	commit(t, s, issued(1, a1), issued(2, dup), issued(3, orphan), issued(4, again))

	sum, err := s.Verify()
	if !errors.Is(err, store.ErrInconsistent) || errors.Is(err, store.ErrDamaged) {
		t.Fatalf("verify: %v, want ErrInconsistent", err)
	}
	if sum.Damaged() {
		t.Errorf("broken rules reported as damage: %+v", sum.Problems)
	}
	want := []struct{ key, rule, detail string }{
		{"20261123#2", store.RuleNumber, "number A001 on 2026-11-23 was issued twice (tickets 1 and 2"},
		{"20261123#3", store.RuleTransfer, "transferred from ticket 99"},
		{"#3", store.RuleTicketID, "ticket id 3 is stored on more than one day"},
	}
	if len(sum.Problems) != len(want) {
		t.Fatalf("problems %+v, want %d", sum.Problems, len(want))
	}
	for i, w := range want {
		p := sum.Problems[i]
		if p.Bucket != "tickets" || p.Key != w.key || p.Rule != w.rule || !strings.Contains(p.Detail, w.detail) {
			t.Errorf("problem %d: %+v, want tickets/%s %s %q", i, p, w.key, w.rule, w.detail)
		}
	}
	if sum, err := s.VerifyIntegrity(); err != nil || len(sum.Problems) != 0 {
		t.Errorf("integrity: %v %+v", err, sum.Problems)
	}
}
