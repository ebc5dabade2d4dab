package health_test

import (
	"hallq/console"
	"hallq/hall"
	"hallq/health"
)

// monitorOf is the live monitor of h as the console shows it, with the
// health alerts of hs.
func monitorOf(h *hall.Hall, hs *health.Service, p hall.Principal) (console.Monitor, error) {
	return console.New(h, console.Options{Health: hs}).Monitor(p)
}
