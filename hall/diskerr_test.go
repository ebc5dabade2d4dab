package hall_test

import (
	"fmt"
	"strings"
	"syscall"
	"testing"

	"hallq/hall"
	"hallq/queue"
)

// TestDiskFaults: with the disk full or turned read-only every command is
// refused as unavailable with a message that says what happened and that
// nothing was saved; the hall goes on showing the committed state, and works
// again once the disk is back.
func TestDiskFaults(t *testing.T) {
	f := newFixture(t, monday10, true)
	clerk := f.clerk("clerk1", 1)
	f.issue("A")
	before, _ := f.h.Snapshot()
	for _, c := range []struct {
		errno syscall.Errno
		words string
	}{{syscall.ENOSPC, "已满"}, {syscall.EROFS, "只读"}, {syscall.EIO, "故障"}} {
		f.h.SetCommitFault(func([]queue.Event) error { return fmt.Errorf("write page: %w", c.errno) })
		_, err := f.h.Issue(ctx, kiosk, hall.IssueRequest{Service: "A"})
		if queue.ErrorCode(err) != queue.EUNAVAILABLE || !strings.Contains(queue.ErrorMessage(err), c.words) ||
			!strings.Contains(queue.ErrorMessage(err), "未保存") {
			t.Errorf("%v: issue: %v (%q), want unavailable saying %q and nothing saved", c.errno, err, queue.ErrorMessage(err), c.words)
		}
		if _, err := f.h.Operate(ctx, clerk, 1, hall.CounterOp{Action: "call"}); queue.ErrorCode(err) != queue.EUNAVAILABLE {
			t.Errorf("%v: call: %v, want unavailable", c.errno, err)
		}
		// A failed commit uses up its sequence number (a gap in the log) but
		// shows nothing.
		after, _ := f.h.Snapshot()
		sameJSON(t, fmt.Sprintf("%v: the shown state", c.errno), after, before)
	}
	f.h.SetCommitFault(nil)
	if got := f.issue("A"); got.Number != "A002" {
		t.Errorf("after the disk came back: %s, want A002", got.Number)
	}
	if c := f.op(clerk, 1, "call"); c.Number != "A001" {
		t.Errorf("called %s, want A001", c.Number)
	}
}
