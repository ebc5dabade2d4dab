package history_test

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"hallq/history"
	"hallq/queue"
)

// TestCrashBeforeRename kills a real child process (SIGKILL) after it wrote
// and synced a segment's temporary file, before the rename: no segment is
// visible, Scan names the leftover, Clean removes it, and the day is sealed
// again afterwards.
func TestCrashBeforeRename(t *testing.T) {
	if dir := os.Getenv("HISTORY_CRASH_DIR"); dir != "" {
		history.SetBeforeRename(func(tmp string) {
			fmt.Println("synced", tmp)
			select {} // the parent kills the process here
		})
		_, err := history.WriteFile(history.PathFor(dir, "2026-12-04"), handDay(), history.WriteOptions{})
		fmt.Println("returned", err)
		os.Exit(3)
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashBeforeRename$", "-test.count=1")
	cmd.Env = append(os.Environ(), "HISTORY_CRASH_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "synced ") {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child said %q (%v)", line, err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	path := history.PathFor(dir, "2026-12-04")
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a segment is visible after the crash: %v", err)
	}
	ix, err := history.Scan(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ix.Segments) != 0 || len(ix.Incomplete) != 1 || ix.Incomplete[0] != path+".tmp" {
		t.Fatalf("after the crash: segments %v, incomplete %v", ix.Segments, ix.Incomplete)
	}
	if err := ix.Clean(); err != nil {
		t.Fatal(err)
	}
	if ix, _ := history.Scan(dir); len(ix.Incomplete) != 0 || len(ix.Segments) != 0 {
		t.Fatalf("after Clean: %+v", ix)
	}
	if _, err := history.WriteFile(path, handDay(), history.WriteOptions{}); err != nil {
		t.Fatalf("sealing again after the crash: %v", err)
	}
	seg, err := history.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := seg.Verify(); err != nil {
		t.Fatal(err)
	}
}

// shiftDay copies d's events onto another day, their sequence numbers moved by
// add.
func shiftDay(d *history.Day, day string, add uint64) *history.Day {
	out := &history.Day{Day: day}
	for _, ev := range d.Events {
		ev.Seq += add
		ev.Day = day
		out.Events = append(out.Events, ev)
	}
	return out
}

func TestIndexAcrossDays(t *testing.T) {
	dir := t.TempDir()
	base := handDay()
	days := []*history.Day{
		shiftDay(base, "2025-12-31", 0),
		{Day: "2026-01-01"}, // a holiday: no events
		shiftDay(base, "2026-01-02", 1000),
		shiftDay(base, "2026-12-04", 2000),
	}
	var all []queue.Event
	for _, d := range days {
		if _, err := history.WriteFile(history.PathFor(dir, d.Day), d, history.WriteOptions{BlockEvents: 3}); err != nil {
			t.Fatal(err)
		}
		all = append(all, d.Events...)
	}
	os.WriteFile(filepath.Join(dir, "2026", "2026-12-05.seg.tmp"), []byte("half"), 0o640)
	os.WriteFile(filepath.Join(dir, "README"), []byte("x"), 0o640)
	os.WriteFile(filepath.Join(dir, "2026", "2025-06-01.seg"), []byte("x"), 0o640) // in the wrong year

	ix, err := history.Scan(dir + "/")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ix.Segments {
		got = append(got, e.Day)
	}
	if !slices.Equal(got, []string{"2025-12-31", "2026-01-01", "2026-01-02", "2026-12-04"}) {
		t.Fatalf("segments %v", got)
	}
	if len(ix.Incomplete) != 1 || len(ix.Foreign) != 2 {
		t.Fatalf("incomplete %v foreign %v", ix.Incomplete, ix.Foreign)
	}
	if e, ok := ix.Find("2026-01-02"); !ok || e.Path != history.PathFor(dir, "2026-01-02") || e.Size == 0 {
		t.Fatalf("find: %+v %v", e, ok)
	}
	if _, ok := ix.Find("2026-01-03"); ok {
		t.Fatal("found a day never sealed")
	}
	if r := ix.Range("2026-01-01", "2026-06-30"); len(r) != 2 || r[0].Day != "2026-01-01" || r[1].Day != "2026-01-02" {
		t.Fatalf("range %+v", r)
	}
	if r := ix.Range("2027-01-01", "2027-12-31"); len(r) != 0 {
		t.Fatalf("range past the end %+v", r)
	}
	for _, since := range []uint64{0, 50, 100, 105, 200, 1000, 1100, 1150, 1200, 2105, 2200, 9999} {
		var want []queue.Event
		for _, ev := range all {
			if ev.Seq > since {
				want = append(want, ev)
			}
		}
		var got [][]byte
		err := ix.EachEventSince(since, func(ev *queue.Event) error {
			history.Restore(ev, map[uint64]history.Personal{41: {Ticket: 41, Phone: "13800000001", Account: "0123456789"}})
			got = append(got, jsonOf(t, ev))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		sameEvents(t, got, want)
	}

	// A damaged segment stops a read that needs it, naming it.
	bad := history.PathFor(dir, "2026-01-02")
	data, _ := os.ReadFile(bad)
	data[len(data)-30] ^= 1
	os.WriteFile(bad, data, 0o640)
	for _, since := range []uint64{0, 1100, 2098} { // 2098: the damaged day might hold 2099
		err = ix.EachEventSince(since, func(*queue.Event) error { return nil })
		if !errors.Is(err, history.ErrDamaged) || !strings.Contains(err.Error(), bad) {
			t.Fatalf("since %d: err %v, want %s named damaged", since, err, bad)
		}
	}
	// A read from the next day's first event on does not need it (the
	// damaged day's events all come before).
	n := 0
	if err := ix.EachEventSince(2099, func(*queue.Event) error { n++; return nil }); err != nil || n != len(base.Events) {
		t.Fatalf("after the damaged day: %d events, %v", n, err)
	}
}

func TestScanMissingDir(t *testing.T) {
	ix, err := history.Scan(filepath.Join(t.TempDir(), "none"))
	if err != nil || len(ix.Segments) != 0 || ix.Size() != 0 {
		t.Fatalf("%+v %v", ix, err)
	}
}
