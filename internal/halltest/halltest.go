// Package halltest helps the tests of the hall's feature packages: a hall in
// a fresh directory on a settable clock, checked and closed when the test
// ends, its accounts (Accounts) and signed-in clerks and managers. Only
// tests import it.
package halltest

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"hallq/account"
	"hallq/hall"
)

var (
	// Quiet is a logger that writes nothing.
	Quiet = slog.New(slog.NewTextHandler(io.Discard, nil))
	// Shanghai is the default hall's time zone.
	Shanghai = mustZone("Asia/Shanghai")
	// Monday10 is Monday 2026-11-23 10:00 in the hall's time zone: the
	// default hall is open (08:30–17:30).
	Monday10 = time.Date(2026, 11, 23, 10, 0, 0, 0, Shanghai)
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// Clock is a settable clock for Options.Now.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now reads the clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set sets the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Add moves the clock on by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Open opens a hall with opt in a fresh directory unless opt.Dir is set
// (Logger Quiet, Tick an hour unless set); when the test ends
// the store is verified and the hall closed.
func Open(t testing.TB, opt hall.Options) *hall.Hall {
	t.Helper()
	if opt.Dir == "" {
		opt.Dir = t.TempDir()
	}
	if opt.Logger == nil {
		opt.Logger = Quiet
	}
	if opt.Tick == 0 {
		opt.Tick = time.Hour
	}
	h, err := hall.Open(opt)
	if err != nil {
		t.Fatalf("open hall: %v", err)
	}
	h.Authorise(account.Rules{}) // who may work a counter, as account.New registers it
	t.Cleanup(func() { CheckClose(t, h) })
	return h
}

// CheckClose verifies h's store and closes h; a hall closed already is left
// alone.
func CheckClose(t testing.TB, h *hall.Hall) {
	t.Helper()
	if h.Ping(context.Background()) != nil { // closed already
		return
	}
	if _, err := h.Store().Verify(); err != nil {
		t.Errorf("store check: %v", err)
	}
	if err := h.Close(); err != nil {
		t.Errorf("close hall: %v", err)
	}
}
