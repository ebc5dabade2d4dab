package sealing_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"hallq/hall"
	"hallq/hall/store"
	"hallq/history"
	"hallq/internal/halltest"
	"hallq/report"
	"hallq/sealing"
)

// schema1File is a real store of schema 1: `hallq simulate --days 21 --seed
// 11` (small profile, 6,035 customers, 23,102 events, 2026-11-14 …
// 2026-12-04) run by the hallq of commit bfb9f01, the last before the
// sealed history, gzip-compressed (33.1 MB → 3.1 MB).
const schema1File = "testdata/schema1-21days.db.gz"

// TestMigrateRealSchema1File: that file, opened by this hallq, is kept as
// it was (hallq.db.schema1) and upgraded in place: every one of its three
// weeks is sealed, and every event, ticket, tickets.csv row, rating and
// case record, rating figure, peak report and what-if figure is the same
// before the upgrade and after it, on a restarted hall.
func TestMigrateRealSchema1File(t *testing.T) {
	dir := t.TempDir()
	gunzip(t, schema1File, filepath.Join(dir, store.FileName))
	sh := time.FixedZone("CST", 8*3600)
	clock := halltest.NewClock(time.Date(2026, 12, 5, 9, 0, 0, 0, sh))
	h := halltest.Open(t, hall.Options{Dir: dir, Now: clock.Now})
	if fi, err := os.Stat(filepath.Join(dir, store.FileName+".schema1")); err != nil || fi.Size() < 30<<20 {
		t.Fatalf("the schema-1 file is not kept before its upgrade: %v", err)
	}
	rep := report.New(h)
	from, to := "2026-11-14", "2026-12-04"
	before := figures(t, h, rep, from, to)

	days, err := sealing.New(h, sealing.Options{Off: true}).SealNow(context.Background())
	if err != nil {
		t.Fatalf("seal: %v", err)
	}
	if len(days) != 21 || days[0] != from || days[20] != to {
		t.Fatalf("sealed %d days %v, want the 21 simulated days", len(days), days)
	}
	for _, d := range days {
		if _, err := os.Stat(history.PathFor(filepath.Join(dir, history.Dir), d)); err != nil {
			t.Errorf("segment of %s: %v", d, err)
		}
	}
	if through, err := h.Store().SealedThrough(); err != nil || through != to {
		t.Errorf("sealed through %q (%v), want %s", through, err, to)
	}
	same := func(when string, got map[string][]byte) {
		t.Helper()
		for k := range before {
			if !bytes.Equal(before[k], got[k]) {
				t.Errorf("%s differ %s (%d, %d bytes)", k, when, len(before[k]), len(got[k]))
			}
		}
	}
	// Compared after a restart only (in the same process and after a restart
	// both: TestSealNowKeepsFigures; three weeks under -race cost minutes).
	halltest.CheckClose(t, h)
	h = halltest.Open(t, hall.Options{Dir: dir, Now: clock.Now})
	same("after a restart on the upgraded store", figures(t, h, report.New(h), from, to))
	if sum, err := h.Store().Verify(); err != nil {
		t.Errorf("check of the upgraded store: %v %+v", err, sum.Problems)
	}
}

func gunzip(t *testing.T, from, to string) {
	t.Helper()
	f, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, zr); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
