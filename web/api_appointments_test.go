package web_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"hallq/queue"
)

type apiAppt struct {
	Code      string   `json:"code"`
	Service   string   `json:"service"`
	Day       string   `json:"day"`
	Slot      string   `json:"slot"`
	Phone     string   `json:"phone"`
	Status    string   `json:"status"`
	Documents []string `json:"documents"`
	Ticket    uint64   `json:"ticket"`
	Number    string   `json:"number"`
	Tracking  string   `json:"tracking"`
}

// TestAPIAppointments: book on the public API, the documents to bring, the
// masked phone, look up with and without the phone, reschedule, check in at
// the kiosk for an appointment ticket that the counter calls first, and the
// report figures.
func TestAPIAppointments(t *testing.T) {
	e := apiNewServerWith(t, apiSetup{KeepHours: true})
	kiosk := e.kiosk()
	manager := e.login("manager", 0)

	r := e.do("GET", "/api/v1/appointments/services", apiAnon, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("services: %d %s", r.Status, r.Body)
	}
	var svcs struct {
		HorizonDays int    `json:"horizon_days"`
		Today       string `json:"today"`
		Services    []struct {
			Prefix string `json:"prefix"`
		} `json:"services"`
	}
	r.JSON(t, &svcs)
	if svcs.HorizonDays != 7 || svcs.Today != "2026-11-23" || len(svcs.Services) != 6 {
		t.Fatalf("services %s", r.Body)
	}

	r = e.do("GET", "/api/v1/appointments/slots?service=B&day=2026-11-23", apiAnon, nil)
	var slots struct {
		Slots []struct {
			Slot      string `json:"slot"`
			Available int    `json:"available"`
		} `json:"slots"`
	}
	r.JSON(t, &slots)
	if r.Status != 200 || len(slots.Slots) == 0 || slots.Slots[0].Slot != "10:30" || slots.Slots[0].Available != 2 {
		t.Fatalf("today's B slots at 10:00: %d %s", r.Status, r.Body)
	}

	r = e.do("POST", "/api/v1/appointments", apiAnon, map[string]string{"service": "B", "day": "2026-11-23", "slot": "10:30", "phone": "13812345678", "item": ""})
	if r.Status != http.StatusCreated {
		t.Fatalf("book: %d %s", r.Status, r.Body)
	}
	var a apiAppt
	r.JSON(t, &a)
	if len(a.Code) != 8 || a.Phone != "138****5678" || a.Status != "booked" || a.Documents == nil {
		t.Errorf("booking %s", r.Body)
	}

	// Look-ups: the public needs the phone; a clerk does not.
	apiCheckError(t, e.do("GET", "/api/v1/appointments/"+a.Code, apiAnon, nil), 404, queue.ENOTFOUND)
	apiCheckError(t, e.do("GET", "/api/v1/appointments/"+a.Code+"?phone=13800000000", apiAnon, nil), 404, queue.ENOTFOUND)
	if r := e.do("GET", "/api/v1/appointments/"+a.Code+"?phone=13812345678", apiAnon, nil); r.Status != 200 {
		t.Errorf("look-up with the phone: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/api/v1/appointments/"+a.Code, manager, nil); r.Status != 200 {
		t.Errorf("manager look-up: %d %s", r.Status, r.Body)
	}

	// Bad requests change nothing.
	apiCheckError(t, e.raw("POST", "/api/v1/appointments", apiAnon, "application/json", []byte(`{"service":"B","bogus":1}`)), 400, queue.EBADREQUEST)
	apiCheckError(t, e.do("POST", "/api/v1/appointments", apiAnon, map[string]string{"service": "Q", "day": "2026-11-24", "slot": "09:00", "phone": "13812345679"}), 422, queue.EINVALID)
	apiCheckError(t, e.do("GET", "/api/v1/appointments/slots?service=B&day=2027-01-01", apiAnon, nil), 422, queue.EINVALID)

	// Reschedule to 11:00 and back is refused when 11:00 is full.
	for _, p := range []string{"13900000001", "13900000002"} {
		if r := e.do("POST", "/api/v1/appointments", manager, map[string]string{"service": "B", "day": "2026-11-23", "slot": "11:00", "phone": p}); r.Status != 201 {
			t.Fatalf("fill 11:00: %d %s", r.Status, r.Body)
		}
	}
	apiCheckError(t, e.do("POST", "/api/v1/appointments/"+a.Code+"/reschedule", apiAnon, map[string]string{"phone": "13812345678", "day": "2026-11-23", "slot": "11:00"}), 409, queue.ECONFLICT)
	r = e.do("POST", "/api/v1/appointments/"+a.Code+"/reschedule", apiAnon, map[string]string{"phone": "13812345678", "day": "2026-11-23", "slot": "11:30"})
	if r.Status != 200 {
		t.Fatalf("reschedule: %d %s", r.Status, r.Body)
	}

	// Check-in: early, then inside the window.
	e.clock.Set(time.Date(2026, 11, 23, 11, 0, 0, 0, apiLoc))
	r = e.do("POST", "/api/v1/appointments/check-in", kiosk, map[string]string{"code": a.Code})
	if m := r.Map(t); r.Status != 200 || m["outcome"] != "early" || !strings.Contains(m["message"].(string), "11:15") {
		t.Fatalf("early check-in: %d %s", r.Status, r.Body)
	}
	walk := e.issue("B", "normal", "")
	e.clock.Set(time.Date(2026, 11, 23, 11, 20, 0, 0, apiLoc))
	// By phone, the last digits of the code are needed too; the answer has no name.
	apiCheckError(t, e.do("POST", "/api/v1/appointments/check-in", kiosk, map[string]string{"phone": "13812345678"}), 422, queue.EINVALID)
	wrong := "0000"
	if strings.HasSuffix(a.Code, wrong) {
		wrong = "1111"
	}
	apiCheckError(t, e.do("POST", "/api/v1/appointments/check-in", kiosk, map[string]string{"phone": "13812345678", "code_part": wrong}), 404, queue.ENOTFOUND)
	r = e.do("POST", "/api/v1/appointments/check-in", kiosk, map[string]string{"phone": "13812345678", "code_part": a.Code[len(a.Code)-4:]})
	var ci struct {
		Outcome string    `json:"outcome"`
		Ticket  apiTicket `json:"ticket"`
	}
	r.JSON(t, &ci)
	if r.Status != http.StatusCreated || ci.Outcome != "ticket" || ci.Ticket.Priority != "appointment" || ci.Ticket.Tracking == "" || ci.Ticket.Phone != "138****5678" {
		t.Fatalf("check-in: %d %s", r.Status, r.Body)
	}
	apiCheckError(t, e.do("POST", "/api/v1/appointments/check-in", kiosk, map[string]string{"code": a.Code}), 409, queue.ECONFLICT)
	apiCheckError(t, e.do("POST", "/api/v1/appointments/check-in", e.device("display", 0), map[string]string{"code": a.Code}), 403, queue.EFORBIDDEN)
	if r := e.do("GET", "/api/v1/track/"+ci.Ticket.Tracking, apiAnon, nil); r.Status != 200 {
		t.Errorf("track the appointment ticket: %d %s", r.Status, r.Body)
	}

	// At 11:30 the appointment is due and goes before the earlier walk-in.
	e.clock.Set(time.Date(2026, 11, 23, 11, 30, 0, 0, apiLoc))
	clerk := e.login("clerk3", 3)
	got := e.actTicket(clerk, 3, "call", nil)
	if got.ID != ci.Ticket.ID {
		t.Errorf("counter 3 called %s, want the appointment %s before walk-in %s", got.Number, ci.Ticket.Number, walk.Number)
	}

	r = e.do("GET", "/api/v1/appointments?day=2026-11-23", clerk, nil)
	if r.Status != 200 || strings.Contains(string(r.Body), "13812345678") || !strings.Contains(string(r.Body), "138****5678") {
		t.Errorf("day list: %d %s", r.Status, r.Body)
	}
	apiCheckError(t, e.do("GET", "/api/v1/appointments?day=2026-11-23", apiAnon, nil), 401, queue.EUNAUTHORIZED)

	r = e.do("GET", "/api/v1/reports/appointments?from=2026-11-23&to=2026-11-23", manager, nil)
	var f struct {
		Booked, CheckedIn, Pending int
		Appt                       int `json:"appointment_tickets"`
	}
	r.JSON(t, &f)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"booked":3`) || !strings.Contains(string(r.Body), `"checked_in":1`) || f.Appt != 1 {
		t.Errorf("report: %d %s", r.Status, r.Body)
	}
	apiCheckError(t, e.do("GET", "/api/v1/reports/appointments?from=2026-11-23&to=2026-11-23", clerk, nil), 403, queue.EFORBIDDEN)
}

// TestAPIAppointmentSettings: managers read and change the settings; bad
// values are refused and change nothing; clerks may not.
func TestAPIAppointmentSettings(t *testing.T) {
	e := apiNewServerWith(t, apiSetup{KeepHours: true})
	manager := e.login("manager", 0)
	r := e.do("GET", "/api/v1/appointments/settings", manager, nil)
	m := r.Map(t)
	if r.Status != 200 || m["early_minutes"].(float64) != 15 || m["late_minutes"].(float64) != 10 {
		t.Fatalf("settings: %d %s", r.Status, r.Body)
	}
	body := map[string]any{"horizon_days": 3, "early_minutes": 20, "late_minutes": 5, "phone_limit": 1,
		"hours": map[string]string{"open": "09:00", "close": "17:00"},
		"plans": []map[string]any{{"service": "B", "slot_minutes": 60, "capacity": 1}}}
	if r := e.do("PUT", "/api/v1/appointments/settings", manager, body); r.Status != 200 {
		t.Fatalf("put settings: %d %s", r.Status, r.Body)
	}
	body["horizon_days"] = 400
	apiCheckError(t, e.do("PUT", "/api/v1/appointments/settings", manager, body), 422, queue.EINVALID)
	apiCheckError(t, e.do("PUT", "/api/v1/appointments/settings", e.login("clerk1", 1), body), 403, queue.EFORBIDDEN)
	r = e.do("GET", "/api/v1/appointments/services", apiAnon, nil)
	if !strings.Contains(string(r.Body), `"horizon_days":3`) || strings.Contains(string(r.Body), `"prefix":"A"`) {
		t.Errorf("services after the change: %s", r.Body)
	}
	apiCheckError(t, e.do("GET", "/api/v1/appointments/slots?service=A&day=2026-11-24", apiAnon, nil), 422, queue.EINVALID)

	// One place per hour-long slot (from the 08:30 opening): of 8 concurrent
	// bookings of 08:30 exactly one wins.
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.do("POST", "/api/v1/appointments", apiAnon, map[string]string{"service": "B", "day": "2026-11-24", "slot": "08:30", "phone": "1390000000" + string(rune('0'+i))})
			mu.Lock()
			statuses[r.Status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if statuses[201] != 1 || statuses[409] != 7 {
		t.Errorf("8 bookings of one place: %v", statuses)
	}
}
