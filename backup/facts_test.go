package backup_test

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"hallq/backup"
	"hallq/hall/store"
	"hallq/history"
)

// writeMonth writes a month facts file of n keys into data/history.
func writeMonth(t *testing.T, data, month string, n int) string {
	t.Helper()
	var kvs []history.KV
	for i := range n {
		kvs = append(kvs, history.KV{K: fmt.Appendf(nil, "rT%s%06d", month, i), V: bytes.Repeat([]byte{byte(i)}, 40)})
	}
	path := history.FactsPathFor(backup.HistoryDir(data), month)
	if _, _, err := history.WriteFacts(path, month, kvs); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestFactsBackups: month facts files are backed up once (they never
// change) beside the segments, listed in the manifest, restored by the
// history plan when missing or damaged, kept by retention while a backup
// lists them, and carried by the archive.
func TestFactsBackups(t *testing.T) {
	data, sealed, _, _ := sealedData(t, 3)
	months := []string{"2026-09", "2026-10"}
	var paths []string
	for _, m := range months {
		paths = append(paths, writeMonth(t, data, m, 5000))
	}
	want, _ := os.ReadFile(paths[0])
	st, err := store.OpenReadOnly(data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	bdir := t.TempDir()
	res, err := backup.WriteDir(st, data, bdir, "hallq-20261123.db", false)
	if err != nil || res.Segments != len(sealed) {
		t.Fatalf("backup %+v %v", res, err)
	}
	m, ok, err := backup.ReadManifest(res.Path)
	if err != nil || !ok || len(m.Facts) != 2 || m.Facts[0].Day != months[0] {
		t.Fatalf("manifest %+v %v %v", m, ok, err)
	}
	copied := history.FactsPathFor(backup.HistoryDir(bdir), months[0])
	before, err := os.Stat(copied)
	if err != nil {
		t.Fatal(err)
	}
	res2, err := backup.WriteDir(st, data, bdir, "hallq-20261124.db", false)
	if err != nil {
		t.Fatal(err)
	}
	if after, _ := os.Stat(copied); !os.SameFile(before, after) || res2.Copy != 0 {
		t.Errorf("a facts file backed up before was copied again (%d bytes copied)", res2.Copy)
	}

	// One missing, one damaged: the plan takes both from the backup.
	os.Remove(paths[0])
	flipByte(t, paths[1], 200)
	plan, ok, err := backup.PlanHistory(res.Path, data)
	if err != nil || !ok || len(plan.CopyFacts) != 2 {
		t.Fatalf("plan %+v %v %v", plan, ok, err)
	}
	if err := plan.Apply(data); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(paths[0]); err != nil || !bytes.Equal(got, want) {
		t.Errorf("the restored facts file differs (%v)", err)
	}
	if _, _, err := history.VerifyFacts(paths[1]); err != nil {
		t.Errorf("the damaged facts file after the restore: %v", err)
	}
	// The backup's own copy damaged and the hall's missing: refused.
	flipByte(t, copied, 300)
	os.Remove(paths[0])
	if _, _, err := backup.PlanHistory(res.Path, data); !errors.Is(err, history.ErrDamaged) {
		t.Errorf("a backup with a damaged facts file planned: %v", err)
	}
	flipByte(t, copied, 300) // the backup's copy whole again
	plan, _, _ = backup.PlanHistory(res.Path, data)
	if err := plan.Apply(data); err != nil {
		t.Fatal(err)
	}

	// Retention keeps a facts file while a kept backup lists it.
	if err := os.Remove(backup.ManifestPath(res2.Path)); err != nil {
		t.Fatal(err)
	}
	if _, err := backup.Prune(bdir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(copied); err != nil {
		t.Errorf("a facts file a kept backup lists was pruned: %v", err)
	}
	os.Remove(backup.ManifestPath(res.Path))
	if _, err := backup.Prune(bdir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(copied); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a facts file no backup lists is still there: %v", err)
	}

	// The archive carries them, and unpacks them.
	var buf bytes.Buffer
	if _, err := backup.WriteTar(st, data, &buf); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	tr := tar.NewReader(bytes.NewReader(buf.Bytes()))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		names[h.Name] = true
	}
	for _, m := range months {
		if n := filepath.ToSlash(history.FactsPathFor(history.Dir, m)); !names[n] {
			t.Errorf("the archive lacks %s: %v", n, names)
		}
	}
	arch := filepath.Join(t.TempDir(), "hall.tar")
	os.WriteFile(arch, buf.Bytes(), 0o640)
	out := filepath.Join(t.TempDir(), "x")
	if err := backup.Unpack(arch, out); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(history.FactsPathFor(backup.HistoryDir(out), months[0])); !bytes.Equal(got, want) {
		t.Error("the unpacked facts file differs")
	}
}
