package console

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"hallq/hall"
	"hallq/queue"
)

// Security events (docs/security.md): failed sign-ins, lock-outs, refused
// cross-site requests, unlocks and revocations are logged with slog (actor
// and address, never a password) and written to the event log as
// EvSecurity, which the audit shows under "security". Lock-outs and bursts
// of public bookings also raise an alert on the manager's monitor.
//
// The accounts (account.Options.Security), the appointments
// (appointment.Options.WatchBooking) and web's refused requests report to
// the hall's one Security, which cmd/hallq makes first and hands to them
// and to the console (Options.Security).

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

// Security is the security log and alerts of one hall.
type Security struct {
	h *hall.Hall

	mu   sync.Mutex
	list []SecurityAlert

	bookings     []time.Time // public bookings within BookingBurstWindow
	bookingAlert time.Time   // the last booking-burst alert
}

// NewSecurity returns the security log and alerts of h.
func NewSecurity(h *hall.Hall) *Security { return &Security{h: h} }

// Event logs a security event with slog and writes it to the audit.
// actor is who (or "anonymous"), addr the client's address.
func (s *Security) Event(actor, addr, what string) {
	s.h.Log().Warn("security", "what", what, "actor", actor, "addr", addr)
	reason := what
	if addr != "" {
		reason += " from " + addr
	}
	if _, err := s.h.Exec(actor, func(tx *hall.Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		return queue.Event{Type: EvSecurity, At: now, Day: e.Day(), Reason: reason}, nil
	}); err != nil {
		s.h.Log().Error("log security event", "what", what, "err", err)
	}
}

// Alert records an alert for the manager's monitor (what, and the address
// it came from if any); it stays there for a day.
func (s *Security) Alert(what, addr string) {
	now := s.h.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list = slices.DeleteFunc(s.list, func(a SecurityAlert) bool { return now.Sub(a.At) > alertKeep })
	s.list = append(s.list, SecurityAlert{At: now, What: what, Addr: addr})
	if len(s.list) > 100 {
		s.list = s.list[len(s.list)-100:]
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
// when they come too fast. The appointment feature calls it
// (appointment.Options.WatchBooking).
func (s *Security) WatchBooking(day, service, slot string) {
	now := s.h.Now()
	s.mu.Lock()
	s.bookings = slices.DeleteFunc(s.bookings, func(t time.Time) bool { return now.Sub(t) >= BookingBurstWindow })
	s.bookings = append(s.bookings, now)
	fire := len(s.bookings) >= BookingBurst && now.Sub(s.bookingAlert) >= BookingBurstWindow
	if fire {
		s.bookingAlert = now
	}
	n := len(s.bookings)
	s.mu.Unlock()
	if fire {
		what := fmt.Sprintf("%d public bookings within %s (the last for %s %s %s)", n, BookingBurstWindow, day, service, slot)
		s.Event("system", "", what)
		s.Alert(what, "")
	}
}

// Alerts returns the alerts of the last day, newest first.
func (s *Security) Alerts() []SecurityAlert {
	now := s.h.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []SecurityAlert{}
	for i := len(s.list) - 1; i >= 0; i-- {
		if a := s.list[i]; now.Sub(a.At) <= alertKeep {
			out = append(out, a)
		}
	}
	return out
}
