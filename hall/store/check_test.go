package store_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

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

// flipInFile replaces every old in the file at path with new (the same
// length), as a failing disk or a stray write would, and returns how many.
func flipInFile(t *testing.T, path, old, new string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := bytes.Count(b, []byte(old))
	if err := os.WriteFile(path, bytes.ReplaceAll(b, []byte(old), []byte(new)), 0o640); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestChecksumFindsFlippedByte: one changed byte in a ticket ("waiting" →
// "waitinh") is a "damaged record tickets/DAY#ID" error on read — not a
// customer silently gone from the queue — and Verify names the ticket and
// the event that carried it.
func TestChecksumFindsFlippedByte(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	commit(t, s, issued(1, ticket(1, "2026-11-23", "A001", 1)))
	checkClose(t, s)
	if n := flipInFile(t, filepath.Join(dir, store.FileName), `"waiting"`, `"waitinh"`); n == 0 {
		t.Fatal("no ticket found in the file")
	}
	s = openStore(t, dir)
	_, err := s.Load("2026-11-23")
	var d *store.DamagedError
	if !errors.As(err, &d) || !errors.Is(err, store.ErrDamaged) || d.Bucket != "tickets" || d.Key != "20261123#1" ||
		!strings.Contains(err.Error(), "damaged record tickets/20261123#1: checksum mismatch") {
		t.Errorf("load: %v", err)
	}
	if _, err := s.Events(0, 10); err == nil || !strings.Contains(err.Error(), "damaged record events/1") {
		t.Errorf("events: %v", err)
	}
	sum, err := s.Verify()
	if !errors.Is(err, store.ErrDamaged) {
		t.Fatalf("verify: %v", err)
	}
	var got []string
	for _, p := range sum.Problems {
		got = append(got, fmt.Sprintf("%s/%s %s %v", p.Bucket, p.Key, p.Rule, p.Damage))
	}
	want := []string{"tickets/20261123#1 checksum true", "events/1 checksum true"}
	if !slices.Equal(got, want) {
		t.Errorf("problems %v, want %v", got, want)
	}
}

// TestLegacyValuesAccepted: values written before checksums (plain JSON)
// are read as they are, pass the check (counted as legacy), and gain a
// checksum when rewritten.
func TestLegacyValuesAccepted(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	checkClose(t, s)
	tk := ticket(1, "2026-11-23", "A001", 1)
	ev := issued(1, tk)
	db, err := bolt.Open(filepath.Join(dir, store.FileName), 0o640, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		tb, _ := json.Marshal(tk)
		eb, _ := json.Marshal(ev)
		key := append([]byte("20261123"), binary.BigEndian.AppendUint64(nil, 1)...)
		if err := tx.Bucket([]byte("tickets")).Put(key, tb); err != nil {
			return err
		}
		return tx.Bucket([]byte("events")).Put(binary.BigEndian.AppendUint64(nil, 1), eb)
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s = openStore(t, dir)
	ts, err := s.Tickets("2026-11-23", "2026-11-23")
	if err != nil || len(ts) != 1 {
		t.Fatalf("legacy tickets: %v %+v", err, ts)
	}
	sameJSON(t, "legacy ticket", ts[0], tk)
	sum, err := s.Verify()
	if err != nil || sum.Legacy != 2 || sum.Tickets != 1 || sum.Events != 1 {
		t.Errorf("verify: %v %+v", err, sum)
	}
	tk.Status, tk.Rev = queue.Cancelled, 2
	commit(t, s, queue.Event{Seq: 2, Type: queue.EvCancelled, Day: tk.Day, Tickets: []queue.Ticket{tk}})
	if sum, err := s.Verify(); err != nil || sum.Legacy != 1 {
		t.Errorf("after rewriting the ticket: %v, %d legacy values, want 1 (the first event)", err, sum.Legacy)
	}
}
