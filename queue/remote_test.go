package queue_test

import (
	"math/rand"
	"reflect"
	"testing"
	"time"

	"hallq/queue"
)

func remoteConfig() queue.Config {
	c := testConfig()
	c.RemoteTickets, c.RemoteGraceS = true, 600
	return c
}

// TestRemoteTicketHeldUntilArrival: a phone ticket keeps its place but is
// not called until its 到店签到; after the check-in it is called in its place.
func TestRemoteTicketHeldUntilArrival(t *testing.T) {
	f := newFx(t, remoteConfig(), t0)
	f.signIn(1)
	r := f.issueReq(queue.IssueRequest{Service: "A", Remote: true, Tracking: "r1"})
	f.tick(time.Minute)
	w := f.issue("A", queue.Normal)
	if !r.Remote || r.ArrivedAt != nil || !r.Held() {
		t.Fatalf("remote ticket = %+v, want remote and held", r)
	}
	if got := f.nextNumber(1); got != w.Number {
		t.Fatalf("next = %q, want the walk-in %s (the phone ticket is held)", got, w.Number)
	}
	if got := f.ticket(w.ID).Ahead; got != 1 {
		t.Errorf("walk-in ahead = %d, want 1 (the held ticket keeps its place)", got)
	}
	f.tick(time.Minute)
	ev := f.ok(func() (queue.Event, error) { ev, _, err := f.e.Arrive(r.ID, f.now); return ev, err })
	if ev.Type != queue.EvArrived || ev.Tickets[0].ArrivedAt == nil || !ev.Tickets[0].ArrivedAt.Equal(f.now) {
		t.Fatalf("arrive event = %+v", ev)
	}
	if got := f.callNext(1); got.ID != r.ID {
		t.Fatalf("called %s, want the checked-in phone ticket %s (issued first)", got.Number, r.Number)
	}
	// A second check-in changes nothing.
	if _, changed, err := f.e.Arrive(r.ID, f.now); err != nil || changed {
		t.Fatalf("second check-in: changed=%v err=%v", changed, err)
	}
}

func TestRemoteArriveRefusals(t *testing.T) {
	cases := []struct {
		name  string
		setup func(f *fx) uint64
		code  string
	}{
		{"unknown ticket", func(f *fx) uint64 { return 999 }, queue.ENOTFOUND},
		{"skipped after grace", func(f *fx) uint64 {
			r := f.issueReq(queue.IssueRequest{Service: "A", Remote: true, Tracking: "r"})
			f.tick(10 * time.Minute)
			f.e.SkipUnconfirmed(f.now)
			return r.ID
		}, queue.ECONFLICT},
		{"cancelled", func(f *fx) uint64 {
			r := f.issueReq(queue.IssueRequest{Service: "A", Remote: true, Tracking: "r"})
			f.ok(func() (queue.Event, error) { return f.e.Cancel(r.ID, "test", f.now) })
			return r.ID
		}, queue.ECONFLICT},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFx(t, remoteConfig(), t0)
			id := tc.setup(f)
			f.refused(tc.code, func() error { _, _, err := f.e.Arrive(id, f.now); return err })
		})
	}
}

// TestSkipUnconfirmed: the grace period is measured from the issue; only
// held tickets past it end (no_show), at the moment of the skip.
func TestSkipUnconfirmed(t *testing.T) {
	cases := []struct {
		name    string
		graceS  int
		after   time.Duration
		arrived bool
		remote  bool
		skipped bool
	}{
		{"before grace", 600, 599 * time.Second, false, true, false},
		{"at grace", 600, 600 * time.Second, false, true, true},
		{"checked in", 600, time.Hour, true, true, false},
		{"walk-in", 600, time.Hour, false, false, false},
		{"default grace not yet", 0, 29 * time.Minute, false, true, false},
		{"default grace passed", 0, 30 * time.Minute, false, true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := remoteConfig()
			cfg.RemoteGraceS = tc.graceS
			f := newFx(t, cfg, t0)
			r := f.issueReq(queue.IssueRequest{Service: "A", Remote: tc.remote, Tracking: "r"})
			if tc.arrived {
				f.ok(func() (queue.Event, error) { ev, _, err := f.e.Arrive(r.ID, f.now); return ev, err })
			}
			f.tick(tc.after)
			before := capture(f.e, f.now)
			ev, ok := f.e.SkipUnconfirmed(f.now)
			if ok != tc.skipped {
				t.Fatalf("skipped = %v, want %v", ok, tc.skipped)
			}
			if !ok {
				if after := capture(f.e, f.now); !reflect.DeepEqual(before, after) {
					t.Fatalf("no skip but the state changed:\n%s", diffState(before, after))
				}
				return
			}
			checkEvent(t, before, capture(f.e, f.now), ev, f.now)
			got := f.ticket(r.ID)
			if ev.Type != queue.EvRemoteSkip || got.Status != queue.NoShow || got.FinishedAt == nil || !got.FinishedAt.Equal(f.now) || got.Note == "" {
				t.Fatalf("skipped ticket = %+v (event %s)", got, ev.Type)
			}
		})
	}
}

// TestRemoteRandomized runs random days of walk-ins, phone tickets,
// check-ins, calls, finishes and skips, and checks after every step that no
// held ticket is ever called, that a skip ends exactly the held tickets past
// their grace, and that replaying the events rebuilds the same state.
func TestRemoteRandomized(t *testing.T) {
	for seed := int64(1); seed <= 30; seed++ {
		rng := rand.New(rand.NewSource(seed))
		f := newFx(t, remoteConfig(), t0)
		f.signIn(1)
		f.signIn(2)
		var remote []uint64
		for step := 0; step < 300; step++ {
			f.tick(time.Duration(rng.Intn(90)) * time.Second)
			switch k := rng.Intn(10); {
			case k < 3:
				r := rng.Intn(2) == 0
				ev, err := f.e.Issue(queue.IssueRequest{Service: "A", Remote: r, Tracking: "x"}, f.now)
				if err == nil {
					f.record(ev)
					if r {
						remote = append(remote, ev.Tickets[0].ID)
					}
				}
			case k < 5 && len(remote) > 0:
				if ev, changed, err := f.e.Arrive(remote[rng.Intn(len(remote))], f.now); err == nil && changed {
					f.record(ev)
				}
			case k < 8:
				n := 1 + rng.Intn(2)
				if c := f.counter(n); c.Current != 0 {
					if ev, err := f.e.Finish(n, clerkOf(n).User, "", f.now); err == nil {
						f.record(ev)
					}
				}
				ev, found, err := f.e.CallNext(n, clerkOf(n).User, f.now)
				if err != nil {
					t.Fatalf("seed %d: call: %v", seed, err)
				}
				if found {
					f.record(ev)
					if tk := ev.Tickets[0]; tk.Remote && tk.ArrivedAt == nil {
						t.Fatalf("seed %d: called held ticket %s", seed, tk.Number)
					}
				}
			default:
				var want []uint64
				for _, tk := range f.e.Tickets() {
					if tk.Status == queue.Waiting && tk.Held() && !f.now.Before(tk.IssuedAt.Add(10*time.Minute)) {
						want = append(want, tk.ID)
					}
				}
				ev, ok := f.e.SkipUnconfirmed(f.now)
				var got []uint64
				if ok {
					f.record(ev)
					for _, tk := range ev.Tickets {
						got = append(got, tk.ID)
					}
				}
				if len(want) != len(got) || (len(want) > 0 && !sameIDs(want, got)) {
					t.Fatalf("seed %d: skipped %v, want %v", seed, got, want)
				}
			}
		}
		// Replay: a fresh engine applying every event holds the same tickets.
		r, err := queue.New(remoteConfig(), t0)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range f.evs {
			r.Apply(ev)
		}
		if !reflect.DeepEqual(ticketMap(r.Tickets()), ticketMap(f.e.Tickets())) {
			t.Fatalf("seed %d: replay differs", seed)
		}
	}
}

func sameIDs(a, b []uint64) bool {
	m := map[uint64]bool{}
	for _, x := range a {
		m[x] = true
	}
	for _, x := range b {
		if !m[x] {
			return false
		}
	}
	return len(a) == len(b)
}

// TestHoursOnOverrides: a dated override comes before holidays and the week.
func TestHoursOnOverrides(t *testing.T) {
	cfg := testConfig()
	cfg.Hours = map[string]queue.Hours{"1": {Open: "08:30", Close: "17:30"}, "2": {Open: "08:30", Close: "17:30"}}
	cfg.Holidays = []string{"2026-11-24"}
	cfg.Overrides = map[string]queue.DayHours{
		"2026-11-28": {Open: "09:00", Close: "12:00", Workday: true, Name: "调休上班"}, // a Saturday
		"2026-11-23": {Closed: true},                                               // a Monday
		"2026-11-24": {Open: "10:00", Close: "11:00"},                              // beats the holiday
	}
	f := newFx(t, cfg, t0)
	cases := []struct {
		at   time.Time
		open bool
	}{
		{time.Date(2026, 11, 23, 10, 0, 0, 0, shanghai), false},
		{time.Date(2026, 11, 24, 10, 30, 0, 0, shanghai), true},
		{time.Date(2026, 11, 24, 11, 0, 0, 0, shanghai), false},
		{time.Date(2026, 11, 28, 9, 30, 0, 0, shanghai), true},
		{time.Date(2026, 11, 28, 12, 0, 0, 0, shanghai), false},
		{time.Date(2026, 11, 29, 10, 0, 0, 0, shanghai), false},
		{time.Date(2026, 11, 30, 10, 0, 0, 0, shanghai), true},
	}
	for _, tc := range cases {
		if got := f.e.OpenAt(tc.at); got != tc.open {
			t.Errorf("OpenAt(%s) = %v, want %v", tc.at.Format("2006-01-02 15:04 Mon"), got, tc.open)
		}
	}
	if !cfg.WorkdayOverride("2026-11-28") || cfg.WorkdayOverride("2026-11-24") {
		t.Errorf("WorkdayOverride wrong")
	}
	bad := []map[string]queue.DayHours{
		{"2026-13-01": {Closed: true}},
		{"2026-11-28": {Open: "12:00", Close: "09:00"}},
		{"2026-11-28": {Closed: true, Workday: true}},
	}
	for _, o := range bad {
		c := testConfig()
		c.Overrides = o
		if err := c.Validate(); queue.ErrorCode(err) != queue.EINVALID {
			t.Errorf("Validate(%v) = %v, want EINVALID", o, err)
		}
	}
}
