package hall

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"hallq/queue"
)

// TestPanicUnderTheLock: a command that panics while it holds the hall's
// lock fails with an internal error, is logged with its stack, and leaves
// the hall serving: the lock is free, the half-changed write model is
// reloaded from the store, and the next command works.
func TestPanicUnderTheLock(t *testing.T) {
	var logs bytes.Buffer
	h, err := Open(Options{Dir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(&logs, nil)), AlwaysOpen: true, Tick: time.Hour,
		Now: func() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	kiosk := Principal{Kind: "device", Name: "k", Role: KindKiosk}
	first, err := h.Issue(context.Background(), kiosk, IssueRequest{Service: "A"})
	if err != nil {
		t.Fatal(err)
	}

	_, err = h.exec("test", func(e *queue.Engine, now time.Time) (queue.Event, error) {
		// Change the write model, then fail half way: the change must not stay.
		if _, err := e.Issue(queue.IssueRequest{Service: "A"}, now); err != nil {
			t.Fatal(err)
		}
		var c *queue.Counter
		_ = c.Number // nil dereference
		return queue.Event{}, nil
	})
	if err == nil || queue.ErrorCode(err) != queue.EINTERNAL {
		t.Fatalf("panicking command: %v (%s), want an internal error", err, queue.ErrorCode(err))
	}
	if h.Panics() != 1 {
		t.Errorf("panics counted: %d, want 1", h.Panics())
	}
	if !strings.Contains(logs.String(), "command panicked") || !strings.Contains(logs.String(), "panic_test.go") {
		t.Errorf("the panic is not logged with its stack:\n%s", logs.String())
	}

	done := make(chan struct{})
	var next queue.Ticket
	go func() {
		defer close(done)
		next, err = h.Issue(context.Background(), kiosk, IssueRequest{Service: "A"})
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the hall's lock is still held after the panic")
	}
	if err != nil {
		t.Fatalf("issue after the panic: %v", err)
	}
	if next.ID != first.ID+1 || next.Serial != first.Serial+1 {
		t.Errorf("after the panic: ticket %d %s, want id %d (the panicking command's ticket was never committed)", next.ID, next.Number, first.ID+1)
	}
}
