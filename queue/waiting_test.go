package queue_test

import (
	"slices"
	"testing"
	"time"

	"hallq/queue"
)

// Waiting lists exactly the waiting tickets, in id order, whatever the day
// has seen before them.
func TestWaitingListsOnlyTheQueue(t *testing.T) {
	f := newFx(t, testConfig(), t0)
	f.signIn(1)
	var want []uint64
	for i := range 12 {
		tk := f.issue("A", queue.Normal)
		f.tick(time.Second)
		if i < 8 {
			continue // the first eight are called and finished below
		}
		want = append(want, tk.ID)
	}
	for range 8 {
		f.callNext(1)
		f.ok(func() (queue.Event, error) { return f.e.Start(1, "clerk1", f.now) })
		f.ok(func() (queue.Event, error) { return f.e.Finish(1, "clerk1", "", f.now) })
		f.tick(time.Second)
	}
	var got []uint64
	for _, tk := range f.e.Waiting() {
		if tk.Status != queue.Waiting {
			t.Fatalf("ticket %s is %s, not waiting", tk.Number, tk.Status)
		}
		got = append(got, tk.ID)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Waiting() = %v, want %v", got, want)
	}
}
