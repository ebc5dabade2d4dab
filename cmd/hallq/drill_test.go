package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"text/tabwriter"
	"time"

	"hallq/hall"
	"hallq/hall/store"
	"hallq/health"
	"hallq/queue"
)

// TestDrill runs the store's fault drills against the real program and
// prints a table: backup and restore under load, a changed byte, an empty
// and a truncated file, a full disk. It is slow and loud, so it runs only
// with HALLQ_DRILL=1 (make drill), outside make test; each drill is also a
// regular test of its own (restore_test.go, files_test.go, web's disk and
// backup tests).
func TestDrill(t *testing.T) {
	if os.Getenv("HALLQ_DRILL") == "" {
		t.Skip("set HALLQ_DRILL=1 (make drill)")
	}
	type row struct{ drill, result, figures string }
	var rows []row
	run := func(name string, fn func(t *testing.T) string) {
		start := time.Now()
		var figures string
		ok := t.Run(name, func(t *testing.T) { figures = fn(t) })
		result := "ok"
		if !ok {
			result = "FAILED"
		}
		rows = append(rows, row{name, result, fmt.Sprintf("%s; %.1f s", figures, time.Since(start).Seconds())})
	}

	run("backup+restore under load", drillBackupUnderLoad)
	run("changed byte in a ticket", func(t *testing.T) string {
		TestCLICheckFindsFlippedByte(t)
		return "check names the record, serve refuses, backup named"
	})
	run("empty/truncated/foreign file", func(t *testing.T) string {
		TestCLIRefusesDamagedFiles(t)
		return "5 kinds refused by serve, check, backup, user add; file unchanged; restore ok"
	})
	run("restore after a transfer", func(t *testing.T) string {
		TestCLIRestoreAfterTransfer(t)
		return "check ok, restore ok, serve ok"
	})
	run("restore of simulated history", func(t *testing.T) string {
		TestCLIRestoreSimulatedHistory(t)
		return "7 days: check ok, restore ok, serve ok"
	})
	run("full disk (injected)", drillFullDisk)
	run("full disk (real tmpfs)", drillRealFullDisk)

	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "| drill\t| result\t| figures\t|")
	fmt.Fprintln(tw, "|---\t|---\t|---\t|")
	for _, r := range rows {
		fmt.Fprintf(tw, "| %s\t| %s\t| %s\t|\n", r.drill, r.result, r.figures)
	}
	tw.Flush()
	fmt.Print("\n" + b.String())
}

// drillBackupUnderLoad: eight kiosks issue tickets as fast as the hall
// takes them while the command line's online backup and two API downloads
// run; every acknowledged ticket is in the live store, the backups restore
// and check, and the backup holds every ticket acknowledged before it began.
func drillBackupUnderLoad(t *testing.T) string {
	dir := t.TempDir()
	m := &Main{Addr: "127.0.0.1:0", DataDir: dir, Demo: true, Stdout: io.Discard, Logger: cmdQuiet,
		BcryptCost: 4}
	m.Web.KioskBurst = -1
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var kiosk string
	for _, d := range m.DemoAccounts.Devices {
		if d.Kind == hall.KindKiosk {
			kiosk = d.Token
		}
	}
	stop := make(chan struct{})
	var acked sync.Map // id → true
	var n, failed atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest("POST", m.URL+"/api/v1/tickets", strings.NewReader(`{"service":"A"}`))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+kiosk)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				var tk struct{ ID uint64 }
				json.NewDecoder(res.Body).Decode(&tk)
				res.Body.Close()
				if res.StatusCode == 201 {
					acked.Store(tk.ID, true)
					n.Add(1)
				} else {
					failed.Add(1)
				}
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	before := n.Load()
	file := filepath.Join(t.TempDir(), "online.db")
	if _, _, err := cmdRun(t, "", "backup", file, "--data", dir); err != nil {
		t.Fatalf("online backup: %v", err)
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
	m.Close()

	st, err := store.OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	live := map[uint64]bool{}
	st.EachTicket("2000-01-01", "2999-12-31", func(tk *queue.Ticket) error { live[tk.ID] = true; return nil })
	st.Close()
	lost := 0
	acked.Range(func(k, _ any) bool {
		if !live[k.(uint64)] {
			lost++
		}
		return true
	})
	if lost > 0 {
		t.Errorf("%d acknowledged tickets lost", lost)
	}
	into := t.TempDir()
	if _, _, err := cmdRun(t, "", "restore", file, "--data", into); err != nil {
		t.Fatalf("restore: %v", err)
	}
	sum, err := store.VerifyFile(filepath.Join(into, store.FileName))
	if err != nil {
		t.Fatalf("restored file: %v", err)
	}
	if out, _, err := cmdRun(t, "", "check", "--data", into); err != nil {
		t.Fatalf("check of the restored hall: %v\n%s", err, out)
	}
	if int64(sum.Tickets) < before {
		t.Errorf("the backup holds %d tickets, %d were acknowledged before it began", sum.Tickets, before)
	}
	return fmt.Sprintf("%d tickets acknowledged, %d refused, 0 lost; backup holds %d, restored and checked", n.Load(), failed.Load(), sum.Tickets)
}

// drillFullDisk: the free-space figure drops below the limit: /healthz says
// degraded, /metrics shows it, a backup is refused.
func drillFullDisk(t *testing.T) string {
	var free atomic.Uint64
	free.Store(10 << 30)
	m := &Main{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Demo: true, Stdout: io.Discard, Logger: cmdQuiet,
		BcryptCost: 4, Health: health.Options{FreeSpace: func(string) (uint64, uint64, error) { return free.Load(), 20 << 30, nil }}}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	free.Store(300 << 20)
	_, body := cmdGet(t, m.URL+"/healthz", "")
	if !strings.Contains(string(body), `"degraded"`) {
		t.Errorf("healthz: %s", body)
	}
	_, metrics := cmdGet(t, m.URL+"/metrics", "")
	if !strings.Contains(string(metrics), `hallq_disk_low{dir="data"} 1`) {
		t.Errorf("metrics lack the low disk")
	}
	if _, err := m.Features.Backup.Today(); err == nil {
		t.Errorf("a backup started on a full disk")
	}
	return "healthz degraded, hallq_disk_low 1, backup refused"
}

// drillRealFullDisk: the hall's data directory on a real 64 MB tmpfs (root
// only), filled by another file until a commit fails for room; kiosks keep
// issuing. Every ticket acknowledged is in the store, the refusals are 503,
// and once the filler is removed the same server issues again, no restart.
func drillRealFullDisk(t *testing.T) string {
	if os.Geteuid() != 0 {
		t.Skip("a real tmpfs needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("mount tmpfs: %v %s", err, out)
	}
	defer exec.Command("umount", "-l", dir).Run()
	m := &Main{Addr: "127.0.0.1:0", DataDir: dir, Demo: true, Stdout: io.Discard, Logger: cmdQuiet,
		BcryptCost: 4, BackupKeep: -1}
	m.Web.KioskBurst = -1
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var kiosk string
	for _, d := range m.DemoAccounts.Devices {
		if d.Kind == hall.KindKiosk {
			kiosk = d.Token
		}
	}
	issue := func() (int, uint64) {
		req, _ := http.NewRequest("POST", m.URL+"/api/v1/tickets", strings.NewReader(`{"service":"A"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+kiosk)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("issue: %v", err)
		}
		defer res.Body.Close()
		var tk struct{ ID uint64 }
		json.NewDecoder(res.Body).Decode(&tk)
		return res.StatusCode, tk.ID
	}
	// Fill the disk but for a little room, then issue until refused.
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	for {
		if _, err := f.Write(chunk); err != nil {
			break
		}
	}
	f.Close()
	acked := map[uint64]bool{}
	refused := 0
	for i := 0; i < 20000 && refused < 20; i++ {
		switch status, id := issue(); status {
		case http.StatusCreated:
			acked[id] = true
		case http.StatusServiceUnavailable:
			refused++
		default:
			t.Fatalf("issue on a full disk answered %d", status)
		}
	}
	if refused == 0 {
		t.Fatalf("the full disk never refused an issue (%d acknowledged)", len(acked))
	}
	_, body := cmdGet(t, m.URL+"/healthz", "")
	degraded := strings.Contains(string(body), `"degraded"`)
	if !degraded {
		t.Errorf("healthz on a full disk: %s", body)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	var after int
	for range 50 {
		if status, id := issue(); status == http.StatusCreated {
			acked[id] = true
			after++
		}
	}
	if after == 0 {
		t.Errorf("after room was made, no issue succeeded without a restart")
	}
	ts, err := m.Hall.Store().Tickets("2000-01-01", "2999-12-31")
	if err != nil {
		t.Fatal(err)
	}
	stored := map[uint64]bool{}
	for _, tk := range ts {
		stored[tk.ID] = true
	}
	lost := 0
	for id := range acked {
		if !stored[id] {
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("%d acknowledged tickets lost on the full disk", lost)
	}
	return fmt.Sprintf("64 MB tmpfs filled: %d acknowledged, %d refused with 503, %d lost, healthz degraded %v; %d issued after room was made, no restart",
		len(acked)-after, refused, lost, degraded, after)
}
