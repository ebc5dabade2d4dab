package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hallq/hall"
	"hallq/hall/store"
)

// TestCLIBackupOffline: with no server running, `hallq backup` copies the
// database without writing to it — in particular it does not roll over a
// day that has ended since the hall last ran — and refuses a directory with
// no database instead of creating one.
func TestCLIBackupOffline(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// The hall last ran three days ago, with a ticket still waiting.
	past := time.Now().AddDate(0, 0, -3)
	h, err := hall.Open(hall.Options{Dir: dir, Logger: cmdQuiet, AlwaysOpen: true,
		Now: func() time.Time { return past }, Tick: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	desk := hall.Principal{Kind: "user", Name: "seed", Role: hall.RoleManager}
	if _, err := h.Issue(context.Background(), desk, hall.IssueRequest{Service: "A"}); err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, store.FileName)
	before, err := os.ReadFile(dbPath)
	if err != nil {
		t.Fatal(err)
	}

	file := filepath.Join(t.TempDir(), "copy.db")
	out, _, err := cmdRun(t, "", "backup", file, "--data", dir)
	if err != nil {
		t.Fatalf("offline backup: %v", err)
	}
	if !strings.Contains(out, "backup written to "+file) {
		t.Errorf("backup printed %q", out)
	}
	after, err := os.ReadFile(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Errorf("the offline backup changed the database it copied")
	}
	// The copy holds the waiting ticket of that day, not a rolled-over queue.
	st, err := store.OpenReadOnly(filepath.Dir(file))
	if err == nil {
		st.Close()
		t.Fatalf("the backup directory has no %s, yet it opened", store.FileName)
	}
	copyDir := t.TempDir()
	if err := os.Rename(file, filepath.Join(copyDir, store.FileName)); err != nil {
		t.Fatal(err)
	}
	if st, err = store.OpenReadOnly(copyDir); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Check(); err != nil {
		t.Errorf("backup check: %v", err)
	}
	day := past.In(h.Location()).Format(time.DateOnly)
	ts, err := st.Tickets(day, day)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 || ts[0].Status != "waiting" || ts[0].Number != "A001" {
		t.Errorf("backup tickets of %s: %+v, want A001 waiting", day, ts)
	}

	empty := t.TempDir()
	if _, _, err := cmdRun(t, "", "backup", filepath.Join(t.TempDir(), "x.db"), "--data", empty); err == nil ||
		!strings.Contains(err.Error(), "没有营业厅数据库") {
		t.Errorf("backup of an empty data dir: %v", err)
	}
	if _, err := os.Stat(filepath.Join(empty, store.FileName)); !os.IsNotExist(err) {
		t.Errorf("backup of an empty data dir created a database: %v", err)
	}
}
