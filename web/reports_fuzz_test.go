package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"hallq/hall"
	"hallq/hall/config"
	"hallq/internal/halltest"
	"hallq/queue"
	"hallq/report"
	"hallq/web"
)

// fuzzManager opens a demo hall behind a web server for a fuzz target and
// returns its app and the manager's session cookie.
func fuzzManager(f *testing.F) (*fiber.App, *http.Cookie) {
	f.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := hall.Open(hall.Options{Dir: f.TempDir(), Logger: log, AlwaysOpen: true})
	if err != nil {
		f.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := halltest.Accounts(h).SeedDemo(ctx); err != nil {
		f.Fatal(err)
	}
	srv := web.New(h, web.Options{Logger: log})
	done := make(chan struct{})
	go func() { srv.Hub().Run(ctx); close(done) }()
	f.Cleanup(func() {
		cancel()
		<-done
		h.Close()
	})
	req := httptest.NewRequest("POST", "/api/v1/login", strings.NewReader(`{"user":"manager","password":"manager-demo"}`))
	req.Header.Set("Content-Type", "application/json")
	res, err := srv.App().Test(req, -1)
	if err != nil || res.StatusCode != http.StatusOK {
		f.Fatalf("manager login: %v %v", res, err)
	}
	for _, c := range res.Cookies() {
		if c.Name == web.SessionCookie {
			return srv.App(), c
		}
	}
	f.Fatal("manager login: no session cookie")
	return nil, nil
}

// fuzzGet sends GET path as the manager and returns the status and body.
func fuzzGet(t *testing.T, app *fiber.App, cookie *http.Cookie, path string) (int, []byte) {
	req := httptest.NewRequest("GET", path, nil)
	req.AddCookie(cookie)
	res, err := app.Test(req, -1)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return res.StatusCode, b
}

// fuzzCheckRefusal checks a 4xx answer: {"error":{"code","message"}} with
// the expected code, a "中文 / English" message, no Go error text.
func fuzzCheckRefusal(t *testing.T, path string, status int, body []byte, code string) {
	t.Helper()
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("GET %s: %d, body is no error object: %s", path, status, body)
	}
	if e.Error.Code != code {
		t.Fatalf("GET %s: %d code %q, want %q (%s)", path, status, e.Error.Code, code, body)
	}
	if !strings.Contains(e.Error.Message, "/ ") || e.Error.Message[0] < 0x80 {
		t.Fatalf("GET %s: message %q is not \"中文 / English\"", path, e.Error.Message)
	}
	for _, leak := range apiLeaks {
		if strings.Contains(e.Error.Message, leak) {
			t.Fatalf("GET %s: message leaks %q: %s", path, leak, e.Error.Message)
		}
	}
}

// reportParamsOK is what the report routes should accept, written
// independently of report.Params.Validate: two dates YYYY-MM-DD in order
// at most report.MaxDays apart, a known service or none, a slot of 15 or
// 30 minutes (0 or absent: 30), a goal strictly between 0 and 1 (0 or
// absent: 0.8).
func reportParamsOK(from, to, service, slot, goal string) (missing, ok bool) {
	if from == "" || to == "" {
		return true, false
	}
	f, err1 := time.Parse(time.DateOnly, from)
	tt, err2 := time.Parse(time.DateOnly, to)
	if err1 != nil || err2 != nil || tt.Before(f) || tt.Sub(f) > report.MaxDays*24*time.Hour {
		return false, false
	}
	if service = strings.ToUpper(service); service != "" && !slices.ContainsFunc(config.Default().Services, func(s queue.Service) bool { return s.Prefix == service }) {
		return false, false
	}
	if slot != "" {
		n, err := strconv.Atoi(slot)
		if err != nil || (n != 0 && n != 15 && n != 30) {
			return false, false
		}
	}
	if goal != "" {
		g, err := strconv.ParseFloat(goal, 64)
		if err != nil || (g != 0 && !(g > 0 && g < 1)) {
			return false, false
		}
	}
	return false, true
}

// FuzzReportParams: GET /api/v1/reports/peak with any from, to, service,
// slot and goal never panics nor answers 5xx; bad values are refused with
// 422 invalid, missing dates with 400 bad_request, each with a clear
// message; good ones are answered 200 with a report of exactly the range,
// service, slot and goal asked for.
// fuzzMaxURL is the longest URL the fuzz targets send: with the request
// line and the headers it stays within fasthttp's 4 KB read buffer.
const fuzzMaxURL = 3000

func FuzzReportParams(f *testing.F) {
	for _, s := range [][5]string{
		{"2026-11-01", "2026-11-23", "", "", ""}, {"2026-11-23", "2026-11-23", "a", "15", "0.9"},
		{"2026-11-23", "2026-11-01", "", "", ""}, {"2026-02-30", "2026-03-01", "", "", ""},
		{"2016-01-01", "2026-02-17", "B", "30", "0.5"}, {"2016-01-01", "2026-02-18", "", "", ""},
		{"", "2026-11-23", "", "", ""}, {"2026-11-23", "", "", "", ""}, {"2026-1-1", "2026-01-02", "", "", ""},
		{"2026-11-01", "2026-11-02", "Q", "", ""}, {"2026-11-01", "2026-11-02", "", "20", ""},
		{"2026-11-01", "2026-11-02", "", "+15", "1"}, {"2026-11-01", "2026-11-02", "", "x", "-0.1"},
		{"2026-11-01", "2026-11-02", "", "", "NaN"}, {"2026-11-01", "2026-11-02", "", "", "Inf"},
		{"2026-11-01", "2026-11-02", "", "", "1e-300"}, {"0000-01-01", "0000-01-02", "", "", ""},
		{"9999-12-31", "9999-12-31", "", "", ""}, {"2026-11-01T00:00:00Z", "2026-11-02", "", "", ""},
		{"２０２６-11-01", "2026-11-02", "", "", ""}, {"2026-11-01\x00", "2026-11-02", "\xff", "15\n", " 0.5"},
	} {
		f.Add(s[0], s[1], s[2], s[3], s[4])
	}
	app, cookie := fuzzManager(f)
	f.Fuzz(func(t *testing.T, from, to, service, slot, goal string) {
		q := url.Values{}
		for k, v := range map[string]string{"from": from, "to": to, "service": service, "slot": slot, "goal": goal} {
			if v != "" {
				q.Set(k, v)
			}
		}
		path := "/api/v1/reports/peak?" + q.Encode()
		if len(path) > fuzzMaxURL {
			// fasthttp refuses a request whose headers outgrow its 4 KB read
			// buffer (431) before any handler runs; app.Test reports that
			// as an error instead of an answer.
			t.Skipf("a %d-byte URL never reaches the handler", len(path))
		}
		status, body := fuzzGet(t, app, cookie, path)
		missing, ok := reportParamsOK(from, to, service, slot, goal)
		switch {
		case ok:
			if status != http.StatusOK {
				t.Fatalf("GET %s: %d %s, want 200", path, status, body)
			}
			var r report.Report
			if err := json.Unmarshal(body, &r); err != nil {
				t.Fatalf("GET %s: report is not JSON: %v", path, err)
			}
			if r.From != from || r.To != to || r.Service != strings.ToUpper(service) ||
				(r.SlotMinutes != 15 && r.SlotMinutes != 30) || !(r.Goal > 0 && r.Goal < 1) {
				t.Fatalf("GET %s: report of %s..%s service %q slot %d goal %v", path, r.From, r.To, r.Service, r.SlotMinutes, r.Goal)
			}
		case missing:
			if status != http.StatusBadRequest {
				t.Fatalf("GET %s: %d %s, want 400", path, status, body)
			}
			fuzzCheckRefusal(t, path, status, body, "bad_request")
		default:
			if status != http.StatusUnprocessableEntity {
				t.Fatalf("GET %s: %d %s, want 422", path, status, body)
			}
			fuzzCheckRefusal(t, path, status, body, "invalid")
		}
	})
}
