package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	backups "hallq/backup"
	"hallq/hall"
	"hallq/hall/store"
	"hallq/health"
)

// TestCLICompressedBackups: the daily backup's hot file is written
// compressed (hallq-YYYYMMDD.db.gz), at most half the plain copy of the
// same hall; a backup of the previous form (a plain hallq-YYYYMMDD.db with
// its manifest, as WriteDir wrote it before) is listed beside it. hallq
// restore takes either, and the backup directory (its newest), into an
// empty data directory: check is clean, the hall's tickets and events are
// all there, every sealed day's events are equal, nothing expanded is left.
// A cut compressed copy is refused as incomplete and changes nothing, and a
// damaged hall names the compressed backup as its newest intact one.
func TestCLICompressedBackups(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, _, err := cmdRun(t, "", "simulate", "--days", "5", "--seed", "4", "--quiet", "--data", dir); err != nil {
		t.Fatalf("simulate: %v", err)
	}
	days := cmdSeal(t, dir)
	want := cmdSealedEvents(t, dir, days)
	bdir := filepath.Join(dir, backups.Dir)

	// The previous form, then today's daily backup.
	st, err := store.OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	old, err := backups.WriteDir(st, dir, bdir, "hallq-20261101.db", false)
	st.Close()
	if err != nil || backups.Compressed(old.Path) || old.Segments != len(days) {
		t.Fatalf("a backup of the previous form: %+v %v", old, err)
	}
	var daily backups.File
	var list []backups.File
	cmdOpenData(t, dir, func(h *hall.Hall) {
		b := backups.New(h, backups.Options{}, health.New(h, health.Options{}))
		if daily, err = b.Make(14); err != nil {
			t.Fatalf("daily backup: %v", err)
		}
		list, _ = b.List()
	})
	path := filepath.Join(bdir, daily.Name)
	if !strings.HasSuffix(daily.Name, ".db.gz") || !backups.Compressed(path) || daily.Size != size(path) || daily.Segments != len(days) {
		t.Fatalf("the daily backup %+v: compressed %v, %d bytes on disk", daily, backups.Compressed(path), size(path))
	}
	if 2*daily.Size > size(old.Path) {
		t.Errorf("the compressed hot copy is %d bytes, the plain one %d: not half", daily.Size, size(old.Path))
	}
	if len(list) != 2 || list[0].Name != daily.Name || list[1].Name != "hallq-20261101.db" || list[1].Segments != len(days) {
		t.Fatalf("listed %+v", list)
	}
	t.Logf("hot copy: plain %d bytes, compressed %d (%.1fx)", size(old.Path), daily.Size, float64(size(old.Path))/float64(daily.Size))

	// Each restores into an empty data directory, history and all, with
	// what its hot copy holds (the daily one also the day's roll, written
	// when the hall opened).
	var restored string
	for _, from := range []string{path, old.Path, bdir} {
		file := from
		if from == bdir {
			file = path // its newest
		}
		hall0, err := backups.VerifyHot(file)
		if err != nil || hall0.Path != file || hall0.Tickets == 0 {
			t.Fatalf("check of the backup %s: %+v %v", file, hall0, err)
		}
		into := filepath.Join(t.TempDir(), "data")
		out, _, err := cmdRun(t, "", "restore", from, "--data", into)
		if err != nil || !strings.Contains(out, "restored "+path) && from != old.Path || !strings.Contains(out, "copied back") {
			t.Fatalf("restore %s: %v\n%s", from, err, out)
		}
		if out, _, err := cmdRun(t, "", "check", "--data", into); err != nil || !strings.Contains(out, "sealed days verified") {
			t.Fatalf("check after restoring %s: %v\n%s", from, err, out)
		}
		sum, err := store.VerifyFile(filepath.Join(into, store.FileName))
		if err != nil || sum.Tickets != hall0.Tickets || sum.Events != hall0.Events || sum.LastSeq != hall0.LastSeq {
			t.Errorf("restored from %s: %+v (%v), the backup %+v", from, sum, err, hall0)
		}
		if got := cmdSealedEvents(t, into, days); !slices.EqualFunc(got, want, bytes.Equal) {
			t.Errorf("restored from %s: the sealed days' events differ", from)
		}
		for _, d := range []string{into, bdir} {
			if left, _ := filepath.Glob(filepath.Join(d, ".expand-*")); len(left) != 0 {
				t.Errorf("restore of %s left %v", from, left)
			}
		}
		restored = into
	}

	// A cut compressed copy is refused and changes nothing.
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "hallq-20261102.db.gz")
	os.WriteFile(cut, raw[:len(raw)/2], 0o600)
	before, _ := os.ReadFile(filepath.Join(restored, store.FileName))
	if _, _, err := cmdRun(t, "", "restore", cut, "--data", restored); err == nil || !strings.Contains(err.Error(), "incomplete") {
		t.Errorf("restore of a cut compressed copy: %v, want it refused as incomplete", err)
	}
	if after, _ := os.ReadFile(filepath.Join(restored, store.FileName)); !bytes.Equal(before, after) {
		t.Errorf("a refused restore changed the hall's database")
	}

	// A damaged hall names the newest intact backup: the compressed one.
	if good, tried := newestGoodBackup(dir); good != path {
		t.Errorf("newest intact backup %q (of %d tried), want %s", good, tried, path)
	}
}
