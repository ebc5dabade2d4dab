//go:build race

package queue_test

// raceEnabled shortens the randomized test under the race detector: the
// engine is single-threaded, so the race run adds little there.
const raceEnabled = true
