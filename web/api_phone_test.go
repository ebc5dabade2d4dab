package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"hallq/web"
)

// TestAPIPhoneTicketFlow: a phone takes a ticket (off → refused; per-phone
// limit; the phone gets its cookie and a tracking URL, nothing personal),
// the kiosk checks it in by code, the door QR checks in the phone that
// holds the cookie, and the console's settings form keeps the overrides.
func TestAPIPhoneTicketFlow(t *testing.T) {
	e := apiNewServer(t)
	mgr := e.login("manager", 0)
	req := map[string]any{"service": "A", "phone": "13800138000"}
	apiCheckError(t, e.do("POST", "/api/v1/remote/tickets", apiAnon, req), http.StatusConflict, "closed")

	r := e.do("PUT", "/api/v1/config/phone", mgr, map[string]any{"remote_tickets": true, "remote_grace_s": 1200})
	if r.Status != http.StatusOK {
		t.Fatalf("phone settings: %d %s", r.Status, r.Body)
	}
	r = e.do("PUT", "/api/v1/config/overrides", mgr, map[string]any{"text": "2026-12-31 08:30-12:00 年终盘点\n2027-01-01 休息 元旦"})
	if r.Status != http.StatusOK {
		t.Fatalf("overrides: %d %s", r.Status, r.Body)
	}
	apiCheckError(t, e.do("PUT", "/api/v1/config/overrides", mgr, map[string]any{"text": "2026-12-31 9-8"}), http.StatusUnprocessableEntity, "invalid")
	// The old settings form, which knows nothing of the new keys, keeps them.
	cfg := e.do("GET", "/api/v1/config", mgr, nil).Map(t)["settings"].(map[string]any)
	delete(cfg, "overrides")
	delete(cfg, "remote_tickets")
	delete(cfg, "remote_grace_s")
	if r := e.do("PUT", "/api/v1/config/settings", mgr, cfg); r.Status != http.StatusOK {
		t.Fatalf("settings: %d %s", r.Status, r.Body)
	}
	set := e.do("GET", "/api/v1/config", mgr, nil).Map(t)["settings"].(map[string]any)
	if set["remote_tickets"] != true || set["remote_grace_s"] != float64(1200) || len(set["overrides"].(map[string]any)) != 2 {
		t.Fatalf("settings after the old form: %v", set)
	}

	r = e.do("POST", "/api/v1/remote/tickets", apiAnon, req)
	if r.Status != http.StatusCreated {
		t.Fatalf("remote ticket: %d %s", r.Status, r.Body)
	}
	tk := r.Map(t)
	code, _ := tk["tracking"].(string)
	if tk["remote"] != true || tk["phone"] != nil || tk["arrived_at"] != nil || tk["track_url"] != "/t/"+code || code == "" {
		t.Fatalf("ticket = %v", tk)
	}
	if c := r.Header.Get("Set-Cookie"); !strings.Contains(c, web.RemoteCookie+"="+code) || !strings.Contains(strings.ToLower(c), "httponly") {
		t.Fatalf("cookie = %q", c)
	}
	// The per-phone limit of the default hall (3) is the kiosk's; then the
	// per-address limit (5 requests in 10 minutes) stops the address.
	for i := 0; i < 2; i++ {
		if r := e.do("POST", "/api/v1/remote/tickets", apiAnon, req); r.Status != http.StatusCreated {
			t.Fatalf("ticket %d: %d %s", i+2, r.Status, r.Body)
		}
	}
	apiCheckError(t, e.do("POST", "/api/v1/remote/tickets", apiAnon, req), http.StatusConflict, "limit")
	apiCheckError(t, e.do("POST", "/api/v1/remote/tickets", apiAnon, map[string]any{"service": "B", "phone": "13900139000"}), http.StatusTooManyRequests, "rate_limited")
	e.clock.Add(10 * time.Minute)

	// The kiosk checks the ticket in by its code, typed in lower case with spaces.
	typed := strings.ToLower(code[:4] + " " + code[4:])
	r = e.do("POST", "/api/v1/arrivals", e.kiosk(), map[string]any{"code": typed})
	if r.Status != http.StatusOK {
		t.Fatalf("arrival: %d %s", r.Status, r.Body)
	}
	if m := r.Map(t); m["changed"] != true || m["ticket"].(map[string]any)["arrived_at"] == nil {
		t.Fatalf("arrival = %v", m)
	}
	apiCheckError(t, e.do("POST", "/api/v1/arrivals", e.kiosk(), map[string]any{"code": "NOPE"}), http.StatusUnprocessableEntity, "invalid")
	apiCheckError(t, e.do("POST", "/api/v1/arrivals", apiAnon, map[string]any{"code": code}), http.StatusUnauthorized, "unauthorized")

	// The door QR: a wrong key is not found; the right one checks in the
	// phone holding the cookie of a second ticket.
	r = e.do("POST", "/api/v1/remote/tickets", apiAnon, map[string]any{"service": "B", "phone": "13900139000"})
	code2 := r.Map(t)["tracking"].(string)
	key, ok := e.feat.Remote.DoorKey() // made when phone tickets were switched on
	if !ok {
		t.Fatal("phone tickets are on but the hall has no door key")
	}
	get := func(path, cookie string) *http.Response {
		q := httptest.NewRequest("GET", path, nil)
		if cookie != "" {
			q.Header.Set("Cookie", web.RemoteCookie+"="+cookie)
		}
		res, err := e.app.Test(q, -1)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := get("/arrive/WRONGKEY", code2); res.StatusCode != http.StatusNotFound {
		t.Fatalf("wrong door key: %d", res.StatusCode)
	}
	if res := get("/arrive/"+key, ""); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/m?door=") {
		t.Fatalf("door without a ticket: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res := get("/arrive/"+key, code2); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/t/"+code2+"?arrived=1" {
		t.Fatalf("door with a ticket: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	tk2, err := e.hall.Track(code2)
	if err != nil || tk2.ArrivedAt == nil {
		t.Fatalf("door check-in did not stick: %+v %v", tk2, err)
	}
	// A ticket taken from the door's QR is checked in at once.
	e.clock.Add(10 * time.Minute)
	r = e.do("POST", "/api/v1/remote/tickets", apiAnon, map[string]any{"service": "C", "phone": "13700137000", "door": key})
	if m := r.Map(t); r.Status != http.StatusCreated || m["arrived_at"] == nil {
		t.Fatalf("door ticket: %d %v", r.Status, m)
	}
}

// TestAPICalendarImport: one click imports the official year; the
// report names its 调休 working days.
func TestAPICalendarImport(t *testing.T) {
	e := apiNewServerWith(t, apiSetup{KeepHours: true})
	mgr := e.login("manager", 0)
	apiCheckError(t, e.do("POST", "/api/v1/config/overrides/import", mgr, map[string]any{"year": 1900}), http.StatusUnprocessableEntity, "invalid")
	r := e.do("POST", "/api/v1/config/overrides/import", mgr, map[string]any{"year": 2026})
	if r.Status != http.StatusOK {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	m := r.Map(t)
	o := m["settings"].(map[string]any)["overrides"].(map[string]any)
	if m["added"].(float64) < 20 || o["2026-10-01"].(map[string]any)["closed"] != true || o["2026-01-04"].(map[string]any)["workday"] != true {
		t.Fatalf("import = %v", m)
	}
	rep := e.do("GET", "/api/v1/reports/peak?from=2026-01-01&to=2026-01-31", mgr, nil).Map(t)
	days, _ := rep["calendar_days"].([]any)
	found := false
	for _, d := range days {
		if dm := d.(map[string]any); dm["date"] == "2026-01-04" && dm["kind"] == "workday" && dm["weekday"] == float64(7) {
			found = true
		}
	}
	if !found {
		t.Fatalf("report calendar_days = %v", days)
	}
}
