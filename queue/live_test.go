package queue_test

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"hallq/queue"
)

// checkLive compares the state the engine keeps per event (live.go) with a
// full recomputation over every ticket of the day: the snapshot, the lookup
// by number, each counter's last finished ticket and the counts by status.
func checkLive(t testing.TB, where string, e *queue.Engine, now time.Time) {
	t.Helper()
	if got, want := e.Snapshot(now), e.SnapshotByScan(now); !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: kept snapshot differs from a full scan:\n  kept %+v\n  scan %+v", where, got, want)
	}
	scan := e.SnapshotByScan(now)
	want := queue.Figures{Day: scan.Day, Open: scan.Open, Services: []queue.ServiceFigures{}, Counters: []int{}, Recent: []uint64{}}
	for _, v := range scan.Services {
		want.Services = append(want.Services, queue.ServiceFigures{Prefix: v.Prefix, Waiting: v.Waiting,
			EstimatedWaitS: v.EstimatedWaitS, LongestWaitS: v.LongestWaitS, OpenCounters: v.OpenCounters})
	}
	for _, c := range scan.Counters {
		want.Counters = append(want.Counters, c.Number)
	}
	for _, r := range scan.Recent {
		want.Recent = append(want.Recent, r.ID)
	}
	if got := e.Figures(now); !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: kept figures differ from a full scan:\n  kept %+v\n  scan %+v", where, got, want)
	}
	for _, tk := range e.Tickets() {
		got, ok1 := e.Find(tk.Number)
		want, ok2 := e.FindByScan(tk.Number)
		if ok1 != ok2 || !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: Find(%s) = %+v %v, a scan finds %+v %v", where, tk.Number, got, ok1, want, ok2)
		}
	}
	for _, c := range e.Counters() {
		got, ok1 := e.LastFinished(c.Number)
		want, ok2 := e.LastFinishedByScan(c.Number)
		if ok1 != ok2 || !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: LastFinished(%d) = %+v %v, a scan finds %+v %v", where, c.Number, got, ok1, want, ok2)
		}
	}
	var done []uint64
	for _, tk := range e.Tickets() {
		if tk.Status == queue.Done {
			done = append(done, tk.ID)
		}
	}
	if got := slices.Sorted(slices.Values(e.DoneFrom(0))); !slices.Equal(got, done) {
		t.Fatalf("%s: done tickets %v, a scan finds %v", where, got, done)
	}
	if got, want := e.StatusCounts(), e.StatusCountsByScan(); !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: status counts %v, a scan counts %v", where, got, want)
	}
}

// TestLiveRecentOutOfOrder: records installed out of the engine's own order
// (a replica, a restore) that move a ticket of the full recent list down or
// out still leave the ten newest calls, as a full scan finds them.
func TestLiveRecentOutOfOrder(t *testing.T) {
	cfg := testConfig()
	e, err := queue.New(cfg, t0)
	if err != nil {
		t.Fatal(err)
	}
	day := e.Day()
	mk := func(i int, at time.Time, counter, rev int) queue.Ticket {
		return queue.Ticket{ID: uint64(i), Day: day, Serial: i, Number: fmt.Sprintf("A%03d", i), Service: "A",
			Priority: queue.Normal, Status: queue.Done, IssuedAt: t0.Add(-time.Hour), CalledAt: &at, LastCalledAt: &at,
			StartedAt: &at, FinishedAt: &at, Counter: counter, Tracking: fmt.Sprint("trk-", i), Rev: rev}
	}
	for i := 1; i <= 14; i++ {
		e.Apply(queue.Event{Tickets: []queue.Ticket{mk(i, t0.Add(-time.Duration(60-i)*time.Minute), 1, 1)}})
		checkLive(t, fmt.Sprint("install ", i), e, t0)
	}
	// Ticket 14 (the newest call) moves to an earlier call, then out.
	e.Apply(queue.Event{Tickets: []queue.Ticket{mk(14, t0.Add(-2*time.Hour), 1, 2)}})
	checkLive(t, "moved down", e, t0)
	e.Apply(queue.Event{Tickets: []queue.Ticket{mk(13, t0.Add(-2*time.Hour), 0, 2)}})
	checkLive(t, "moved out", e, t0)
	if e.RecentRebuilds() == 0 {
		t.Fatal("no rebuild of the recent calls: the test did not reach the case it is for")
	}
}

// TestSnapshotCostIndependentOfDay: the kept state is the same whatever the
// day's size — a snapshot after 5,000 served customers lists ten recent
// calls and equals the full scan, and the engine took no full rebuild of
// the recent calls on the way.
func TestSnapshotCostIndependentOfDay(t *testing.T) {
	cfg := testConfig()
	cfg.PhoneDailyLimit = 0
	for i := range cfg.Services {
		cfg.Services[i].DailyLimit = 0
	}
	e, err := queue.New(cfg, t0)
	if err != nil {
		t.Fatal(err)
	}
	now := t0
	if _, err := e.SignIn(1, queue.Clerk{User: "c1", Name: "C1"}, now); err != nil {
		t.Fatal(err)
	}
	c, _ := e.Counter(1)
	served := 0
	for served < 900 {
		now = now.Add(time.Second)
		if _, err := e.Issue(queue.IssueRequest{Service: c.Services[served%len(c.Services)]}, now); err != nil {
			t.Fatal(err)
		}
		if _, found, err := e.CallNext(1, "c1", now); err != nil || !found {
			t.Fatalf("call %d: %v %v", served, found, err)
		}
		if _, err := e.Finish(1, "c1", "", now); err != nil {
			t.Fatal(err)
		}
		served++
	}
	checkLive(t, "after 900 customers", e, now)
	if n := e.RecentRebuilds(); n != 0 {
		t.Fatalf("%d full rebuilds of the recent calls on the engine's own commands", n)
	}
}
