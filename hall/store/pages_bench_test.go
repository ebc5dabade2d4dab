package store_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"hallq/hall/store"
	"hallq/queue"
)

// BenchmarkCommitGroup commits the events of b.N customers (issue, call,
// start, finish and a rating record, from the engine) through Store.Commit
// in groups of 1, 8 and 64 events, with the running figures, and reports
// bbolt's page writes and the bytes of rewritten pages per event: what a
// commit costs on disk is its tree paths, shared by the events it holds.
// Run with -benchtime Nx (N customers).
func BenchmarkCommitGroup(b *testing.B) {
	for _, group := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("group=%d", group), func(b *testing.B) {
			t0 := time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)
			cfg := queue.Config{NameZH: "厅", NameEN: "Hall", RecallsBeforeNoShow: 1,
				Services: []queue.Service{{Prefix: "A", NameZH: "电费缴纳", NameEN: "Bills", TargetWaitS: 600, AvgServiceS: 180}},
				Counters: []queue.Counter{{Number: 1, NameZH: "1号窗口", NameEN: "Counter 1", Services: []string{"A"}}}}
			e, err := queue.New(cfg, t0)
			if err != nil {
				b.Fatal(err)
			}
			st, err := store.Open(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			if _, err := st.Seed(cfg, cfg.Services, cfg.Counters); err != nil {
				b.Fatal(err)
			}
			var evs []queue.Event
			now, seq := t0, uint64(0)
			add := func(ev queue.Event, err error) {
				if err != nil {
					b.Fatal(err)
				}
				seq++
				ev.Seq = seq
				evs = append(evs, ev)
			}
			add(e.SignIn(1, queue.Clerk{User: "c1", Name: "王丽", StaffNo: "G1"}, now))
			for i := range b.N {
				now = now.Add(time.Second)
				add(e.Issue(queue.IssueRequest{Service: "A", Tracking: fmt.Sprintf("trk%08d", i)}, now))
				ev, _, err := e.CallNext(1, "c1", now)
				add(ev, err)
				add(e.Start(1, "c1", now))
				now = now.Add(30 * time.Second)
				fin, err := e.Finish(1, "c1", "", now)
				add(fin, err)
				t := fin.Tickets[0]
				data, _ := json.Marshal(map[string]any{"ticket": t.ID, "day": t.Day, "score": 5, "clerk": "c1", "counter": 1, "at": now})
				add(queue.Event{Type: "service_rated", At: now, Day: t.Day, Actor: "keypad", Counter: 1, Ticket: t.ID,
					Records: []queue.Record{{Kind: "rating", Key: fmt.Sprintf("%s/%d", t.Day, t.ID), Rev: 1, Data: data}}}, nil)
			}
			d0, err := st.DiskStats()
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < len(evs); i += group {
				part := evs[i:min(i+group, len(evs))]
				run := queue.Running{Day: e.Day(), Seq: part[len(part)-1].Seq}
				if err := st.Commit(part, &run); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			d, err := st.DiskStats()
			if err != nil {
				b.Fatal(err)
			}
			n := float64(len(evs))
			b.ReportMetric(float64(d.PageWrites-d0.PageWrites)/n, "page-writes/event")
			b.ReportMetric(float64(d.PageBytes-d0.PageBytes)/n, "pages-B/event")
			b.ReportMetric(0, "ns/op")
		})
	}
}
