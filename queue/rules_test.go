package queue_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"hallq/queue"
)

// TestNumbersNeverRunOut issues 2,500 tickets of one service in a day: no
// refusal at the 1,000th, numbers go on with a fourth digit (or the
// configured width), unique and in order, and a restart carries on.
func TestNumbersNeverRunOut(t *testing.T) {
	tests := []struct {
		name  string
		width int
		want  map[int]string // serial → number
	}{
		{"default width", 0, map[int]string{1: "A001", 999: "A999", 1000: "A1000", 2500: "A2500"}},
		{"width 4", 4, map[int]string{1: "A0001", 999: "A0999", 1000: "A1000", 2500: "A2500"}},
		{"width 2", 2, map[int]string{1: "A01", 99: "A99", 100: "A100", 2500: "A2500"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.NumberWidth = tc.width
			e, err := queue.New(cfg, t0)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			now := t0
			for i := 1; i <= 2500; i++ {
				now = now.Add(time.Second)
				ev, err := e.Issue(queue.IssueRequest{Service: "A", Tracking: fmt.Sprint(i)}, now)
				if err != nil {
					t.Fatalf("ticket %d: %v", i, err)
				}
				tk := ev.Tickets[0]
				if tk.Serial != i || seen[tk.Number] || tk.Number[:1] != "A" {
					t.Fatalf("ticket %d: number %s serial %d (seen %v)", i, tk.Number, tk.Serial, seen[tk.Number])
				}
				seen[tk.Number] = true
				if want, ok := tc.want[i]; ok && tk.Number != want {
					t.Errorf("ticket %d is %s, want %s", i, tk.Number, want)
				}
				if got, ok := e.Find(tk.Number); !ok || got.ID != tk.ID {
					t.Fatalf("Find(%s) = %v %v", tk.Number, got.ID, ok)
				}
			}
			// A restart from the records goes on from 2501.
			r, _ := queue.New(cfg, now)
			r.Restore(e.Day(), e.Services(), e.Counters(), e.Tickets(), 2500)
			ev, err := r.Issue(queue.IssueRequest{Service: "A"}, now)
			if err != nil || ev.Tickets[0].Number != "A2501" {
				t.Fatalf("after restore: %+v %v", ev.Tickets, err)
			}
		})
	}
}

func TestNumberWidthValidated(t *testing.T) {
	for _, w := range []int{-1, 1, 7} {
		cfg := testConfig()
		cfg.NumberWidth = w
		if _, err := queue.New(cfg, t0); queue.ErrorCode(err) != queue.EINVALID {
			t.Errorf("width %d: %v, want EINVALID", w, err)
		}
	}
}

// missed issues n tickets of A and makes the first a no-show at counter 1.
func missed(t *testing.T, cfg queue.Config, n int) (*fx, queue.Ticket) {
	f := newFx(t, cfg, t0)
	for range n {
		f.issue("A", queue.Normal)
		f.tick(time.Second)
	}
	f.signIn(1)
	tk := f.callNext(1)
	f.ok(func() (queue.Event, error) { return f.e.Recall(1, "clerk1", f.now) })
	f.tick(time.Minute)
	f.ok(func() (queue.Event, error) { return f.e.NoShow(1, "clerk1", f.now) })
	return f, tk
}

// TestReturn checks 过号顺延: where a missed ticket comes back, how often,
// and until when.
func TestReturn(t *testing.T) {
	tests := []struct {
		name    string
		cfg     func(*queue.Config)
		waiting int           // tickets issued before the missed one is called (it is the first)
		after   time.Duration // from the no-show to the return
		want    []string      // counter 1's calling order after the return
		code    string        // refusal
	}{
		{name: "three places behind the head", waiting: 6, after: time.Minute,
			want: []string{"A002", "A003", "A004", "A001", "A005", "A006"}},
		{name: "at the end when fewer wait", waiting: 3, after: time.Minute,
			want: []string{"A002", "A003", "A001"}},
		{name: "alone", waiting: 1, after: time.Minute, want: []string{"A001"}},
		{name: "places set per service", cfg: func(c *queue.Config) { c.Services[0].ReturnPlaces = 1 }, waiting: 4, after: time.Minute,
			want: []string{"A002", "A001", "A003", "A004"}},
		{name: "just within the window", waiting: 2, after: 30 * time.Minute, want: []string{"A002", "A001"}},
		{name: "window passed", waiting: 2, after: 30*time.Minute + time.Second, code: queue.ECONFLICT},
		{name: "window set", cfg: func(c *queue.Config) { c.ReturnWindowS = 60 }, waiting: 2, after: 2 * time.Minute, code: queue.ECONFLICT},
		{name: "returns off", cfg: func(c *queue.Config) { c.ReturnLimit = -1 }, waiting: 2, after: time.Minute, code: queue.ECONFLICT},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.StarveAfterS = 0
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			f, tk := missed(t, cfg, tc.waiting)
			f.tick(tc.after)
			if tc.code != "" {
				f.refused(tc.code, func() error { _, err := f.e.Return(tk.ID, f.now); return err })
				return
			}
			ev := f.ok(func() (queue.Event, error) { return f.e.Return(tk.ID, f.now) })
			u := ev.Tickets[0]
			if ev.Type != queue.EvReturned || u.Status != queue.Waiting || u.Returns != 1 || u.Counter != 0 || u.FinishedAt != nil ||
				u.CalledAt == nil || !u.CalledAt.Equal(*tk.CalledAt) || u.Number != tk.Number {
				t.Fatalf("returned: %s %+v", ev.Type, u)
			}
			if got := numbers(f.e.WaitingFor(1, f.now)); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("calling order %v, want %v", got, tc.want)
			}
			wantAhead := 0
			for i, n := range tc.want {
				if n == tk.Number {
					wantAhead = i
				}
			}
			if u.Ahead != wantAhead {
				t.Errorf("ahead %d, want %d", u.Ahead, wantAhead)
			}
			// A replica that applies the event agrees.
			r, _ := queue.New(cfg, t0)
			for _, ev := range f.evs {
				r.Apply(ev)
			}
			if a, b := capture(f.e, f.now), capture(r, f.now); !reflect.DeepEqual(a, b) {
				t.Errorf("replica differs:\n%s", diffState(a, b))
			}
			// Once is the default: missed again, it stays missed.
			for f.nextNumber(1) != tk.Number {
				f.callNext(1)
				f.ok(func() (queue.Event, error) { return f.e.Finish(1, "clerk1", "", f.now) })
			}
			f.callNext(1)
			f.ok(func() (queue.Event, error) { return f.e.Recall(1, "clerk1", f.now) })
			f.ok(func() (queue.Event, error) { return f.e.NoShow(1, "clerk1", f.now) })
			f.refused(queue.ECONFLICT, func() error { _, err := f.e.Return(tk.ID, f.now); return err })
		})
	}
}

func TestReturnRefusals(t *testing.T) {
	f, tk := missed(t, testConfig(), 3)
	waiting := f.e.WaitingFor(1, f.now)[0]
	f.refused(queue.ENOTFOUND, func() error { _, err := f.e.Return(999, f.now); return err })
	f.refused(queue.ECONFLICT, func() error { _, err := f.e.Return(waiting.ID, f.now); return err })
	cfg := testConfig()
	cfg.ReturnLimit = 2
	f2, tk2 := missed(t, cfg, 1)
	for i := 1; i <= 2; i++ {
		f2.ok(func() (queue.Event, error) { return f2.e.Return(tk2.ID, f2.now) })
		f2.callNext(1)
		f2.ok(func() (queue.Event, error) { return f2.e.Recall(1, "clerk1", f2.now) })
		f2.ok(func() (queue.Event, error) { return f2.e.NoShow(1, "clerk1", f2.now) })
	}
	f2.refused(queue.ECONFLICT, func() error { _, err := f2.e.Return(tk2.ID, f2.now); return err })
	if got := f2.ticket(tk2.ID); got.Returns != 2 || got.Status != queue.NoShow {
		t.Errorf("after two returns: %+v", got)
	}
	// A missed ticket of the day before cannot come back.
	f.now = t0.Add(24 * time.Hour)
	if ev, ok := f.e.Roll(f.now); ok {
		f.record(ev)
	}
	f.refused(queue.ENOTFOUND, func() error { _, err := f.e.Return(tk.ID, f.now); return err })
}

// TestFairGreenChannel: at most GreenBurst green calls in a row while
// others wait at the counter, and no ticket overtaken longer than
// GreenOvertakeS.
func TestFairGreenChannel(t *testing.T) {
	tests := []struct {
		name     string
		burst    int
		overtake int
		takes    []take
		at       time.Duration
		calls    []string // the numbers counter 1 calls, in order
	}{
		{name: "off: green always first", takes: []take{{0, "A", queue.Normal, nil}, {time.Second, "A", queue.Green, nil},
			{2 * time.Second, "A", queue.Green, nil}, {3 * time.Second, "A", queue.Green, nil}}, at: time.Minute,
			calls: []string{"A002", "A003", "A004", "A001"}},
		{name: "two green then one other", burst: 2, takes: []take{{0, "A", queue.Normal, nil}, {time.Second, "A", queue.Normal, nil},
			{2 * time.Second, "A", queue.Green, nil}, {3 * time.Second, "A", queue.Green, nil}, {4 * time.Second, "A", queue.Green, nil},
			{5 * time.Second, "A", queue.Green, nil}}, at: time.Minute,
			calls: []string{"A003", "A004", "A001", "A005", "A006", "A002"}},
		{name: "one green then one other", burst: 1, takes: []take{{0, "A", queue.Normal, nil}, {time.Second, "B", queue.Normal, nil},
			{2 * time.Second, "A", queue.Green, nil}, {3 * time.Second, "A", queue.Green, nil}}, at: time.Minute,
			calls: []string{"A002", "A001", "A003", "B001"}},
		{name: "greens go on when no one else waits", burst: 1, takes: []take{{0, "A", queue.Green, nil}, {time.Second, "A", queue.Green, nil}},
			at: time.Minute, calls: []string{"A001", "A002"}},
		{name: "overtake cap", overtake: 600, takes: []take{{0, "A", queue.Normal, nil}, {5 * time.Minute, "A", queue.Green, nil},
			{6 * time.Minute, "A", queue.Green, nil}}, at: 10 * time.Minute,
			calls: []string{"A001", "A002", "A003"}},
		{name: "under the overtake cap", overtake: 600, takes: []take{{0, "A", queue.Normal, nil}, {5 * time.Minute, "A", queue.Green, nil}},
			at: 10*time.Minute - time.Second, calls: []string{"A002", "A001"}},
		{name: "capped tickets by time before an earlier green", overtake: 600, takes: []take{{0, "A", queue.Green, nil}, {time.Second, "A", queue.Normal, nil}},
			at: 20 * time.Minute, calls: []string{"A001", "A002"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.StarveAfterS, cfg.GreenBurst, cfg.GreenOvertakeS = 0, tc.burst, tc.overtake
			f := newFx(t, cfg, t0)
			for _, tk := range tc.takes {
				f.now = t0.Add(tk.at)
				f.issue(tk.svc, tk.pri)
			}
			f.now = t0.Add(tc.at)
			f.signIn(1)
			if got := numbers(f.e.WaitingFor(1, f.now)); !reflect.DeepEqual(got, tc.calls) {
				t.Errorf("WaitingFor = %v, want %v", got, tc.calls)
			}
			var got []string
			for range tc.calls {
				got = append(got, f.callNext(1).Number)
				f.ok(func() (queue.Event, error) { return f.e.Finish(1, "clerk1", "", f.now) })
			}
			if !reflect.DeepEqual(got, tc.calls) {
				t.Errorf("called %v, want %v", got, tc.calls)
			}
		})
	}
}

func TestCounterSpokenName(t *testing.T) {
	f := newFx(t, testConfig(), t0)
	ev := f.ok(func() (queue.Event, error) {
		return f.e.SaveCounter(queue.CounterConfig{Number: 3, Spoken: " VIP 室 ", Services: []string{"C"}}, false, f.now)
	})
	if ev.Counters[0].Spoken != "VIP 室" || f.counter(3).Spoken != "VIP 室" {
		t.Errorf("spoken %q", ev.Counters[0].Spoken)
	}
	f.refused(queue.EINVALID, func() error {
		_, err := f.e.SaveCounter(queue.CounterConfig{Number: 3, Spoken: "一二三四五六七八九十一二三四五六七八九十一", Services: []string{"C"}}, false, f.now)
		return err
	})
}
