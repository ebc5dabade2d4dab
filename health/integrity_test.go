package health_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hallq/hall"
	"hallq/hall/store"
	"hallq/health"
	"hallq/internal/halltest"
)

// TestDailyStoreCheck: at the integrity hour the hall checks its database
// in the background; a byte changed in a waiting ticket's record is then a
// manager alert naming the damaged record. Before the hour nothing runs.
func TestDailyStoreCheck(t *testing.T) {
	dir := t.TempDir()
	clk := halltest.NewClock(time.Date(2026, 11, 24, 2, 30, 0, 0, halltest.Shanghai))
	h, err := hall.Open(hall.Options{Dir: dir, Now: clk.Now, Logger: halltest.Quiet, AlwaysOpen: true, Tick: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close() // no halltest.CheckClose: the test damages the file
	hs := health.New(h, health.Options{})
	mgr := hall.Principal{Kind: "user", Name: "mgr", Role: hall.RoleManager}
	tk, err := h.Issue(context.Background(), mgr, hall.IssueRequest{Service: "A"})
	if err != nil {
		t.Fatal(err)
	}
	// The ticket's commit reaches the tree before the file is damaged below
	// (a read applies the write-ahead log's pending frames).
	if ts, err := h.Store().Tickets("2026-11-24", "2026-11-24"); err != nil || len(ts) != 1 {
		t.Fatalf("tickets: %d, %v", len(ts), err)
	}
	// Wait for a few ticks at 02:30: no check runs outside its hour.
	for range 3 {
		h.Snapshot()
		time.Sleep(5 * time.Millisecond)
	}
	if _, ran := hs.LastCheck(); ran {
		t.Fatalf("the daily check ran at 02:30")
	}

	// A disk changes one byte of the stored ticket, in place.
	f, err := os.OpenFile(filepath.Join(dir, store.FileName), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	for off := 0; ; {
		i := bytes.Index(b[off:], []byte(`"waiting"`))
		if i < 0 {
			break
		}
		if _, err := f.WriteAt([]byte("h"), int64(off+i+7)); err != nil {
			t.Fatal(err)
		}
		off += i + 1
	}
	f.Close()

	clk.Set(time.Date(2026, 11, 24, 3, 0, 5, 0, halltest.Shanghai))
	deadline := time.Now().Add(20 * time.Second)
	var c health.Check
	for ran := false; !ran; c, ran = hs.LastCheck() {
		if time.Now().After(deadline) {
			t.Fatal("the daily check did not run at 03:00")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if c.OK || !c.Summary.Damaged() {
		t.Fatalf("check: %+v", c)
	}
	m, err := monitorOf(h, hs, mgr)
	if err != nil {
		t.Fatal(err)
	}
	var alert *hall.Alert
	for i := range m.Alerts {
		if m.Alerts[i].Kind == "integrity" {
			alert = &m.Alerts[i]
		}
	}
	if alert == nil || !strings.Contains(alert.TextEN, fmt.Sprintf("damaged record tickets/20261124#%d", tk.ID)) || !strings.Contains(alert.TextZH, "备份恢复") {
		t.Errorf("alerts %+v", m.Alerts)
	}
}
