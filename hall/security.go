package hall

import (
	"context"
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

// alert records an alert for the manager's monitor.
func (h *Hall) alert(what, addr string) {
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
		h.alert(what, "")
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

// UnlockUser lifts a sign-in lock-out of user name (managers; an admin's
// lock only an admin). ENOTFOUND for an unknown user.
func (h *Hall) UnlockUser(ctx context.Context, p Principal, name string) error {
	if _, err := h.userFor(p, name); err != nil {
		return err
	}
	_, err := h.Unlock(ctx, p.Actor(), name)
	return err
}

// Unlock lifts a sign-in lock-out of user name for actor (the hall PC's
// command line, `hallq user unlock`, through the control socket) and
// reports whether the name was locked. ENOTFOUND for an unknown user.
func (h *Hall) Unlock(ctx context.Context, actor, name string) (bool, error) {
	if _, err := h.st.User(name); err != nil {
		return false, queue.Err(queue.ENOTFOUND, "err.hall.there_is_no_user", name)
	}
	cleared := h.locks.clear(nameKey(name))
	h.SecurityEvent(actor, "", fmt.Sprintf("sign-in lock of %s lifted (locked: %v)", name, cleared))
	return cleared, nil
}

// Revoked names a principal whose credentials ended: a user who was
// disabled, demoted or had their password reset, or a revoked device (by
// id). Listeners close that principal's live connections.
type Revoked struct {
	User   string // a user name, or ""
	Device string // a device id (store.DeviceID), or ""
}

type revokeWatch struct {
	mu   sync.Mutex
	next int
	fns  map[int]func(Revoked)
}

// OnRevoke calls fn whenever a principal's credentials end (after the change
// is stored); the returned func stops it. fn must not block.
func (h *Hall) OnRevoke(fn func(Revoked)) (stop func()) {
	w := &h.revokes
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fns == nil {
		w.fns = map[int]func(Revoked){}
	}
	id := w.next
	w.next++
	w.fns[id] = fn
	return func() {
		w.mu.Lock()
		delete(w.fns, id)
		w.mu.Unlock()
	}
}

// revoked tells the listeners that r's credentials ended and logs it.
func (h *Hall) revoked(actor string, r Revoked, what string) {
	h.log.Warn("security", "what", what, "actor", actor, "user", r.User, "device", r.Device)
	h.revokes.mu.Lock()
	fns := make([]func(Revoked), 0, len(h.revokes.fns))
	for _, fn := range h.revokes.fns {
		fns = append(fns, fn)
	}
	h.revokes.mu.Unlock()
	for _, fn := range fns {
		fn(r)
	}
}
