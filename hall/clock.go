package hall

import (
	"log/slog"
	"sync"
	"time"
)

// clockTolerance is how far the wall clock may read behind the last
// recorded time before it counts as a step back: readings taken just
// before another command stamped its event are a little behind, harmlessly.
const clockTolerance = 2 * time.Second

// hallClock is the hall's time for the data: the wall clock, but never
// earlier than the latest time the hall has recorded. A wall clock stepped
// back (an RTC battery, a manual correction, an NTP step) is held at the
// last event's time until it catches up, so ids, days and durations cannot
// go backwards; the step is logged, and the console shows it to the manager
// (ClockStep).
//
// Readings are wall-clock only: Go's monotonic reading would hide a step.
type hallClock struct {
	wall func() time.Time
	log  *slog.Logger

	mu     sync.Mutex
	last   time.Time // the latest time recorded (an event's)
	behind bool      // the wall clock is behind last now
	step   ClockStep // the latest step back seen
}

// ClockStep is a step back of the wall clock the hall has seen.
type ClockStep struct {
	// Seen is the hall's (held) time when the step was noticed; Wall what
	// the clock read then; Behind by how much it was behind.
	Seen   time.Time     `json:"seen"`
	Wall   time.Time     `json:"wall"`
	Behind time.Duration `json:"behind_ns"`
	// Caught is when the wall clock reached the hall's time again (nil:
	// still behind: times are held at the last event's).
	Caught *time.Time `json:"caught,omitempty"`
}

// now returns the hall's time.
func (c *hallClock) now() time.Time {
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
		c.step = ClockStep{Seen: c.last, Wall: w, Behind: d}
		c.log.Error("clock: the wall clock is behind the last recorded event; times are held at the event's time until it catches up",
			"wall", w, "last_event", c.last, "behind", d.String())
	}
	return c.last
}

// see records that the hall recorded time t (an event's).
func (c *hallClock) see(t time.Time) {
	t = t.Round(0)
	c.mu.Lock()
	if t.After(c.last) {
		c.last = t
	}
	c.mu.Unlock()
}

// ClockStep returns the latest step back of the wall clock the hall has
// seen since it opened; ok is false when there was none.
func (h *Hall) ClockStep() (step ClockStep, ok bool) {
	h.clock.mu.Lock()
	defer h.clock.mu.Unlock()
	return h.clock.step, !h.clock.step.Seen.IsZero()
}

// ClockBehind is how far the wall clock now reads behind the latest time
// the hall has recorded (0 when it does not).
func (h *Hall) ClockBehind() time.Duration {
	w := h.clock.wall().Round(0)
	h.clock.mu.Lock()
	defer h.clock.mu.Unlock()
	return max(h.clock.last.Sub(w), 0)
}
