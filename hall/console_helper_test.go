package hall_test

import (
	"hallq/console"
	"hallq/hall"
)

// monitorOf is the live monitor of h as the console shows it: the kernel's
// own alerts (Hall.Alerts: integrity, clock, disk) and the queue's totals are
// on it.
func monitorOf(h *hall.Hall, p hall.Principal) (console.Monitor, error) {
	return console.New(h, console.Options{}).Monitor(p)
}

func hasAlert(m console.Monitor, kind string) bool {
	for _, a := range m.Alerts {
		if a.Kind == kind {
			return true
		}
	}
	return false
}
