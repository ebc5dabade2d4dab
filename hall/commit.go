package hall

import (
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"hallq/queue"
)

// commitQueue commits events strictly in sequence order, in groups.
//
// exec numbers events under h.mu and queues them there, so the queue is in
// sequence order; one committer at a time takes everything queued and
// commits it in one transaction (what arrives during an fsync shares the
// next one), then publishes it. Events are therefore never durable out of
// order: were a commit of sequence N+1 durable before N's (as with
// independent bbolt batches), a crash in between would leave a hole in the
// event log and could keep an event (a call) whose cause (the ticket's
// issue) was lost. And a command's own event is in the read model when exec
// returns, so its caller reads its own write.
//
// A failed commit breaks the queue: every command decided after it was
// decided on a write model that included the lost events, so each fails
// with the same error until recover has reloaded the write model from the
// store and restarted the sequence after the last durable event. The log
// therefore never has a hole, nor an event whose cause was lost.
type commitQueue struct {
	mu      sync.Mutex
	reqs    []*commitReq
	running bool
	broken  error
	// fault, set only by tests (export_test.go), fails every commit with
	// its error before anything is written, as a full disk would.
	fault atomic.Pointer[func([]queue.Event) error]
}

type commitReq struct {
	evs []queue.Event
	// run are the write model's running figures after evs (queue.Running),
	// stored with them so that a restart needs only the open tickets.
	run  *queue.Running
	err  error
	done chan struct{}
}

// queueCommit queues evs for commit; call it with h.mu held. Wait on the
// request's done; its err is then the commit's outcome, and the events are
// published (applied to the read model, or skipped when they failed).
func (h *Hall) queueCommit(evs []queue.Event, run *queue.Running) *commitReq {
	r := &commitReq{evs: evs, run: run, done: make(chan struct{})}
	q := &h.commits
	q.mu.Lock()
	q.reqs = append(q.reqs, r)
	start := !q.running
	q.running = true
	q.mu.Unlock()
	if start {
		go h.commitLoop()
	}
	return r
}

// commitLoop commits queued requests until the queue is empty.
func (h *Hall) commitLoop() {
	q := &h.commits
	for {
		q.mu.Lock()
		reqs := q.reqs
		q.reqs = nil
		err := q.broken
		if len(reqs) == 0 {
			q.running = false
			q.mu.Unlock()
			return
		}
		q.mu.Unlock()
		if err == nil {
			var evs []queue.Event
			var run *queue.Running
			for _, r := range reqs {
				evs = append(evs, r.evs...)
				run = mergeRunning(run, r.run)
			}
			if err = h.commitNow(evs, run); err != nil {
				q.mu.Lock()
				q.broken = err
				q.mu.Unlock()
			}
		}
		for _, r := range reqs {
			r.err = err
		}
		for _, r := range reqs {
			h.publish(r.evs, r.err == nil)
			close(r.done)
		}
	}
}

// commitNow commits evs; a panic in the store (bbolt panics on some damaged
// pages) fails the commit like an error instead of ending the process.
func (h *Hall) commitNow(evs []queue.Event, run *queue.Running) (err error) {
	defer func() {
		if r := recover(); r != nil {
			h.panics.Add(1)
			h.log.Error("commit panicked", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = fmt.Errorf("commit panicked: %v", r)
		}
	}()
	if fault := h.commits.fault.Load(); fault != nil {
		if err := (*fault)(evs); err != nil {
			return err
		}
	}
	return h.st.Commit(evs, run)
}

// mergeRunning returns the running figures after next, which follows
// prev: next's, with the service windows of both (next's win).
func mergeRunning(prev, next *queue.Running) *queue.Running {
	if prev == nil || next == nil {
		return next
	}
	for p, s := range prev.Services {
		if _, ok := next.Services[p]; !ok {
			if next.Services == nil {
				next.Services = map[string]queue.ServiceRunning{}
			}
			next.Services[p] = s
		}
	}
	return next
}

// mend clears a broken queue; recover calls it once the write model is
// reloaded and no command is in flight.
func (q *commitQueue) mend() {
	q.mu.Lock()
	q.broken = nil
	q.mu.Unlock()
}
