package web_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"hallq/account"
	"hallq/console"

	"hallq/hall"
	"hallq/web"
)

// Access tests of docs/security.md: what a route table cannot express.

// TestAPILoginBurstThrottled: 40 simultaneous wrong passwords for one name get
// at most account.LoginFailures password checks (401); the rest are refused
// unchecked (429), and so is the right password after them.
func TestAPILoginBurstThrottled(t *testing.T) {
	t.Parallel()
	// A real cost: a check that takes time is what a burst races past.
	e := apiNewServerWith(t, apiSetup{BcryptCost: 10})
	var mu sync.Mutex
	codes := map[int]int{}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := e.do("POST", "/api/v1/login", apiAnon, map[string]any{"user": "manager", "password": "not-the-password"})
			mu.Lock()
			codes[r.Status]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	if codes[http.StatusUnauthorized] > account.LoginFailures || codes[http.StatusUnauthorized]+codes[http.StatusTooManyRequests] != 40 {
		t.Errorf("40 concurrent wrong passwords answered %v: want at most %d 401s, the rest 429", codes, account.LoginFailures)
	}
	r := e.do("POST", "/api/v1/login", apiAnon, map[string]any{"user": "manager", "password": "manager-demo"})
	apiCheckError(t, r, http.StatusTooManyRequests, "rate_limited")
	// The admin lifts the lock; the manager signs in.
	admin := e.login("admin", 0)
	if r := e.do("POST", "/api/v1/users/manager/unlock", admin, nil); r.Status != http.StatusNoContent {
		t.Fatalf("unlock: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/login", apiAnon, map[string]any{"user": "manager", "password": "manager-demo"}); r.Status != http.StatusOK {
		t.Errorf("after the unlock: %d %s", r.Status, r.Body)
	}
}

// TestAPICrossSiteAudited: a refused cross-site write is in the audit.
func TestAPICrossSiteAudited(t *testing.T) {
	e := apiNewServer(t)
	mgr := e.login("manager", 0)
	r := e.withHeaders("POST", "/api/v1/config/counters/1/close", mgr, map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
	apiCheckError(t, r, http.StatusForbidden, "forbidden")
	var audit []console.AuditEntry
	e.do("GET", "/api/v1/audit?category=security", mgr, nil).JSON(t, &audit)
	found := false
	for _, a := range audit {
		if strings.Contains(a.What, "cross-site POST /api/v1/config/counters/1/close") && a.Actor == "user:manager" {
			found = true
		}
	}
	if !found {
		t.Errorf("the cross-site refusal is not in the audit: %+v", audit)
	}
}

// TestWSCredentialsEnd: revoking a device, demoting or disabling a user and
// resetting a password close that principal's open websockets at once (code
// 1008), and the principal cannot come back where it may no longer go.
func TestWSCredentialsEnd(t *testing.T) {
	e := wsEnv(t)
	admin := e.login("admin", 0)
	for _, u := range []string{"boss2", "boss3"} {
		if r := e.do("POST", "/api/v1/users", admin, map[string]any{"name": u, "password": u + "-password", "role": "manager"}); r.Status != http.StatusCreated && r.Status != http.StatusOK {
			t.Fatalf("create %s: %d %s", u, r.Status, r.Body)
		}
	}
	signIn := func(u, pw string, n int) apiCred {
		r := e.do("POST", "/api/v1/login", apiAnon, map[string]any{"user": u, "password": pw, "counter": n})
		if r.Status != http.StatusOK {
			t.Fatalf("login %s: %d %s", u, r.Status, r.Body)
		}
		for _, ck := range r.Header.Values("Set-Cookie") {
			if v, ok := strings.CutPrefix(ck, "hallq_session="); ok {
				return apiCred{Name: u, Session: v[:strings.IndexByte(v, ';')]}
			}
		}
		t.Fatalf("login %s: no session cookie", u)
		return apiCred{}
	}
	displayID := func() string {
		var list struct {
			Devices []struct{ ID, Name string } `json:"devices"`
		}
		e.do("GET", "/api/v1/devices", admin, nil).JSON(t, &list)
		for _, d := range list.Devices {
			if d.Name == "综合屏" {
				return d.ID
			}
		}
		t.Fatal("no demo display")
		return ""
	}
	cases := []struct {
		name   string
		cred   apiCred
		topic  string
		end    func() apiResp
		status int // what the request that ends the credential answers
		again  int // HTTP status of a new dial afterwards (0: it upgrades)
	}{
		{"revoked display", e.device(hall.KindDisplay, 0), "display",
			func() apiResp { return e.do("POST", "/api/v1/devices/"+displayID()+"/revoke", admin, nil) }, http.StatusNoContent, http.StatusUnauthorized},
		{"demoted manager", signIn("boss2", "boss2-password", 0), "monitor",
			func() apiResp { return e.do("PUT", "/api/v1/users/boss2", admin, map[string]any{"role": "clerk"}) }, http.StatusOK, http.StatusForbidden},
		{"disabled manager", signIn("boss3", "boss3-password", 0), "monitor",
			func() apiResp { return e.do("PUT", "/api/v1/users/boss3", admin, map[string]any{"disabled": true}) }, http.StatusOK, http.StatusUnauthorized},
		{"clerk whose password was reset", signIn("clerk2", "clerk2-demo", 2), "desk/2",
			func() apiResp {
				return e.do("POST", "/api/v1/users/clerk2/password", admin, map[string]any{"password": "a-new-password"})
			}, http.StatusNoContent, http.StatusUnauthorized},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conn := e.wsDial(c.topic, 0, c.cred)
			if f := wsRead(t, conn); f.Type != "snapshot" {
				t.Fatalf("first frame %q, want snapshot", f.Type)
			}
			if r := c.end(); r.Status != c.status {
				t.Fatalf("ending the credential: %d %s", r.Status, r.Body)
			}
			e.wsIssue(1) // a frame the connection must not get
			for {
				f, err := wsTryRead(conn)
				if err != nil {
					var ce *websocket.CloseError
					if !errors.As(err, &ce) || ce.Code != websocket.ClosePolicyViolation {
						t.Errorf("the connection ended with %v, want close 1008 at once", err)
					}
					break
				}
				if strings.Contains(string(f.raw), "ticket_issued") {
					t.Errorf("a frame after the credential ended: %.120s…", f.raw)
				}
			}
			if _, status, err := e.wsTryDial(nil, c.topic, 0, c.cred, ""); err == nil || status != c.again {
				t.Errorf("dial again: %v (HTTP %d), want refused with %d", err, status, c.again)
			}
		})
	}
}

// withHeaders sends a bodiless request with extra headers through app.Test.
func (e *apiEnv) withHeaders(method, path string, cred apiCred, headers map[string]string) apiResp {
	e.t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	if cred.Bearer != "" {
		req.Header.Set("Authorization", "Bearer "+cred.Bearer)
	}
	if cred.Session != "" {
		req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: cred.Session})
	}
	if cred.DeviceCookie != "" {
		req.AddCookie(&http.Cookie{Name: web.DeviceCookie, Value: cred.DeviceCookie})
	}
	res, err := e.app.Test(req, -1)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return apiResp{Status: res.StatusCode, Header: res.Header, Body: b}
}

// TestPairingOnlyByOneTimeCode: a lasting device token in a URL pairs
// nothing; a console pairing code pairs one browser, once, and the device
// cookie carries Secure when the hall is served over HTTPS (here: a proxy's
// X-Forwarded-Proto) and not over plain HTTP.
func TestPairingOnlyByOneTimeCode(t *testing.T) {
	e := apiNewServer(t)
	token := e.device(hall.KindDisplay, 0).Bearer
	r := e.do("GET", "/pair/"+token, apiAnon, nil)
	if r.Status != http.StatusNotFound || strings.Contains(strings.Join(r.Header.Values("Set-Cookie"), ";"), token) {
		t.Errorf("GET /pair/TOKEN answered %d with cookies %v, want 404 and no cookie", r.Status, r.Header.Values("Set-Cookie"))
	}
	mgr := e.login("manager", 0)
	for _, tc := range []struct {
		name   string
		proto  string
		secure bool
	}{{"plain HTTP", "", false}, {"behind an HTTPS proxy", "https", true}} {
		t.Run(tc.name, func(t *testing.T) {
			var ans struct{ URL string }
			e.do("POST", "/api/v1/devices", mgr, map[string]any{"name": "二号综合屏", "kind": "display"}).JSON(t, &ans)
			path := ans.URL[strings.Index(ans.URL, "/pair/code/"):]
			h := map[string]string{}
			if tc.proto != "" {
				h["X-Forwarded-Proto"] = tc.proto
			}
			r := e.withHeaders("GET", path, apiAnon, h)
			cookie := ""
			for _, c := range r.Header.Values("Set-Cookie") {
				if strings.HasPrefix(c, web.DeviceCookie+"=") {
					cookie = c
				}
			}
			if r.Status != http.StatusSeeOther || cookie == "" {
				t.Fatalf("pairing: %d, cookie %q", r.Status, cookie)
			}
			if got := strings.Contains(strings.ToLower(cookie), "; secure"); got != tc.secure {
				t.Errorf("device cookie %q: Secure %v, want %v", cookie, got, tc.secure)
			}
			if again := e.withHeaders("GET", path, apiAnon, h); again.Status != http.StatusNotFound {
				t.Errorf("the code a second time: %d, want 404", again.Status)
			}
		})
	}
}

// TestAPIAppointmentTicketsOnlyByCheckIn: neither a kiosk nor a clerk mints
// an appointment ticket by asking for one (422, nothing changes); check-in
// by code works and its answer carries no name.
func TestAPIAppointmentTicketsOnlyByCheckIn(t *testing.T) {
	e := apiNewServerWith(t, apiSetup{Now: apiMonday10.Add(-time.Minute)})
	clerk := e.login("clerk1", 1)
	before := e.state()
	for _, cred := range []apiCred{e.kiosk(), clerk} {
		r := e.do("POST", "/api/v1/tickets", cred, map[string]any{"service": "A", "priority": "appointment"})
		apiCheckError(t, r, http.StatusUnprocessableEntity, "invalid")
	}
	e.unchanged(before, "asking for an appointment ticket")
	var a struct{ Code string }
	r := e.do("POST", "/api/v1/appointments", apiAnon, map[string]string{"service": "A", "day": "2026-11-23", "slot": "10:00", "phone": "13900000009", "name": "张三丰"})
	if r.Status != http.StatusCreated {
		t.Fatalf("book: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &a)
	e.clock.Add(time.Minute)
	r = e.do("POST", "/api/v1/appointments/check-in", e.kiosk(), map[string]string{"code": a.Code})
	if r.Status != http.StatusCreated || strings.Contains(string(r.Body), "张三丰") || !strings.Contains(string(r.Body), `"priority":"appointment"`) {
		t.Errorf("check-in: %d %s, want an appointment ticket and no name", r.Status, r.Body)
	}
}

// TestAPIPublicEndpointsLimitedPerAddress: one address cannot book a whole
// day nor walk tracking codes: past the burst it gets 429 and nothing is
// booked; a signed-in clerk is not limited.
func TestAPIPublicEndpointsLimitedPerAddress(t *testing.T) {
	e := apiNewServer(t)
	codes := map[int]int{}
	for i := range 28 {
		r := e.do("POST", "/api/v1/appointments", apiAnon, map[string]string{"service": "B", "day": "2026-11-24", "slot": fmt.Sprintf("%02d:%02d", 9+i/4, 30*(i%2)), "phone": fmt.Sprintf("139%08d", i)})
		codes[r.Status]++
	}
	if codes[http.StatusCreated] > 10 || codes[http.StatusTooManyRequests] < 18 {
		t.Errorf("28 bookings from one address answered %v, want at most 10 booked and the rest 429", codes)
	}
	limited := 0
	for i := range 100 {
		if r := e.do("GET", fmt.Sprintf("/api/v1/track/GUESS%07d", i), apiAnon, nil); r.Status == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited < 40 {
		t.Errorf("100 tracking guesses from one address: %d refused, want at least 40", limited)
	}
	clerk := e.login("clerk1", 0)
	if r := e.do("POST", "/api/v1/appointments", clerk, map[string]string{"service": "B", "day": "2026-11-25", "slot": "09:00", "phone": "13700000001"}); r.Status != http.StatusCreated {
		t.Errorf("a clerk's booking after the burst: %d %s", r.Status, r.Body)
	}
}

// TestAPIManagerCannotResetAnotherManagersPassword: setting a password is
// signing in as that person: a manager may for clerks and themselves, only
// an admin for another manager or an admin.
func TestAPIManagerCannotResetAnotherManagersPassword(t *testing.T) {
	e := apiNewServer(t)
	admin := e.login("admin", 0)
	if r := e.do("POST", "/api/v1/users", admin, map[string]any{"name": "boss2", "password": "boss2-password", "role": "manager"}); r.Status >= 300 {
		t.Fatalf("create boss2: %d %s", r.Status, r.Body)
	}
	mgr := e.login("manager", 0)
	for _, name := range []string{"boss2", "admin"} {
		r := e.do("POST", "/api/v1/users/"+name+"/password", mgr, map[string]any{"password": "taken-over-1"})
		apiCheckError(t, r, http.StatusForbidden, "forbidden")
		if r := e.do("POST", "/api/v1/login", apiAnon, map[string]any{"user": name, "password": "taken-over-1"}); r.Status == http.StatusOK {
			t.Errorf("the manager signed in as %s", name)
		}
	}
	for _, name := range []string{"clerk1", "manager"} {
		if r := e.do("POST", "/api/v1/users/"+name+"/password", mgr, map[string]any{"password": "a-new-password"}); r.Status != http.StatusNoContent {
			t.Errorf("the manager resets %s's password: %d %s", name, r.Status, r.Body)
		}
	}
	if r := e.do("POST", "/api/v1/users/boss2/password", admin, map[string]any{"password": "a-new-password"}); r.Status != http.StatusNoContent {
		t.Errorf("the admin resets boss2's password: %d %s", r.Status, r.Body)
	}
}

// TestAPITextRefusesBidiAndControl: a display name with a right-to-left
// override or a line break is refused with 422 and nothing changes.
func TestAPITextRefusesBidiAndControl(t *testing.T) {
	e := apiNewServer(t)
	mgr := e.login("manager", 0)
	for _, s := range []string{"王\u202e丽", "王丽\r\n窗口", "王\x00丽"} {
		r := e.do("PUT", "/api/v1/users/clerk1", mgr, map[string]any{"display": s})
		apiCheckError(t, r, http.StatusUnprocessableEntity, "invalid")
	}
	var users []struct{ Name, Display string }
	e.do("GET", "/api/v1/users", mgr, nil).JSON(t, &users)
	for _, u := range users {
		if u.Name == "clerk1" && u.Display != "王丽" {
			t.Errorf("clerk1's display name is now %q", u.Display)
		}
	}
}

// TestManagerPageOffersRelease: the monitor offers 释放 for a counter a clerk
// holds, and only then.
func TestManagerPageOffersRelease(t *testing.T) {
	e := apiNewServer(t)
	e.login("clerk1", 1)
	page := e.do("GET", "/manager", e.login("manager", 0), nil)
	if body := string(page.Body); page.Status != http.StatusOK || !strings.Contains(body, `data-testid="release-1"`) || strings.Contains(body, `data-testid="release-2"`) {
		t.Errorf("monitor page %d: want a release button for counter 1 only", page.Status)
	}
}
