package queue_test

import (
	"reflect"
	"testing"
	"time"

	"hallq/queue"
)

// TestEstimates: estimated wait = people ahead / open counters serving the
// service × the service's average, rounded to the second.
func TestEstimates(t *testing.T) {
	type issued struct {
		svc   string
		pri   queue.Priority
		due   bool // appointment due now
		num   string
		ahead int
		waitS int
	}
	type svcView struct{ waiting, open, estimate, longest int }
	pause2 := func(f *fx) {
		f.signIn(1)
		f.signIn(2)
		f.ok(func() (queue.Event, error) { return f.e.Pause(2, "break", f.now) })
	}
	tests := []struct {
		name  string
		cfg   func(*queue.Config)
		setup func(f *fx)
		takes []issued
		wantA svcView // service A in the snapshot, a minute after the last issue
	}{
		{
			name: "no counter open counts as one",
			takes: []issued{
				{"A", queue.Normal, false, "A001", 0, 0},
				{"A", queue.Normal, false, "A002", 1, 180},
				{"A", queue.Normal, false, "A003", 2, 360},
			},
			wantA: svcView{waiting: 3, open: 0, estimate: 540, longest: 180},
		},
		{
			name:  "two open counters share the queue",
			setup: func(f *fx) { f.signIn(1); f.signIn(2) },
			takes: []issued{
				{"A", queue.Normal, false, "A001", 0, 0},
				{"A", queue.Normal, false, "A002", 1, 90},
				{"A", queue.Normal, false, "A003", 2, 180},
			},
			wantA: svcView{waiting: 3, open: 2, estimate: 270, longest: 180},
		},
		{
			name:  "a paused counter does not count",
			setup: pause2,
			takes: []issued{
				{"A", queue.Normal, false, "A001", 0, 0},
				{"A", queue.Normal, false, "A002", 1, 180},
			},
			wantA: svcView{waiting: 2, open: 1, estimate: 360, longest: 120},
		},
		{
			name:  "a counter of other services does not count",
			setup: func(f *fx) { f.signIn(1); f.signIn(3) },
			takes: []issued{
				{"A", queue.Normal, false, "A001", 0, 0},
				{"A", queue.Normal, false, "A002", 1, 180},
			},
			wantA: svcView{waiting: 2, open: 1, estimate: 360, longest: 120},
		},
		{
			name:  "other services are not ahead",
			setup: func(f *fx) { f.signIn(1) },
			takes: []issued{
				{"B", queue.Green, false, "B001", 0, 0},
				{"B", queue.Normal, false, "B002", 1, 900},
				{"A", queue.Normal, false, "A001", 0, 0},
				{"C", queue.Normal, false, "C001", 0, 0},
			},
			wantA: svcView{waiting: 1, open: 1, estimate: 180, longest: 120},
		},
		{
			name:  "green goes ahead of normals",
			setup: func(f *fx) { f.signIn(1) },
			takes: []issued{
				{"A", queue.Normal, false, "A001", 0, 0},
				{"A", queue.Normal, false, "A002", 1, 180},
				{"A", queue.Green, false, "A003", 0, 0},
				{"A", queue.Green, false, "A004", 1, 180},
				{"A", queue.Normal, false, "A005", 4, 720},
			},
			wantA: svcView{waiting: 5, open: 1, estimate: 900, longest: 300},
		},
		{
			name:  "a due appointment goes ahead of normals, after greens",
			setup: func(f *fx) { f.signIn(1) },
			takes: []issued{
				{"A", queue.Normal, false, "A001", 0, 0},
				{"A", queue.Green, false, "A002", 0, 0},
				{"A", queue.Appointment, true, "A003", 1, 180},
				{"A", queue.Appointment, false, "A004", 3, 540}, // slot an hour away
			},
			wantA: svcView{waiting: 4, open: 1, estimate: 720, longest: 240},
		},
		{
			name:  "halves round away from zero",
			cfg:   func(c *queue.Config) { c.Services[0].AvgServiceS = 125 },
			setup: func(f *fx) { f.signIn(1); f.signIn(2) },
			takes: []issued{
				{"A", queue.Normal, false, "A001", 0, 0},
				{"A", queue.Normal, false, "A002", 1, 63},
				{"A", queue.Normal, false, "A003", 2, 125},
			},
			wantA: svcView{waiting: 3, open: 2, estimate: 188, longest: 180},
		},
		{
			name:  "no average yet means no estimate",
			cfg:   func(c *queue.Config) { c.Services[0].AvgServiceS = 0 },
			takes: []issued{{"A", queue.Normal, false, "A001", 0, 0}, {"A", queue.Normal, false, "A002", 1, 0}},
			wantA: svcView{waiting: 2, open: 0, estimate: 0, longest: 120},
		},
		{
			name: "a postponed ticket is not ahead",
			setup: func(f *fx) {
				f.signIn(1)
				f.issue("A", queue.Normal)
				f.callNext(1)
				f.ok(func() (queue.Event, error) { return f.e.Postpone(1, "clerk1", f.now) })
			},
			takes: []issued{{"A", queue.Normal, false, "A002", 0, 0}},
			wantA: svcView{waiting: 1, open: 1, estimate: 180, longest: 60},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			f := newFx(t, cfg, t0)
			if tt.setup != nil {
				tt.setup(f)
			}
			for _, w := range tt.takes {
				req := queue.IssueRequest{Service: w.svc, Priority: w.pri}
				if w.pri == queue.Appointment {
					req.DueAt = ptr(f.now.Add(time.Hour))
					if w.due {
						req.DueAt = ptr(f.now)
					}
				}
				got := f.issueReq(req)
				if got.Number != w.num || got.Ahead != w.ahead || got.EstimatedWaitS != w.waitS {
					t.Errorf("%s: ahead %d wait %d s, want %s ahead %d wait %d s", got.Number, got.Ahead, got.EstimatedWaitS, w.num, w.ahead, w.waitS)
				}
				if ahead, waitS, ok := f.e.Position(got.ID, f.now); !ok || ahead != w.ahead || waitS != w.waitS {
					t.Errorf("Position(%s) = %d, %d, %v", got.Number, ahead, waitS, ok)
				}
				f.tick(time.Minute)
			}
			var a queue.ServiceView
			for _, s := range f.e.Snapshot(f.now).Services {
				if s.Prefix == "A" {
					a = s
				}
			}
			if got := (svcView{a.Waiting, a.OpenCounters, a.EstimatedWaitS, a.LongestWaitS}); got != tt.wantA {
				t.Errorf("service A: %+v, want %+v", got, tt.wantA)
			}
			if !reflect.DeepEqual(a.Service, f.service("A")) {
				t.Errorf("snapshot service %+v, engine %+v", a.Service, f.service("A"))
			}
		})
	}
}

// TestPositionMoves: a ticket's place changes as the queue moves; Position
// of a ticket that no longer waits reports false.
func TestPositionMoves(t *testing.T) {
	f := newFx(t, testConfig(), t0)
	f.signIn(1)
	for range 4 {
		f.issue("A", queue.Normal)
		f.tick(time.Second)
	}
	check := func(id uint64, ahead, waitS int, ok bool) {
		t.Helper()
		a, w, k := f.e.Position(id, f.now)
		if a != ahead || w != waitS || k != ok {
			t.Errorf("Position(%d) = %d, %d, %v; want %d, %d, %v", id, a, w, k, ahead, waitS, ok)
		}
	}
	check(4, 3, 540, true)
	f.callNext(1)
	check(1, 0, 0, false)
	// Counter 1 is busy with A001 for another 180 s, then takes A002, A003.
	check(4, 2, 540, true)
	f.signIn(2)
	// Counter 2 takes A002 at once, counter 1 comes free at 180 s:
	// 2 = t/180 + (t−180)/180 at 270 s.
	check(4, 2, 270, true)
	f.ok(func() (queue.Event, error) { return f.e.Cancel(2, "", f.now) })
	check(4, 1, 180, true)
	f.issue("A", queue.Green)
	check(4, 2, 270, true)
	check(99, 0, 0, false)
}

// TestMovingAverage: until a service has minRecent (5) service times, Finish
// folds each into the figure as 0.8 old + 0.2 new, rounded to a tenth of a
// second; a finish under 20 s is not a service and changes nothing; a long
// one counts at most 3× the figure.
func TestMovingAverage(t *testing.T) {
	tests := []struct {
		name   string
		avg    float64
		took   time.Duration
		called bool // finished straight from called: timed from the last call
		want   float64
	}{
		{"typical", 180, 240 * time.Second, false, 192},
		{"faster than average", 180, 60 * time.Second, false, 156},
		{"finished from called", 180, 90 * time.Second, true, 162},
		{"an instant finish is ignored", 180, 2 * time.Second, false, 180},
		{"zero time is ignored", 180, 0, false, 180},
		{"19 s is ignored", 180, 19 * time.Second, false, 180},
		{"exactly 20 s counts", 180, 20 * time.Second, false, 148},
		{"long service capped at 3× the figure", 180, 3 * time.Hour, false, 252},
		{"exactly 3× the figure", 180, 9 * time.Minute, false, 252},
		{"first sample is taken as it is", 0, 300 * time.Second, false, 300},
		{"first sample under 20 s gives 20 s", 0, 3 * time.Second, false, 20},
		{"rounded to a tenth", 101.3, 27 * time.Second, false, 86.4},
		{"tenths kept", 100, 33 * time.Second, false, 86.6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.Services[0].AvgServiceS = tt.avg
			f := newFx(t, cfg, t0)
			f.signIn(1)
			f.issue("A", queue.Normal)
			f.issue("A", queue.Normal)
			f.callNext(1)
			f.tick(time.Minute)
			if tt.called {
				f.ok(func() (queue.Event, error) { return f.e.Recall(1, "clerk1", f.now) })
			} else {
				f.ok(func() (queue.Event, error) { return f.e.Start(1, "clerk1", f.now) })
			}
			f.tick(tt.took)
			ev := f.ok(func() (queue.Event, error) { return f.e.Finish(1, "clerk1", "", f.now) })
			if len(ev.Services) != 0 {
				t.Fatalf("services in the event: %+v (the figure is learnt from the ticket)", ev.Services)
			}
			if got := f.service("A").AvgServiceS; got != tt.want {
				t.Fatalf("average %v, want %v", got, tt.want)
			}
			// A replica that applies the events learns the same figure,
			// and the running figures carry it.
			replica, _ := queue.New(cfg, t0)
			for _, e := range f.evs {
				replica.Apply(e)
			}
			if s, _ := replica.Service("A"); s.AvgServiceS != tt.want {
				t.Errorf("replica's average %v, want %v", s.AvgServiceS, tt.want)
			}
			if got := f.e.Running().Services["A"].AvgServiceS; got != tt.want {
				t.Errorf("running figures carry average %v, want %v", got, tt.want)
			}
			if got := ev.Tickets[0].FinishedAt.Sub(*ev.Tickets[0].StartedAt); got != tt.took {
				t.Errorf("ticket timed %v, want %v", got, tt.took)
			}
			// The next estimate uses the new average: one ahead, one counter.
			if got := f.issue("A", queue.Normal); got.EstimatedWaitS != int(tt.want+0.5) {
				t.Errorf("estimate %d with average %v", got.EstimatedWaitS, tt.want)
			}
		})
	}
}

// TestMovingAverageChain: the average moves finish by finish, and other
// services keep theirs.
func TestMovingAverageChain(t *testing.T) {
	f := newFx(t, testConfig(), t0)
	f.signIn(1)
	for range 3 {
		f.issue("A", queue.Normal)
	}
	want := []float64{204, 223.2, 190.6} // 0.8×180+0.2×300; 0.8×204+0.2×300; 0.8×223.2+0.2×60
	for i, took := range []time.Duration{300 * time.Second, 300 * time.Second, 60 * time.Second} {
		f.callNext(1)
		f.ok(func() (queue.Event, error) { return f.e.Start(1, "clerk1", f.now) })
		f.tick(took)
		f.ok(func() (queue.Event, error) { return f.e.Finish(1, "clerk1", "", f.now) })
		// The figure is a running one: the service's record (its rev)
		// does not change.
		if got := f.service("A"); got.AvgServiceS != want[i] || got.Rev != 0 {
			t.Errorf("after finish %d: average %v rev %d, want %v rev 0", i+1, got.AvgServiceS, got.Rev, want[i])
		}
	}
	if b := f.service("B"); b.AvgServiceS != 900 || b.Rev != 0 {
		t.Errorf("service B changed: %+v", b)
	}
	if c := f.counter(1); c.ServedToday != 3 {
		t.Errorf("served today %d", c.ServedToday)
	}
}

// TestServiceFigureRobust: with enough recent services the figure is their
// mean, each capped at 3× their median; instant finishes do not count. Three
// 2-second finishes leave a 230 s figure where it was (the old moving
// average fell to about 123 s), one forgotten 2-hour ticket moves it a
// little, not to 10 minutes.
func TestServiceFigureRobust(t *testing.T) {
	f := newFx(t, testConfig(), t0)
	f.signIn(1)
	serve := func(took time.Duration) float64 {
		t.Helper()
		f.issue("A", queue.Normal)
		f.callNext(1)
		f.ok(func() (queue.Event, error) { return f.e.Start(1, "clerk1", f.now) })
		f.tick(took)
		f.ok(func() (queue.Event, error) { return f.e.Finish(1, "clerk1", "", f.now) })
		return f.service("A").AvgServiceS
	}
	for _, s := range []int{200, 260, 230, 210, 250, 230} {
		serve(time.Duration(s) * time.Second)
	}
	if got := f.service("A").AvgServiceS; got != 230 {
		t.Fatalf("after six services averaging 230 s the figure is %v", got)
	}
	for range 3 {
		if got := serve(2 * time.Second); got != 230 {
			t.Errorf("an instant finish moved the figure to %v", got)
		}
	}
	// 200 260 230 210 250 230 7200: median 230, the 2 h ticket counts 690.
	if got := serve(2 * time.Hour); got != 295.7 {
		t.Errorf("a 2-hour ticket moved the figure to %v, want 295.7", got)
	}
	// The figure survives a restart: Restore rebuilds the recent services
	// from today's tickets.
	snap := f.e.Snapshot(f.now)
	var svcs []queue.Service
	for _, v := range snap.Services {
		svcs = append(svcs, v.Service)
	}
	var ctrs []queue.Counter
	for _, c := range snap.Counters {
		ctrs = append(ctrs, c.Counter)
	}
	e2, err := queue.New(testConfig(), f.now)
	if err != nil {
		t.Fatal(err)
	}
	e2.Restore(snap.Day, svcs, ctrs, f.e.Tickets(), 0)
	f.e = e2
	if got := serve(240 * time.Second); got != 290.6 {
		t.Errorf("after a restart and a 240 s service the figure is %v, want 290.6", got)
	}
}

// TestEstimateCountsCountersServing: the estimate counts the counters that
// will actually serve the service: a counter busy with a customer comes free
// after the rest of that service; one that calls another service first
// serves its share of that service's queue first.
func TestEstimateCountsCountersServing(t *testing.T) {
	f := newFx(t, testConfig(), t0)
	f.signIn(1) // A, B
	f.signIn(2) // B, A
	for range 3 {
		f.issue("B", queue.Normal)
	}
	// Counter 1 serves A first and is idle; counter 2 has three B customers
	// (2700 s of work, shared with counter 1: 1350 s) before any A.
	if got := f.issue("A", queue.Normal); got.EstimatedWaitS != 0 {
		t.Errorf("first A: %d s, want 0 (counter 1 is free)", got.EstimatedWaitS)
	}
	a2 := f.issue("A", queue.Normal)
	if a2.Ahead != 1 || a2.EstimatedWaitS != 180 {
		t.Errorf("second A: ahead %d, %d s; want 1, 180 s (counter 1 alone, the old estimate said 90)", a2.Ahead, a2.EstimatedWaitS)
	}
	// Counter 1 takes the first A and is busy 180 s more.
	f.callNext(1)
	if _, w, _ := f.e.Position(a2.ID, f.now); w != 180 {
		t.Errorf("second A after the call: %d s, want 180 (counter 1 comes free)", w)
	}
	f.tick(time.Minute)
	if _, w, _ := f.e.Position(a2.ID, f.now); w != 120 {
		t.Errorf("a minute later: %d s, want 120", w)
	}
}
