package hall

import (
	"time"

	"hallq/hall/heldclock"
)

// ClockStep is a step back of the wall clock the hall has seen (heldclock:
// the hall's time is held at the last event's until the wall clock catches up).
type ClockStep = heldclock.Step

// ClockStep returns the latest step back of the wall clock the hall has
// seen since it opened; ok is false when there was none.
func (h *Hall) ClockStep() (ClockStep, bool) { return h.clock.Step() }

// ClockBehind is how far the wall clock now reads behind the latest time
// the hall has recorded (0 when it does not).
func (h *Hall) ClockBehind() time.Duration { return h.clock.Behind() }
