package hall_test

import (
	"fmt"
	"sync"
	"testing"

	"hallq/hall"
	"hallq/queue"
)

// TestCommitOrder: under many concurrent commands every transaction appends
// the events right after the last durable one (so a crash can never leave
// a later event without an earlier one), and each command's event is in the
// read model when the command returns.
func TestCommitOrder(t *testing.T) {
	f := newFixture(t, monday10, true)
	_, seq0 := f.h.Snapshot()
	var (
		mu      sync.Mutex
		last    = seq0
		commits int
		bad     []string
	)
	f.h.SetCommitFault(func(evs []queue.Event) error {
		mu.Lock()
		defer mu.Unlock()
		commits++
		for _, ev := range evs {
			if ev.Seq != last+1 && len(bad) < 5 {
				bad = append(bad, fmt.Sprintf("event %d committed after %d", ev.Seq, last))
			}
			last = max(last, ev.Seq)
		}
		return nil
	})
	const workers, each = 32, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				tk, err := f.h.Issue(ctx, kiosk, hall.IssueRequest{Service: []string{"A", "D", "E"}[w%3]})
				if err != nil {
					errs <- err
					return
				}
				var seen bool
				f.h.Read(func(v *queue.Engine, _ uint64) { _, seen = v.Ticket(tk.ID) })
				if !seen {
					errs <- fmt.Errorf("ticket %s issued but not in the read model", tk.Number)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	f.h.SetCommitFault(nil)
	for _, b := range bad {
		t.Error(b)
	}
	if last != seq0+workers*each {
		t.Errorf("last committed event %d, want %d", last, seq0+workers*each)
	}
	t.Logf("%d events in %d transactions", workers*each, commits)
}
