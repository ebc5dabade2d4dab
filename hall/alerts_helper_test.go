package hall_test

import "hallq/hall"

// kernelAlerts are the kernel's own alerts for the live monitor (integrity,
// clock, disk) on the committed day: the console shows them in its monitor
// (console's tests check that it does).
func kernelAlerts(h *hall.Hall) []hall.Alert {
	snap, _ := h.Snapshot()
	return h.Alerts(snap.Day)
}

func hasAlert(as []hall.Alert, kind string) bool {
	for _, a := range as {
		if a.Kind == kind {
			return true
		}
	}
	return false
}
