package health_test

import (
	"hallq/console"
	"hallq/hall"
)

// monitorOf is the live monitor of h as the console shows it, with the
// kernel's alerts (health's integrity and disk alerts among them).
func monitorOf(h *hall.Hall, p hall.Principal) (console.Monitor, error) {
	return console.New(h, console.Options{}).Monitor(p)
}
