package history_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hallq/history"
	"hallq/queue"
)

func at(h, m int) time.Time {
	return time.Date(2026, 12, 4, h, m, 0, 0, time.FixedZone("CST", 8*3600))
}

func tp(t time.Time) *time.Time { return &t }

// handDay is a small day that takes every path of the codec: personal
// fields, a field that leaves and comes back (postponed), counters,
// services, records whose data changes, a record that is not an object,
// config, an event with nothing but its head.
func handDay() *history.Day {
	tk := queue.Ticket{ID: 41, Day: "2026-12-04", Number: "A001", Serial: 1, Service: "A", Priority: queue.Normal,
		Status: queue.Waiting, Phone: "13800000001", Account: "0123456789", IssuedAt: at(9, 0), Tracking: "XK3F", Rev: 1}
	issued := tk
	tk.Status, tk.CalledAt, tk.Counter, tk.Clerk, tk.Rev = queue.Called, tp(at(9, 5)), 3, "clerk3", 2
	called := tk
	tk.Postponed, tk.Rev = true, 3
	postponed := tk
	tk.Postponed, tk.Rev = false, 4
	back := tk
	tk.Postponed, tk.Note, tk.Rev = true, "again", 5
	again := tk
	c3 := queue.Counter{Number: 3, NameZH: "3号窗口", Services: []string{"A", "B"}, State: queue.Open, Clerk: "clerk3", Rev: 7}
	c3b := c3
	c3b.ServedToday, c3b.Rev = 1, 8
	svc := queue.Service{Prefix: "A", NameZH: "电费缴纳", TargetWaitS: 600, AvgServiceS: 180.5, Rev: 2}
	svc2 := svc
	svc2.AvgServiceS, svc2.Rev = 181.25, 3
	rec := queue.Record{Kind: "workorder", Key: "2026-12-04/7", Rev: 1, Data: json.RawMessage(`{"id":7,"dept":"营销","status":"open","log":["opened"]}`)}
	rec2 := queue.Record{Kind: "workorder", Key: "2026-12-04/7", Rev: 2, Data: json.RawMessage(`{"id":7,"dept":"营销","status":"closed","log":["opened","closed"],"closed_at":"2026-12-04T11:00:00+08:00"}`)}
	rec3 := queue.Record{Kind: "workorder", Key: "2026-12-04/7", Rev: 3, Data: json.RawMessage(`{"status":"reopened","id":7}`)}
	odd := queue.Record{Kind: "note", Key: "n1", Rev: 1, Data: json.RawMessage(`["not","an","object"]`)}
	cfg := &queue.Config{NameZH: "示范营业厅", TimeZone: "Asia/Shanghai", StarveAfterS: 1200, Services: []queue.Service{svc}}
	evs := []queue.Event{
		{Seq: 100, Type: queue.EvIssued, At: at(9, 0), Day: "2026-12-04", Actor: "kiosk1", Ticket: 41, Tickets: []queue.Ticket{issued}},
		{Seq: 101, Type: queue.EvCalled, At: at(9, 5), Day: "2026-12-04", Actor: "clerk3", Counter: 3, Ticket: 41, Tickets: []queue.Ticket{called}, Counters: []queue.Counter{c3}},
		{Seq: 103, Type: queue.EvPostponed, At: at(9, 6), Day: "2026-12-04", Actor: "clerk3", Counter: 3, Ticket: 41, Tickets: []queue.Ticket{postponed}},
		{Seq: 104, Type: queue.EvCalled, At: at(9, 7), Day: "2026-12-04", Actor: "clerk3", Counter: 3, Ticket: 41, Tickets: []queue.Ticket{back}},
		{Seq: 105, Type: queue.EvPostponed, At: at(9, 8), Day: "2026-12-04", Actor: "clerk3", Counter: 3, Ticket: 41, Tickets: []queue.Ticket{again}},
		{Seq: 106, Type: queue.EvFinished, At: at(9, 20), Day: "2026-12-04", Actor: "clerk3", Counter: 3, Ticket: 41, Counters: []queue.Counter{c3b}, Services: []queue.Service{svc2}, Records: []queue.Record{rec}},
		{Seq: 107, Type: "workorder_closed", At: at(11, 0), Day: "2026-12-04", Actor: "manager", Reason: "已回访", Records: []queue.Record{rec2, odd}},
		{Seq: 108, Type: "workorder_reopened", At: at(11, 1), Day: "2026-12-04", Actor: "manager", Records: []queue.Record{rec3}},
		{Seq: 109, Type: queue.EvConfig, At: at(12, 0).UTC(), Day: "2026-12-04", Actor: "admin", Config: cfg},
		{Seq: 200, Type: queue.EvDayRolled, At: at(23, 59), Day: "2026-12-04", Actor: "system"},
	}
	return &history.Day{Day: "2026-12-04", Events: evs, Records: []queue.Record{rec2, odd}}
}

func write(t *testing.T, d *history.Day, opt history.WriteOptions) (history.Written, *history.Segment) {
	t.Helper()
	path := history.PathFor(t.TempDir(), d.Day)
	w, err := history.WriteFile(path, d, opt)
	if err != nil {
		t.Fatal(err)
	}
	seg, err := history.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return w, seg
}

func personalMap(w history.Written) map[uint64]history.Personal {
	m := map[uint64]history.Personal{}
	for _, p := range w.Personal {
		m[p.Ticket] = p
	}
	return m
}

func TestRoundTripHandDay(t *testing.T) {
	for _, blockEvents := range []int{1, 3, 4096} {
		t.Run("block"+strings.Repeat("+", blockEvents%7), func(t *testing.T) {
			d := handDay()
			w, seg := write(t, d, history.WriteOptions{BlockEvents: blockEvents})
			wantBlocks := (len(d.Events)+blockEvents-1)/blockEvents + 1
			if w.Events != len(d.Events) || w.Records != 2 || w.Blocks != wantBlocks {
				t.Fatalf("written %+v, want %d events, 2 records, %d blocks", w, len(d.Events), wantBlocks)
			}
			if want := []history.Personal{{Ticket: 41, Phone: "13800000001", Account: "0123456789"}}; len(w.Personal) != 1 || w.Personal[0] != want[0] {
				t.Fatalf("personal %+v, want %+v", w.Personal, want)
			}
			if seg.Day() != "2026-12-04" {
				t.Errorf("day %q", seg.Day())
			}
			if f, l := seg.Seqs(); f != 100 || l != 200 {
				t.Errorf("seqs %d…%d, want 100…200", f, l)
			}
			if e, r := seg.Len(); e != len(d.Events) || r != 2 {
				t.Errorf("len %d events %d records", e, r)
			}
			pm := personalMap(w)
			sameEvents(t, readAll(t, seg, 0, func(ev *queue.Event) { history.Restore(ev, pm) }), d.Events)
			// Without the personal fields: the same events, masked.
			masked := readAll(t, seg, 0, nil)
			for _, b := range masked {
				if strings.Contains(string(b), "13800000001") || strings.Contains(string(b), "0123456789") {
					t.Fatalf("a personal field in the segment: %s", b)
				}
			}
			// ?since= inside the day, on a gap in the sequence, and past it.
			for _, since := range []uint64{0, 99, 101, 102, 106, 199, 200, 500} {
				var want []queue.Event
				for _, ev := range d.Events {
					if ev.Seq > since {
						want = append(want, ev)
					}
				}
				sameEvents(t, readAll(t, seg, since, func(ev *queue.Event) { history.Restore(ev, pm) }), want)
			}
			var recs []string
			if err := seg.EachRecord(func(r *queue.Record) error {
				b, _ := json.Marshal(r)
				recs = append(recs, string(b))
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			for i, r := range d.Records {
				b, _ := json.Marshal(r)
				if i >= len(recs) || recs[i] != string(b) {
					t.Fatalf("records read back %q, want %s at %d", recs, b, i)
				}
			}
			if len(recs) != len(d.Records) {
				t.Fatalf("%d records read back", len(recs))
			}
			if err := seg.Verify(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestRoundTripSimulatedDays(t *testing.T) {
	s := simulate(t, "small", 3)
	for _, day := range s.days {
		d := &history.Day{Day: day, Events: s.events[day]}
		w, seg := write(t, d, history.WriteOptions{BlockEvents: 500})
		if w.Events != len(d.Events) || w.Blocks != (len(d.Events)+499)/500 || len(w.Personal) == 0 {
			t.Fatalf("%s: written %d events in %d blocks, %d personal; have %d events", day, w.Events, w.Blocks, len(w.Personal), len(d.Events))
		}
		pm := personalMap(w)
		restore := func(ev *queue.Event) { history.Restore(ev, pm) }
		sameEvents(t, readAll(t, seg, 0, restore), d.Events)
		mid := d.Events[len(d.Events)/2].Seq
		sameEvents(t, readAll(t, seg, mid, restore), d.Events[len(d.Events)/2+1:])
	}
}

// TestLargeDay: the busiest day of the large profile (thousands of
// customers) round-trips whole and from its middle.
func TestLargeDay(t *testing.T) {
	s := simulate(t, "large", 1)
	day := s.busiest()
	d := &history.Day{Day: day, Events: s.events[day]}
	if s.customers[day] < 1500 {
		t.Fatalf("the large day has %d customers", s.customers[day])
	}
	w, seg := write(t, d, history.WriteOptions{})
	if w.Blocks < 2 {
		t.Fatalf("%d events in %d block", w.Events, w.Blocks)
	}
	if err := seg.Verify(); err != nil {
		t.Fatal(err)
	}
	pm := personalMap(w)
	restore := func(ev *queue.Event) { history.Restore(ev, pm) }
	sameEvents(t, readAll(t, seg, 0, restore), d.Events)
	i := len(d.Events) * 3 / 4
	sameEvents(t, readAll(t, seg, d.Events[i].Seq, restore), d.Events[i+1:])
}

func TestEmptyDay(t *testing.T) {
	w, seg := write(t, &history.Day{Day: "2026-12-06"}, history.WriteOptions{})
	if w.Events != 0 || w.Records != 0 || w.Blocks != 0 || len(w.Personal) != 0 {
		t.Fatalf("written %+v", w)
	}
	if f, l := seg.Seqs(); f != 0 || l != 0 || seg.Day() != "2026-12-06" {
		t.Fatalf("seqs %d…%d day %s", f, l, seg.Day())
	}
	if got := readAll(t, seg, 0, nil); len(got) != 0 {
		t.Fatalf("%d events from an empty day", len(got))
	}
	if err := seg.Verify(); err != nil {
		t.Fatal(err)
	}
}

func TestWriteRefuses(t *testing.T) {
	dir := t.TempDir()
	good := handDay()
	path := history.PathFor(dir, good.Day)
	if _, err := history.WriteFile(path, good, history.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	outOfOrder := handDay()
	outOfOrder.Events[3].Seq = 101
	noKey := handDay()
	noKey.Records[0].Key = ""
	cases := []struct {
		name string
		path string
		day  *history.Day
		want string
	}{
		{"existing segment", path, handDay(), "already exists"},
		{"events out of order", filepath.Join(dir, "x", "a.seg"), outOfOrder, "increasing sequence order"},
		{"record without key", filepath.Join(dir, "x", "b.seg"), noKey, "no kind or key"},
		{"not a day", filepath.Join(dir, "x", "c.seg"), &history.Day{Day: "2026-1-4"}, "not a date"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := history.WriteFile(c.path, c.day, history.WriteOptions{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want one saying %q", err, c.want)
			}
			if c.path != path {
				if _, err := os.Stat(c.path); !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("a refused write left %s (%v)", c.path, err)
				}
				if _, err := os.Stat(c.path + ".tmp"); !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("a refused write left its temporary file (%v)", err)
				}
			}
		})
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Fatal("the existing segment changed")
	}
}

// TestDamageDetected: every kind of damage is an error wrapping
// ErrDamaged that names the file and the way out; damage in a block is
// found by the read that needs the block (Open stays cheap), damage in the
// header, index or trailer by Open.
func TestDamageDetected(t *testing.T) {
	d := handDay()
	data, _, err := history.Encode(d, history.WriteOptions{BlockEvents: 4})
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) func([]byte) []byte {
		return func(b []byte) []byte { b[i] ^= 0x40; return b }
	}
	cases := []struct {
		name   string
		mutate func([]byte) []byte
		atOpen bool // found by Open, else by Verify
		want   string
	}{
		{"flipped byte in the first block", flip(20), false, "block 0: checksum mismatch"},
		{"flipped byte in the index", flip(len(data) - 30), true, "index checksum mismatch"},
		{"flipped version", flip(11), true, "format version"},
		{"wrong magic", func(b []byte) []byte { copy(b, "SQLite f"); return b }, true, "not a hallq history segment"},
		{"truncated by one byte", func(b []byte) []byte { return b[:len(b)-1] }, true, "cut off"},
		{"truncated to half", func(b []byte) []byte { return b[:len(b)/2] }, true, "cut off"},
		{"truncated to the header", func(b []byte) []byte { return b[:16] }, true, "shorter than an empty segment"},
		{"empty file", func(b []byte) []byte { return nil }, true, "shorter than an empty segment"},
		{"bytes appended", func(b []byte) []byte { return append(b, 0) }, true, "cut off"},
		{"trailer points elsewhere", flip(len(data) - 20), true, "does not end where the trailer begins"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "2026", "2026-12-04.seg")
			os.MkdirAll(filepath.Dir(path), 0o750)
			if err := os.WriteFile(path, c.mutate(append([]byte(nil), data...)), 0o640); err != nil {
				t.Fatal(err)
			}
			seg, err := history.Open(path)
			if !c.atOpen {
				if err != nil {
					t.Fatalf("Open read a block: %v", err)
				}
				err = seg.Verify()
				if err2 := seg.EachEvent(0, func(*queue.Event) error { return nil }); err2 == nil || err2.Error() != err.Error() {
					t.Fatalf("EachEvent gave %v, Verify %v", err2, err)
				}
			}
			if err == nil {
				t.Fatal("damage not detected")
			}
			var de *history.DamagedError
			if !errors.Is(err, history.ErrDamaged) || !errors.As(err, &de) || de.Path != path {
				t.Fatalf("err %#v does not name %s as damaged", err, path)
			}
			for _, want := range []string{path, c.want, "restore this file from a backup", "keeps issuing tickets"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}

// TestSecondBlockDamageLeavesFirstReadable: ?since= past a damaged block's
// events needs no bytes from it.
func TestSecondBlockDamageLeavesFirstReadable(t *testing.T) {
	d := handDay()
	path := history.PathFor(t.TempDir(), d.Day)
	if _, err := history.WriteFile(path, d, history.WriteOptions{BlockEvents: 4}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	// The first block starts at 16; find the start of the second by
	// encoding the first four events alone.
	first, _, err := history.Encode(&history.Day{Day: d.Day, Events: d.Events[:4]}, history.WriteOptions{BlockEvents: 4})
	if err != nil {
		t.Fatal(err)
	}
	firstEnd := len(first) - 24 - indexLen(t, first)
	data[firstEnd+2] ^= 0xff
	os.WriteFile(path, data, 0o640)
	seg, err := history.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var de *history.DamagedError
	if err := seg.Verify(); !errors.As(err, &de) || de.Block != 1 {
		t.Fatalf("Verify: %v, want block 1 damaged", err)
	}
	// Events after seq 108 are in block 2: readable.
	got := readAll(t, seg, 108, nil)
	if len(got) != 2 {
		t.Fatalf("%d events after 108", len(got))
	}
	n := 0
	err = seg.EachEvent(0, func(*queue.Event) error { n++; return nil })
	if !errors.As(err, &de) || de.Block != 1 || n != 4 {
		t.Fatalf("read %d events then %v; want the 4 of block 0, then block 1 damaged", n, err)
	}
}

// indexLen reads the index length from a segment's trailer.
func indexLen(t *testing.T, seg []byte) int {
	t.Helper()
	tr := seg[len(seg)-24:]
	return int(uint32(tr[8])<<24 | uint32(tr[9])<<16 | uint32(tr[10])<<8 | uint32(tr[11]))
}

// TestWideRecord: a record with more members than the codec splits is
// kept whole and reads back the same.
func TestWideRecord(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("{")
	for i := range 5000 {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `"f%d":%d`, i, i)
	}
	sb.WriteString("}")
	wide := queue.Record{Kind: "wide", Key: "w", Rev: 1, Data: json.RawMessage(sb.String())}
	narrow := queue.Record{Kind: "wide", Key: "w", Rev: 2, Data: json.RawMessage(`{"f1":1}`)}
	d := &history.Day{Day: "2026-12-04", Events: []queue.Event{
		{Seq: 1, Type: "wide", At: at(9, 0), Day: "2026-12-04", Records: []queue.Record{wide}},
		{Seq: 2, Type: "wide", At: at(9, 1), Day: "2026-12-04", Records: []queue.Record{narrow}},
		{Seq: 3, Type: "wide", At: at(9, 2), Day: "2026-12-04", Records: []queue.Record{wide}},
	}, Records: []queue.Record{wide}}
	_, seg := write(t, d, history.WriteOptions{})
	sameEvents(t, readAll(t, seg, 0, nil), d.Events)
	if err := seg.Verify(); err != nil {
		t.Fatal(err)
	}
}

// TestEachTicket: the final image of every ticket of simulated days, as the
// newest revision among the day's events gives it, with the event that
// wrote it.
func TestEachTicket(t *testing.T) {
	s := simulate(t, "small", 3)
	for _, day := range s.days {
		type want struct {
			json []byte
			seq  uint64
			rev  int
		}
		wants := map[uint64]want{}
		for i := range s.events[day] {
			ev := &s.events[day][i]
			for _, tk := range ev.Tickets {
				if w, ok := wants[tk.ID]; ok && w.rev > tk.Rev {
					continue
				}
				tk.Phone, tk.Account = "", ""
				b, _ := json.Marshal(tk)
				wants[tk.ID] = want{b, ev.Seq, tk.Rev}
			}
		}
		_, seg := write(t, &history.Day{Day: day, Events: s.events[day]}, history.WriteOptions{BlockEvents: 700})
		var prev uint64
		n := 0
		err := seg.EachTicket(func(tk *queue.Ticket, seq uint64) error {
			n++
			if tk.ID <= prev {
				return fmt.Errorf("ticket %d after %d", tk.ID, prev)
			}
			prev = tk.ID
			b, _ := json.Marshal(tk)
			if w := wants[tk.ID]; string(b) != string(w.json) || seq != w.seq {
				return fmt.Errorf("ticket %d: %s from seq %d, want %s from seq %d", tk.ID, b, seq, w.json, w.seq)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n != len(wants) || n < s.customers[day] {
			t.Fatalf("%s: %d tickets, want %d (%d customers)", day, n, len(wants), s.customers[day])
		}
	}
}
