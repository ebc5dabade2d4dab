package store_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterr "go.etcd.io/bbolt/errors"

	"hallq/hall/store"
	"hallq/queue"
)

// openStore opens the store in dir and, when the test ends, runs bbolt's
// consistency check on it and closes it.
func openStore(t *testing.T, dir string) *store.Store {
	t.Helper()
	s, err := store.Open(dir)
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	t.Cleanup(func() { checkClose(t, s) })
	return s
}

// checkClose checks and closes s; a store closed already is left alone.
func checkClose(t *testing.T, s *store.Store) {
	t.Helper()
	if err := s.Check(); errors.Is(err, bolterr.ErrDatabaseNotOpen) {
		return
	} else if err != nil {
		t.Errorf("consistency check of %s: %v", s.Path(), err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("close %s: %v", s.Path(), err)
	}
}

// reopen checks and closes s, then opens its directory again.
func reopen(t *testing.T, s *store.Store) *store.Store {
	t.Helper()
	checkClose(t, s)
	return openStore(t, filepath.Dir(s.Path()))
}

// sameJSON fails the test unless got and want encode to the same JSON: every
// field is compared, and times compare by instant and offset.
func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, err1 := json.Marshal(got)
	w, err2 := json.Marshal(want)
	if err1 != nil || err2 != nil {
		t.Fatalf("%s: marshal: %v %v", what, err1, err2)
	}
	if !bytes.Equal(g, w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

var t0 = time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC) // 10:00 in Shanghai

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

func ptr[T any](v T) *T { return &v }

// ticket returns a waiting ticket of day; number "A007" gives its serial.
func ticket(id uint64, day, number string, rev int) queue.Ticket {
	var serial int
	fmt.Sscanf(number[1:], "%d", &serial)
	return queue.Ticket{ID: id, Day: day, Number: number, Serial: serial, Service: number[:1],
		Priority: queue.Normal, Status: queue.Waiting, IssuedAt: at(int(id)),
		Tracking: fmt.Sprintf("TRK%09d", id), Rev: rev}
}

func issued(seq uint64, t queue.Ticket) queue.Event {
	return queue.Event{Seq: seq, Type: queue.EvIssued, At: t.IssuedAt, Day: t.Day, Actor: "device:kiosk",
		Ticket: t.ID, Tickets: []queue.Ticket{t}}
}

func commit(t *testing.T, s *store.Store, evs ...queue.Event) {
	t.Helper()
	if err := s.Commit(evs, nil); err != nil {
		t.Fatalf("commit: %v", err)
	}
}

// TestOpenCreatesLayout: Open creates every bucket and records the schema
// version in one go; opening again keeps the file as it is.
func TestOpenCreatesLayout(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "nested") // Open makes the directory
	s, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, store.FileName); s.Path() != want {
		t.Errorf("Path() = %s, want %s", s.Path(), want)
	}
	if err := s.Ping(); err != nil {
		t.Errorf("ping: %v", err)
	}
	checkClose(t, s)

	inspect := func() (names []string, schema []byte) {
		t.Helper()
		db, err := bolt.Open(filepath.Join(dir, store.FileName), 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		db.View(func(tx *bolt.Tx) error {
			tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
				names = append(names, string(name))
				return nil
			})
			schema = append([]byte(nil), tx.Bucket([]byte("meta")).Get([]byte("schema"))...)
			return nil
		})
		return names, schema
	}
	names, schema := inspect()
	want := []string{"counters", "devices", "events", "live", "meta", "records", "services", "sessions", "tickets", "tracking", "users"}
	if !slices.Equal(names, want) {
		t.Errorf("buckets %v, want %v", names, want)
	}
	if len(schema) != 8 || binary.BigEndian.Uint64(schema) != store.SchemaVersion {
		t.Errorf("schema %x, want %d as 8 bytes big-endian", schema, store.SchemaVersion)
	}

	s = openStore(t, dir)
	checkClose(t, s)
	if names2, schema2 := inspect(); !slices.Equal(names2, want) || !bytes.Equal(schema2, schema) {
		t.Errorf("after a second open: buckets %v schema %x", names2, schema2)
	}
}

// TestOpenRefusesNewerSchema: a file written by a newer hallq is not touched.
func TestOpenRefusesNewerSchema(t *testing.T) {
	dir := t.TempDir()
	checkClose(t, openStore(t, dir))
	path := filepath.Join(dir, store.FileName)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	newer := make([]byte, 8)
	binary.BigEndian.PutUint64(newer, store.SchemaVersion+1)
	if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("meta")).Put([]byte("schema"), newer) }); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := store.Open(dir)
	if err == nil {
		s.Close()
		t.Fatal("a store with a newer schema opened")
	}
	for _, want := range []string{"newer", fmt.Sprint(store.SchemaVersion + 1), "upgrade hallq"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	// The refusal changed nothing and released the file.
	db, err = bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatalf("the refused open kept the file locked: %v", err)
	}
	defer db.Close()
	db.View(func(tx *bolt.Tx) error {
		if got := tx.Bucket([]byte("meta")).Get([]byte("schema")); !bytes.Equal(got, newer) {
			t.Errorf("schema rewritten to %x", got)
		}
		return nil
	})
}

// holdEnv names the data directory a helper process holds open.
const holdEnv = "HALLQ_STORE_HOLD_DIR"

// TestHelperHoldStore is not a test: TestOpenInUse runs the test binary
// again with holdEnv set, and this then holds the store open in that second
// process until its standard input closes.
func TestHelperHoldStore(t *testing.T) {
	dir := os.Getenv(holdEnv)
	if dir == "" {
		t.Skip("helper process of TestOpenInUse")
	}
	s, err := store.Open(dir)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(2)
	}
	fmt.Println("holding")
	io.Copy(io.Discard, os.Stdin)
	s.Close()
	os.Exit(0)
}

// TestOpenInUse: while another process has the database open, Open fails
// within about a second with ErrInUse and a message that says so, instead of
// hanging; once that process is gone, Open works.
func TestOpenInUse(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldStore$", "-test.count=1")
	cmd.Env = append(os.Environ(), holdEnv+"="+dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	lines := bufio.NewScanner(stdout)
	ready := make(chan string, 1)
	go func() {
		for lines.Scan() {
			if l := lines.Text(); l == "holding" || strings.HasPrefix(l, "error:") {
				ready <- l
				return
			}
		}
		ready <- "exited"
	}()
	select {
	case l := <-ready:
		if l != "holding" {
			t.Fatalf("helper process: %s", l)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the helper process did not open the store")
	}

	start := time.Now()
	s, err := store.Open(dir)
	took := time.Since(start)
	if err == nil {
		s.Close()
		t.Fatal("a second process opened a database in use")
	}
	if !errors.Is(err, store.ErrInUse) {
		t.Errorf("error %v does not wrap ErrInUse", err)
	}
	if !strings.Contains(err.Error(), "in use") || !strings.Contains(err.Error(), "directory") {
		t.Errorf("error %q does not say the data directory is in use", err)
	}
	if took < 500*time.Millisecond || took > 2500*time.Millisecond {
		t.Errorf("Open gave up after %v, want about a second", took)
	}

	stdin.Close() // the helper closes the store and exits
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper process: %v", err)
	}
	openStore(t, dir)
}

// TestCommitWritesRecordsAndEvents: one Commit stores the tickets, counters
// and services its events carry, and the events themselves.
func TestCommitWritesRecordsAndEvents(t *testing.T) {
	s := openStore(t, t.TempDir())
	day := "2026-11-23"
	a1 := ticket(1, day, "A001", 1)
	called := a1
	called.Status, called.Counter, called.Clerk, called.CalledAt, called.LastCalledAt, called.Rev =
		queue.Called, 1, "clerk1", ptr(at(5)), ptr(at(5)), 2
	k1 := queue.Counter{Number: 1, NameZH: "1号窗口", Services: []string{"A"}, State: queue.Open, Clerk: "clerk1", Current: 1, Rev: 3}
	svc := queue.Service{Prefix: "A", NameZH: "电费缴纳", TargetWaitS: 600, AvgServiceS: 180, Documents: []string{"户号"}, Rev: 1}
	evs := []queue.Event{
		issued(1, a1),
		{Seq: 2, Type: queue.EvCalled, At: at(5), Day: day, Actor: "user:clerk1", Counter: 1, Ticket: 1,
			Tickets: []queue.Ticket{called}, Counters: []queue.Counter{k1}, Services: []queue.Service{svc}},
	}
	commit(t, s, evs...)

	for round := range 2 { // written, and durable
		if round == 1 {
			s = reopen(t, s)
		}
		st, err := s.Load(day)
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, "state", st, store.State{Services: []queue.Service{svc}, Counters: []queue.Counter{k1},
			Tickets: []queue.Ticket{called}, MaxID: 1, LastSeq: 2, LastAt: at(5), LastDay: day})
		got, err := s.Events(0, 10)
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, "events", got, evs)
		tr, err := s.TicketByTracking(a1.Tracking)
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, "tracked ticket", tr, called)
	}
}

// TestCommitKeepsNewestRevision: events committed in one batch may land out
// of order; a record never goes back to an older revision.
func TestCommitKeepsNewestRevision(t *testing.T) {
	day := "2026-11-23"
	t1, t2 := ticket(7, day, "A007", 1), ticket(7, day, "A007", 2)
	t2.Status = queue.Called
	k1 := queue.Counter{Number: 3, NameZH: "3号窗口", Services: []string{"A"}, State: queue.Open, Rev: 1}
	k2 := k1
	k2.State, k2.Rev = queue.Paused, 2
	s1 := queue.Service{Prefix: "A", NameZH: "电费缴纳", AvgServiceS: 100, Rev: 1}
	s2 := s1
	s2.AvgServiceS, s2.Rev = 120, 2
	newer := queue.Event{Seq: 2, Type: "x", Day: day, Tickets: []queue.Ticket{t2}, Counters: []queue.Counter{k2}, Services: []queue.Service{s2}}
	older := queue.Event{Seq: 1, Type: "x", Day: day, Tickets: []queue.Ticket{t1}, Counters: []queue.Counter{k1}, Services: []queue.Service{s1}}

	tests := []struct {
		name  string
		order [][]queue.Event // one Commit each
	}{
		{"newer then older, separate commits", [][]queue.Event{{newer}, {older}}},
		{"newer then older, one commit", [][]queue.Event{{newer, older}}},
		{"older then newer", [][]queue.Event{{older}, {newer}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openStore(t, t.TempDir())
			for _, evs := range tc.order {
				commit(t, s, evs...)
			}
			st, err := s.Load(day)
			if err != nil {
				t.Fatal(err)
			}
			sameJSON(t, "tickets", st.Tickets, []queue.Ticket{t2})
			sameJSON(t, "counters", st.Counters, []queue.Counter{k2})
			sameJSON(t, "services", st.Services, []queue.Service{s2})
			if st.LastSeq != 2 {
				t.Errorf("LastSeq %d, want 2", st.LastSeq)
			}
			evs, _ := s.Events(0, 10)
			if len(evs) != 2 || evs[0].Seq != 1 || evs[1].Seq != 2 {
				t.Errorf("events %+v, want seq 1 and 2 both kept", evs)
			}
		})
	}
}

// transfer returns the event that ends ticket from (at revision fromRev) and
// opens ticket to for service svc with the same number and tracking code.
func transfer(seq uint64, from queue.Ticket, fromRev int, to uint64, svc string) (queue.Event, queue.Ticket) {
	old, nt := from, from
	old.Status, old.TransferredTo, old.FinishedAt, old.Rev = queue.Transferred, to, ptr(at(30)), fromRev
	nt.ID, nt.Service, nt.TransferredFrom, nt.Rev = to, svc, from.ID, 1
	return queue.Event{Seq: seq, Type: queue.EvTransferred, Day: from.Day, Ticket: to, Tickets: []queue.Ticket{old, nt}}, nt
}

// TestTicketByTracking: a tracking code leads to the last ticket of its
// transfer chain, even when the chain's first event is written last.
func TestTicketByTracking(t *testing.T) {
	day := "2026-11-23"
	first := ticket(10, day, "A010", 1)
	tr1, second := transfer(2, first, 2, 11, "C")
	tr2, third := transfer(3, second, 2, 12, "E")
	other := ticket(13, day, "A011", 1)

	tests := []struct {
		name  string
		order [][]queue.Event
	}{
		{"in order", [][]queue.Event{{issued(1, first)}, {tr1}, {tr2}, {issued(4, other)}}},
		{"transfers land before the issue", [][]queue.Event{{tr2, tr1, issued(1, first)}, {issued(4, other)}}},
		{"issue committed last", [][]queue.Event{{tr1}, {tr2}, {issued(4, other)}, {issued(1, first)}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openStore(t, t.TempDir())
			for _, evs := range tc.order {
				commit(t, s, evs...)
			}
			got, err := s.TicketByTracking(first.Tracking)
			if err != nil {
				t.Fatal(err)
			}
			sameJSON(t, "end of the chain", got, third)
			if got, err := s.TicketByTracking(other.Tracking); err != nil || got.ID != other.ID {
				t.Errorf("other ticket: %+v %v", got, err)
			}
			_, err = s.TicketByTracking("NOSUCHCODE00")
			if queue.ErrorCode(err) != queue.ENOTFOUND {
				t.Errorf("unknown code: %v, want %s", err, queue.ENOTFOUND)
			}
		})
	}
}

// TestCommitRefusesEventWithoutSeq: an event without a sequence number is a
// programming error; nothing of that commit is written, and the concurrent
// commits still land.
func TestCommitRefusesEventWithoutSeq(t *testing.T) {
	s := openStore(t, t.TempDir())
	day := "2026-11-23"
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			seq := uint64(i + 1)
			if i == 3 {
				seq = 0
			}
			errs[i] = s.Commit([]queue.Event{issued(seq, ticket(uint64(i+1), day, fmt.Sprintf("A%03d", i+1), 1))}, nil)
		}()
	}
	wg.Wait()
	var ids []uint64
	tickets, _ := s.Tickets(day, day)
	for _, tk := range tickets {
		ids = append(ids, tk.ID)
	}
	for i, err := range errs {
		if (i == 3) != (err != nil) {
			t.Errorf("commit %d: %v", i, err)
		}
	}
	if want := []uint64{1, 2, 3, 5, 6, 7, 8}; !slices.Equal(ids, want) {
		t.Errorf("tickets %v, want %v", ids, want)
	}
}

// TestFailedCommitWritesNothing: a commit refused for one bad event (a
// record without a key) fails whole, writing none of its events; the
// commits before and after it land.
func TestFailedCommitWritesNothing(t *testing.T) {
	s := openStore(t, t.TempDir())
	day := "2026-11-23"
	commit(t, s, issued(1, ticket(1, day, "A001", 1)))
	bad := issued(3, ticket(3, day, "A003", 1))
	bad.Records = []queue.Record{{Kind: "note", Rev: 1, Data: json.RawMessage(`{}`)}}
	if err := s.Commit([]queue.Event{issued(2, ticket(2, day, "A002", 1)), bad}, nil); err == nil {
		t.Error("a record without a key was committed")
	}
	commit(t, s, issued(4, ticket(4, day, "A004", 1)))
	evs, _ := s.Events(0, 10)
	if len(evs) != 2 || evs[0].Seq != 1 || evs[1].Seq != 4 {
		t.Errorf("events %+v, want 1 and 4", evs)
	}
	if tk, _ := s.Tickets(day, day); len(tk) != 2 || tk[0].ID != 1 || tk[1].ID != 4 {
		t.Errorf("tickets %+v, want 1 and 4", tk)
	}
}

// TestTicketIDsFromTheCounter: the highest ticket id comes from the store's
// counter, not from the newest day's last key: after a clock step an
// earlier day can hold the highest id, and a restart must not issue it again.
func TestTicketIDsFromTheCounter(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	d1, d2 := "2026-11-22", "2026-11-23"
	commit(t, s, issued(1, ticket(1, d2, "A001", 1)), issued(2, ticket(2, d2, "A002", 1)))
	commit(t, s, issued(3, ticket(3, d1, "A001", 1))) // the clock a day back
	for round := range 2 {
		if round == 1 {
			s = reopen(t, s)
		}
		st, err := s.Load(d2)
		if err != nil {
			t.Fatal(err)
		}
		if st.MaxID != 3 {
			t.Errorf("round %d: highest ticket id %d, want 3", round, st.MaxID)
		}
	}
}

// TestLoad: Load returns the services, counters, the asked day's tickets, the
// highest ticket id, the last sequence and the day the store was last at.
func TestLoad(t *testing.T) {
	s := openStore(t, t.TempDir())
	st, err := s.Load("2026-11-23")
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "empty store", st, store.State{Tickets: []queue.Ticket{}})

	d1, d2, d3 := "2026-11-22", "2026-11-23", "2026-11-24"
	a1, a2, d1t := ticket(1, d1, "A001", 1), ticket(2, d1, "A002", 1), ticket(3, d1, "D001", 1)
	b1, b2 := ticket(4, d2, "A001", 1), ticket(5, d2, "B001", 1)
	commit(t, s, issued(1, a1), issued(2, a2), issued(3, d1t))
	commit(t, s, issued(4, b1))
	commit(t, s, issued(5, b2))

	tests := []struct {
		day  string
		want store.State
	}{
		{d1, store.State{Tickets: []queue.Ticket{a1, a2, d1t}, MaxID: 5, LastSeq: 5, LastAt: b2.IssuedAt, LastDay: d2}},
		{d2, store.State{Tickets: []queue.Ticket{b1, b2}, MaxID: 5, LastSeq: 5, LastAt: b2.IssuedAt, LastDay: d2}},
		{d3, store.State{Tickets: []queue.Ticket{}, MaxID: 5, LastSeq: 5, LastAt: b2.IssuedAt, LastDay: d2}},
	}
	for _, tc := range tests {
		t.Run(tc.day, func(t *testing.T) {
			st, err := s.Load(tc.day)
			if err != nil {
				t.Fatal(err)
			}
			sameJSON(t, "state", st, tc.want)
		})
	}

	// A day rolled over with no ticket yet: the store is at the new day.
	commit(t, s, queue.Event{Seq: 6, Type: queue.EvDayRolled, At: at(60 * 24), Day: d3, Actor: "system"})
	if st, err := s.Load(d3); err != nil || st.LastDay != d3 || st.LastSeq != 6 || st.MaxID != 5 {
		t.Errorf("after a day_rolled event: LastDay %q LastSeq %d MaxID %d (%v), want %s 6 5", st.LastDay, st.LastSeq, st.MaxID, err, d3)
	}
}

// TestTicketsRange: Tickets and EachTicket return the tickets of the days
// from..to inclusive, in id order.
func TestTicketsRange(t *testing.T) {
	s := openStore(t, t.TempDir())
	days := []string{"2026-10-31", "2026-11-01", "2026-11-02", "2026-12-01"}
	var seq uint64
	for _, d := range days {
		for j := range 2 {
			seq++
			commit(t, s, issued(seq, ticket(seq, d, fmt.Sprintf("A%03d", j+1), 1)))
		}
	}
	tests := []struct {
		from, to string
		want     []uint64
	}{
		{"2026-11-01", "2026-11-02", []uint64{3, 4, 5, 6}},
		{"2026-11-01", "2026-11-01", []uint64{3, 4}},
		{"2026-01-01", "2026-12-31", []uint64{1, 2, 3, 4, 5, 6, 7, 8}},
		{"2026-11-03", "2026-11-30", nil},
		{"2026-12-01", "2026-11-01", nil},
	}
	for _, tc := range tests {
		t.Run(tc.from+".."+tc.to, func(t *testing.T) {
			got, err := s.Tickets(tc.from, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			var ids []uint64
			for _, tk := range got {
				ids = append(ids, tk.ID)
			}
			if !slices.Equal(ids, tc.want) {
				t.Errorf("Tickets: %v, want %v", ids, tc.want)
			}
			ids = nil
			err = s.EachTicket(tc.from, tc.to, func(tk *queue.Ticket) error {
				ids = append(ids, tk.ID)
				return nil
			})
			if err != nil || !slices.Equal(ids, tc.want) {
				t.Errorf("EachTicket: %v %v, want %v", ids, err, tc.want)
			}
		})
	}
	stop := errors.New("stop")
	n := 0
	if err := s.EachTicket("2026-01-01", "2026-12-31", func(*queue.Ticket) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Errorf("EachTicket stops on the callback's error: %v after %d", err, n)
	}
}

// TestEvents: Events(since, limit) pages through the log in order.
func TestEvents(t *testing.T) {
	s := openStore(t, t.TempDir())
	for seq := uint64(1); seq <= 25; seq++ {
		commit(t, s, issued(seq, ticket(seq, "2026-11-23", fmt.Sprintf("A%03d", seq), 1)))
	}
	tests := []struct {
		since      uint64
		limit      int
		first, num uint64
	}{
		{0, 10, 1, 10},
		{10, 10, 11, 10},
		{20, 10, 21, 5},
		{25, 10, 0, 0},
		{100, 10, 0, 0},
		{3, 0, 0, 0},
		{0, 1000, 1, 25},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("since %d limit %d", tc.since, tc.limit), func(t *testing.T) {
			evs, err := s.Events(tc.since, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if uint64(len(evs)) != tc.num {
				t.Fatalf("%d events, want %d", len(evs), tc.num)
			}
			for i, ev := range evs {
				if ev.Seq != tc.first+uint64(i) || ev.Type != queue.EvIssued || len(ev.Tickets) != 1 || ev.Tickets[0].ID != ev.Seq {
					t.Errorf("event %d: %+v", i, ev)
				}
			}
		})
	}
}

// TestBackup: Backup and BackupFile give files that open as stores holding
// the same records, taken while the store is in use.
func TestBackup(t *testing.T) {
	s := openStore(t, t.TempDir())
	day := "2026-11-23"
	for seq := uint64(1); seq <= 50; seq++ {
		commit(t, s, issued(seq, ticket(seq, day, fmt.Sprintf("D%03d", seq), 1)))
	}
	if err := s.AddUser(store.User{Name: "clerk1", Role: "clerk", Hash: []byte("h"), Created: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutMeta("config", map[string]string{"name_zh": "测试厅"}); err != nil {
		t.Fatal(err)
	}
	wantTickets, _ := s.Tickets(day, day)
	wantEvents, _ := s.Events(0, 100)

	viaWriter := t.TempDir()
	var buf bytes.Buffer
	n, err := s.Backup(&buf)
	if err != nil || n != int64(buf.Len()) || n == 0 {
		t.Fatalf("Backup: %d bytes (buffer %d): %v", n, buf.Len(), err)
	}
	if err := os.WriteFile(filepath.Join(viaWriter, store.FileName), buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	viaFile := t.TempDir()
	path := filepath.Join(viaFile, store.FileName)
	n, err = s.BackupFile(path)
	if fi, serr := os.Stat(path); err != nil || serr != nil || fi.Size() != n {
		t.Fatalf("BackupFile: %d bytes: %v %v", n, err, serr)
	}
	if _, err := os.Stat(path + ".tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("BackupFile left its temporary file: %v", err)
	}
	if _, err := s.BackupFile(filepath.Join(t.TempDir(), "missing", "x.db")); err == nil {
		t.Error("BackupFile into a missing directory succeeded")
	}

	for _, dir := range []string{viaWriter, viaFile} {
		b := openStore(t, dir)
		got, _ := b.Tickets(day, day)
		sameJSON(t, "tickets in "+dir, got, wantTickets)
		evs, _ := b.Events(0, 100)
		sameJSON(t, "events in "+dir, evs, wantEvents)
		if u, err := b.User("clerk1"); err != nil || u.Role != "clerk" {
			t.Errorf("user in %s: %+v %v", dir, u, err)
		}
		var cfg map[string]string
		if found, err := b.GetMeta("config", &cfg); !found || err != nil || cfg["name_zh"] != "测试厅" {
			t.Errorf("config in %s: %v %v %v", dir, cfg, found, err)
		}
	}
}

// TestUsers: add, refuse a duplicate, replace, read, list in name order.
func TestUsers(t *testing.T) {
	s := openStore(t, t.TempDir())
	if _, err := s.User("nobody"); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Errorf("unknown user: %v", err)
	}
	bob := store.User{Name: "bob", Display: "鲍勃", StaffNo: "GD2001", Role: "clerk", Hash: []byte("hash-b"), Created: t0}
	amy := store.User{Name: "amy", Display: "艾米", Role: "manager", Hash: []byte("hash-a"), Created: at(1)}
	for _, u := range []store.User{bob, amy} {
		if err := s.AddUser(u); err != nil {
			t.Fatalf("add %s: %v", u.Name, err)
		}
	}
	dup := bob
	dup.Role = "admin"
	if err := s.AddUser(dup); queue.ErrorCode(err) != queue.ECONFLICT || !strings.Contains(queue.ErrorMessage(err), "bob") {
		t.Errorf("duplicate user: %v", err)
	}
	if got, err := s.User("bob"); err != nil {
		t.Fatal(err)
	} else {
		sameJSON(t, "bob", got, bob)
	}
	bob.Disabled, bob.Hash = true, []byte("hash-b2")
	if err := s.PutUser(bob); err != nil {
		t.Fatal(err)
	}
	s = reopen(t, s)
	all, err := s.Users()
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "users", all, []store.User{amy, bob})
}

// TestSessions: put, read, delete; tokens are stored only as hashes.
func TestSessions(t *testing.T) {
	s := openStore(t, t.TempDir())
	ss := store.Session{User: "clerk1", Role: "clerk", Counter: 3, Created: t0, LastSeen: at(5)}
	if err := s.PutSession("secret-token", ss); err != nil {
		t.Fatal(err)
	}
	got, err := s.Session("secret-token")
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "session", got, ss)
	if _, err := s.Session("other-token"); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Errorf("unknown token: %v", err)
	}
	ss.LastSeen = at(90)
	if err := s.PutSession("secret-token", ss); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Session("secret-token"); !got.LastSeen.Equal(at(90)) {
		t.Errorf("updated session: %+v", got)
	}
	if err := s.DeleteSession("secret-token"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session("secret-token"); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Errorf("deleted session: %v", err)
	}
	if err := s.DeleteSession("secret-token"); err != nil {
		t.Errorf("deleting twice: %v", err)
	}
	checkClose(t, s)
	raw, _ := os.ReadFile(s.Path())
	if bytes.Contains(raw, []byte("secret-token")) {
		t.Error("a session token is stored in the clear")
	}
	if h := store.TokenHash("secret-token"); len(h) != 32 || bytes.Equal(h, store.TokenHash("other-token")) {
		t.Errorf("TokenHash: %x", h)
	}
}

// TestDevices: pair, read, revoke, list.
func TestDevices(t *testing.T) {
	s := openStore(t, t.TempDir())
	kiosk := store.Device{Name: "取号机1", Kind: "kiosk", Printer: "tcp://10.0.0.9:9100", Created: t0}
	keypad := store.Device{Name: "3号评价器", Kind: "keypad", Counter: 3, Created: at(1)}
	if err := s.PutDevice("tok-kiosk", kiosk); err != nil {
		t.Fatal(err)
	}
	if err := s.PutDevice("tok-keypad", keypad); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Device("tok-keypad"); err != nil {
		t.Fatal(err)
	} else {
		sameJSON(t, "keypad", got, keypad)
	}
	if _, err := s.Device("tok-none"); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Errorf("unknown device: %v", err)
	}
	// Devices keeps the list between changes: a read now, then a change,
	// must show the change.
	if all, err := s.Devices(); err != nil || len(all) != 2 || slices.ContainsFunc(all, func(d store.Device) bool { return d.Revoked }) {
		t.Fatalf("devices before the change: %+v %v", all, err)
	}
	kiosk.Revoked = true
	if err := s.PutDevice("tok-kiosk", kiosk); err != nil {
		t.Fatal(err)
	}
	all, err := s.Devices()
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(all, func(a, b store.Device) int { return strings.Compare(a.Name, b.Name) })
	want := []store.Device{keypad, kiosk}
	slices.SortFunc(want, func(a, b store.Device) int { return strings.Compare(a.Name, b.Name) })
	sameJSON(t, "devices", all, want)

	// Revoking by id changes the list too; a caller editing its copy does not.
	all[0].Name = "edited by the caller"
	entries, err := s.DeviceList()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name == keypad.Name {
			if _, err := s.RevokeDevice(e.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	all, err = s.Devices()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range all {
		if !d.Revoked || d.Name == "edited by the caller" {
			t.Errorf("after revoking the keypad: %+v", all)
		}
	}
}

// TestSeed: Seed writes the first config, services and counters once.
func TestSeed(t *testing.T) {
	s := openStore(t, t.TempDir())
	var cfg map[string]any
	if found, err := s.GetMeta("config", &cfg); found || err != nil {
		t.Errorf("config of a new store: %v %v", found, err)
	}
	svcs := []queue.Service{{Prefix: "A", NameZH: "电费缴纳"}, {Prefix: "B", NameZH: "业扩报装"}}
	ctrs := []queue.Counter{{Number: 1, NameZH: "1号窗口", Services: []string{"A", "B"}, State: queue.Closed}}
	seeded, err := s.Seed(map[string]string{"name_zh": "一厅"}, svcs, ctrs)
	if !seeded || err != nil {
		t.Fatalf("first seed: %v %v", seeded, err)
	}
	seeded, err = s.Seed(map[string]string{"name_zh": "二厅"}, svcs[:1], nil)
	if seeded || err != nil {
		t.Errorf("second seed: %v %v", seeded, err)
	}
	var got map[string]string
	if found, err := s.GetMeta("config", &got); !found || err != nil || got["name_zh"] != "一厅" {
		t.Errorf("config after two seeds: %v %v %v", got, found, err)
	}
	st, err := s.Load("2026-11-23")
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "seeded services", st.Services, svcs)
	sameJSON(t, "seeded counters", st.Counters, ctrs)
}

// TestConcurrentCommits: many writers at once all land, each in one piece.
func TestConcurrentCommits(t *testing.T) {
	s := openStore(t, t.TempDir())
	day := "2026-11-23"
	const writers, each = 32, 20
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				id := uint64(w*each + i + 1)
				tk := ticket(id, day, fmt.Sprintf("A%03d", id%1000), 1)
				ev := issued(id, tk)
				ev.Counters = []queue.Counter{{Number: w + 1, NameZH: "x", Services: []string{"A"}, Rev: i + 1}}
				if err := s.Commit([]queue.Event{ev}, nil); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	st, err := s.Load(day)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Tickets) != writers*each || st.LastSeq != writers*each || st.MaxID != writers*each {
		t.Errorf("%d tickets, last seq %d, max id %d; want %d", len(st.Tickets), st.LastSeq, st.MaxID, writers*each)
	}
	for _, c := range st.Counters {
		if c.Rev != each {
			t.Errorf("counter %d at revision %d, want the newest %d", c.Number, c.Rev, each)
		}
	}
	evs, _ := s.Events(0, 2*writers*each)
	for i, ev := range evs {
		if ev.Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d", i, ev.Seq)
		}
	}
}
