package hall

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"hallq/queue"
)

// What features register with the kernel (docs/architecture.md): scheduled
// jobs (Every), listeners of committed events (Listen, hall.go), the checks
// and additions of a finish (CheckItem, OnFinish), the additions to a change
// of the settings (OnSettings), who may work a counter (Authorise, owner.go)
// and what to stop on Close (OnClose). The
// kernel calls them; it does not know the features.
type hooks struct {
	mu       sync.RWMutex
	stopped  bool // Close has begun: no new jobs
	checks   []func(item string) error
	finish   []func(tx *Tx, ev *queue.Event, item string)
	settings []func(tx *Tx, s queue.Settings)
	closers  []func()
	rules    Rules // who may work a counter (owner.go: Authorise)
}

// Every runs job every d (0: the hall's tick, Options.Tick) in its own
// goroutine from now until Close, which cancels ctx and waits for it. A
// returned error is logged under name; a panic is logged and the job goes on
// at its next turn. Jobs change state through Exec, like any command.
func (h *Hall) Every(name string, d time.Duration, job func(ctx context.Context) error) {
	if d <= 0 {
		d = h.tick
	}
	h.hooks.mu.Lock()
	defer h.hooks.mu.Unlock()
	if h.hooks.stopped {
		return
	}
	h.bg.Add(1)
	go func() {
		defer h.bg.Done()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() { // Close cancels a job that is running, not only the next turn
			select {
			case <-h.stop:
				cancel()
			case <-ctx.Done():
			}
		}()
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-h.stop:
				return
			case <-t.C:
				h.runJob(ctx, name, job)
			}
		}
	}()
}

func (h *Hall) runJob(ctx context.Context, name string, job func(ctx context.Context) error) {
	defer func() {
		if r := recover(); r != nil {
			h.panics.Add(1)
			h.log.Error("job panicked", "job", name, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	if err := job(ctx); err != nil && !errors.Is(err, errNothing) {
		h.log.Error(name, "err", err)
	}
}

// CheckItem registers a check of the business item a ticket names when it is
// issued or finished (casework: the catalog must know it); an error refuses
// the command before anything changes. "" means no item.
func (h *Hall) CheckItem(check func(item string) error) {
	h.hooks.mu.Lock()
	h.hooks.checks = append(h.hooks.checks, check)
	h.hooks.mu.Unlock()
}

// ValidItem runs the checks registered with CheckItem on a ticket's business
// item ("" means none): Issue and a counter's finish do, and a feature that
// issues a ticket on its own path (remote: phone tickets).
func (h *Hall) ValidItem(item string) error {
	h.hooks.mu.RLock()
	defer h.hooks.mu.RUnlock()
	for _, c := range h.hooks.checks {
		if err := c(item); err != nil {
			return err
		}
	}
	return nil
}

// OnFinish registers fn to run inside every counter finish, after the engine
// made its event ev and before it is committed, with the item the clerk named
// ("" for none): fn may add records to the change (tx.Put), which then commit
// with it. It cannot refuse the finish (CheckItem does that, before).
func (h *Hall) OnFinish(fn func(tx *Tx, ev *queue.Event, item string)) {
	h.hooks.mu.Lock()
	h.hooks.finish = append(h.hooks.finish, fn)
	h.hooks.mu.Unlock()
}

func (h *Hall) finished(tx *Tx, ev *queue.Event, item string) {
	h.hooks.mu.RLock()
	defer h.hooks.mu.RUnlock()
	for _, fn := range h.hooks.finish {
		fn(tx, ev, item)
	}
}

// OnSettings registers fn to run inside every SaveSettings, after the
// engine took the new settings s and before they are committed: fn may add
// records to the change (tx.Put), which then commit with it (remote: the
// door key of phone tickets).
func (h *Hall) OnSettings(fn func(tx *Tx, s queue.Settings)) {
	h.hooks.mu.Lock()
	h.hooks.settings = append(h.hooks.settings, fn)
	h.hooks.mu.Unlock()
}

func (h *Hall) settingsSaved(tx *Tx, s queue.Settings) {
	h.hooks.mu.RLock()
	defer h.hooks.mu.RUnlock()
	for _, fn := range h.hooks.settings {
		fn(tx, s)
	}
}

// OnClose registers fn to run when the hall closes, after the scheduled jobs
// have stopped and before the store closes; the last registered runs first.
func (h *Hall) OnClose(fn func()) {
	h.hooks.mu.Lock()
	h.hooks.closers = append(h.hooks.closers, fn)
	h.hooks.mu.Unlock()
}
