package store

import (
	"encoding/json"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"hallq/queue"
)

// TestServiceFigureOldAndNewStores: the service-time figure learnt from the
// finishes comes back on a restart, from the live path (RestoreRunning) and
// the full one (Restore), both from a store written as before the figure
// left the service's record (each finish carried the service with its new
// figure and revision; the running windows had no figure) and from one
// written now (no service in the finish; the figure in the running
// windows, the record as configured).
func TestServiceFigureOldAndNewStores(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC) // 10:00 in Shanghai
	cfg := queue.Config{NameZH: "厅", NameEN: "Hall", RecallsBeforeNoShow: 1,
		Services: []queue.Service{{Prefix: "A", NameZH: "电费", NameEN: "Bills", TargetWaitS: 600, AvgServiceS: 180, Documents: []string{"户号"}}},
		Counters: []queue.Counter{{Number: 1, NameZH: "1号", NameEN: "1", Services: []string{"A"}}}}
	const want = 190.6 // 0.8×180+0.2×300; 0.8×204+0.2×300; 0.8×223.2+0.2×60
	for _, old := range []bool{true, false} {
		name := map[bool]string{true: "written before", false: "written now"}[old]
		t.Run(name, func(t *testing.T) {
			e, err := queue.New(cfg, t0)
			if err != nil {
				t.Fatal(err)
			}
			st := openTemp(t)
			if _, err := st.Seed(cfg, cfg.Services, cfg.Counters); err != nil {
				t.Fatal(err)
			}
			now, seq, rev := t0, uint64(0), 0
			do := func(fn func() (queue.Event, error)) {
				t.Helper()
				ev, err := fn()
				if err != nil {
					t.Fatal(err)
				}
				seq++
				ev.Seq = seq
				run := e.Running()
				run.Seq = seq
				if old {
					// As the engine wrote them before: the finish carries
					// the service at its new figure and revision, and the
					// running windows hold no figure.
					if ev.Type == queue.EvFinished {
						s, _ := e.Service("A")
						rev++
						s.Rev = rev
						ev.Services = []queue.Service{s}
					}
					for p, s := range run.Services {
						s.AvgServiceS = 0
						run.Services[p] = s
					}
				}
				if err := st.Commit([]queue.Event{ev}, &run); err != nil {
					t.Fatal(err)
				}
			}
			do(func() (queue.Event, error) { return e.SignIn(1, queue.Clerk{User: "c1", Name: "王"}, now) })
			for _, took := range []time.Duration{300 * time.Second, 300 * time.Second, 60 * time.Second} {
				do(func() (queue.Event, error) { return e.Issue(queue.IssueRequest{Service: "A", Tracking: "t"}, now) })
				do(func() (queue.Event, error) { ev, _, err := e.CallNext(1, "c1", now); return ev, err })
				do(func() (queue.Event, error) { return e.Start(1, "c1", now) })
				now = now.Add(took)
				do(func() (queue.Event, error) { return e.Finish(1, "c1", "", now) })
			}
			if s, _ := e.Service("A"); s.AvgServiceS != want {
				t.Fatalf("the engine's figure %v, want %v", s.AvgServiceS, want)
			}
			day := e.Day()

			ls, err := st.LoadLive(day, time.Time{})
			if err != nil || ls.Running == nil {
				t.Fatalf("live load: %v (running figures %v)", err, ls.Running)
			}
			live, _ := queue.New(cfg, now)
			live.RestoreRunning(day, ls.Services, ls.Counters, ls.Tickets, ls.MaxID, *ls.Running, ls.Phones, ls.Done)
			full, _ := queue.New(cfg, now)
			all, err := st.Load(day)
			if err != nil {
				t.Fatal(err)
			}
			full.Restore(day, all.Services, all.Counters, all.Tickets, all.MaxID)
			for what, r := range map[string]*queue.Engine{"live restart": live, "full restart": full} {
				if s, _ := r.Service("A"); s.AvgServiceS != want {
					t.Errorf("%s: figure %v, want %v", what, s.AvgServiceS, want)
				}
			}

			// The service's record: rewritten by every finish before, left
			// as configured now.
			var rec queue.Service
			if err := st.view(func(tx *bolt.Tx) error {
				p, _, err := unseal(tx.Bucket(bServices).Get([]byte("A")))
				if err != nil {
					return err
				}
				return json.Unmarshal(p, &rec)
			}); err != nil {
				t.Fatal(err)
			}
			wantRec, wantRev := 180.0, 0
			if old {
				wantRec, wantRev = want, 3
			}
			if rec.AvgServiceS != wantRec || rec.Rev != wantRev {
				t.Errorf("service record: figure %v rev %d, want %v rev %d", rec.AvgServiceS, rec.Rev, wantRec, wantRev)
			}
		})
	}
}
