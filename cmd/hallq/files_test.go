package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"hallq/hall/config"
	"hallq/hall/store"
)

// TestCLIRefusesDamagedFiles: an empty, truncated or foreign hallq.db is
// refused by serve, check, backup and user add with a message that says what
// is wrong and names the newest backup — never replaced by a new hall, never
// a crash — and the file is left byte for byte as it was. The backup then
// restores over it.
func TestCLIRefusesDamagedFiles(t *testing.T) {
	t.Parallel()
	good := t.TempDir()
	cmdHallDay(t, good)
	whole, err := os.ReadFile(filepath.Join(good, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	// The pages in use: bbolt grows the file ahead of them, and a cut in
	// that unused tail loses nothing.
	var used int64
	gdb, err := bolt.Open(filepath.Join(good, store.FileName), 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	gdb.View(func(tx *bolt.Tx) error { used = tx.Size(); return nil })
	gdb.Close()
	foreignDB := filepath.Join(t.TempDir(), "other.db")
	db, err := bolt.Open(foreignDB, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error {
		b, _ := tx.CreateBucket([]byte("widgets"))
		return b.Put([]byte("k"), []byte("v"))
	})
	db.Close()
	foreign, err := os.ReadFile(foreignDB)
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, content, want string
	}{
		{"empty", "", "the file is empty (0 bytes)"},
		{"truncated", string(whole[:used/2]), "the file is cut short"},
		{"a few bytes", string(whole[:100]), "the file is cut short"},
		{"text", strings.Repeat("这不是数据库 not a database\n", 400), "this is not a hallq database"},
		{"foreign bbolt", string(foreign), "this is not a hallq database: it holds buckets widgets"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, store.FileName)
			if err := os.WriteFile(path, []byte(tc.content), 0o640); err != nil {
				t.Fatal(err)
			}
			backup := filepath.Join(dir, "backups", "hallq-20261122.db")
			if err := os.MkdirAll(filepath.Dir(backup), 0o750); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(backup, whole, 0o640); err != nil {
				t.Fatal(err)
			}
			m := &Main{Addr: "127.0.0.1:0", DataDir: dir, Demo: true, Stdout: io.Discard, Logger: cmdQuiet,
				BcryptCost: 4}
			err := m.Run(context.Background())
			m.Close()
			if err == nil {
				t.Fatalf("serve opened it")
			}
			for _, want := range []string{tc.want, "is damaged", "The newest intact backup is " + backup} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("serve: %v\nwant %q", err, want)
				}
			}
			for _, args := range [][]string{{"check"}, {"backup", filepath.Join(t.TempDir(), "b.db")}, {"user", "add", "x", "--role", "clerk"}} {
				_, _, err := cmdRun(t, "pw-123456\n", append(args, "--data", dir)...)
				if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), backup) {
					t.Errorf("%s: %v", args[0], err)
				}
			}
			if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, []byte(tc.content)) {
				t.Errorf("the file changed: %d bytes (was %d), %v", len(got), len(tc.content), err)
			}
			if _, _, err := cmdRun(t, "", "restore", backup, "--data", dir); err != nil {
				t.Fatalf("restore: %v", err)
			}
			if out, _, err := cmdRun(t, "", "check", "--data", dir); err != nil {
				t.Fatalf("check after restore: %v\n%s", err, out)
			}
			// The file it replaced is kept, as it was.
			kept, _ := filepath.Glob(path + ".before-restore-*")
			if len(kept) != 1 {
				t.Fatalf("kept %v", kept)
			}
			if got, _ := os.ReadFile(kept[0]); !bytes.Equal(got, []byte(tc.content)) {
				t.Errorf("the kept file differs from the damaged one")
			}
		})
	}
}

// TestCLINewHallOnlyInEmptyDir: a data directory that holds backups but no
// database is refused (a hall lived there), naming the backups directory;
// serve --init creates the new hall on purpose; a directory with only a
// hall.json to seed from is a new hall.
func TestCLINewHallOnlyInEmptyDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "backups"), 0o750); err != nil {
		t.Fatal(err)
	}
	m := &Main{Addr: "127.0.0.1:0", DataDir: dir, Demo: true, Stdout: io.Discard, Logger: cmdQuiet,
		BcryptCost: 4}
	err := m.Run(context.Background())
	m.Close()
	if err == nil || !strings.Contains(err.Error(), "holds backups/") || !strings.Contains(err.Error(), filepath.Join(dir, "backups")) || !strings.Contains(err.Error(), "--init") {
		t.Fatalf("serve in a directory with backups and no database: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, store.FileName)); err == nil {
		t.Fatalf("a database was created")
	}
	m = &Main{Addr: "127.0.0.1:0", DataDir: dir, Demo: true, Init: true, Stdout: io.Discard, Logger: cmdQuiet,
		BcryptCost: 4}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("serve --init: %v", err)
	}
	m.Close()

	seeded := t.TempDir()
	if err := os.WriteFile(filepath.Join(seeded, config.File), []byte(`{}`), 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(seeded); err != nil {
		t.Errorf("a directory with only hall.json: %v", err)
	}
}

// TestCLICheckFindsFlippedByte: one changed byte in the tickets ("waiting"
// → "waitinh", the page structure intact) is reported by check with the
// damaged record, and serve refuses to start on it rather than silently
// dropping the customer from the queue; both name the backup.
func TestCLICheckFindsFlippedByte(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cmdHallDay(t, dir)
	backup := filepath.Join(dir, "backups", "hallq-20261122.db")
	if err := os.MkdirAll(filepath.Dir(backup), 0o750); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cmdRun(t, "", "backup", backup, "--data", dir); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, store.FileName)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Count(b, []byte(`"waiting"`)) == 0 {
		t.Fatal("no waiting ticket in the file")
	}
	if err := os.WriteFile(path, bytes.ReplaceAll(b, []byte(`"waiting"`), []byte(`"waitinh"`)), 0o640); err != nil {
		t.Fatal(err)
	}
	out, _, err := cmdRun(t, "", "check", "--data", dir)
	if err == nil || !strings.Contains(out, "damaged record tickets/") || !strings.Contains(out, "checksum mismatch: the stored bytes changed [checksum]") {
		t.Errorf("check: %v\n%s", err, out)
	}
	if err == nil || !strings.Contains(err.Error(), "The newest intact backup is "+backup) {
		t.Errorf("check advised: %v", err)
	}
	m := &Main{Addr: "127.0.0.1:0", DataDir: dir, Stdout: io.Discard, Logger: cmdQuiet, BcryptCost: 4}
	err = m.Run(context.Background())
	m.Close()
	if err == nil || !strings.Contains(err.Error(), "damaged record tickets/") || !strings.Contains(err.Error(), backup) {
		t.Errorf("serve: %v", err)
	}
}
