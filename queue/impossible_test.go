package queue_test

import (
	"testing"
	"time"

	"hallq/queue"
)

// TestImpossibleStatesAreRefused: a counter that holds a ticket the engine
// does not have as active there (what a clock step made older versions
// store: ticket ids issued twice, the counter's ticket under another day)
// refuses every command on it with a conflict; none dereferences it.
func TestImpossibleStatesAreRefused(t *testing.T) {
	tests := []struct {
		name string
		// make puts counter 1 into the impossible state.
		make func(f *fx)
	}{
		{"current ticket missing", func(f *fx) {
			c := f.counter(1)
			c.Current = 99
			f.e.Apply(queue.Event{Counters: []queue.Counter{c}})
		}},
		{"current ticket waiting", func(f *fx) {
			tk := f.issue("A", queue.Normal)
			c := f.counter(1)
			c.Current = tk.ID
			f.e.Apply(queue.Event{Counters: []queue.Counter{c}})
		}},
		{"current ticket at another counter", func(f *fx) {
			f.signIn(2)
			tk := f.issue("A", queue.Normal)
			f.callTicket(2, tk.ID)
			c := f.counter(1)
			c.Current = tk.ID
			f.e.Apply(queue.Event{Counters: []queue.Counter{c}})
		}},
		{"current ticket of another day at another counter", func(f *fx) {
			tk := f.issue("A", queue.Normal)
			tk.Day, tk.ID, tk.Status, tk.Counter = "2026-11-22", 77, queue.Serving, 2
			c := f.counter(1)
			c.Current = tk.ID
			f.e.Apply(queue.Event{Tickets: []queue.Ticket{tk}, Counters: []queue.Counter{c}})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFx(t, testConfig(), t0)
			f.signIn(1)
			tt.make(f)
			f.tick(time.Minute)
			for name, do := range map[string]func() error{
				"finish":   func() error { _, err := f.e.Finish(1, "clerk1", "", f.now); return err },
				"no-show":  func() error { _, err := f.e.NoShow(1, "clerk1", f.now); return err },
				"recall":   func() error { _, err := f.e.Recall(1, "clerk1", f.now); return err },
				"start":    func() error { _, err := f.e.Start(1, "clerk1", f.now); return err },
				"postpone": func() error { _, err := f.e.Postpone(1, "clerk1", f.now); return err },
				"transfer": func() error {
					_, err := f.e.Transfer(1, queue.TransferRequest{Service: "C"}, "clerk1", f.now)
					return err
				},
				"call":  func() error { _, _, err := f.e.CallNext(1, "clerk1", f.now); return err },
				"pause": func() error { _, err := f.e.Pause(1, "break", f.now); return err },
			} {
				t.Run(name, func(t *testing.T) {
					f.t = t
					f.refused(queue.ECONFLICT, do)
				})
			}
		})
	}
}

// TestRestoreFreesACounterHoldingNothing: a stored counter whose current
// ticket is not active there is freed on restore, and says so, so that the
// clerk can go on calling.
func TestRestoreFreesACounterHoldingNothing(t *testing.T) {
	f := newFx(t, testConfig(), t0)
	f.signIn(1)
	tk := f.issue("A", queue.Normal)
	c := f.counter(1)
	c.Current = 99
	e, err := queue.New(testConfig(), t0)
	if err != nil {
		t.Fatal(err)
	}
	e.Restore(f.e.Day(), f.e.Services(), []queue.Counter{c, f.counter(2), f.counter(3)}, f.e.Tickets(), tk.ID)
	if got, _ := e.Counter(1); got.Current != 0 || len(e.Repairs()) != 1 {
		t.Fatalf("after restore: counter %+v, repairs %q", got, e.Repairs())
	}
	ev, found, err := e.CallNext(1, "clerk1", t0.Add(time.Minute))
	if err != nil || !found || ev.Ticket != tk.ID {
		t.Fatalf("call after restore: %v %v %+v", err, found, ev)
	}
}
