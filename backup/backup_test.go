package backup_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"hallq/backup"
	"hallq/hall"
	"hallq/hall/store"
	"hallq/health"
	"hallq/internal/halltest"
)

// TestBackups: today's backup is written into DIR/backups, listed with its
// size, and only the newest N are kept.
func TestBackups(t *testing.T) {
	clk := halltest.NewClock(halltest.Monday10)
	dir := t.TempDir()
	h := halltest.Open(t, hall.Options{Dir: dir, Now: clk.Now, AlwaysOpen: true})
	b := backup.New(h, backup.Options{}, health.New(h, health.Options{}))
	for i := 0; i < 4; i++ {
		f, err := b.Make(2)
		if err != nil || f.Size <= 0 {
			t.Fatalf("backup: %+v %v", f, err)
		}
		clk.Add(24 * time.Hour)
	}
	list, err := b.List()
	if err != nil || len(list) != 2 || list[0].Name != "hallq-20261126.db.gz" || list[1].Name != "hallq-20261125.db.gz" {
		t.Fatalf("backups %+v %v", list, err)
	}
	path := filepath.Join(dir, backup.Dir, list[0].Name)
	raw, err := os.ReadFile(path)
	if err != nil || int64(len(raw)) != list[0].Size || !backup.Compressed(path) {
		t.Errorf("backup file: %d bytes, listed %d, compressed %v (%v)", len(raw), list[0].Size, backup.Compressed(path), err)
	}
	// The backup expands to a whole, consistent hall database.
	cp := t.TempDir()
	n, err := backup.Expand(path, filepath.Join(cp, store.FileName))
	if err != nil || n <= list[0].Size {
		t.Fatalf("expand: %d bytes from %d (%v)", n, list[0].Size, err)
	}
	st, err := store.OpenReadOnly(cp)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Check(); err != nil {
		t.Errorf("backup check: %v", err)
	}
	if _, ok := b.Path("../hallq.db"); ok {
		t.Errorf("a path outside the backups was accepted")
	}
}

// TestScheduledBackups: with Keep set, the hall writes the day's backup by
// itself and a new one after the local midnight, keeping the newest Keep.
func TestScheduledBackups(t *testing.T) {
	clk := halltest.NewClock(halltest.Monday10)
	h := halltest.Open(t, hall.Options{Now: clk.Now, AlwaysOpen: true, Tick: 5 * time.Millisecond})
	b := backup.New(h, backup.Options{Keep: 2, Every: 5 * time.Millisecond}, health.New(h, health.Options{}))
	waitBackups := func(want ...string) {
		t.Helper()
		var names []string
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			list, err := b.List()
			if err != nil {
				t.Fatal(err)
			}
			names = names[:0]
			for _, f := range list {
				names = append(names, f.Name)
			}
			if slices.Equal(names, want) {
				return
			}
		}
		t.Fatalf("backups %v, want %v", names, want)
	}
	waitBackups("hallq-20261123.db.gz")
	for _, day := range []string{"hallq-20261124.db.gz", "hallq-20261125.db.gz"} {
		clk.Add(24 * time.Hour)
		waitBackups(append([]string{day}, map[string][]string{
			"hallq-20261124.db.gz": {"hallq-20261123.db.gz"},
			"hallq-20261125.db.gz": {"hallq-20261124.db.gz"},
		}[day]...)...)
	}
	if b.Keep() != 2 {
		t.Errorf("Keep %d", b.Keep())
	}
}
