package store_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hallq/hall/store"
	"hallq/queue"
)

// BenchmarkBatchPuts is the raw baseline: bbolt batched puts of 1 KiB from
// 64 writers with the store's batch settings, on the disk of the temp dir.
func BenchmarkBatchPuts(b *testing.B) {
	per := max(b.N/64, 1)
	rate, err := store.MeasureBatchPuts(b.TempDir(), 64, per, 1024)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(rate, "puts/s")
}

// BenchmarkCommit64 commits b.N one-ticket events from 64 goroutines through
// Store.Commit, each call a transaction of its own (the store shares none:
// the hall's committer gathers concurrent commands into one call,
// hall/commit.go), and reports the ratio to the raw batched-put rate
// measured in the same run.
func BenchmarkCommit64(b *testing.B) {
	dir := b.TempDir()
	st, err := store.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := st.Check(); err != nil {
			b.Error(err)
		}
		st.Close()
	}()
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	var seq atomic.Uint64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				s := seq.Add(1)
				if s > uint64(b.N) {
					return
				}
				t := queue.Ticket{ID: s, Day: "2026-11-23", Number: "A001", Service: "A", Priority: queue.Normal,
					Status: queue.Waiting, IssuedAt: at, Tracking: "TRACKINGCODE", Rev: 1}
				if err := st.Commit([]queue.Event{{Seq: s, Type: queue.EvIssued, At: at, Day: t.Day, Actor: "device:bench", Ticket: s, Tickets: []queue.Ticket{t}}}, nil); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	rate := float64(b.N) / time.Since(start).Seconds()
	b.StopTimer()
	raw, err := store.MeasureBatchPuts(dir, 64, 50, 1024)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(rate, "commits/s")
	b.ReportMetric(raw, "raw-puts/s")
	b.ReportMetric(rate/raw, "ratio")
}
