package queue_test

import (
	"time"

	"hallq/queue"
)

// hubTake is what the websocket hub takes of the state after every event
// (web/hub.go): the figures, to tell what the event changed. (Before the
// figures were kept per event, the hub took the whole Snapshot; the
// benchmark's copy on the old code calls that instead.)
func hubTake(e *queue.Engine, now time.Time) { e.Figures(now) }
