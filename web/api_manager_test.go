package web_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"hallq/web"
)

// TestManagerConfigRefusals: every bad change is a 422 with a message that
// names the fault, and changes nothing (no event, same queue).
func TestManagerConfigRefusals(t *testing.T) {
	e := apiNewServer(t)
	mgr := e.login("manager", 0)
	cases := []struct {
		name   string
		method string
		path   string
		body   any
		msg    string
	}{
		{"bad prefix", "POST", "/api/v1/config/services", map[string]any{"prefix": "AB", "name_zh": "新业务"}, "one letter"},
		{"lower-case prefix", "POST", "/api/v1/config/services", map[string]any{"prefix": "g", "name_zh": "新业务"}, "one letter"},
		{"duplicate prefix", "POST", "/api/v1/config/services", map[string]any{"prefix": "A", "name_zh": "新业务"}, "duplicate service prefix"},
		{"service without a name", "POST", "/api/v1/config/services", map[string]any{"prefix": "G"}, "has no name"},
		{"negative target", "PUT", "/api/v1/config/services/A", map[string]any{"name_zh": "电费缴纳", "target_wait_s": -60}, "negative"},
		{"duplicate counter number", "POST", "/api/v1/config/counters", map[string]any{"number": 1, "services": []string{"A"}}, "duplicate counter number"},
		{"counter with no service", "POST", "/api/v1/config/counters", map[string]any{"number": 12, "services": []string{}}, "serves no service"},
		{"counter with an unknown service", "PUT", "/api/v1/config/counters/1", map[string]any{"services": []string{"A", "Q"}}, "unknown service"},
		{"counter hours reversed", "PUT", "/api/v1/config/counters/1", map[string]any{"services": []string{"A"}, "hours": map[string]string{"open": "18:00", "close": "08:00"}}, "open hours"},
		{"notice ending before it starts", "POST", "/api/v1/config/notices", map[string]any{"text_zh": "系统升级", "start": "2026-11-23T12:00", "end": "2026-11-23T11:00"}, "end after it starts"},
		{"notice with a bad time", "POST", "/api/v1/config/notices", map[string]any{"text_zh": "系统升级", "start": "tomorrow", "end": "2026-11-23T11:00"}, "YYYY-MM-DD HH:MM"},
		{"hours closing before opening", "PUT", "/api/v1/config/settings", map[string]any{"name_zh": "营业厅", "hours": map[string]any{"1": map[string]string{"open": "17:00", "close": "08:00"}}}, "weekday 1"},
		{"bad holiday", "PUT", "/api/v1/config/settings", map[string]any{"name_zh": "营业厅", "holidays": []string{"2026-02-30"}}, "YYYY-MM-DD"},
		{"voice volume", "PUT", "/api/v1/config/voice", map[string]any{"repeat": 2, "volume": 120, "lang": "zh"}, "volume"},
		{"device kind", "POST", "/api/v1/devices", map[string]any{"name": "x", "kind": "toaster"}, "kind must be"},
		{"user with a short password", "POST", "/api/v1/users", map[string]any{"name": "clerk9", "password": "short", "role": "clerk"}, "8 characters"},
		{"move to an unknown service", "POST", "/api/v1/tickets/1/move", map[string]any{"service": "Q"}, "unknown service"},
	}
	e.issue("A", "normal", "")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := e.state()
			cfg := e.do("GET", "/api/v1/config", mgr, nil)
			r := e.do(c.method, c.path, mgr, c.body)
			apiCheckError(t, r, http.StatusUnprocessableEntity, "invalid")
			if m := r.Map(t)["error"].(map[string]any)["message"].(string); !strings.Contains(m, c.msg) || !strings.Contains(m, " / ") {
				t.Errorf("message %q, want it bilingual and naming %q", m, c.msg)
			}
			e.unchanged(before, c.name)
			if after := e.do("GET", "/api/v1/config", mgr, nil); string(after.Body) != string(cfg.Body) {
				t.Errorf("the configuration changed:\n%s\n%s", cfg.Body, after.Body)
			}
		})
	}
}

// TestManagerConfigLive: a new service, a counter for it and new hours take
// effect at once for the kiosk and the queue, without a restart.
func TestManagerConfigLive(t *testing.T) {
	e := apiNewServer(t)
	mgr := e.login("manager", 0)
	r := e.do("POST", "/api/v1/config/services", mgr, map[string]any{"prefix": "G", "name_zh": "充电桩报装", "name_en": "EV chargers",
		"target_wait_s": 900, "daily_limit": 50, "documents": []string{"身份证", "车位证明"}})
	if r.Status != http.StatusCreated {
		t.Fatalf("add service: %d %s", r.Status, r.Body)
	}
	if m := r.Map(t); m["prefix"] != "G" || m["rev"].(float64) != 1 || len(m["documents"].([]any)) != 2 {
		t.Errorf("new service %v", m)
	}
	kioskPage := e.do("GET", "/kiosk", e.kiosk(), nil)
	if !strings.Contains(string(kioskPage.Body), "充电桩报装") {
		t.Errorf("the kiosk does not offer the new service")
	}
	tk := e.issue("G", "normal", "")
	if tk.Number != "G001" {
		t.Errorf("ticket %s", tk.Number)
	}
	r = e.do("POST", "/api/v1/config/counters", mgr, map[string]any{"number": 7, "name_zh": "7号窗口", "services": []string{"G", "A"},
		"hours": map[string]string{"open": "09:00", "close": "16:00"}})
	if r.Status != http.StatusCreated {
		t.Fatalf("add counter: %d %s", r.Status, r.Body)
	}
	if r = e.do("POST", "/api/v1/config/counters/7/open", mgr, nil); r.Status != http.StatusOK || r.Map(t)["state"] != "open" {
		t.Fatalf("open counter 7: %d %s", r.Status, r.Body)
	}
	// The manager may call at the new counter, and gets the G ticket.
	if called := e.actTicket(mgr, 7, "call", nil); called.Number != "G001" {
		t.Errorf("counter 7 called %s", called.Number)
	}
	r = e.do("PUT", "/api/v1/config/settings", mgr, map[string]any{"name_zh": "城东供电营业厅", "name_en": "Chengdong hall",
		"hours": map[string]any{"2": map[string]string{"open": "08:30", "close": "17:00"}}, "holidays": []string{"2027-01-01"},
		"starve_after_s": 1800, "recalls_before_no_show": 1, "phone_daily_limit": 3})
	if r.Status != http.StatusOK {
		t.Fatalf("settings: %d %s", r.Status, r.Body)
	}
	// Monday 10:00 is now outside the hours (only Tuesday is open).
	r = e.do("POST", "/api/v1/tickets", e.kiosk(), map[string]any{"service": "A", "priority": "normal"})
	apiCheckError(t, r, http.StatusConflict, "closed")
	page := e.do("GET", "/manager/services", mgr, nil)
	if page.Status != http.StatusOK || !strings.Contains(string(page.Body), "城东供电营业厅") || !strings.Contains(string(page.Body), `data-testid="ctr-form-7"`) {
		t.Errorf("the console does not show the changes: %d", page.Status)
	}
	audit := e.do("GET", "/api/v1/audit?category=config", mgr, nil)
	var entries []map[string]any
	audit.JSON(t, &entries)
	if len(entries) != 3 || entries[0]["what"] != "settings" || entries[2]["what"] != "service G" || entries[1]["actor"] != "user:manager" {
		t.Errorf("audit %v", entries)
	}
}

// TestManagerPairingOnceAndRevoke: a device pairs with its one-time URL once;
// a revoked token stops working with the very next request.
func TestManagerPairingOnceAndRevoke(t *testing.T) {
	e := apiNewServer(t)
	mgr := e.login("manager", 0)
	r := e.do("POST", "/api/v1/devices", mgr, map[string]any{"name": "二号综合屏", "kind": "display"})
	if r.Status != http.StatusCreated {
		t.Fatalf("pairing: %d %s", r.Status, r.Body)
	}
	m := r.Map(t)
	url := m["url"].(string)
	if !strings.Contains(url, web.PairCodePath) || !strings.HasPrefix(m["qr"].(string), "data:image/png;base64,") {
		t.Fatalf("pairing answer %v", m)
	}
	path := url[strings.Index(url, web.PairCodePath):]
	first := e.do("GET", path, apiAnon, nil)
	if first.Status != http.StatusSeeOther || first.Header.Get("Location") != "/display" {
		t.Fatalf("first visit: %d %s", first.Status, first.Header.Get("Location"))
	}
	var token string
	for _, c := range first.Header.Values("Set-Cookie") {
		if v, ok := strings.CutPrefix(c, web.DeviceCookie+"="); ok {
			token, _, _ = strings.Cut(v, ";")
		}
	}
	if token == "" {
		t.Fatal("no device cookie")
	}
	if again := e.do("GET", path, apiAnon, nil); again.Status != http.StatusNotFound || len(again.Header.Values("Set-Cookie")) != 0 {
		t.Errorf("second visit: %d, cookies %v", again.Status, again.Header.Values("Set-Cookie"))
	}
	dev := apiCred{Name: "paired display", DeviceCookie: token}
	if me := e.do("GET", "/api/v1/me", dev, nil); me.Status != http.StatusOK || me.Map(t)["role"] != "display" {
		t.Fatalf("paired display: %d %s", me.Status, me.Body)
	}
	var list struct {
		Devices []struct {
			ID      string `json:"id"`
			Name    string `json:"name"`
			Revoked bool   `json:"revoked"`
		} `json:"devices"`
	}
	e.do("GET", "/api/v1/devices", mgr, nil).JSON(t, &list)
	id := ""
	for _, d := range list.Devices {
		if d.Name == "二号综合屏" {
			id = d.ID
		}
	}
	if id == "" {
		t.Fatalf("device not listed: %+v", list)
	}
	if r := e.do("POST", "/api/v1/devices/"+id+"/revoke", mgr, nil); r.Status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	apiCheckError(t, e.do("GET", "/api/v1/me", dev, nil), http.StatusUnauthorized, "unauthorized")
	apiCheckError(t, e.do("GET", "/api/v1/queue", apiCred{Name: "revoked bearer", Bearer: token}, nil), http.StatusUnauthorized, "unauthorized")
	if p := e.do("GET", "/display", dev, nil); p.Status != http.StatusUnauthorized {
		t.Errorf("revoked display page: %d", p.Status)
	}
}

// TestManagerStaff: a manager creates a clerk, resets a password (the
// clerk's sessions end), and only admins touch admin accounts.
func TestManagerStaff(t *testing.T) {
	e := apiNewServer(t)
	mgr := e.login("manager", 0)
	r := e.do("POST", "/api/v1/users", mgr, map[string]any{"name": "clerk9", "password": "clerk9-demo", "role": "clerk", "display": "王九", "staff_no": "0909"})
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	c9 := e.login("clerk9", 0)
	if r := e.do("POST", "/api/v1/users/clerk9/password", mgr, map[string]any{"password": "another-pass"}); r.Status != http.StatusNoContent {
		t.Fatalf("reset: %d %s", r.Status, r.Body)
	}
	apiCheckError(t, e.do("GET", "/api/v1/me", c9, nil), http.StatusUnauthorized, "unauthorized")
	apiCheckError(t, e.do("POST", "/api/v1/users", mgr, map[string]any{"name": "root2", "password": "long-enough", "role": "admin"}), http.StatusForbidden, "forbidden")
	apiCheckError(t, e.do("PUT", "/api/v1/users/admin", mgr, map[string]any{"disabled": true}), http.StatusForbidden, "forbidden")
	apiCheckError(t, e.do("PUT", "/api/v1/users/manager", mgr, map[string]any{"role": "clerk"}), http.StatusUnprocessableEntity, "invalid")
	admin := e.login("admin", 0)
	if r := e.do("PUT", "/api/v1/users/clerk9", admin, map[string]any{"disabled": true}); r.Status != http.StatusOK || r.Map(t)["disabled"] != true {
		t.Fatalf("disable: %d %s", r.Status, r.Body)
	}
	r = e.do("POST", "/api/v1/login", apiAnon, map[string]any{"user": "clerk9", "password": "another-pass"})
	apiCheckError(t, r, http.StatusForbidden, "forbidden")
}

// TestManagerMonitor: the monitor JSON and page, and the manager's actions.
func TestManagerMonitor(t *testing.T) {
	e := apiNewServer(t)
	mgr := e.login("manager", 0)
	a1 := e.issue("A", "normal", "13812345678")
	a2 := e.issue("A", "normal", "")
	var m struct {
		Seq      uint64 `json:"seq"`
		Snapshot struct {
			Services []struct {
				Prefix  string `json:"prefix"`
				Waiting int    `json:"waiting"`
			} `json:"services"`
		} `json:"snapshot"`
		Totals map[string]float64 `json:"totals"`
		Alerts []any              `json:"alerts"`
	}
	e.do("GET", "/api/v1/monitor", mgr, nil).JSON(t, &m)
	if m.Totals["issued"] != 2 || m.Totals["waiting"] != 2 || m.Snapshot.Services[0].Waiting != 2 || m.Alerts == nil || m.Seq == 0 {
		t.Errorf("monitor %+v", m)
	}
	w := e.do("GET", "/api/v1/monitor/waiting", mgr, nil)
	if strings.Contains(string(w.Body), "13812345678") || !strings.Contains(string(w.Body), a1.Number) {
		t.Errorf("waiting list leaks the phone or misses %s: %s", a1.Number, w.Body)
	}
	r := e.do("POST", fmt.Sprintf("/api/v1/tickets/%d/move", a2.ID), mgr, map[string]any{"service": "B"})
	if r.Status != http.StatusOK || r.Map(t)["service"] != "B" || r.Map(t)["number"] != a2.Number {
		t.Fatalf("move: %d %s", r.Status, r.Body)
	}
	page := e.do("GET", "/manager", mgr, nil)
	body := string(page.Body)
	for _, want := range []string{`data-testid="mg-monitor"`, `data-testid="mon-svc-A"`, `data-testid="wait-` + a1.Number + `"`, `data-testid="mon-ctr-1"`, "manager.js"} {
		if !strings.Contains(body, want) {
			t.Errorf("monitor page lacks %s", want)
		}
	}
	if strings.Contains(body, "13812345678") {
		t.Errorf("the monitor page shows a phone number")
	}
	for _, tab := range []string{"/manager/services", "/manager/hall", "/manager/staff", "/manager/devices", "/manager/audit?q=manager"} {
		if r := e.do("GET", tab, mgr, nil); r.Status != http.StatusOK {
			t.Errorf("%s: %d", tab, r.Status)
		}
		if r := e.do("GET", tab, e.login("clerk1", 1), nil); r.Status != http.StatusForbidden {
			t.Errorf("%s as a clerk: %d", tab, r.Status)
		}
	}
	if r := e.do("GET", "/manager/audit?from=bad", mgr, nil); r.Status != http.StatusOK || !strings.Contains(string(r.Body), `data-testid="audit-error"`) {
		t.Errorf("a bad audit query: %d", r.Status)
	}
}

// TestManagerRoutesAreManagersOnly guards the table: every route of the
// console is for managers and admins alone, but the two every device reads.
func TestManagerRoutesAreManagersOnly(t *testing.T) {
	e := apiNewServer(t)
	shared := map[string]bool{"GET /api/v1/voice": true, "GET /api/v1/notices": true, "GET /pair/code/:code": true}
	n := 0
	for _, r := range e.srv.Routes() {
		key := r.Method + " " + r.Path
		console := false
		for _, p := range []string{"/manager", "/api/v1/config", "/api/v1/monitor", "/api/v1/users", "/api/v1/devices", "/api/v1/audit", "/api/v1/backup"} {
			if strings.HasPrefix(r.Path, p) {
				console = true
			}
		}
		if strings.HasSuffix(r.Path, "/move") || strings.HasSuffix(r.Path, "/cancel") && strings.HasPrefix(r.Path, "/api/v1/tickets/") {
			console = true
		}
		if !console || shared[key] {
			continue
		}
		n++
		if strings.Join(r.Roles, ",") != strings.Join(web.Managers, ",") {
			t.Errorf("%s is for %v, want managers and admins only", key, r.Roles)
		}
	}
	if n < 30 {
		t.Errorf("found %d console routes, want every one (30+)", n)
	}
}

// TestManagerPagesTranslated: no console page shows a raw string key, in
// either language (a missing key renders as itself).
func TestManagerPagesTranslated(t *testing.T) {
	t.Parallel()
	e := apiNewServer(t)
	mgr := e.login("manager", 0)
	e.issue("A", "normal", "")
	script := regexp.MustCompile(`(?s)<script.*?</script>`)
	key := regexp.MustCompile(`\bmg\.[a-z.]+[a-zA-Z]`)
	for _, lang := range []string{"zh", "en"} {
		for _, p := range []string{"/manager", "/manager/services", "/manager/hall", "/manager/staff", "/manager/devices", "/manager/audit"} {
			r := e.do("GET", p+"?lang="+lang, mgr, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("%s: %d", p, r.Status)
			}
			if m := key.FindAllString(script.ReplaceAllString(string(r.Body), ""), -1); len(m) > 0 {
				t.Errorf("%s?lang=%s shows keys %v", p, lang, m)
			}
		}
	}
}
