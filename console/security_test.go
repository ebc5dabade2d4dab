package console_test

import (
	"fmt"
	"strings"
	"testing"

	"hallq/appointment"
	"hallq/console"
	"hallq/hall"
)

// TestBookingBurstAlerts: BookingBurst public bookings within the window alert
// the manager once; bookings by staff do not count.
func TestBookingBurstAlerts(t *testing.T) {
	f := newFixture(t)
	h, mgr := f.h, f.manager()
	k := 0 // the next free seat: two a half-hour slot of service B, 09:00–17:00
	book := func(p hall.Principal, i int) {
		t.Helper()
		seat := k / 2 % 16
		slot := fmt.Sprintf("%02d:%02d", 9+seat/2, 30*(seat%2))
		day := fmt.Sprintf("2026-11-%d", 24+k/32)
		k++
		if _, err := appointment.New(h, appointment.Options{WatchBooking: f.cs.Security().WatchBooking}).Book(ctx, p, appointment.BookRequest{Service: "B", Day: day, Slot: slot, Phone: fmt.Sprintf("139%08d", i)}); err != nil {
			t.Fatalf("book %d: %v", i, err)
		}
	}
	alerts := func() (n int) {
		m, err := f.cs.Monitor(mgr)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range m.Alerts {
			if a.Kind == "security" && strings.Contains(a.TextEN, "public bookings") {
				n++
			}
		}
		return n
	}
	for i := range console.BookingBurst - 1 {
		book(mgr, i) // staff on the phone: not counted
		book(hall.Principal{}, 100+i)
	}
	if n := alerts(); n != 0 {
		t.Fatalf("%d alerts after %d public bookings", n, console.BookingBurst-1)
	}
	book(hall.Principal{}, 200)
	book(hall.Principal{}, 201)
	if n := alerts(); n != 1 {
		t.Errorf("%d alerts after a burst of public bookings, want 1", n)
	}
}
