package hall

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"hallq/queue"
)

// Security events (docs/security.md): failed sign-ins, lock-outs, refused
// cross-site requests, unlocks and revocations are logged with slog (actor
// and address, never a password) and written to the event log as
// EvSecurity, which the audit shows under "security". Lock-outs also raise
// an alert on the manager's monitor.

// EvSecurity is the event type of a security event; its Reason says what.
const EvSecurity = "security"

// SecurityAlert is a lock-out or a burst of bookings the manager should know of.
type SecurityAlert struct {
	At   time.Time `json:"at"`
	What string    `json:"what"`
	Addr string    `json:"addr,omitempty"`
}

// alertKeep is how long an alert stays on the monitor.
const alertKeep = 24 * time.Hour

type securityAlerts struct {
	mu   sync.Mutex
	list []SecurityAlert

	bookings     []time.Time // public bookings within BookingBurstWindow
	bookingAlert time.Time   // the last booking-burst alert
}

// SecurityEvent logs a security event with slog and writes it to the audit.
// actor is who (or "anonymous"), addr the client's address.
func (h *Hall) SecurityEvent(actor, addr, what string) {
	h.log.Warn("security", "what", what, "actor", actor, "addr", addr)
	reason := what
	if addr != "" {
		reason += " from " + addr
	}
	if _, err := h.Exec(actor, func(tx *Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		return queue.Event{Type: EvSecurity, At: now, Day: e.Day(), Reason: reason}, nil
	}); err != nil {
		h.log.Error("log security event", "what", what, "err", err)
	}
}

// Alert records an alert for the manager's monitor (what, and the address
// it came from if any); it stays there for a day.
func (h *Hall) Alert(what, addr string) {
	now := h.now()
	h.alerts.mu.Lock()
	defer h.alerts.mu.Unlock()
	h.alerts.list = slices.DeleteFunc(h.alerts.list, func(a SecurityAlert) bool { return now.Sub(a.At) > alertKeep })
	h.alerts.list = append(h.alerts.list, SecurityAlert{At: now, What: what, Addr: addr})
	if len(h.alerts.list) > 100 {
		h.alerts.list = h.alerts.list[len(h.alerts.list)-100:]
	}
}

// Public bookings that come unusually fast — BookingBurst within
// BookingBurstWindow, from anywhere — alert the manager once per window:
// someone may be hoarding a day's slots with made-up numbers.
const (
	BookingBurst       = 10
	BookingBurstWindow = 10 * time.Minute
)

// WatchBooking notes a public booking (of slot on day of service) and alerts
// when they come too fast. The appointment feature calls it.
func (h *Hall) WatchBooking(day, service, slot string) {
	now := h.now()
	h.alerts.mu.Lock()
	h.alerts.bookings = slices.DeleteFunc(h.alerts.bookings, func(t time.Time) bool { return now.Sub(t) >= BookingBurstWindow })
	h.alerts.bookings = append(h.alerts.bookings, now)
	fire := len(h.alerts.bookings) >= BookingBurst && now.Sub(h.alerts.bookingAlert) >= BookingBurstWindow
	if fire {
		h.alerts.bookingAlert = now
	}
	n := len(h.alerts.bookings)
	h.alerts.mu.Unlock()
	if fire {
		what := fmt.Sprintf("%d public bookings within %s (the last for %s %s %s)", n, BookingBurstWindow, day, service, slot)
		h.SecurityEvent("system", "", what)
		h.Alert(what, "")
	}
}

// SecurityAlerts returns the alerts of the last day, newest first.
func (h *Hall) SecurityAlerts() []SecurityAlert {
	now := h.now()
	h.alerts.mu.Lock()
	defer h.alerts.mu.Unlock()
	out := []SecurityAlert{}
	for i := len(h.alerts.list) - 1; i >= 0; i-- {
		if a := h.alerts.list[i]; now.Sub(a.At) <= alertKeep {
			out = append(out, a)
		}
	}
	return out
}
