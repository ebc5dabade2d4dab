package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestPhoneBooking: /book for a signed-in clerk says it books on behalf of
// a caller, and the booking records the clerk's account; the public page
// stays the customer's; the desk links to it; the day's list masks phones
// and tells phone bookings from online ones.
func TestPhoneBooking(t *testing.T) {
	e := apiNewServerWith(t, apiSetup{KeepHours: true})
	clerk := e.login("clerk1", 1)
	manager := e.login("manager", 0)

	pub := e.do("GET", "/book", apiAnon, nil)
	if pub.Status != 200 || strings.Contains(string(pub.Body), `data-testid="book-agent"`) || strings.Contains(string(pub.Body), "data-agent") {
		t.Fatalf("public /book: %d, shows the phone-booking banner", pub.Status)
	}
	page := e.do("GET", "/book", clerk, nil)
	if page.Status != 200 || !strings.Contains(string(page.Body), `data-testid="book-agent"`) ||
		!strings.Contains(string(page.Body), "代来电客户预约") || !strings.Contains(string(page.Body), `data-agent="clerk1"`) {
		t.Fatalf("clerk's /book: %d, no phone-booking banner:\n%s", page.Status, page.Body)
	}
	desk := e.do("GET", "/desk", clerk, nil)
	if desk.Status != 200 || !strings.Contains(string(desk.Body), `data-testid="desk-phone-booking"`) || !strings.Contains(string(desk.Body), `href="/book"`) {
		t.Errorf("desk: %d, no phone-booking link", desk.Status)
	}

	var byClerk, online apiAppt
	r := e.do("POST", "/api/v1/appointments", clerk, map[string]string{"service": "B", "day": "2026-11-24", "slot": "09:00", "phone": "13812340001", "name": "王先生"})
	if r.Status != http.StatusCreated {
		t.Fatalf("clerk books: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &byClerk)
	if m := r.Map(t); m["booked_by"] != "user:clerk1" {
		t.Errorf("booked_by of the clerk's booking: %v", m["booked_by"])
	}
	r = e.do("POST", "/api/v1/appointments", apiAnon, map[string]string{"service": "B", "day": "2026-11-24", "slot": "09:00", "phone": "13812340002"})
	if r.Status != http.StatusCreated {
		t.Fatalf("customer books: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &online)
	if m := r.Map(t); m["booked_by"] != "anonymous" {
		t.Errorf("booked_by of the customer's booking: %v", m["booked_by"])
	}

	r = e.do("GET", "/api/v1/appointments?day=2026-11-24", manager, nil)
	var list struct {
		Appointments []struct {
			Code     string `json:"code"`
			Phone    string `json:"phone"`
			BookedBy string `json:"booked_by"`
		} `json:"appointments"`
	}
	r.JSON(t, &list)
	if r.Status != 200 || len(list.Appointments) != 2 {
		t.Fatalf("day's list: %d %s", r.Status, r.Body)
	}
	for _, a := range list.Appointments {
		if strings.Contains(a.Phone, "1234000") || !strings.Contains(a.Phone, "****") {
			t.Errorf("phone not masked in the list: %q", a.Phone)
		}
	}
	if strings.Contains(string(r.Body), "13812340001") {
		t.Errorf("the list shows a full phone number: %s", r.Body)
	}
}

// TestManagerAppointmentsTab: the console's appointments tab shows the saved
// settings (a manager's change is on the page at once) and is for managers.
func TestManagerAppointmentsTab(t *testing.T) {
	e := apiNewServerWith(t, apiSetup{KeepHours: true})
	manager := e.login("manager", 0)
	body := map[string]any{"horizon_days": 5, "early_minutes": 20, "late_minutes": 5, "phone_limit": 3,
		"hours": map[string]string{"open": "09:00", "close": "17:00"},
		"plans": []map[string]any{{"service": "B", "slot_minutes": 20, "capacity": 7}}}
	if r := e.do("PUT", "/api/v1/appointments/settings", manager, body); r.Status != 200 {
		t.Fatalf("put settings: %d %s", r.Status, r.Body)
	}
	r := e.do("GET", "/manager/appointments", manager, nil)
	s := string(r.Body)
	for _, want := range []string{`name="horizon_days" type="number" value="5"`, `name="early_minutes" type="number" value="20"`,
		`name="phone_limit" type="number" value="3"`, `name="capacity" type="number" value="7" data-testid="ma-capacity-B"`,
		`name="slot_minutes" type="number" value="20" data-testid="ma-slot-B"`,
		`name="capacity" type="number" value="0" data-testid="ma-capacity-A"`, "manager_appointments.js", `data-testid="tab-appointments"`} {
		if !strings.Contains(s, want) {
			t.Errorf("/manager/appointments lacks %s", want)
		}
	}
	if r.Status != 200 {
		t.Fatalf("/manager/appointments: %d", r.Status)
	}
	if r := e.do("GET", "/manager/appointments", e.login("clerk1", 1), nil); r.Status != http.StatusForbidden {
		t.Errorf("clerk on /manager/appointments: %d, want 403", r.Status)
	}
}
