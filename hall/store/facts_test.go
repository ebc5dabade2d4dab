package store_test

import (
	"bufio"
	"bytes"
	"context"
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

// factsToday is the committed day of monthsStore: its store holds days of
// three months, October (hand-made), November and December (simulated).
const factsToday = "2026-12-02"

// monthsStore writes a store of four days in three months, none sealed:
// 2026-10-30 (three tickets, a rating), 2026-11-29, 2026-11-30 and
// 2026-12-01 (simulated, small profile), and one ticket today.
func monthsStore(t *testing.T, dir string) []string {
	t.Helper()
	s, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sh := time.FixedZone("CST", 8*3600)
	old := "2026-10-30"
	var evs []queue.Event
	for i := range 3 {
		tk := ticket(uint64(i+1), old, fmt.Sprintf("A%03d", i+1), 1)
		tk.IssuedAt = time.Date(2026, 10, 30, 9, i, 0, 0, sh)
		evs = append(evs, issued(uint64(i+1), tk))
	}
	commit(t, s, evs...)
	rating := queue.Record{Kind: "rating", Key: "00000000000000000001", Rev: 1,
		Data: json.RawMessage(`{"ticket":1,"day":"2026-10-30","score":4,"clerk":"wang","counter":1}`)}
	commit(t, s, queue.Event{Seq: 4, Type: "service_rated", At: time.Date(2026, 10, 30, 9, 30, 0, 0, sh), Day: old,
		Actor: "keypad", Ticket: 1, Records: []queue.Record{rating}})
	end := time.Date(2026, 12, 2, 8, 0, 0, 0, sh)
	if _, err := sim.Run(s, sim.Options{Days: 3, Seed: 7, Profile: "small", NewHall: config.Default(), End: end}); err != nil {
		t.Fatal(err)
	}
	last, _, _ := s.LastEvent()
	d := ticket(900001, factsToday, "B001", 1)
	d.IssuedAt = end
	commit(t, s, issued(last.Seq+1, d))
	return []string{old, "2026-11-29", "2026-11-30", "2026-12-01", factsToday}
}

// factsView is what reads of closed months give: every rollup day, the
// report's rollups of each month alone, and every ticket by its tracking
// code.
type factsView struct {
	rollups  map[string][]byte // "all" or a month
	tracking map[string][]byte // code → ticket JSON (a sample)
	values   map[string][]byte // code → tracking value, every code
}

func factsViewOf(t *testing.T, s *store.Store) factsView { return factsViewEvery(t, s, 25) }

// factsViewEvery is factsViewOf reading the ticket of every nth code (and
// of every October code).
func factsViewEvery(t *testing.T, s *store.Store, nth int) factsView {
	t.Helper()
	v := factsView{rollups: map[string][]byte{}, tracking: map[string][]byte{}, values: map[string][]byte{}}
	for _, r := range [][2]string{{"2000-01-01", "2099-12-31"}, {"2026-10-01", "2026-10-31"},
		{"2026-11-30", "2026-12-01"}, {"2026-11-01", "2026-11-29"}, {"2026-12-01", "2026-12-31"}} {
		var rs []string
		if err := s.EachRollupDay(r[0], r[1], func(d *store.RollupDay) error {
			b, _ := json.Marshal(d)
			rs = append(rs, string(b))
			return nil
		}); err != nil {
			t.Fatalf("rollups %s..%s: %v", r[0], r[1], err)
		}
		v.rollups[r[0]+".."+r[1]], _ = json.Marshal(rs)
	}
	ts, err := s.Tickets("2000-01-01", "2099-12-31")
	if err != nil {
		t.Fatal(err)
	}
	// Every code is found (hot, or in its month's file), and every nth
	// code's ticket read (a sealed ticket decodes a block of its day's
	// segment: all of them in every view would take minutes under -race).
	for i, tk := range ts {
		raw, err := store.TrackingValue(s, tk.Tracking)
		if err != nil || raw == nil {
			t.Fatalf("tracking %s (ticket %d of %s): %q %v", tk.Tracking, tk.ID, tk.Day, raw, err)
		}
		v.values[tk.Tracking] = raw
		if i%nth != 0 && tk.Day != "2026-10-30" {
			continue
		}
		got, err := s.TicketByTracking(tk.Tracking)
		if err != nil {
			t.Fatalf("tracking %s (ticket %d of %s): %v", tk.Tracking, tk.ID, tk.Day, err)
		}
		v.tracking[tk.Tracking], _ = json.Marshal(got)
	}
	if _, err := s.TicketByTracking("NOSUCHCODE"); err == nil {
		t.Fatal("an unknown tracking code was found")
	}
	return v
}

func sameFacts(t *testing.T, what string, a, b factsView) {
	t.Helper()
	if len(a.values) < 500 {
		t.Fatalf("%s: only %d tracking codes", what, len(a.values))
	}
	for k, x := range a.rollups {
		if !bytes.Equal(x, b.rollups[k]) {
			t.Errorf("%s: the rollups of %s differ", what, k)
		}
	}
	// b reads every code's ticket or a sample of them (factsViewEvery).
	if len(b.tracking) < 20 {
		t.Errorf("%s: only %d tickets read by their tracking code", what, len(b.tracking))
	}
	for k, x := range b.tracking {
		if !bytes.Equal(x, a.tracking[k]) {
			t.Errorf("%s: tracking code %s gives a different ticket", what, k)
		}
	}
	if len(a.values) != len(b.values) {
		t.Errorf("%s: %d tracking codes found, %d before", what, len(b.values), len(a.values))
	}
}

// sameValues: every tracking code finds the same value (both views of a
// store sealed as far, so every value has its sealed form in both).
func sameValues(t *testing.T, what string, a, b factsView) {
	t.Helper()
	for k, x := range a.values {
		if !bytes.Equal(x, b.values[k]) {
			t.Errorf("%s: tracking code %s finds %x, %x before", what, k, b.values[k], x)
		}
	}
}

// TestCloseMonths: once November is sealed to its end, October's and
// November's rollups and tracking codes leave the hot file for their month
// facts files; every report figure and every tracking code reads the same
// before and after, and after a restart.
func TestCloseMonths(t *testing.T) {
	dir := t.TempDir()
	days := monthsStore(t, dir)
	s := openStore(t, dir)
	before, beforeAll := factsViewOf(t, s), viewOf(t, s, days)
	// Sealed with the months still hot (as a store of the base left them),
	// then the months closed: every code finds the same value.
	restore := store.SetCloseMonths(false)
	if _, err := s.SealBefore(factsToday); err != nil {
		t.Fatal(err)
	}
	restore()
	if r, _ := store.HotFacts(s); r["2026-10"] == 0 || r["2026-11"] == 0 || r["2026-12"] == 0 {
		t.Fatalf("the hot rollups before closing: %v", r)
	}
	sealed := factsViewOf(t, s)
	sameFacts(t, "sealed", before, sealed)
	if months, err := s.CloseMonths(); err != nil || len(months) != 2 {
		t.Fatalf("closed %v (%v), want October and November", months, err)
	}
	if ft, err := s.FactsThrough(); err != nil || ft != "2026-11" {
		t.Fatalf("facts through %q (%v), want 2026-11", ft, err)
	}
	hdir := filepath.Join(dir, history.Dir)
	for _, m := range []string{"2026-10", "2026-11"} {
		if _, err := os.Stat(history.FactsPathFor(hdir, m)); err != nil {
			t.Errorf("the facts file of %s: %v", m, err)
		}
	}
	if _, err := os.Stat(history.FactsPathFor(hdir, "2026-12")); err == nil {
		t.Error("December, not sealed to its end, has a facts file")
	}
	r, tr := store.HotFacts(s)
	if r["2026-10"]+r["2026-11"]+tr["2026-10"]+tr["2026-11"] != 0 || r["2026-12"] == 0 || tr["2026-12"] == 0 {
		t.Errorf("the hot file after closing the months: rollups %v, tracking %v", r, tr)
	}
	if ix, err := history.Scan(hdir); err != nil || len(ix.Facts) != 2 || ix.Facts[0].Day != "2026-10" {
		t.Errorf("scan lists facts files %v (%v)", ix.Facts, err)
	}
	closed := factsViewOf(t, s)
	sameFacts(t, "after closing the months", before, closed)
	sameValues(t, "after closing the months", sealed, closed)
	sameView(t, "after closing the months", beforeAll, viewOf(t, s, days))
	if again, err := s.CloseMonths(); err != nil || len(again) != 0 {
		t.Errorf("closing again: %v %v", again, err)
	}
	if _, err := s.Verify(); err != nil {
		t.Fatalf("check: %v", err)
	}
	s.Close()
	s = openStore(t, dir)
	sameFacts(t, "after a restart", before, factsViewOf(t, s))
	sameValues(t, "after a restart", sealed, factsViewOf(t, s))
	if err := s.RebuildRollups(); err != nil {
		t.Fatal(err)
	}
	sameFacts(t, "after rebuilding the rollups", before, factsViewOf(t, s))

	// A flipped byte in October's file: the reads of October fail with
	// the way out, the rest read on; the verifier and the check name it.
	oct := history.FactsPathFor(hdir, "2026-10")
	raw, err := os.ReadFile(oct)
	if err != nil {
		t.Fatal(err)
	}
	bad := bytes.Clone(raw)
	bad[len(bad)/3] ^= 0x01
	if err := os.WriteFile(oct, bad, 0o640); err != nil {
		t.Fatal(err)
	}
	var de *history.DamagedError
	err = s.EachRollupDay("2026-10-01", "2026-12-31", func(*store.RollupDay) error { return nil })
	if !errors.As(err, &de) || de.Path != oct || !strings.Contains(err.Error(), "restore --history-only") {
		t.Errorf("rollups over the damaged month: %v, want its DamagedError with the way out", err)
	}
	n := 0
	if err := s.EachRollupDay("2026-11-01", "2026-12-31", func(*store.RollupDay) error { n++; return nil }); err != nil || n == 0 {
		t.Errorf("rollups after the damaged month: %d days, %v", n, err)
	}
	if _, err := s.TicketByTracking(fmt.Sprintf("TRK%09d", 1)); !errors.As(err, &de) {
		t.Errorf("an October tracking code: %v, want the DamagedError", err)
	}
	if _, err := s.TicketByTracking(fmt.Sprintf("TRK%09d", 900001)); err != nil {
		t.Errorf("today's tracking code: %v", err)
	}
	if _, damaged, err := s.VerifyHistory(context.Background(), time.Now(), 100); err != nil || len(damaged) != 1 {
		t.Errorf("the verifier found %v (%v), want October's file", damaged, err)
	}
	if p := s.HistoryProblems(); len(p) != 1 || !strings.Contains(p[0], oct) {
		t.Errorf("history problems %v, want October's file", p)
	}
	if _, err := s.Verify(); err == nil || !strings.Contains(err.Error(), oct) {
		t.Errorf("check with a damaged facts file: %v", err)
	}
	// A missing one the same.
	if err := os.Remove(oct); err != nil {
		t.Fatal(err)
	}
	if err := s.EachRollupDay("2026-10-30", "2026-10-30", func(*store.RollupDay) error { return nil }); !errors.As(err, &de) || de.Path != oct {
		t.Errorf("rollups of a missing month: %v", err)
	}
	// Restored: everything reads as before.
	if err := os.WriteFile(oct, raw, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, damaged, err := s.VerifyHistory(context.Background(), time.Now(), 100); err != nil || len(damaged) != 0 {
		t.Errorf("the verifier after the restore: %v %v", damaged, err)
	}
	if p := s.HistoryProblems(); len(p) != 0 {
		t.Errorf("history problems after the restore: %v", p)
	}
	sameFacts(t, "after restoring the file", before, factsViewOf(t, s))
}

const factsCrashEnv = "HALLQ_FACTS_CRASH"

// TestCloseMonthKilled: a process killed between the month's facts file and
// the hot transaction leaves the month hot (the file unused); the next run
// writes the file again and moves the month.
func TestCloseMonthKilled(t *testing.T) {
	if dir := os.Getenv(factsCrashEnv); dir != "" {
		store.SetBeforeFactsTx(func(path string) { fmt.Println("stopped", path); select {} })
		s, err := store.Open(dir)
		if err != nil {
			fmt.Println("open", err)
			os.Exit(3)
		}
		_, err = s.SealBefore(factsToday)
		fmt.Println("returned", err)
		os.Exit(3)
	}
	dir := t.TempDir()
	monthsStore(t, dir)
	s := openStore(t, dir)
	before := factsViewOf(t, s)
	s.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCloseMonthKilled$", "-test.count=1")
	cmd.Env = append(os.Environ(), factsCrashEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	oct := history.FactsPathFor(filepath.Join(dir, history.Dir), "2026-10")
	if err != nil || strings.TrimSpace(line) != "stopped "+oct {
		t.Fatalf("child said %q (%v), want it stopped after October's file", line, err)
	}
	s = openStore(t, dir)
	if ft, _ := s.FactsThrough(); ft != "" {
		t.Errorf("facts through %q after the kill", ft)
	}
	if r, _ := store.HotFacts(s); r["2026-10"] == 0 {
		t.Errorf("October's rollups left the hot file before its transaction: %v", r)
	}
	sameFacts(t, "after the kill", before, factsViewOf(t, s))
	// A file cut in half (a kill while writing it) is written again too.
	if err := os.Truncate(oct, 40); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SealBefore(factsToday); err != nil {
		t.Fatal(err)
	}
	if ft, _ := s.FactsThrough(); ft != "2026-11" {
		t.Errorf("facts through %q after the next run", ft)
	}
	sameFacts(t, "closed after the kill", before, factsViewOf(t, s))
}
