package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"hallq/hall"
	"hallq/hall/store"
	"hallq/queue"
)

// crashBackupRoundsEnv sets the rounds of TestCrashBackupRestore (1).
const crashBackupRoundsEnv = "HALLQ_CRASH_BACKUP_ROUNDS"

// cmdChild is a hallq command running in a process of its own.
type cmdChild struct {
	cmd  *exec.Cmd
	done chan struct{}
	out  strings.Builder
}

func startCmdChild(t *testing.T, args ...string) *cmdChild {
	t.Helper()
	raw, _ := json.Marshal(args)
	c := &cmdChild{cmd: exec.Command(childBinary(t), "-test.run=^TestCmdChild$", "-test.count=1"), done: make(chan struct{})}
	c.cmd.Env = append(os.Environ(), cmdChildEnv+"="+string(raw))
	c.cmd.Stdout, c.cmd.Stderr = &c.out, &c.out
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.cmd.Wait(); close(c.done) }()
	return c
}

// killWhen polls until cond holds or the process ended, then kills it with
// SIGKILL; midway is true when cond held while it still ran.
func (c *cmdChild) killWhen(cond func() bool) (midway bool) {
	for {
		select {
		case <-c.done:
			return false
		default:
		}
		if cond() {
			c.cmd.Process.Signal(syscall.SIGKILL)
			<-c.done
			return true
		}
		time.Sleep(200 * time.Microsecond)
	}
}

func exists(path string) bool { _, err := os.Stat(path); return err == nil }

func size(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return -1
	}
	return fi.Size()
}

// globOne reports whether a file matches pattern.
func globOne(pattern string) bool {
	m, _ := filepath.Glob(pattern)
	return len(m) > 0
}

// crashCheckBackup: after a backup to file was killed, file is either
// absent or a whole backup; file.tmp, if left, is never taken for a backup
// (restore refuses it as incomplete unless it is whole) and hallq check
// lists it.
func crashCheckBackup(t *testing.T, dir, file string) (half bool) {
	t.Helper()
	if exists(file) {
		if _, err := store.VerifyFile(file); err != nil {
			t.Errorf("the backup %s exists but is not whole: %v", file, err)
		}
	}
	tmp := file + ".tmp"
	if exists(tmp) {
		_, err := store.VerifyFile(tmp)
		if err != nil {
			half = true
			if !errors.Is(err, store.ErrIncomplete) || !strings.Contains(err.Error(), "did not finish") {
				t.Errorf("the half-written %s is refused, but not as incomplete: %v", tmp, err)
			}
			_, _, rerr := cmdRun(t, "", "restore", tmp, "--data", filepath.Join(t.TempDir(), "elsewhere"))
			if rerr == nil || !strings.Contains(rerr.Error(), "incomplete") {
				t.Errorf("hallq restore of the half-written %s: %v, want it refused as incomplete", tmp, rerr)
			}
		}
	}
	out, _, err := cmdRun(t, "", "check", "--data", dir)
	if err != nil || !strings.Contains(out, "ok: ") {
		t.Errorf("hallq check after the killed backup: %v\n%s", err, out)
	}
	if exists(tmp) && strings.HasPrefix(tmp, dir) && !strings.Contains(out, "incomplete, not a backup") {
		t.Errorf("hallq check does not name the left-over %s:\n%s", tmp, out)
	}
	os.Remove(tmp)
	return half
}

func copyLedger(led *crashLedger) *crashLedger {
	led.mu.Lock()
	defer led.mu.Unlock()
	return &crashLedger{issued: maps.Clone(led.issued), called: maps.Clone(led.called), finished: maps.Clone(led.finished),
		rated: maps.Clone(led.rated), refused: led.refused, restored: led.restored}
}

func storeEpoch(t *testing.T, dir string) string {
	t.Helper()
	st, err := store.OpenReadOnly(dir)
	if err != nil {
		t.Fatalf("open after the kill: %v", err)
	}
	defer st.Close()
	return st.Epoch()
}

// TestCrashBackupRestore adds kill -9 during backups and restores to the
// crash drill, under the load of TestCrash: each round (1) kills the server while it
// writes an online backup (`hallq backup` through the running hall), (2)
// kills an offline `hallq backup`, (3) kills `hallq restore` while it keeps
// the replaced file or writes the restored copy. After each kill the store
// opens, bbolt's check and `hallq check` pass, nothing acknowledged is lost
// (for a restore: nothing acknowledged before the backup it restores, and
// the restored hall numbers past everything issued), a backup file is whole
// or absent, and a half-written one is refused as incomplete and listed by
// check. HALLQ_CRASH_BACKUP_ROUNDS sets the rounds (make drill: 5).
func TestCrashBackupRestore(t *testing.T) {
	t.Parallel()
	if os.Getenv(crashChildEnv) != "" || os.Getenv(cmdChildEnv) != "" {
		t.Skip("inside a child process")
	}
	rounds := 1
	if s := os.Getenv(crashBackupRoundsEnv); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number", crashBackupRoundsEnv, s)
		}
		rounds = n
	}
	dir := t.TempDir()
	addr := freeAddr(t)
	led := &crashLedger{issued: map[uint64]queue.Ticket{}, called: map[uint64]int{}, finished: map[uint64]bool{}, rated: map[uint64]int{}}
	backups := filepath.Join(dir, "backups")
	// A new demo hall, then 32 MB of padding in its meta bucket (a value
	// nothing reads), so that a copy takes long enough to be killed midway.
	startCrashChildOn(t, dir, addr).kill()
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutMeta("drill_padding", strings.Repeat("填", 11<<20)); err != nil {
		t.Fatal(err)
	}
	st.Close()
	var everIssued uint64 // the highest ticket id ever acknowledged
	noteIDs := func() {
		led.mu.Lock()
		for id := range led.issued {
			everIssued = max(everIssued, id)
		}
		led.mu.Unlock()
	}
	var halfOnline, halfOffline, restoreMidway, restoreKeptMidway, restoreDone int
	for round := range rounds {
		// (1) The server dies while it writes an online backup.
		online := filepath.Join(backups, fmt.Sprintf("online-%d.db", round))
		child := startCrashChildOn(t, dir, addr)
		os.MkdirAll(backups, 0o750)
		var cmd *cmdChild
		crashLoadUntil(t, child, led, 60, func() {
			time.Sleep(100 * time.Millisecond) // the load runs first
			cmd = startCmdChild(t, "backup", online, "--data", dir)
			for !exists(online+".tmp") && !exists(online) {
				select {
				case <-cmd.done:
					return
				default:
					time.Sleep(200 * time.Microsecond)
				}
			}
		})
		cmd.cmd.Process.Signal(syscall.SIGKILL)
		<-cmd.done
		noteIDs()
		crashVerify(t, dir, led, round)
		if crashCheckBackup(t, dir, online) {
			halfOnline++
		}

		// (2) An offline backup is killed.
		offline := filepath.Join(backups, fmt.Sprintf("offline-%d.db", round))
		cmd = startCmdChild(t, "backup", offline, "--data", dir)
		cmd.killWhen(func() bool { return size(offline+".tmp") > 0 })
		crashVerify(t, dir, led, round)
		if crashCheckBackup(t, dir, offline) {
			halfOffline++
		}

		// (3) A restore is killed: while it keeps the replaced file
		// (even rounds) or while it writes the restored copy (odd).
		good := filepath.Join(t.TempDir(), "good.db")
		if _, _, err := cmdRun(t, "", "backup", good, "--data", dir); err != nil {
			t.Fatalf("backup: %v", err)
		}
		atBackup := copyLedger(led)
		child = startCrashChildOn(t, dir, addr)
		crashLoad(t, child, led, 60, 300*time.Millisecond) // acknowledged after the backup
		noteIDs()
		before := storeEpoch(t, dir)
		cmd = startCmdChild(t, "restore", good, "--data", dir)
		db := filepath.Join(dir, store.FileName)
		midway := cmd.killWhen(func() bool {
			if round%2 == 0 {
				return globOne(db + ".before-restore-*.tmp")
			}
			return size(db+".restoring") > 0
		})
		if midway && round%2 == 0 {
			restoreKeptMidway++
		} else if midway {
			restoreMidway++
		}
		if globOne(db + ".before-restore-*[0-9]") {
			// A kept copy under its final name is whole.
			m, _ := filepath.Glob(db + ".before-restore-*[0-9]")
			for _, k := range m {
				if _, err := store.VerifyFile(k); err != nil {
					t.Errorf("the kept copy %s is not whole: %v", k, err)
				}
			}
		}
		after := storeEpoch(t, dir)
		if after == before {
			// The old database stays, whole, with everything acknowledged.
			crashVerify(t, dir, led, round)
			out, _, err := cmdRun(t, "", "check", "--data", dir)
			if err != nil || !strings.Contains(out, "ok: ") {
				t.Errorf("hallq check after the killed restore: %v\n%s", err, out)
			}
			// Restoring again completes.
			if _, _, err := cmdRun(t, "", "restore", good, "--data", dir); err != nil {
				t.Fatalf("restore again: %v", err)
			}
		} else {
			restoreDone++
		}
		// The restored hall holds what was acknowledged before the backup.
		led = atBackup
		led.restored = true
		crashVerify(t, dir, led, round)
		if out, _, err := cmdRun(t, "", "check", "--data", dir); err != nil || !strings.Contains(out, "ok: ") {
			t.Errorf("hallq check after the restore: %v\n%s", err, out)
		}
		for _, pattern := range []string{db + ".restoring", db + ".before-restore-*.tmp"} {
			m, _ := filepath.Glob(pattern)
			for _, f := range m {
				os.Remove(f)
			}
		}
		// It starts, and numbers past every ticket ever acknowledged.
		child = startCrashChildOn(t, dir, addr)
		kiosk := newCrashClient(child.url, child.device(hall.KindKiosk))
		status, body, err := kiosk.post("/api/v1/tickets", map[string]string{"service": "F"})
		var tk queue.Ticket
		json.Unmarshal(body, &tk)
		if err != nil || status != http.StatusCreated || tk.ID <= everIssued {
			t.Errorf("round %d: the restored hall issued %d %s %v: id %d, but id %d was acknowledged before the restore", round, status, body, err, tk.ID, everIssued)
		}
		if err == nil && status == http.StatusCreated {
			led.mu.Lock()
			led.issued[tk.ID] = tk
			led.mu.Unlock()
			everIssued = max(everIssued, tk.ID)
		}
		child.kill()
		crashVerify(t, dir, led, round)
		if t.Failed() {
			return
		}
	}
	t.Logf("figures: %d rounds; online backups killed midway %d, offline %d; restores killed while keeping the replaced file %d, while writing the restored copy %d, finished before the kill %d",
		rounds, halfOnline, halfOffline, restoreKeptMidway, restoreMidway, restoreDone)
}
