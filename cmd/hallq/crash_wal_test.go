package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hallq/hall"
	"hallq/hall/store"
	"hallq/queue"
)

// TestCrashWAL kills the server (SIGKILL) while the tickets it acknowledged
// last are only in the write-ahead log, not yet in the database file: a
// kiosk takes tickets one at a time over HTTP, then the process is killed.
// hallq check and hallq export of the stopped hall (read-only opens) see
// every acknowledged ticket, and say that they read them from the log,
// without changing the hall's files; the next server start replays the log:
// every acknowledged ticket is there once, and the hall goes on issuing.
func TestCrashWAL(t *testing.T) {
	if os.Getenv(crashChildEnv) != "" {
		t.Skip("inside a server process")
	}
	dir := t.TempDir()
	child := startCrashChildOn(t, dir, "")
	kiosk := newCrashClient(child.url, child.device(hall.KindKiosk))
	var acked []queue.Ticket
	for range 20 {
		status, body, err := kiosk.post("/api/v1/tickets", map[string]string{"service": "A"})
		var tk queue.Ticket
		if err != nil || status != http.StatusCreated || json.Unmarshal(body, &tk) != nil {
			child.kill()
			t.Fatalf("issue: %d %s %v", status, body, err)
		}
		acked = append(acked, tk)
	}
	child.kill()
	wal := filepath.Join(dir, store.WALName)
	before, err := os.ReadFile(wal)
	if err != nil {
		t.Fatal(err)
	}

	var out, errOut bytes.Buffer
	if err := Dispatch(context.Background(), []string{"check", "--data", dir}, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("hallq check after the kill: %v\n%s%s", err, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "read from the write-ahead log") {
		t.Fatalf("hallq check does not say it read the log's events (were they all in the file already?):\n%s", out.String())
	}
	out.Reset()
	if err := Dispatch(context.Background(), []string{"export", "--data", dir}, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("hallq export after the kill: %v %s", err, errOut.String())
	}
	issued := map[uint64]int{}
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev queue.Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Type == queue.EvIssued {
			issued[ev.Ticket]++
		}
	}
	for _, tk := range acked {
		if issued[tk.ID] != 1 {
			t.Errorf("hallq export of the stopped hall: ticket %s (%d) issued %d times", tk.Number, tk.ID, issued[tk.ID])
		}
	}
	if after, _ := os.ReadFile(wal); !bytes.Equal(before, after) {
		t.Error("the read-only commands changed the write-ahead log")
	}

	child = startCrashChildOn(t, dir, "")
	t.Cleanup(child.kill)
	kiosk = newCrashClient(child.url, child.device(hall.KindKiosk))
	for _, tk := range acked {
		status, body, err := kiosk.get("/api/v1/track/" + tk.Tracking)
		if err != nil || status != http.StatusOK || !strings.Contains(string(body), tk.Number) {
			t.Errorf("ticket %s after the restart: %d %s %v", tk.Number, status, body, err)
		}
	}
	status, body, err := kiosk.post("/api/v1/tickets", map[string]string{"service": "A"})
	var next queue.Ticket
	if err != nil || status != http.StatusCreated || json.Unmarshal(body, &next) != nil || next.ID <= acked[len(acked)-1].ID {
		t.Fatalf("issue after the restart: %d %s %v", status, body, err)
	}
	child.kill()
	st, err := store.OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tickets, err := st.Tickets("2000-01-01", "2999-12-31")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[uint64]int{}
	for _, tk := range tickets {
		ids[tk.ID]++
	}
	for _, tk := range append(acked, next) {
		if ids[tk.ID] != 1 {
			t.Errorf("ticket %s stored %d times", tk.Number, ids[tk.ID])
		}
	}
}
