package store_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"hallq/hall/store"
	"hallq/queue"
)

const walKillEnv = "HALLQ_WAL_KILL"

// walKillChild is the child process of TestWALKilled: it commits events
// 1… one a commit, printing "acked N" when each commit returns, and stops
// (prints "stopped", waits to be killed) at the log's crash point:
//   - appended: the frame of event 7 synced (events 1–3 already flushed to
//     the tree by a read, 4–6 pending), before Commit returns;
//   - applied: events 1–5 written to the tree by a read's flush, the log
//     not yet cut;
//   - append: half of event 6's frame written and synced.
func walKillChild(dir, point string) {
	stop := func(p string) {
		if p == point {
			fmt.Println("stopped")
			select {}
		}
	}
	s, err := store.Open(dir)
	if err != nil {
		fmt.Println("open", err)
		os.Exit(3)
	}
	last := map[string]uint64{"appended": 7, "applied": 5, "append": 6}[point]
	for seq := uint64(1); seq <= last; seq++ {
		if seq == last && point != "applied" {
			store.SetWALHook(stop)
		}
		if err := s.Commit([]queue.Event{issueEv(seq, seq)}, nil); err != nil {
			fmt.Println("commit", err)
			os.Exit(3)
		}
		fmt.Println("acked", seq)
		if point == "appended" && seq == 3 {
			s.Events(0, 1) // flush 1–3
		}
	}
	if point == "applied" {
		store.SetWALHook(stop)
		s.Events(0, 1) // flush 1–5: stops after the tree's transaction
	}
	fmt.Println("returned")
	os.Exit(3)
}

// TestWALKilled kills a real child process (SIGKILL) at each crash point of
// the log — after a frame's sync and before the tree's write, after the
// tree's write and before the log's cut, midway through an append — and
// opens its store: every acknowledged event is there once, the one whose
// append was cut short is not, and the store goes on committing.
func TestWALKilled(t *testing.T) {
	if v := os.Getenv(walKillEnv); v != "" {
		dir, point, _ := strings.Cut(v, "|")
		walKillChild(dir, point)
		return
	}
	for _, c := range []struct {
		point string
		want  uint64 // events in the store after the kill: 1…want
		acked uint64
	}{
		{"appended", 7, 6}, // 7 is synced, not yet acknowledged: it may be there, and is
		{"applied", 5, 5},
		{"append", 5, 5},
	} {
		t.Run(c.point, func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(os.Args[0], "-test.run=^TestWALKilled$", "-test.count=1")
			cmd.Env = append(os.Environ(), walKillEnv+"="+dir+"|"+c.point)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var acked uint64
			rd := bufio.NewReader(out)
			for {
				line, err := rd.ReadString('\n')
				if err != nil {
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatalf("child ended before its crash point: %v", err)
				}
				if line == "stopped\n" {
					break
				}
				if _, err := fmt.Sscanf(line, "acked %d", &acked); err != nil {
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatalf("child said %q", line)
				}
			}
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
			if acked != c.acked {
				t.Fatalf("%d events acknowledged before the kill, want %d", acked, c.acked)
			}
			s := openStore(t, dir)
			wantSeqs(t, "after the kill", s, c.want)
			commit(t, s, issueEv(c.want+1, c.want+1))
			s = reopen(t, s)
			wantSeqs(t, "a commit after the kill", s, c.want+1)
		})
	}
}
