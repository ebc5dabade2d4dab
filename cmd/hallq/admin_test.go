package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hallq/hall"
	"hallq/queue"
)

// adminIssue takes n tickets of service D with a phone number from the demo
// kiosk of a running Main.
func adminIssue(t *testing.T, m *Main, n int) {
	t.Helper()
	var kiosk string
	for _, d := range m.DemoAccounts.Devices {
		if d.Kind == hall.KindKiosk {
			kiosk = d.Token
		}
	}
	for i := range n {
		// One phone per ticket: a phone may take only a few tickets a day.
		body := fmt.Sprintf(`{"service":"D","phone":"138%04d5678"}`, i)
		req, _ := http.NewRequest("POST", m.URL+"/api/v1/tickets", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+kiosk)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("ticket %d: %s", i+1, res.Status)
		}
	}
}

// TestBackupCheckRestoreRoundTrip: a backup taken from the running hall
// checks clean, restoring it (server stopped) brings back exactly its
// tickets, keeps the replaced database, and checks clean again; check,
// export and restore behave as documented while the server runs.
func TestBackupCheckRestoreRoundTrip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	backupFile := filepath.Join(t.TempDir(), "hall-backup.db")
	m, _ := cmdStartMain(t, dir)
	adminIssue(t, m, 5)
	if out, _, err := cmdRun(t, "", "backup", backupFile, "--data", dir); err != nil {
		t.Fatalf("backup: %v %s", err, out)
	}
	out, _, err := cmdRun(t, "", "check", "--data", dir)
	if err != nil || !strings.Contains(out, "ok (checked by the running hall)") || !strings.Contains(out, "5 tickets") {
		t.Fatalf("check while running: %q %v, want ok with 5 tickets", out, err)
	}
	if _, _, err := cmdRun(t, "", "restore", backupFile, "--data", dir); err == nil || !strings.Contains(err.Error(), "stop it first") {
		t.Fatalf("restore while the server runs: %v, want a refusal", err)
	}
	// Export through the running server: every event once, in order, phones masked.
	out, _, err = cmdRun(t, "", "export", "--since", "0", "--data", dir)
	if err != nil {
		t.Fatal(err)
	}
	_, seq := m.Hall.Snapshot()
	lines := adminEvents(t, out)
	if len(lines) == 0 || lines[len(lines)-1].Seq != seq {
		t.Fatalf("export: %d events ending at %d, want them to end at %d", len(lines), lastSeq(lines), seq)
	}
	for i := 1; i < len(lines); i++ {
		if lines[i].Seq != lines[i-1].Seq+1 {
			t.Fatalf("export: seq %d follows %d", lines[i].Seq, lines[i-1].Seq)
		}
	}
	// The feed is what a region receives: no phone, not even masked (docs/region.md).
	if strings.Contains(out, "5678") || strings.Contains(out, `"phone"`) {
		t.Errorf("export must carry no phone number: %.300s", out)
	}
	// Resume: since=N gives exactly the events after N.
	out, _, _ = cmdRun(t, "", "export", "--since", "3", "--data", dir)
	if got := adminEvents(t, out); len(got) != len(lines)-3 || got[0].Seq != 4 {
		t.Errorf("export --since 3: %d events from %d, want %d from 4", len(got), got[0].Seq, len(lines)-3)
	}

	adminIssue(t, m, 3) // after the backup: the restore must take these away
	m.Close()
	out, _, err = cmdRun(t, "", "restore", backupFile, "--data", dir)
	if err != nil || !strings.Contains(out, "5 tickets") || !strings.Contains(out, "before-restore") {
		t.Fatalf("restore: %q %v", out, err)
	}
	kept, _ := filepath.Glob(filepath.Join(dir, "hallq.db.before-restore-*"))
	if len(kept) != 1 {
		t.Fatalf("replaced database kept as %v, want one file", kept)
	}
	if out, _, err = cmdRun(t, "", "check", "--data", dir); err != nil || !strings.Contains(out, "ok: ") || !strings.Contains(out, "5 tickets") {
		t.Fatalf("check after restore: %q %v", out, err)
	}
	// Offline export reads the restored store.
	out, _, _ = cmdRun(t, "", "export", "--data", dir)
	if n := len(adminEvents(t, out)); n == 0 || n >= len(lines)+3 {
		t.Errorf("offline export after restore: %d events", n)
	}
	cmdOpenData(t, dir, func(h *hall.Hall) {
		var n int
		h.Read(func(v *queue.Engine, _ uint64) { n = len(v.Tickets()) })
		if n != 5 {
			t.Errorf("restored hall has %d tickets today, want the backup's 5", n)
		}
	})
	// A file that is not a hall database is refused and changes nothing.
	junk := filepath.Join(t.TempDir(), "junk.db")
	os.WriteFile(junk, bytes.Repeat([]byte("not a database "), 1000), 0o600)
	before, _ := os.ReadFile(filepath.Join(dir, "hallq.db"))
	if _, _, err := cmdRun(t, "", "restore", junk, "--data", dir); err == nil {
		t.Errorf("restore of a junk file succeeded")
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "hallq.db")); !bytes.Equal(before, after) {
		t.Errorf("a refused restore changed the database")
	}
}

// TestDamagedDatabase: a database with a damaged page is reported by check
// and refused at start, both naming the newest backup.
func TestDamagedDatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m, _ := cmdStartMain(t, dir)
	adminIssue(t, m, 20)
	m.Close()
	os.MkdirAll(filepath.Join(dir, "backups"), 0o750)
	newest := filepath.Join(dir, "backups", "hallq-20261123.db")
	// The newest backup is a good copy of the hall; an older one is junk (a
	// damaged database names the newest backup that is itself intact).
	os.WriteFile(filepath.Join(dir, "backups", "hallq-20261122.db"), []byte("x"), 0o600)
	if good, err := os.ReadFile(filepath.Join(dir, "hallq.db")); err != nil {
		t.Fatal(err)
	} else if err := os.WriteFile(newest, good, 0o600); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(dir, "backups", "hallq-20261122.db")
	os.Chtimes(old, mustTime("2026-11-22T01:00:00Z"), mustTime("2026-11-22T01:00:00Z"))

	path := filepath.Join(dir, "hallq.db")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Overwrite the pages after the two meta pages and the freelist with
	// garbage: the branch and leaf pages of the buckets.
	const page = 4096
	for i := 3 * page; i < len(raw); i++ {
		raw[i] = byte(i*7 + 3)
	}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err = cmdRun(t, "", "check", "--data", dir)
	if err == nil || !strings.Contains(err.Error(), "damaged") || !strings.Contains(err.Error(), newest) {
		t.Fatalf("check of a damaged file: %v, want 'damaged' and the newest backup %s", err, newest)
	}
	m2 := &Main{Addr: "127.0.0.1:0", DataDir: dir, Stdout: &bytes.Buffer{}, Logger: cmdQuiet, BcryptCost: 4}
	err = m2.Run(t.Context())
	m2.Close()
	if err == nil || !strings.Contains(err.Error(), "damaged") || !strings.Contains(err.Error(), newest) {
		t.Fatalf("start on a damaged file: %v, want 'damaged' and the newest backup %s", err, newest)
	}
}

func adminEvents(t *testing.T, ndjson string) []queue.Event {
	t.Helper()
	var evs []queue.Event
	sc := bufio.NewScanner(strings.NewReader(ndjson))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev queue.Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("export line is not an event: %v: %s", err, sc.Text())
		}
		evs = append(evs, ev)
	}
	return evs
}

func lastSeq(evs []queue.Event) uint64 {
	if len(evs) == 0 {
		return 0
	}
	return evs[len(evs)-1].Seq
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestServeLogFormat: --log json writes one JSON object per log line on
// standard error; a bad format or level is refused before anything starts.
func TestServeLogFormat(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	var out, errOut cmdSyncBuffer
	done := make(chan error, 1)
	go func() {
		done <- Dispatch(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", dir, "--log", "json"}, strings.NewReader(""), &out, &errOut)
	}()
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(out.String(), "http://"); {
		if time.Now().After(deadline) {
			t.Fatalf("serve printed no URL:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
	if len(lines) == 0 || lines[0] == "" {
		t.Fatal("no log lines")
	}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil || m["msg"] == nil || m["level"] == nil {
			t.Errorf("log line is not a JSON record with msg and level: %q", l)
		}
	}
	for _, args := range [][]string{{"--log", "xml"}, {"--log-level", "loud"}} {
		_, _, err := cmdRun(t, "", append([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, args...)...)
		if err == nil || !strings.Contains(err.Error(), args[0]) {
			t.Errorf("serve %v: %v, want a refusal naming %s", args, err, args[0])
		}
	}
}
