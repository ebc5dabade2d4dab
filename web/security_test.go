package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"hallq/hall"
	"hallq/queue"
	"hallq/web"
)

// TestSecurityHeaders: every answer, JSON or page, carries the headers.
func TestSecurityHeaders(t *testing.T) {
	e := apiNewServer(t)
	for _, path := range []string{"/healthz", "/login", "/api/v1/queue", "/no-such-page"} {
		r := e.raw("GET", path, apiAnon, "", nil)
		csp := r.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "script-src 'self' 'unsafe-inline'") ||
			!strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: Content-Security-Policy %q, want own scripts only and no framing", path, csp)
		}
		for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"} {
			if got := r.Header.Get(h); got != want {
				t.Errorf("%s: %s %q, want %q", path, h, got, want)
			}
		}
	}
}

// TestCrossSiteRequestsRefused: a state-changing request a browser sends
// from another site is refused and changes nothing, with the cookie or
// without; the same request from the hall's own pages works.
func TestCrossSiteRequestsRefused(t *testing.T) {
	e := apiNewServer(t)
	e.issue("A", "normal", "")
	clerk := e.login("clerk1", 1)
	send := func(header, value string) apiResp {
		req := httptest.NewRequest("POST", "/api/v1/counters/1/call", nil)
		req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: clerk.Session})
		if header != "" {
			req.Header.Set(header, value)
		}
		res, err := e.app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := res.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return apiResp{Status: res.StatusCode, Header: res.Header, Body: []byte(b.String())}
	}
	before := e.state()
	for _, h := range [][2]string{{"Origin", "http://evil.example"}, {"Origin", "null"}, {"Sec-Fetch-Site", "cross-site"}, {"Sec-Fetch-Site", "same-site"}} {
		apiCheckError(t, send(h[0], h[1]), http.StatusForbidden, queue.EFORBIDDEN)
	}
	e.unchanged(before, "cross-site calls")
	// A login form posted from another site is refused too (login CSRF).
	req := httptest.NewRequest("POST", "/api/v1/login", strings.NewReader(`{"user":"clerk1","password":"clerk1-demo"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "http://evil.example")
	if res, err := e.app.Test(req, -1); err != nil || res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site login: %v %v, want 403", res.StatusCode, err)
	}
	if r := send("Origin", "http://example.com"); r.Status != http.StatusOK {
		t.Errorf("same-origin call: %d %s, want 200", r.Status, r.Body)
	}
	// Past the check, the queue itself answers: counter 1 still has A001.
	if r := send("Sec-Fetch-Site", "same-origin"); r.Status != http.StatusConflict {
		t.Errorf("second same-origin call: %d %s, want the queue's 409", r.Status, r.Body)
	}
}

// TestKioskIssueRateLimit: a kiosk may take its burst of tickets at once,
// then is refused (429) without a ticket being made, and may go on as the
// bucket refills; a clerk issuing for a customer is not limited by it.
func TestKioskIssueRateLimit(t *testing.T) {
	e := apiNewServer(t)
	kiosk := e.kiosk()
	for i := range 30 {
		if r := e.do("POST", "/api/v1/tickets", kiosk, map[string]any{"service": "D"}); r.Status != http.StatusCreated {
			t.Fatalf("ticket %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	before := e.state()
	r := e.do("POST", "/api/v1/tickets", kiosk, map[string]any{"service": "D"})
	apiCheckError(t, r, http.StatusTooManyRequests, queue.ERATELIMIT)
	e.unchanged(before, "rate-limited kiosk")
	clerk := e.login("clerk1", 1)
	if r := e.do("POST", "/api/v1/tickets", clerk, map[string]any{"service": "D"}); r.Status != http.StatusCreated {
		t.Errorf("clerk issuing while the kiosk is limited: %d %s", r.Status, r.Body)
	}
	e.clock.Add(2 * time.Second)
	if r := e.do("POST", "/api/v1/tickets", kiosk, map[string]any{"service": "D"}); r.Status != http.StatusCreated {
		t.Errorf("after the bucket refilled one ticket: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/tickets", kiosk, map[string]any{"service": "D"}); r.Status != http.StatusTooManyRequests {
		t.Errorf("second ticket after one refill: %d, want 429", r.Status)
	}
	var snap struct {
		Services []struct {
			Prefix  string `json:"prefix"`
			Waiting int    `json:"waiting"`
		} `json:"services"`
	}
	e.raw("GET", "/api/v1/queue", e.device(hall.KindDisplay, 0), "", nil).JSON(t, &snap)
	found := false
	for _, s := range snap.Services {
		if s.Prefix == "D" {
			found = true
			if s.Waiting != 32 {
				t.Errorf("D waiting %d, want 32 (30 + clerk's + one after refill)", s.Waiting)
			}
		}
	}
	if !found {
		t.Errorf("no service D in the queue")
	}
}
