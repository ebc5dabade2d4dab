package store_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"hallq/hall/config"
	"hallq/hall/store"
	"hallq/history"
	"hallq/queue"
	"hallq/sim"
)

// sealedView is everything the readers across hot and sealed data give.
type sealedView struct {
	events   []byte // json of every event
	tickets  []byte // json of every ticket, day by day
	byDay    map[string][]byte
	rollups  []byte
	tracking map[string][]byte
	last     []byte
	records  map[string][]byte // kind, or kind/key, or kind>start → JSON
}

// closedKinds are the record kinds the sealer moves with their day, as the
// rating and casework features name them; "note" stays hot.
var closedKinds = []string{"rating", "case"}

func viewOf(t *testing.T, s *store.Store, days []string) sealedView {
	t.Helper()
	var v sealedView
	evs, err := s.Events(0, 1<<30)
	if err != nil {
		t.Fatalf("events: %v", err)
	}
	// Events in pages, as /api/v1/events and the shipper read them.
	var paged []queue.Event
	for since := uint64(0); ; {
		page, err := s.Events(since, 97)
		if err != nil {
			t.Fatalf("events since %d: %v", since, err)
		}
		paged = append(paged, page...)
		if len(page) < 97 {
			break
		}
		since = page[len(page)-1].Seq
	}
	v.events, _ = json.Marshal(evs)
	if p, _ := json.Marshal(paged); !bytes.Equal(p, v.events) {
		t.Fatalf("events read in pages differ from one read")
	}
	ts, err := s.Tickets("2000-01-01", "2099-12-31")
	if err != nil {
		t.Fatalf("tickets: %v", err)
	}
	v.tickets, _ = json.Marshal(ts)
	v.byDay = map[string][]byte{}
	for _, d := range days {
		var one []queue.Ticket
		if err := s.EachTicket(d, d, func(t *queue.Ticket) error { one = append(one, *t); return nil }); err != nil {
			t.Fatalf("tickets of %s: %v", d, err)
		}
		v.byDay[d], _ = json.Marshal(one)
	}
	var rs []string
	if err := s.EachRollupDay("2000-01-01", "2099-12-31", func(d *store.RollupDay) error {
		b, _ := json.Marshal(d)
		rs = append(rs, string(b))
		return nil
	}); err != nil {
		t.Fatalf("rollups: %v", err)
	}
	v.rollups, _ = json.Marshal(rs)
	v.tracking = map[string][]byte{}
	// Every 16th ticket's tracking code, and the last one: a sealed code reads
	// one block of its day, so all of them would decode each day a thousand
	// times (minutes under -race) and prove nothing more.
	for i, tk := range ts {
		if tk.Tracking == "" || v.tracking[tk.Tracking] != nil || i%16 != 0 && i != len(ts)-1 {
			continue
		}
		got, err := s.TicketByTracking(tk.Tracking)
		if err != nil {
			t.Fatalf("tracking %s: %v", tk.Tracking, err)
		}
		v.tracking[tk.Tracking], _ = json.Marshal(got)
	}
	last, ok, err := s.LastEvent()
	if err != nil || !ok {
		t.Fatalf("last event: %v %v", ok, err)
	}
	v.last, _ = json.Marshal(last)
	v.records = map[string][]byte{}
	for _, kind := range append(closedKinds, "note") {
		var all []queue.Record
		if err := s.EachRecord(kind, "", func(r queue.Record) bool { all = append(all, r); return true }); err != nil {
			t.Fatalf("records %s: %v", kind, err)
		}
		v.records[kind], _ = json.Marshal(all)
		for i, r := range all {
			if i%25 != 0 && i != len(all)-1 {
				continue
			}
			got, ok, err := s.Record(kind, r.Key)
			if err != nil || !ok {
				t.Fatalf("record %s/%s: %v %v", kind, r.Key, ok, err)
			}
			v.records[kind+"/"+r.Key], _ = json.Marshal(got)
			// From this key on, the next three (a range read that stops).
			var some []queue.Record
			if err := s.EachRecord(kind, r.Key, func(r queue.Record) bool { some = append(some, r); return len(some) < 3 }); err != nil {
				t.Fatalf("records %s from %s: %v", kind, r.Key, err)
			}
			v.records[kind+">"+r.Key], _ = json.Marshal(some)
		}
		if _, ok, err := s.Record(kind, "no such key"); ok || err != nil {
			t.Fatalf("record %s/no such key: %v %v", kind, ok, err)
		}
	}
	return v
}

func sameView(t *testing.T, what string, a, b sealedView) {
	t.Helper()
	if !bytes.Equal(a.events, b.events) {
		t.Errorf("%s: the events differ (%d bytes, %d bytes of JSON)", what, len(a.events), len(b.events))
	}
	if !bytes.Equal(a.tickets, b.tickets) {
		t.Errorf("%s: the tickets differ", what)
	}
	for d := range a.byDay {
		if !bytes.Equal(a.byDay[d], b.byDay[d]) {
			t.Errorf("%s: the tickets of %s differ:\n%s\n%s", what, d, a.byDay[d], b.byDay[d])
		}
	}
	if !bytes.Equal(a.rollups, b.rollups) {
		t.Errorf("%s: the rollups differ", what)
	}
	if len(a.tracking) != len(b.tracking) {
		t.Errorf("%s: %d tracking codes, then %d", what, len(a.tracking), len(b.tracking))
	}
	for c := range a.tracking {
		if !bytes.Equal(a.tracking[c], b.tracking[c]) {
			t.Errorf("%s: tracking %s differs", what, c)
		}
	}
	if !bytes.Equal(a.last, b.last) {
		t.Errorf("%s: the last event differs", what)
	}
	if len(a.records) != len(b.records) {
		t.Errorf("%s: %d record reads, then %d", what, len(a.records), len(b.records))
	}
	for k := range a.records {
		if !bytes.Equal(a.records[k], b.records[k]) {
			t.Errorf("%s: records %s differ:\n%.300s\n%.300s", what, k, a.records[k], b.records[k])
		}
	}
}

// TestSealAcrossDays: a real store with simulated days (and a hand-made
// day whose tickets carry phone and 户号) reads the same events, tickets,
// tracking codes and rollups after its past days are sealed, after a
// restart, and after the rollups are rebuilt from the segments; a damaged
// segment fails only the reads that need it; retention erases the personal
// fields of sealed days without touching a segment.
func TestSealAcrossDays(t *testing.T) {
	dir := t.TempDir()
	s, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.SealRecords(closedKinds...)
	const old = "2026-10-30"
	a := ticket(1, old, "A001", 1)
	a.Phone, a.Account = "13800000001", "0101010101"
	b := ticket(2, old, "A002", 1)
	b.Phone = "13800000002"
	c := ticket(3, old, "A003", 1)
	sh := time.FixedZone("CST", 8*3600)
	for i, tk := range []*queue.Ticket{&a, &b, &c} {
		tk.IssuedAt = time.Date(2026, 10, 30, 9, i, 0, 0, sh)
	}
	commit(t, s, issued(1, a), issued(2, b), issued(3, c))
	a2 := a
	a2.Status, a2.Rev = queue.Done, 2
	// Records of the old day: a rating and a case (closed once written:
	// they go with the day), a note (open: stays hot), and a case that is
	// written again today, before the sealing (stays hot, rev 2 wins).
	rec := func(kind, key string, rev int, v string) queue.Record {
		return queue.Record{Kind: kind, Key: key, Rev: rev, Data: json.RawMessage(`{"v":"` + v + `","ticket":1}`)}
	}
	commit(t, s, queue.Event{Seq: 4, Type: queue.EvFinished, At: time.Date(2026, 10, 30, 9, 30, 0, 0, sh), Day: old, Actor: "clerk", Ticket: 1, Tickets: []queue.Ticket{a2},
		Records: []queue.Record{rec("case", old+"/000000000001", 1, "case"), rec("case", old+"/000000000002", 1, "again"), rec("note", "n1", 1, "open")}},
		queue.Event{Seq: 5, Type: "service_rated", At: time.Date(2026, 10, 30, 9, 31, 0, 0, sh), Day: old, Actor: "keypad", Ticket: 1,
			Records: []queue.Record{rec("rating", "00000000000000000001", 1, "5")}})
	end := time.Date(2026, 11, 5, 10, 0, 0, 0, sh)
	if _, err := sim.Run(s, sim.Options{Days: 3, Seed: 5, Profile: "small", NewHall: config.Default(), End: end}); err != nil {
		t.Fatal(err)
	}
	// Today: one ticket after the simulated days, and ticket 3 of the old
	// day, cancelled late (its final image is not in its day's events).
	last, _, _ := s.LastEvent()
	today := "2026-11-05"
	d := ticket(900001, today, "B001", 1)
	d.IssuedAt = end
	d.Phone = "13900000009"
	c2 := c
	c2.Status, c2.Rev = queue.Cancelled, 2
	commit(t, s, issued(last.Seq+1, d), queue.Event{Seq: last.Seq + 2, Type: queue.EvCancelled, At: end, Day: today, Actor: "clerk", Ticket: 3, Tickets: []queue.Ticket{c2},
		Records: []queue.Record{rec("case", old+"/000000000002", 2, "today")}})
	hotRatings := store.HotRecords(s, "rating")
	if hotRatings < 2 || store.HotRecords(s, "case") < 2 {
		t.Fatalf("%d ratings, %d cases before sealing: the simulated days wrote none", hotRatings, store.HotRecords(s, "case"))
	}

	days := []string{old, "2026-11-02", "2026-11-03", "2026-11-04", today}
	before := viewOf(t, s, days)
	if !bytes.Contains(before.tickets, []byte("13800000001")) {
		t.Fatal("the hand-made day's phone is not stored")
	}

	sealed, err := s.SealBefore(today)
	if err != nil {
		t.Fatalf("seal: %v", err)
	}
	if want := days[:4]; len(sealed) != len(want) || sealed[0] != old || sealed[3] != want[3] {
		t.Fatalf("sealed %v, want %v", sealed, want)
	}
	if through, _ := s.SealedThrough(); through != "2026-11-04" {
		t.Fatalf("sealed through %q", through)
	}
	if n := len(s.History().Segments); n != 4 {
		t.Fatalf("%d segments, want 4", n)
	}
	// The hot file keeps today's events only.
	if hot := hotEvents(t, s); hot != 2 {
		t.Errorf("the hot file holds %d events, want today's 2", hot)
	}
	// The closed records left with their days, but the case written again
	// today; the open kind stayed.
	if n := store.HotRecords(s, "rating"); n != 0 {
		t.Errorf("the hot file holds %d ratings of sealed days", n)
	}
	if n := store.HotRecords(s, "case"); n != 1 {
		t.Errorf("the hot file holds %d case records, want the one written again today", n)
	}
	if n := store.HotRecords(s, "note"); n != 1 {
		t.Errorf("the hot file holds %d notes, want the open one", n)
	}
	if again, err := s.SealBefore(today); err != nil || len(again) != 0 {
		t.Fatalf("sealing again: %v %v", again, err)
	}
	if _, err := s.Verify(); err != nil {
		t.Fatalf("verify after sealing: %v", err)
	}
	sameView(t, "after sealing", before, viewOf(t, s, days))
	seg := history.PathFor(filepath.Join(dir, history.Dir), old)
	if raw, err := os.ReadFile(seg); err != nil || bytes.Contains(raw, []byte("13800000001")) {
		t.Fatalf("the segment holds a phone number (or cannot be read: %v)", err)
	}

	s.Close()
	s = openStore(t, dir)
	sameView(t, "after a restart", before, viewOf(t, s, days))
	if err := s.RebuildRollups(); err != nil {
		t.Fatal(err)
	}
	sameView(t, "after rebuilding the rollups from the segments", before, viewOf(t, s, days))

	// A damaged segment: the reads that need it fail with the way out,
	// the others read on.
	mid := history.PathFor(filepath.Join(dir, history.Dir), "2026-11-03")
	raw, err := os.ReadFile(mid)
	if err != nil {
		t.Fatal(err)
	}
	bad := bytes.Clone(raw)
	bad[len(bad)/3] ^= 0xff
	if err := os.WriteFile(mid, bad, 0o640); err != nil {
		t.Fatal(err)
	}
	var de *history.DamagedError
	if _, err := s.Events(0, 1<<30); !errors.As(err, &de) || de.Path != mid {
		t.Errorf("events over the damaged day: %v, want its DamagedError", err)
	}
	if _, err := s.Tickets("2026-11-03", "2026-11-03"); !errors.As(err, &de) {
		t.Errorf("tickets of the damaged day: %v, want its DamagedError", err)
	}
	if ts, err := s.Tickets("2026-11-04", today); err != nil || len(ts) == 0 {
		t.Errorf("tickets of other days: %d, %v", len(ts), err)
	}
	var later int
	if err := s.EachRecord("case", "2026-11-04/", func(queue.Record) bool { later++; return true }); err != nil || later == 0 {
		t.Errorf("case records of the days after the damaged one: %d, %v", later, err)
	}
	var after []queue.Event
	json.Unmarshal(before.events, &after)
	since := uint64(0)
	for _, ev := range after {
		if ev.Day == "2026-11-03" {
			since = ev.Seq
		}
	}
	if evs, err := s.Events(since, 1<<30); err != nil || len(evs) == 0 || evs[0].Day != "2026-11-04" {
		t.Errorf("events after the damaged day: %d, %v", len(evs), err)
	}
	// A segment that went missing is named, never skipped.
	if err := os.Remove(mid); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openStore(t, dir)
	if _, err := s.Events(0, 1<<30); !errors.As(err, &de) || de.Path != mid || !strings.Contains(err.Error(), "missing") {
		t.Errorf("events over a missing segment: %v", err)
	}
	if _, err := s.Tickets("2026-11-03", "2026-11-03"); !errors.As(err, &de) {
		t.Errorf("tickets of a day whose segment is missing: %v", err)
	}
	if err := s.EachRecord("case", "", func(queue.Record) bool { return true }); !errors.As(err, &de) || de.Path != mid {
		t.Errorf("case records over a missing segment: %v, want its DamagedError", err)
	}
	if err := s.EachRecord("case", "2026-11-04/", func(queue.Record) bool { return true }); err != nil {
		t.Errorf("case records after a missing segment: %v", err)
	}
	if sum, err := s.Verify(); err == nil || len(sum.Problems) == 0 || sum.Problems[0].Key != "2026-11-03" {
		t.Errorf("check with a missing segment: %v %+v", err, sum.Problems)
	}
	if evs, err := s.Events(since, 1<<30); err != nil || len(evs) == 0 {
		t.Errorf("events after the missing day: %d, %v", len(evs), err)
	}
	if err := os.WriteFile(mid, raw, 0o640); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openStore(t, dir)

	// Retention: the personal fields of the sealed days go by range; the
	// segments stay as they were.
	segBefore, _ := os.ReadFile(seg)
	if _, err := s.Anonymise("2026-11-01", 100); err != nil {
		t.Fatal(err)
	}
	if segAfter, _ := os.ReadFile(seg); !bytes.Equal(segBefore, segAfter) {
		t.Error("retention rewrote a segment")
	}
	ts, err := s.Tickets(old, old)
	if err != nil || len(ts) != 3 {
		t.Fatalf("tickets of the old day: %d, %v", len(ts), err)
	}
	for _, tk := range ts {
		if tk.Phone != "" || tk.Account != "" {
			t.Errorf("ticket %d keeps %q %q after retention", tk.ID, tk.Phone, tk.Account)
		}
	}
	if ts[0].Status != queue.Done || ts[2].Status != queue.Cancelled {
		t.Errorf("the old day's final images: %s, %s", ts[0].Status, ts[2].Status)
	}
	if got, _ := s.Tickets(today, today); len(got) == 0 || got[0].Phone != "13900000009" {
		t.Errorf("today's ticket lost its phone to the retention of old days: %+v", got)
	}
	// A sealed rating written again (rev 2): the hot image wins, once.
	r1 := rec("rating", "00000000000000000001", 2, "changed")
	last2, _, _ := s.LastEvent()
	commit(t, s, queue.Event{Seq: last2.Seq + 1, Type: "service_rated", At: end, Day: today, Actor: "keypad", Ticket: 1, Records: []queue.Record{r1}})
	if got, ok, err := s.Record("rating", r1.Key); err != nil || !ok || got.Rev != 2 || !bytes.Equal(got.Data, r1.Data) {
		t.Errorf("the rating written again reads %+v %v %v", got, ok, err)
	}
	var n1 int
	if err := s.EachRecord("rating", "", func(r queue.Record) bool {
		if r.Key == r1.Key {
			n1++
			if r.Rev != 2 {
				t.Errorf("EachRecord gives the sealed image of a rating written again")
			}
		}
		return true
	}); err != nil || n1 != 1 {
		t.Errorf("EachRecord gave the rating written again %d times (%v)", n1, err)
	}
}

// TestSealFindsLeftSegment: a segment a crash left (written, the hot
// transaction not run) is checked and kept; a foreign file where a segment
// belongs is moved aside and the day sealed again; a temporary file is
// removed at open.
func TestSealFindsLeftSegment(t *testing.T) {
	dir := t.TempDir()
	s, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	commit(t, s, issued(1, ticket(1, "2026-11-01", "A001", 1)), issued(2, ticket(2, "2026-11-01", "A002", 1)))
	commit(t, s, issued(3, ticket(3, "2026-11-02", "A001", 1)))
	commit(t, s, issued(4, ticket(4, "2026-11-03", "A001", 1)))
	evs, _ := s.Events(0, 10)
	hdir := filepath.Join(dir, history.Dir)
	// Day 1: the crash's segment, whole.
	if _, err := history.WriteFile(history.PathFor(hdir, "2026-11-01"), &history.Day{Day: "2026-11-01", Events: evs[:2]}, history.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	// Day 2: not a segment.
	p2 := history.PathFor(hdir, "2026-11-02")
	if err := os.WriteFile(p2, []byte("not a segment"), 0o640); err != nil {
		t.Fatal(err)
	}
	before := viewOf(t, s, []string{"2026-11-01", "2026-11-02"})
	s.Close()
	tmp := history.PathFor(hdir, "2026-11-03") + ".tmp"
	if err := os.WriteFile(tmp, []byte("half"), 0o640); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, dir)
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the temporary segment is still there: %v", err)
	}
	if days, err := s.SealBefore("2026-11-03"); err != nil || len(days) != 2 {
		t.Fatalf("sealed %v: %v", days, err)
	}
	if _, err := os.Stat(p2 + ".bad"); err != nil {
		t.Errorf("the foreign file was not moved aside: %v", err)
	}
	sameView(t, "after sealing over a crash's files", before, viewOf(t, s, []string{"2026-11-01", "2026-11-02"}))
	if hot := hotEvents(t, s); hot != 1 {
		t.Errorf("%d hot events, want 1", hot)
	}
}

func hotEvents(t *testing.T, s *store.Store) int { t.Helper(); return store.HotEvents(s) }

// TestCompactAfterSealing: once an old store's history is sealed, the next
// open compacts the hot file (the old one kept as hallq.db.schema1), and a
// crash between the two renames is finished by the open after it; every
// event, ticket and rollup reads the same.
func TestCompactAfterSealing(t *testing.T) {
	dir := t.TempDir()
	s, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	sh := time.FixedZone("CST", 8*3600)
	end := time.Date(2026, 11, 23, 10, 0, 0, 0, sh)
	if _, err := sim.Run(s, sim.Options{Days: 4, Seed: 3, Profile: "small", NewHall: config.Default(), End: end}); err != nil {
		t.Fatal(err)
	}
	days := []string{"2026-11-19", "2026-11-20", "2026-11-21", "2026-11-22"}
	before := viewOf(t, s, days)
	if _, err := s.SealBefore("2026-11-23"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	path := filepath.Join(dir, store.FileName)
	fi, _ := os.Stat(path)
	crash := errors.New("crash")
	defer store.SetCompaction(1, func() { panic(crash) })()
	if s, err := store.Open(dir); err == nil {
		s.Close()
		t.Fatal("the open did not stop between the renames")
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("hallq.db after a crash between the renames: %v", err)
	}
	store.SetCompaction(1, func() {})
	s = openStore(t, dir)
	sameView(t, "after compaction", before, viewOf(t, s, days))
	after, _ := os.Stat(path)
	old, err := os.Stat(path + ".schema1")
	if err != nil || old.Size() != fi.Size() || after.Size() >= fi.Size() {
		t.Errorf("compaction: %d bytes before, %d after, old kept: %v", fi.Size(), after.Size(), err)
	}
	t.Logf("hot file %d → %d bytes (4 small days sealed)", fi.Size(), after.Size())

	// A file compacted once (hallq.db.schema1 kept) that loses most of its
	// pages again (closed months leaving it) is compacted at the next open,
	// in one rename, the kept file left as it is.
	s.Close()
	grow := openStore(t, dir)
	store.Bloat(t, grow, 8<<20)
	grow.Close()
	big, _ := os.Stat(path)
	s = openStore(t, dir)
	sameView(t, "after the second compaction", before, viewOf(t, s, days))
	again, _ := os.Stat(path)
	kept, err := os.Stat(path + ".schema1")
	if err != nil || kept.Size() != old.Size() || again.Size() >= big.Size()/2 {
		t.Errorf("second compaction: %d bytes before, %d after; kept %v (%v)", big.Size(), again.Size(), kept, err)
	}
}

const sealCrashEnv = "HALLQ_SEAL_CRASH"

// TestSealKilled kills a real child process (SIGKILL) while it seals, after
// the first day's segment is verified in place and before the transaction
// that removes the day from the hot file, twice (the second run finds the
// first's segment and checks it): each time the store opens and reads the
// same, and the next sealing finishes. (A kill before the rename is
// history's TestCrashBeforeRename; the left *.seg.tmp is removed at open,
// TestSealFindsLeftSegment.)
func TestSealKilled(t *testing.T) {
	if v := os.Getenv(sealCrashEnv); v != "" {
		dir, _, _ := strings.Cut(v, "|")
		store.SetBeforeHotTx(func(path string) { fmt.Println("stopped", path); select {} })
		s, err := store.Open(dir)
		if err != nil {
			fmt.Println("open", err)
			os.Exit(3)
		}
		_, err = s.SealBefore("2026-11-03")
		fmt.Println("returned", err)
		os.Exit(3)
	}
	dir := t.TempDir()
	s, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	a := ticket(1, "2026-11-01", "A001", 1)
	a.Phone = "13800000001"
	commit(t, s, issued(1, a), issued(2, ticket(2, "2026-11-01", "A002", 1)))
	commit(t, s, issued(3, ticket(3, "2026-11-02", "A001", 1)))
	commit(t, s, issued(4, ticket(4, "2026-11-03", "A001", 1)))
	days := []string{"2026-11-01", "2026-11-02", "2026-11-03"}
	before := viewOf(t, s, days)
	s.Close()
	for _, point := range []string{"first", "again"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSealKilled$", "-test.count=1")
		cmd.Env = append(os.Environ(), sealCrashEnv+"="+dir+"|"+point)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(out).ReadString('\n')
		if err != nil || !strings.HasPrefix(line, "stopped ") {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("%s: child said %q (%v)", point, line, err)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		s := openStore(t, dir)
		sameView(t, "after a kill at "+point, before, viewOf(t, s, days))
		if through, _ := s.SealedThrough(); through != "" {
			t.Errorf("%s: sealed through %q after the kill", point, through)
		}
		s.Close()
	}
	s = openStore(t, dir)
	if sealed, err := s.SealBefore("2026-11-03"); err != nil || len(sealed) != 2 {
		t.Fatalf("sealing after the kills: %v %v", sealed, err)
	}
	sameView(t, "sealed after the kills", before, viewOf(t, s, days))
	if hot := hotEvents(t, s); hot != 1 {
		t.Errorf("%d hot events, want 1", hot)
	}
}

// TestSealKeepsHeldTicket: a ticket a counter still holds when its day is
// sealed stays in the hot file (a restart's queue carries it), and its later
// images win over its day's segment, before and after the next day is sealed.
func TestSealKeepsHeldTicket(t *testing.T) {
	s := openStore(t, t.TempDir())
	held := ticket(1, "2026-11-01", "A001", 1)
	commit(t, s, issued(1, held), issued(2, ticket(2, "2026-11-01", "A002", 1)))
	held.Status, held.Rev = queue.Serving, 2
	held.Counter = 1
	c := queue.Counter{Number: 1, State: queue.Open, Services: []string{"A"}, Current: 1, Rev: 1}
	commit(t, s, queue.Event{Seq: 3, Type: queue.EvCalled, At: at(30), Day: "2026-11-01", Counter: 1, Ticket: 1,
		Tickets: []queue.Ticket{held}, Counters: []queue.Counter{c}})
	commit(t, s, issued(4, ticket(3, "2026-11-02", "A001", 1)))
	if days, err := s.SealBefore("2026-11-02"); err != nil || len(days) != 1 {
		t.Fatalf("sealed %v: %v", days, err)
	}
	st, err := s.Load("2026-11-02")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Tickets) != 2 || st.Tickets[1].ID != 1 || st.Tickets[1].Status != queue.Serving {
		t.Fatalf("the next day's state does not carry the held ticket: %+v", st.Tickets)
	}
	// Finished on the next day; its day's tickets show it finished.
	done := held
	done.Status, done.Rev = queue.Done, 3
	c.Current, c.Rev = 0, 2
	commit(t, s, queue.Event{Seq: 5, Type: queue.EvFinished, At: at(60), Day: "2026-11-02", Counter: 1, Ticket: 1,
		Tickets: []queue.Ticket{done}, Counters: []queue.Counter{c}})
	for _, step := range []string{"the held ticket's day sealed", "the next day sealed too"} {
		ts, err := s.Tickets("2026-11-01", "2026-11-01")
		if err != nil || len(ts) != 2 || ts[0].Status != queue.Done || ts[0].Rev != 3 || ts[1].ID != 2 {
			t.Fatalf("%s: tickets of the first day %+v (%v)", step, ts, err)
		}
		if got, err := s.TicketByTracking(held.Tracking); err != nil || got.Rev != 3 {
			t.Fatalf("%s: tracking the held ticket: %+v %v", step, got, err)
		}
		if _, err := s.SealBefore("2026-11-03"); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSealPacksRollups: a sealed day's rollup chunks are joined into few
// values that give the same facts in the same order as the chunks rebuilt
// from the events; a ticket a counter held over the sealing keeps its own
// chunks, so its later finish and rating land where they would have.
func TestSealPacksRollups(t *testing.T) {
	s := openStore(t, t.TempDir())
	const day, nextDay = "2026-11-23", "2026-11-24"
	rating := func(id uint64, score int) queue.Record {
		data, _ := json.Marshal(map[string]any{"ticket": id, "day": day, "score": score, "clerk": "wang", "counter": 1})
		return queue.Record{Kind: "rating", Key: fmt.Sprintf("%020d", id), Rev: 1, Data: data}
	}
	var evs []queue.Event
	seq := uint64(0)
	for id := uint64(1); id <= 150; id++ {
		tk := ticket(id, day, fmt.Sprintf("A%03d", id), 1)
		tk.IssuedAt = at(int(id) * 2) // 15-minute slots: several chunks a slot, several slots a chunk
		seq++
		ev := issued(seq, tk)
		if id%7 == 0 && id != 64 {
			ev.Records = []queue.Record{rating(id, int(id%5))}
		}
		evs = append(evs, ev)
	}
	commit(t, s, evs...)
	held := ticket(64, day, "A064", 1)
	held.IssuedAt = at(128)
	held.Status, held.Rev, held.Counter = queue.Serving, 2, 1
	c := queue.Counter{Number: 1, State: queue.Open, Services: []string{"A"}, Current: 64, Rev: 1}
	seq++
	commit(t, s, queue.Event{Seq: seq, Type: queue.EvCalled, At: at(400), Day: day, Counter: 1, Ticket: 64,
		Tickets: []queue.Ticket{held}, Counters: []queue.Counter{c}})
	next := ticket(500, nextDay, "A001", 1)
	next.IssuedAt = at(24 * 60)
	seq++
	commit(t, s, issued(seq, next))
	keys := store.RollupKeys(s)
	if days, err := s.SealBefore(nextDay); err != nil || len(days) != 1 {
		t.Fatalf("sealed %v: %v", days, err)
	}
	if packed := store.RollupKeys(s); packed >= keys/2 {
		t.Errorf("%d rollup values after sealing, %d before: not joined", packed, keys)
	}
	// The held ticket is finished and rated on the next day.
	done := held
	done.Status, done.Rev = queue.Done, 3
	c.Current, c.Rev = 0, 2
	seq++
	commit(t, s, queue.Event{Seq: seq, Type: queue.EvFinished, At: at(24*60 + 5), Day: nextDay, Counter: 1, Ticket: 64,
		Tickets: []queue.Ticket{done}, Counters: []queue.Counter{c}, Records: []queue.Record{rating(64, 5)}})
	rollups := func() string {
		var out []string
		if err := s.EachRollupDay(day, nextDay, func(d *store.RollupDay) error {
			b, _ := json.Marshal(d)
			out = append(out, string(b))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return strings.Join(out, "\n")
	}
	got := rollups()
	if !strings.Contains(got, `"ID":64`) || !strings.Contains(got, `"Ticket":64`) {
		t.Fatalf("the held ticket's facts are missing: %.400s", got)
	}
	if err := s.RebuildRollups(); err != nil {
		t.Fatal(err)
	}
	if want := rollups(); got != want {
		t.Errorf("the joined rollups read differently from the chunks rebuilt from the events:\n%.600s\n%.600s", got, want)
	}
}
