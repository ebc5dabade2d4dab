package hall

import "hallq/queue"

// SetCommitFault makes every later commit of h call fn first: an error from
// fn fails that commit, which then writes nothing, as a full disk would. nil
// removes it. Only the kernel's tests see it.
func (h *Hall) SetCommitFault(fn func(evs []queue.Event) error) {
	if fn == nil {
		h.commits.fault.Store(nil)
		return
	}
	h.commits.fault.Store(&fn)
}
