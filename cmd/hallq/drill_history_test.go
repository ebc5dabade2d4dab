package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	backups "hallq/backup"
	"hallq/hall/config"
	"hallq/hall/store"
	"hallq/history"
	"hallq/internal/killpoint"
	"hallq/queue"
	"hallq/sim"
)

// crashChildTickEnv, when set (a duration), is the hall's tick in a server
// child (TestCrashChild): the sealer looks for a day to seal that often,
// and the daily backup schedule is off, so only the drill's backups run.
const crashChildTickEnv = "HALLQ_CRASH_CHILD_TICK"

// Ticks of the server children of TestCrashHistory: a sealing child seals
// at once; a quiet one never within a round.
const (
	tickSealing = "100ms"
	tickQuiet   = "1h"
)

// killChild starts a server child on dir, armed (killpoint) to kill itself
// at point ("" for none). served is false when it died before serving (a
// kill at open, as in the compaction); then it is gone. gone is closed once
// the process has ended (its stdout closed); stderr is its file.
func killChild(t *testing.T, dir, addr, tick, point string) (c *crashChild, gone chan struct{}, stderr string, served bool) {
	t.Helper()
	stderr = filepath.Join(t.TempDir(), "stderr")
	errf, err := os.Create(stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer errf.Close()
	c = &crashChild{cmd: exec.Command(childBinary(t), "-test.run=^TestCrashChild$", "-test.count=1")}
	c.cmd.Env = append(os.Environ(), crashChildEnv+"="+dir, crashChildAddrEnv+"="+addr,
		crashChildTickEnv+"="+tick, killpoint.Env+"="+point)
	c.cmd.Stderr = errf
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan crashChildInfo, 1)
	gone = make(chan struct{})
	go func() {
		defer close(gone)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if line, ok := strings.CutPrefix(sc.Text(), crashChildMarker); ok {
				var info crashChildInfo
				if json.Unmarshal([]byte(line), &info) == nil {
					found <- info
				}
			}
		}
		io.Copy(io.Discard, out)
	}()
	select {
	case info := <-found:
		c.url, c.demo = info.URL, info.Demo
		return c, gone, stderr, true
	case <-gone:
	case <-time.After(2 * time.Minute):
		t.Errorf("the server child neither served nor ended in 2 minutes")
	}
	c.kill()
	return c, gone, stderr, false
}

// killedAt fails unless the child's stderr says it was killed at point.
func killedAt(t *testing.T, stderr, point string) {
	t.Helper()
	b, _ := os.ReadFile(stderr)
	if !strings.Contains(string(b), "killpoint "+point+"\n") {
		t.Fatalf("the child was not killed at %s; its stderr:\n%s", point, b)
	}
}

// simEvents reads the events of the simulated days (sequences up to last)
// from dir, each as its JSON, failing on a sequence met twice.
func simEvents(t *testing.T, dir string, last uint64) map[uint64][]byte {
	t.Helper()
	st, err := store.OpenReadOnly(dir)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer st.Close()
	out := map[uint64][]byte{}
	err = st.EachEvent(0, func(ev queue.Event) error {
		if ev.Seq > last {
			return nil
		}
		if _, twice := out[ev.Seq]; twice {
			return fmt.Errorf("event %d read twice", ev.Seq)
		}
		raw, err := json.Marshal(ev)
		out[ev.Seq] = raw
		return err
	})
	if err != nil {
		t.Fatalf("events: %v", err)
	}
	return out
}

// sameEvents fails unless got holds every event of want, equal, and no other.
func sameEvents(t *testing.T, what string, want, got map[uint64][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d simulated events, want %d", what, len(got), len(want))
	}
	for seq, w := range want {
		if g, ok := got[seq]; !ok {
			t.Errorf("%s: event %d is missing", what, seq)
			return
		} else if !bytes.Equal(g, w) {
			t.Errorf("%s: event %d differs:\n%s\nwant\n%s", what, seq, g, w)
			return
		}
	}
}

// checkClean runs hallq check on dir and fails unless it is clean.
func checkClean(t *testing.T, what, dir string) {
	t.Helper()
	out, _, err := cmdRun(t, "", "check", "--data", dir)
	if err != nil || !strings.Contains(out, "ok: ") {
		t.Errorf("%s: hallq check: %v\n%s", what, err, out)
	}
}

// sealedThrough is the store's last sealed day.
func sealedThrough(t *testing.T, dir string) string {
	t.Helper()
	st, err := store.OpenReadOnly(dir)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer st.Close()
	day, err := st.SealedThrough()
	if err != nil {
		t.Fatal(err)
	}
	return day
}

// listedBackups lists the backups (hallq-….db.gz, hallq-….db) in dir.
func listedBackups(dir string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, "hallq-*.db"))
	gz, _ := filepath.Glob(filepath.Join(dir, "hallq-*.db.gz"))
	return append(m, gz...)
}

// TestCrashHistory adds kill -9 during sealing, during a backup and during
// the migration of an old store to the crash drill (docs/storage.md, crash
// safety). The hall holds four simulated days, all in the hot file as a
// store of schema 1 left them; real server processes (TestCrashChild) run
// the real program under the kiosks', clerks' and keypads' load and kill
// themselves (SIGKILL, package killpoint) at named points:
//
//   - sealing (the migration's first runs): half a segment written; a
//     segment in place before the transaction that removes its day from the
//     hot file; between two sealed days; half the last day's segment;
//   - the console's backup into DATA/backups: halfway through the hot copy,
//     halfway through the second segment's copy, halfway through the
//     manifest, and with the manifest in place before the hot file's
//     rename; `hallq backup FILE.tar` halfway through its third segment;
//   - the compaction of the sealed store at open: the copy written but not
//     checked, and between its two renames.
//
// make test kills once in each part (a segment in place before its hot
// transaction, then the last day sealed; the second segment's copy of
// the console's backup; the tar; between the compaction's renames); the
// crash drill (make drill, or HALLQ_DRILL=1) at every point above.
//
// After each kill the store opens, bbolt's check passes, every acknowledged
// ticket, call, finish and rating is there once (crashVerify), every
// simulated event reads back once and equal, hallq check is clean, and a
// server starts on it and takes tickets (the next armed one, which must
// serve under load before its kill, or a quiet one); then the sealing, the backup and
// the compaction resume and finish, and the finished backups restore into
// an empty directory and check clean.
func TestCrashHistory(t *testing.T) {
	t.Parallel()
	if os.Getenv(crashChildEnv) != "" || os.Getenv(cmdChildEnv) != "" {
		t.Skip("inside a child process")
	}
	dir := t.TempDir()
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := sim.Run(st, sim.Options{Days: 4, Seed: 5, Profile: "small", NewHall: config.Default()})
	if err == nil {
		// Open at every hour, as the other crash tests' halls (the load
		// must not meet a Saturday afternoon's closed hall).
		var cfg queue.Config
		if _, err = st.GetMeta("config", &cfg); err == nil {
			cfg.Hours = nil
			err = st.PutMeta("config", cfg)
		}
	}
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	last, err := func() (uint64, error) {
		st, err := store.OpenReadOnly(dir)
		if err != nil {
			return 0, err
		}
		defer st.Close()
		ev, ok, err := st.LastEvent()
		if !ok && err == nil {
			err = fmt.Errorf("no event")
		}
		return ev.Seq, err
	}()
	if err != nil {
		t.Fatal(err)
	}
	simulated := simEvents(t, dir, last)
	addr := freeAddr(t)
	led := &crashLedger{issued: map[uint64]queue.Ticket{}, called: map[uint64]int{}, finished: map[uint64]bool{}, rated: map[uint64]int{}}
	const budget = 40
	round, kills := 0, 0
	// verify checks the data directory after a kill. With restart it then
	// starts a quiet server on it under load and checks again after killing
	// that; without, the next round's server, which must serve under load
	// before its own kill, is the proof that the hall starts (each server
	// costs seconds; the checks after it run in this process, under -race
	// in make test).
	db := filepath.Join(dir, store.FileName)
	verify := func(what string, restart bool) {
		t.Helper()
		if exists(db) { // not between the compaction's renames: the start finishes them
			crashVerify(t, dir, led, round)
			sameEvents(t, what, simulated, simEvents(t, dir, last))
			checkClean(t, what, dir)
		}
		if !restart {
			if t.Failed() {
				t.FailNow()
			}
			return
		}
		c, _, stderr, served := killChild(t, dir, addr, tickQuiet, "")
		if !served {
			b, _ := os.ReadFile(stderr)
			t.Fatalf("%s: the hall does not start: %s", what, b)
		}
		crashLoad(t, c, led, budget, 300*time.Millisecond)
		round++
		crashVerify(t, dir, led, round)
		sameEvents(t, what+", restarted", simulated, simEvents(t, dir, last))
		checkClean(t, what+", restarted", dir)
		round++
		if t.Failed() {
			t.FailNow()
		}
	}
	// killUnderLoad starts a server armed at point under load, runs
	// trigger (if any) and waits for the process to kill itself.
	killUnderLoad := func(tick, point string, trigger func(c *crashChild) bool) {
		t.Helper()
		c, gone, stderr, served := killChild(t, dir, addr, tick, point)
		if !served && !strings.HasPrefix(point, "compact-") { // only the compaction kills at open
			b, _ := os.ReadFile(stderr)
			t.Fatalf("the hall armed at %s did not start: %s", point, b)
		}
		if served {
			crashLoadUntil(t, c, led, budget, func() {
				if trigger != nil && !trigger(c) {
					return // it failed: no kill is coming
				}
				select {
				case <-gone:
				case <-time.After(5 * time.Minute):
				}
			})
			round++
		}
		killedAt(t, stderr, point)
		kills++
	}
	segments := func() int {
		ix, err := history.Scan(filepath.Join(dir, history.Dir))
		if err != nil {
			t.Fatal(err)
		}
		return len(ix.Segments)
	}

	// make test kills once in each part (each kill is followed by the
	// checks above, under -race there); the crash drill (make drill) at
	// every point.
	sealPoints, lastSeal := []string{"seal-hot-tx"}, "seal-day-done:4"
	backupPoints := []string{"backup-segment-copy:2"}
	compactPoints := []string{"compact-renamed"}
	if os.Getenv(crashBackupRoundsEnv) != "" || os.Getenv("HALLQ_DRILL") != "" {
		sealPoints, lastSeal = []string{"seal-segment-write", "seal-hot-tx", "seal-day-done:2", "seal-segment-write:2"}, "seal-day-done"
		backupPoints = []string{"backup-hot-copy", "backup-segment-copy:2", "backup-manifest", "backup-hot-rename"}
		compactPoints = []string{"compact-copied", "compact-renamed"}
	}
	if res.Days != 4 {
		t.Fatalf("simulated %d days, the kill points are for 4", res.Days)
	}

	// Sealing: the store's whole history is hot, as schema 1 left it.
	for _, point := range sealPoints {
		through, had := sealedThrough(t, dir), segments()
		killUnderLoad(tickSealing, point, nil)
		half, _ := filepath.Glob(filepath.Join(dir, history.Dir, "*", "*.seg.tmp"))
		switch point {
		case "seal-segment-write", "seal-segment-write:2": // half a segment, under its temporary name
			if len(half) != 1 || sealedThrough(t, dir) != through && point == "seal-segment-write" {
				t.Fatalf("killed at %s: temporary segments %v, sealed through %q (was %q)", point, half, sealedThrough(t, dir), through)
			}
		case "seal-hot-tx": // the segment in place, its day still hot
			if segments() != had+1 || sealedThrough(t, dir) != through {
				t.Fatalf("killed at %s: %d segments (had %d), sealed through %q (was %q)", point, segments(), had, sealedThrough(t, dir), through)
			}
		}
		verify("killed at "+point, false)
	}
	if got := sealedThrough(t, dir); got >= res.LastDay {
		t.Fatalf("sealed through %s before the last round", got)
	}
	killUnderLoad(tickSealing, lastSeal, nil) // the last simulated day
	if got := sealedThrough(t, dir); got != res.LastDay || segments() != res.Days {
		t.Fatalf("after the kills: sealed through %q, %d segments; want %s, %d", got, segments(), res.LastDay, res.Days)
	}
	verify("sealing finished", true)

	// The console's backup into DATA/backups, killed on the server.
	bdir := filepath.Join(dir, backups.Dir)
	// The manager's client waits for a backup as long as it takes (a
	// compressed copy on a loaded machine can take more than the load's
	// 10 s).
	manager := func(c *crashChild) *crashClient {
		m := newCrashClient(c.url, "")
		m.http.Timeout = 5 * time.Minute
		return m
	}
	console := func(c *crashChild) bool {
		m := manager(c)
		if status, body, err := m.post("/api/v1/login", map[string]any{"user": "manager", "password": "manager-demo"}); err != nil || status != http.StatusOK {
			t.Errorf("manager login: %d %s %v", status, body, err)
			return false
		}
		time.Sleep(100 * time.Millisecond) // the load runs first
		if status, body, err := m.post("/api/v1/backups", map[string]any{}); err == nil {
			t.Errorf("the backup the server was to be killed in answered %d %s", status, body)
			return false
		}
		return true
	}
	for _, point := range backupPoints {
		killUnderLoad(tickQuiet, point, console)
		if got := listedBackups(bdir); len(got) != 0 {
			t.Fatalf("killed at %s: a backup is listed: %v", point, got)
		}
		verify("a backup killed at "+point, false)
	}
	// The next backup cleans up and finishes; it restores into an empty
	// directory, every sealed day with it.
	var made backups.File
	c, _, _, _ := killChild(t, dir, addr, tickQuiet, "")
	crashLoadUntil(t, c, led, budget, func() {
		m := manager(c)
		m.post("/api/v1/login", map[string]any{"user": "manager", "password": "manager-demo"})
		status, body, err := m.post("/api/v1/backups", map[string]any{})
		if err != nil || status != http.StatusCreated || json.Unmarshal(body, &made) != nil {
			t.Errorf("the backup after the kills: %d %s %v", status, body, err)
		}
	})
	round++
	if made.Segments != res.Days {
		t.Errorf("the backup after the kills lists %d sealed days, want %d", made.Segments, res.Days)
	}
	left, _ := filepath.Glob(filepath.Join(bdir, "*.tmp"))
	more, _ := filepath.Glob(filepath.Join(bdir, history.Dir, "*", "*.tmp"))
	if left = append(left, more...); len(left) > 0 || len(listedBackups(bdir)) != 1 {
		t.Errorf("after the backup that finished: left %v, listed %v", left, listedBackups(bdir))
	}
	restored := func(what, from string) {
		t.Helper()
		into := filepath.Join(t.TempDir(), "restored")
		if out, _, err := cmdRun(t, "", "restore", from, "--data", into); err != nil {
			t.Fatalf("%s: restore: %v\n%s", what, err, out)
		}
		checkClean(t, what+" restored", into)
		sameEvents(t, what+" restored", simulated, simEvents(t, into, last))
		if got := sealedThrough(t, into); got != res.LastDay {
			t.Errorf("%s restored: sealed through %q, want %s", what, got, res.LastDay)
		}
	}
	restored("the console's backup", filepath.Join(bdir, made.Name))

	// `hallq backup FILE.tar` (no server), killed in its third segment.
	archive := filepath.Join(t.TempDir(), "hall.tar")
	cmd := exec.Command(childBinary(t), "-test.run=^TestCmdChild$", "-test.count=1")
	raw, _ := json.Marshal([]string{"backup", archive, "--data", dir})
	var out bytes.Buffer
	cmd.Env = append(os.Environ(), cmdChildEnv+"="+string(raw), killpoint.Env+"=backup-segment-copy:3")
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Run()
	if !strings.Contains(out.String(), "killpoint backup-segment-copy:3\n") {
		t.Fatalf("hallq backup FILE.tar was not killed in its third segment:\n%s", out.String())
	}
	kills++
	if exists(archive) || !exists(archive+".tmp") {
		t.Fatalf("after the kill: the archive exists %v, its .tmp %v", exists(archive), exists(archive+".tmp"))
	}
	if _, _, err := cmdRun(t, "", "restore", archive+".tmp", "--data", filepath.Join(t.TempDir(), "no")); err == nil || !strings.Contains(err.Error(), "incomplete") {
		t.Errorf("restore of the cut archive: %v, want it refused as incomplete", err)
	}
	verify("hallq backup FILE.tar killed", false)
	if _, _, err := cmdRun(t, "", "backup", archive, "--data", dir); err != nil {
		t.Fatalf("hallq backup FILE.tar again: %v", err)
	}
	restored("the archive", archive)

	// The migration's compaction: the sealed store's file, grown by 70 MB
	// that are then freed, is compacted by the next open.
	st, err = store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutMeta("drill_padding", strings.Repeat("填", 24<<20)); err != nil {
		t.Fatal(err)
	}
	if err := st.PutMeta("drill_padding", ""); err != nil {
		t.Fatal(err)
	}
	st.Close()
	grown := size(db)
	for _, point := range compactPoints {
		killUnderLoad(tickQuiet, point, nil)
		if point == "compact-copied" {
			if size(db) != grown {
				t.Fatalf("killed at %s: hallq.db is %d bytes, was %d", point, size(db), grown)
			}
			crashVerify(t, dir, led, round)
			sameEvents(t, "killed at "+point, simulated, simEvents(t, dir, last))
			checkClean(t, "killed at "+point, dir)
		} else if exists(db) || !exists(db+".schema1") || !exists(db+".new") {
			t.Fatalf("killed at %s: hallq.db %v, .schema1 %v, .new %v", point, exists(db), exists(db+".schema1"), exists(db+".new"))
		}
	}
	verify("compaction killed between its renames", true)
	if !exists(db+".schema1") || size(db) >= grown/2 {
		t.Errorf("after the compaction: hallq.db %d bytes (was %d), the old file kept: %v", size(db), grown, exists(db+".schema1"))
	}
	led.mu.Lock()
	t.Logf("figures: %d simulated days (%d events) sealed, backed up and compacted through %d kills at named points; %d server rounds; %d tickets, %d calls, %d finishes, %d ratings acknowledged, none lost",
		res.Days, len(simulated), kills, round, len(led.issued), len(led.called), len(led.finished), len(led.rated))
	led.mu.Unlock()
}
