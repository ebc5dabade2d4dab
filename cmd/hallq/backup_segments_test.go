package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	backups "hallq/backup"
	"hallq/hall"
	"hallq/hall/store"
	"hallq/health"
	"hallq/history"
	"hallq/queue"
)

// cmdSeal writes the segments of every simulated day in dir's store but the
// last into DIR/history (history.WriteFile, as the sealer does) and returns
// the sealed days.
func cmdSeal(t *testing.T, dir string) []string {
	t.Helper()
	st, err := store.OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string][]queue.Event{}
	var days []string
	err = st.EachEvent(0, func(ev queue.Event) error {
		if _, ok := by[ev.Day]; !ok {
			days = append(days, ev.Day)
		}
		by[ev.Day] = append(by[ev.Day], ev)
		return nil
	})
	st.Close()
	if err != nil || len(days) < 3 {
		t.Fatalf("%d days of events: %v", len(days), err)
	}
	days = days[:len(days)-1]
	for _, d := range days {
		if _, err := history.WriteFile(history.PathFor(backups.HistoryDir(dir), d), &history.Day{Day: d, Events: by[d]}, history.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return days
}

// cmdSealedEvents reads every event of the segments of days in dir.
func cmdSealedEvents(t *testing.T, dir string, days []string) [][]byte {
	t.Helper()
	var out [][]byte
	for _, d := range days {
		seg, err := history.Open(history.PathFor(backups.HistoryDir(dir), d))
		if err != nil {
			t.Fatal(err)
		}
		if err := seg.EachEvent(0, func(ev *queue.Event) error {
			b, err := json.Marshal(ev)
			out = append(out, b)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestCLIBackupRestoreSegments: a hall with sealed days is backed up as a
// directory (segments hard-linked), as one tar file and by the daily
// backup (segments copied); sealed days are then deleted and damaged;
// check names the damaged day and the backup holding a good copy; restore
// from the archive puts every listed day back, check is clean and every
// event is equal; a cut archive is refused and changes nothing.
func TestCLIBackupRestoreSegments(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, _, err := cmdRun(t, "", "simulate", "--days", "5", "--seed", "3", "--quiet", "--data", dir); err != nil {
		t.Fatalf("simulate: %v", err)
	}
	days := cmdSeal(t, dir)
	want := cmdSealedEvents(t, dir, days)
	hdir := backups.HistoryDir(dir)

	// The daily backup, as hallq serve makes it: segments copied.
	var daily string
	cmdOpenData(t, dir, func(h *hall.Hall) {
		f, err := backups.New(h, backups.Options{}, health.New(h, health.Options{})).Make(14)
		if err != nil || f.Segments != len(days) {
			t.Fatalf("daily backup %+v %v", f, err)
		}
		daily = filepath.Join(dir, backups.Dir, f.Name)
	})

	// hallq backup DIR: the same layout, segments hard-linked.
	bdir := filepath.Join(t.TempDir(), "usb") + "/"
	out, _, err := cmdRun(t, "", "backup", bdir, "--data", dir)
	if err != nil || !strings.Contains(out, "sealed days") {
		t.Fatalf("backup DIR: %q %v", out, err)
	}
	for _, d := range days {
		a, _ := os.Stat(history.PathFor(hdir, d))
		b, err := os.Stat(history.PathFor(backups.HistoryDir(bdir), d))
		if err != nil || !os.SameFile(a, b) {
			t.Fatalf("backup DIR: %s is not a hard link of the hall's segment (%v)", d, err)
		}
	}
	// hallq backup FILE: one tar archive.
	archive := filepath.Join(t.TempDir(), "hall.tar")
	if out, _, err := cmdRun(t, "", "backup", archive, "--data", dir); err != nil || !backups.IsTar(archive) {
		t.Fatalf("backup FILE: %q %v", out, err)
	}

	// A sealed day deleted, another damaged in place.
	gone, bad := days[0], days[1]
	if err := os.Remove(history.PathFor(hdir, gone)); err != nil {
		t.Fatal(err)
	}
	cmdFlip(t, history.PathFor(hdir, bad), 64)
	out, _, err = cmdRun(t, "", "check", "--data", dir, "--backup-dir", bdir)
	if err == nil || !strings.Contains(out, "damaged: history segment "+history.PathFor(hdir, bad)) ||
		!strings.Contains(out, "good copies of "+bad+" are in: "+daily+"\n") ||
		!strings.Contains(out, "missing: the sealed day "+gone) {
		// Only the daily backup's copy: the directory's is a hard link of
		// the damaged file, so damaged too.
		t.Fatalf("check after damage: %v\n%s", err, out)
	}
	// The hot file is intact: check must not send the hall back to its last
	// full backup (that would rewind today) for damaged sealed days.
	if msg := err.Error(); strings.Contains(msg, "systemctl stop") || strings.Contains(msg, "newest intact backup") {
		t.Errorf("check advises a full restore for damaged sealed days: %v", err)
	}

	// Only the sealed days, from the daily backup: the hot file stays.
	hotBefore, _ := os.ReadFile(filepath.Join(dir, store.FileName))
	out, _, err = cmdRun(t, "", "restore", "--history-only", daily, "--data", dir)
	if err != nil || !strings.Contains(out, "2 copied back") {
		t.Fatalf("restore --history-only: %v\n%s", err, out)
	}
	if hotAfter, _ := os.ReadFile(filepath.Join(dir, store.FileName)); !bytes.Equal(hotBefore, hotAfter) {
		t.Errorf("restore --history-only changed the hot database")
	}
	if got := cmdSealedEvents(t, dir, days); !slices.EqualFunc(got, want, bytes.Equal) {
		t.Fatalf("after restore --history-only: the events differ")
	}
	// Damage and delete again for the full restore from the archive.
	os.Remove(history.PathFor(hdir, gone))
	cmdFlip(t, history.PathFor(hdir, bad), 64)

	// A cut archive is refused and changes nothing.
	raw, _ := os.ReadFile(archive)
	cut := filepath.Join(t.TempDir(), "cut.tar")
	os.WriteFile(cut, raw[:len(raw)-4096], 0o600)
	before, _ := os.ReadFile(filepath.Join(dir, store.FileName))
	if _, _, err := cmdRun(t, "", "restore", cut, "--data", dir); err == nil || !strings.Contains(err.Error(), "cut.tar") {
		t.Errorf("restore of a cut archive: %v", err)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, store.FileName)); !bytes.Equal(before, after) {
		t.Errorf("a refused restore changed the hall's database")
	}

	out, _, err = cmdRun(t, "", "restore", archive, "--data", dir)
	if err != nil || !strings.Contains(out, "2 copied back") {
		t.Fatalf("restore from the archive: %v\n%s", err, out)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".restore-*")); len(left) != 0 {
		t.Errorf("the unpacked archive was left behind: %v", left)
	}
	out, _, err = cmdRun(t, "", "check", "--data", dir)
	if err != nil || !strings.Contains(out, "sealed days verified") {
		t.Fatalf("check after the restore: %v\n%s", err, out)
	}
	if got := cmdSealedEvents(t, dir, days); !slices.EqualFunc(got, want, bytes.Equal) {
		t.Fatalf("after the restore: %d events, %d before (or they differ)", len(got), len(want))
	}
	// Restore from the directory: its newest backup; the hall's days are
	// whole now, so nothing is copied.
	os.Remove(history.PathFor(hdir, gone))
	out, _, err = cmdRun(t, "", "restore", bdir, "--data", dir)
	if err != nil || !strings.Contains(out, "1 copied back") {
		t.Fatalf("restore from the directory: %v\n%s", err, out)
	}
	if got := cmdSealedEvents(t, dir, days); !slices.EqualFunc(got, want, bytes.Equal) {
		t.Fatalf("after the second restore: the events differ")
	}
}

func cmdFlip(t *testing.T, path string, at int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := []byte{0}
	if _, err := f.ReadAt(b, at); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x55
	if _, err := f.WriteAt(b, at); err != nil {
		t.Fatal(err)
	}
}
