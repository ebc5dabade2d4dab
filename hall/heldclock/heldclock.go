// Package heldclock is the hall's time for the data (was hall/clock.go): the
// wall clock, but never earlier than the latest time the hall has recorded.
package heldclock

import (
	"log/slog"
	"sync"
	"time"
)

// clockTolerance is how far the wall clock may read behind the last
// recorded time before it counts as a step back: readings taken just
// before another command stamped its event are a little behind, harmlessly.
const clockTolerance = 2 * time.Second

// Clock is the hall's time for the data: the wall clock, but never
// earlier than the latest time the hall has recorded. A wall clock stepped
// back (an RTC battery, a manual correction, an NTP step) is held at the
// last event's time until it catches up, so ids, days and durations cannot
// go backwards; the step is logged, and the console shows it to the manager
// (Clock.Step).
//
// Readings are wall-clock only: Go's monotonic reading would hide a step.
type Clock struct {
	wall func() time.Time
	log  *slog.Logger

	mu     sync.Mutex
	last   time.Time // the latest time recorded (an event's)
	behind bool      // the wall clock is behind last now
	step   Step      // the latest step back seen
}

// New returns a clock reading wall, logging its steps to log.
func New(wall func() time.Time, log *slog.Logger) *Clock { return &Clock{wall: wall, log: log} }

// Step is a step back of the wall clock the hall has seen.
type Step struct {
	// Seen is the hall's (held) time when the step was noticed; Wall what
	// the clock read then; Behind by how much it was behind.
	Seen   time.Time     `json:"seen"`
	Wall   time.Time     `json:"wall"`
	Behind time.Duration `json:"behind_ns"`
	// Caught is when the wall clock reached the hall's time again (nil:
	// still behind: times are held at the last event's).
	Caught *time.Time `json:"caught,omitempty"`
}

// Now returns the hall's time.
func (c *Clock) Now() time.Time {
	w := c.wall().Round(0)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !w.Before(c.last) {
		if c.behind {
			c.behind = false
			c.step.Caught = &w
			c.log.Warn("clock: the wall clock has caught up with the hall's time again", "now", w,
				"held_for", w.Sub(c.step.Seen).String())
		}
		return w
	}
	if d := c.last.Sub(w); d >= clockTolerance && !c.behind {
		c.behind = true
		c.step = Step{Seen: c.last, Wall: w, Behind: d}
		c.log.Error("clock: the wall clock is behind the last recorded event; times are held at the event's time until it catches up",
			"wall", w, "last_event", c.last, "behind", d.String())
	}
	return c.last
}

// See records that the hall recorded time t (an event's).
func (c *Clock) See(t time.Time) {
	t = t.Round(0)
	c.mu.Lock()
	if t.After(c.last) {
		c.last = t
	}
	c.mu.Unlock()
}

// Step returns the latest step back of the wall clock seen since the clock
// was made; ok is false when there was none.
func (c *Clock) Step() (step Step, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.step, !c.step.Seen.IsZero()
}

// Behind is how far the wall clock now reads behind the latest time
// recorded (0 when it does not).
func (c *Clock) Behind() time.Duration {
	w := c.wall().Round(0)
	c.mu.Lock()
	defer c.mu.Unlock()
	return max(c.last.Sub(w), 0)
}
