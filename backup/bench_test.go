package backup_test

import (
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"hallq/backup"
	"hallq/hall/config"
	"hallq/hall/store"
	"hallq/history"
	"hallq/queue"
	"hallq/sim"
)

// BenchmarkKeptBackups measures what 14 kept daily backups cost on disk
// after N simulated days, today (each a full copy of hallq.db holding the
// whole history) against the backups with sealed history (each a hot file,
// all of them sharing one copy of each day's segment), with plain hot copies
// (the form before compress.go) and compressed ones side by side, each also
// as a multiple of the data (hot file + history). The full copies are
// the real sizes of hallq.db on each of the last 14 days; the segments are
// written with history.WriteFile from the same events; the hot file is a
// store holding the hall's configuration and one day (what the sealed
// hall's hot file carries at the backup's hour, before the rollups and open
// records of the month, which the figure leaves out). Sizes are what a
// backup writes (Store.Backup: the pages in use), not the files on disk,
// which bbolt grows 16 MB at a time.
//
//	go test -run '^$' -bench KeptBackups -benchtime 1x ./backup/
//	BACKUP_BENCH_DAYS=365 BACKUP_BENCH_PROFILE=large for a large year
func BenchmarkKeptBackups(b *testing.B) {
	days, profile := 120, "small"
	if s := os.Getenv("BACKUP_BENCH_DAYS"); s != "" {
		fmt.Sscan(s, &days)
	}
	if s := os.Getenv("BACKUP_BENCH_PROFILE"); s != "" {
		profile = s
	}
	const keep = 14
	end := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	for range b.N {
		data := b.TempDir()
		st, err := store.Open(data)
		if err != nil {
			b.Fatal(err)
		}
		run := func(n int, e time.Time) {
			if _, err := sim.Run(st, sim.Options{Days: n, Seed: 9, Profile: profile, NewHall: config.Default(), End: e}); err != nil {
				b.Fatal(err)
			}
		}
		copySize := func(st *store.Store) int64 {
			n, err := st.Backup(io.Discard)
			if err != nil {
				b.Fatal(err)
			}
			return n
		}
		// Today: one full copy a day, the newest 14 kept.
		run(days-keep+1, end.AddDate(0, 0, -keep+1))
		full := copySize(st)
		for i := keep - 2; i >= 0; i-- {
			run(1, end.AddDate(0, 0, -i))
			full += copySize(st)
		}
		evs, err := st.Events(0, 1<<31)
		st.Close()
		if err != nil {
			b.Fatal(err)
		}
		// With sealed history: every day's segment, copied once.
		by := map[string][]queue.Event{}
		for _, ev := range evs {
			by[ev.Day] = append(by[ev.Day], ev)
		}
		hdir := b.TempDir()
		var segs int64
		var manifest backup.Manifest
		for d, evs := range by {
			w, err := history.WriteFile(history.PathFor(hdir, d), &history.Day{Day: d, Events: evs}, history.WriteOptions{})
			if err != nil {
				b.Fatal(err)
			}
			segs += w.Size
			manifest.Segments = append(manifest.Segments, backup.Seg{Day: d, Size: w.Size})
		}
		text, _ := manifest.MarshalText()
		// The hot file: the configuration and one day.
		one := b.TempDir()
		st1, err := store.Open(one)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := sim.Run(st1, sim.Options{Days: 1, Seed: 9, Profile: profile, NewHall: config.Default(), End: end}); err != nil {
			b.Fatal(err)
		}
		hot := copySize(st1)
		hotGz, err := backup.CompressedSize(st1)
		st1.Close()
		if err != nil {
			b.Fatal(err)
		}
		// Before: plain hot copies (hallq-….db); after: compressed ones
		// (hallq-….db.gz), the form WriteDir writes now. The data is the
		// hall's own: its hot file and its history, once.
		sealed := keep*hot + segs + keep*int64(len(text))
		sealedGz := keep*hotGz + segs + keep*int64(len(text))
		own := hot + segs
		b.ReportMetric(float64(len(by)), "days")
		b.ReportMetric(float64(full)/1e6, "MB_full_copies")
		b.ReportMetric(float64(sealed)/1e6, "MB_sealed_plain")
		b.ReportMetric(float64(sealedGz)/1e6, "MB_sealed_gz")
		b.ReportMetric(float64(hot)/1e6, "MB_hot_file")
		b.ReportMetric(float64(hotGz)/1e6, "MB_hot_gz")
		b.ReportMetric(float64(segs)/1e6, "MB_segments")
		b.ReportMetric(float64(sealed)/float64(own), "x_data_plain")
		b.ReportMetric(float64(sealedGz)/float64(own), "x_data_gz")
		b.ReportMetric(float64(full)/float64(sealedGz), "x_smaller")
	}
}
