package web_test

// Shared helpers of the API and role tests. Every name starts with "api" so
// that the hub, websocket and page tests of package web_test can define their
// own helpers beside these.

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"hallq/account"
	"hallq/casework"
	"hallq/catalogsync"
	"hallq/console"
	"hallq/hall"
	"hallq/hall/config"
	"hallq/health"
	"hallq/internal/halltest"
	"hallq/printing"
	"hallq/queue"
	"hallq/remote"
	"hallq/web"
)

// apiLoc is the hall's default time zone.
var apiLoc = func() *time.Location {
	loc, err := time.LoadLocation(queue.DefaultTimeZone)
	if err != nil {
		panic(err)
	}
	return loc
}()

// apiMonday10 is the default test time: Monday 23 November 2026, 10:00 in
// the hall, inside the default opening hours.
var apiMonday10 = time.Date(2026, 11, 23, 10, 0, 0, 0, apiLoc)

// apiClock is an injected clock that tests move by hand. The hall's ticker
// reads it from another goroutine, hence the lock.
type apiClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *apiClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *apiClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *apiClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// apiSetup configures apiNewServerWith.
type apiSetup struct {
	// Config edits the embedded default hall before it is written to
	// hall.json in the data directory (nil: no hall.json, the default hall).
	Config func(c *queue.Config)
	// KeepHours keeps the configured opening hours (AlwaysOpen false).
	KeepHours bool
	// Now is the clock's starting time (zero: apiMonday10).
	Now time.Time
	// Tick is how often the hall looks for the day's end (0: hourly, so
	// that only requests roll the day). See apiEnv.rollTo.
	Tick time.Duration
	// Listen serves on a real 127.0.0.1 port too (e.url), for what
	// app.Test cannot show, such as fasthttp's own 413 for a large body.
	Listen bool
	// BcryptCost is the accounts' bcrypt cost (0: 4, the fastest).
	BcryptCost int
	// FreeSpace replaces statfs for the hall's disk watch (nil: statfs).
	FreeSpace health.FreeSpaceFunc
	// Region, when set, is where the hall pulls the region's catalog.
	Region *catalogsync.Source
}

// apiEnv is one hall behind a web server, with the demo accounts and devices.
type apiEnv struct {
	t     *testing.T
	dir   string
	clock *apiClock
	hall  *hall.Hall
	cw    *casework.Service
	srv   *web.Server
	feat  web.Features // the server's features (web.Options.Features)
	app   *fiber.App
	demo  account.Demo
	url   string // http://127.0.0.1:PORT when apiSetup.Listen
	integ string // the integration token, once made (integration)

	// secMu guards secSeq and secCount: the committed security events up to
	// secSeq, counted once (state reads only the events committed since).
	secMu    sync.Mutex
	secSeq   uint64
	secCount uint64
}

// apiNewServer opens an always-open default hall with the demo accounts and
// devices in a temp dir, at apiMonday10.
func apiNewServer(t *testing.T) *apiEnv {
	t.Helper()
	return apiNewServerWith(t, apiSetup{})
}

// apiNewServerWith is apiNewServer with a custom hall config and clock.
func apiNewServerWith(t *testing.T, s apiSetup) *apiEnv {
	t.Helper()
	dir := t.TempDir()
	if s.Config != nil {
		c := config.Default()
		s.Config(&c)
		raw, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, config.File), raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if s.Now.IsZero() {
		s.Now = apiMonday10
	}
	clock := &apiClock{t: s.Now}
	if s.Tick == 0 {
		s.Tick = time.Hour
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if s.BcryptCost == 0 {
		s.BcryptCost = 4
	}
	h, err := hall.Open(hall.Options{Dir: dir, Now: clock.Now, Logger: log, AlwaysOpen: !s.KeepHours, Tick: s.Tick})
	if err != nil {
		t.Fatalf("open hall: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
		// The full check (pages, checksums, the data's rules) on whatever
		// the test left behind: every state the API makes must pass it.
		if _, err := h.Store().Verify(); err != nil {
			t.Errorf("store check: %v", err)
		}
		if err := h.Close(); err != nil {
			t.Errorf("close hall: %v", err)
		}
	})
	halltest.UseAccounts(h, account.Options{BcryptCost: s.BcryptCost}) // the demo's hashes at the setup's cost
	demo, err := halltest.Accounts(h).SeedDemo(ctx)
	if err != nil {
		served <- nil
		t.Fatalf("seed demo: %v", err)
	}
	cw := casework.New(h) // one casework for the server and the region syncer (one catalog cache)
	wopt := web.Options{Logger: log, Features: web.Features{Casework: cw, Account: account.New(h, account.Options{BcryptCost: s.BcryptCost}), Health: health.New(h, health.Options{FreeSpace: s.FreeSpace})}}
	if s.Region != nil {
		wopt.Catalog = catalogsync.New(cw, *s.Region, log)
	}
	wopt.Features.Printing = printing.New(h, printing.Options{})
	wopt.Features.Remote = remote.New(h) // the tests read its door key (e.feat.Remote)
	srv := web.New(h, wopt)
	url := ""
	if s.Listen {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			served <- nil
			t.Fatal(err)
		}
		url = "http://" + ln.Addr().String()
		go func() { served <- srv.Serve(ctx, ln) }()
	} else {
		go func() { srv.Hub().Run(ctx); served <- nil }()
	}
	return &apiEnv{t: t, dir: dir, clock: clock, hall: h, cw: cw, srv: srv, feat: wopt.Features, app: srv.App(), demo: demo, url: url}
}

// rollTo moves the clock to a later day and waits for the hall's ticker
// (apiSetup.Tick) to roll the queue over, so that the next request is judged
// on its own and not by the day_rolled event it would otherwise commit.
func (e *apiEnv) rollTo(t time.Time) {
	e.t.Helper()
	e.clock.Set(t)
	day := t.In(e.hall.Location()).Format(time.DateOnly)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if snap, _ := e.hall.Snapshot(); snap.Day == day {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("the hall did not roll over to %s", day)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// apiCred is how a request authenticates: a bearer device token, a session
// cookie, a device cookie (as set by pairing), or nothing (anonymous).
type apiCred struct {
	Name         string // for messages
	Bearer       string
	Session      string
	DeviceCookie string
	Lang         string // Accept-Language, when set
}

// apiAnon is the anonymous caller.
var apiAnon = apiCred{Name: "anonymous"}

// device returns the bearer credential of the demo device of kind (at
// counter n for counter screens and keypads).
func (e *apiEnv) device(kind string, n int) apiCred {
	e.t.Helper()
	for _, d := range e.demo.Devices {
		if d.Kind == kind && d.Counter == n {
			return apiCred{Name: fmt.Sprintf("%s device (counter %d)", kind, n), Bearer: d.Token}
		}
	}
	e.t.Fatalf("no demo %s device at counter %d", kind, n)
	return apiCred{}
}

// kiosk returns the demo kiosk's credential.
func (e *apiEnv) kiosk() apiCred { return e.device(hall.KindKiosk, 0) }

// integration returns the bearer credential of an integration token (the
// region's reader of the event log), made on first use.
func (e *apiEnv) integration() apiCred {
	e.t.Helper()
	if e.integ == "" {
		tok, err := halltest.Accounts(e.hall).AddDevice(context.Background(), account.NewDevice{Name: "region", Kind: hall.KindIntegration})
		if err != nil {
			e.t.Fatalf("integration token: %v", err)
		}
		e.integ = tok
	}
	return apiCred{Name: "integration token", Bearer: e.integ}
}

// login signs a demo person in (at counter n when n > 0) through the API and
// returns their session cookie.
func (e *apiEnv) login(user string, counter int) apiCred {
	e.t.Helper()
	r := e.do("POST", "/api/v1/login", apiAnon, map[string]any{"user": user, "password": user + "-demo", "counter": counter})
	if r.Status != http.StatusOK {
		e.t.Fatalf("login %s at %d: %d %s", user, counter, r.Status, r.Body)
	}
	for _, c := range r.Header.Values("Set-Cookie") {
		if v, ok := strings.CutPrefix(c, web.SessionCookie+"="); ok {
			v, _, _ = strings.Cut(v, ";")
			return apiCred{Name: fmt.Sprintf("%s at counter %d", user, counter), Session: v}
		}
	}
	e.t.Fatalf("login %s: no session cookie in %v", user, r.Header.Values("Set-Cookie"))
	return apiCred{}
}

// apiResp is a recorded response.
type apiResp struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test if it is not JSON.
func (r apiResp) JSON(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("response %d is not JSON (%v): %s", r.Status, err, r.Body)
	}
}

// Map decodes a JSON object body.
func (r apiResp) Map(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	r.JSON(t, &m)
	return m
}

// raw sends a request with a raw body and content type through app.Test.
func (e *apiEnv) raw(method, path string, cred apiCred, contentType string, body []byte) apiResp {
	e.t.Helper()
	return e.send(method, path, cred, contentType, body, false)
}

// rawNet is raw over a real connection to e.url (apiSetup.Listen).
func (e *apiEnv) rawNet(method, path string, cred apiCred, contentType string, body []byte) apiResp {
	e.t.Helper()
	if e.url == "" {
		e.t.Fatal("rawNet needs apiSetup{Listen: true}")
	}
	return e.send(method, path, cred, contentType, body, true)
}

func (e *apiEnv) send(method, path string, cred apiCred, contentType string, body []byte, overNet bool) apiResp {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	var req *http.Request
	if overNet {
		var err error
		if req, err = http.NewRequest(method, e.url+path, rd); err != nil {
			e.t.Fatal(err)
		}
	} else {
		req = httptest.NewRequest(method, path, rd)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if cred.Bearer != "" {
		req.Header.Set("Authorization", "Bearer "+cred.Bearer)
	}
	if cred.Session != "" {
		req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: cred.Session})
	}
	if cred.Lang != "" {
		req.Header.Set("Accept-Language", cred.Lang)
	}
	if cred.DeviceCookie != "" {
		req.AddCookie(&http.Cookie{Name: web.DeviceCookie, Value: cred.DeviceCookie})
	}
	var res *http.Response
	var err error
	if overNet {
		res, err = http.DefaultClient.Do(req)
	} else {
		res, err = e.app.Test(req, -1)
	}
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return apiResp{Status: res.StatusCode, Header: res.Header, Body: b}
}

// oversizeNet announces a body of length bytes over the network, sends only
// the headers and reads the answer, as curl does with Expect: 100-continue: a
// server that refuses on the announced length answers before any body is
// sent, so the answer cannot be lost to a reset while the client still writes.
func (e *apiEnv) oversizeNet(path string, cred apiCred, length int) apiResp {
	e.t.Helper()
	if e.url == "" {
		e.t.Fatal("oversizeNet needs apiSetup{Listen: true}")
	}
	host := strings.TrimPrefix(e.url, "http://")
	conn, err := net.DialTimeout("tcp", host, 10*time.Second)
	if err != nil {
		e.t.Fatal(err)
	}
	defer conn.Close()
	var head strings.Builder
	fmt.Fprintf(&head, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n", path, host, length)
	if cred.Bearer != "" {
		fmt.Fprintf(&head, "Authorization: Bearer %s\r\n", cred.Bearer)
	}
	head.WriteString("\r\n")
	if _, err := io.WriteString(conn, head.String()); err != nil {
		e.t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(time.Minute)) // a hang guard only
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		e.t.Fatalf("POST %s with %d bytes announced: %v", path, length, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatalf("POST %s: read body: %v", path, err)
	}
	return apiResp{Status: res.StatusCode, Header: res.Header, Body: b}
}

// do sends a request with v as its JSON body (no body when v is nil).
func (e *apiEnv) do(method, path string, cred apiCred, v any) apiResp {
	e.t.Helper()
	if v == nil {
		return e.raw(method, path, cred, "", nil)
	}
	b, err := json.Marshal(v)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.raw(method, path, cred, "application/json", b)
}

// apiTicket is the JSON of a ticket as the API sends it.
type apiTicket struct {
	ID              uint64     `json:"id"`
	Number          string     `json:"number"`
	Service         string     `json:"service"`
	Priority        string     `json:"priority"`
	Status          string     `json:"status"`
	Phone           string     `json:"phone"`
	Account         string     `json:"account"`
	IssuedAt        time.Time  `json:"issued_at"`
	CalledAt        *time.Time `json:"called_at"`
	StartedAt       *time.Time `json:"started_at"`
	FinishedAt      *time.Time `json:"finished_at"`
	Counter         int        `json:"counter"`
	Clerk           string     `json:"clerk"`
	Recalls         int        `json:"recalls"`
	Postponed       bool       `json:"postponed"`
	TargetCounter   int        `json:"target_counter"`
	TransferredFrom uint64     `json:"transferred_from"`
	TransferredTo   uint64     `json:"transferred_to"`
	Ahead           int        `json:"ahead"`
	EstimatedWaitS  int        `json:"estimated_wait_s"`
	Tracking        string     `json:"tracking"`
}

// issue takes a ticket at the kiosk and fails the test unless it is issued.
func (e *apiEnv) issue(service, priority, phone string) apiTicket {
	e.t.Helper()
	req := map[string]string{"service": service, "priority": priority}
	if phone != "" {
		req["phone"] = phone
	}
	r := e.do("POST", "/api/v1/tickets", e.kiosk(), req)
	if r.Status != http.StatusCreated {
		e.t.Fatalf("issue %s: %d %s", service, r.Status, r.Body)
	}
	var tk apiTicket
	r.JSON(e.t, &tk)
	return tk
}

// act runs a counter action and fails the test unless it answers want.
func (e *apiEnv) act(cred apiCred, n int, action string, body any, want int) apiResp {
	e.t.Helper()
	r := e.do("POST", fmt.Sprintf("/api/v1/counters/%d/%s", n, action), cred, body)
	if r.Status != want {
		e.t.Fatalf("counter %d %s by %s: got %d %s, want %d", n, action, cred.Name, r.Status, r.Body, want)
	}
	return r
}

// actTicket runs a counter action that must answer 200 with a ticket.
func (e *apiEnv) actTicket(cred apiCred, n int, action string, body any) apiTicket {
	e.t.Helper()
	var tk apiTicket
	e.act(cred, n, action, body, http.StatusOK).JSON(e.t, &tk)
	return tk
}

// apiState is what must not change when a request is refused: the committed
// events and the queue as GET /api/v1/queue shows it (to the display, whose
// token does not expire when a test moves the clock). A refusal may leave an
// audit record (a security event: a failed sign-in, a cross-site request),
// which is not a change: those are not counted.
type apiState struct {
	seq   uint64
	queue string
}

func (e *apiEnv) state() apiState {
	e.t.Helper()
	_, seq := e.hall.Snapshot()
	r := e.raw("GET", "/api/v1/queue", e.device(hall.KindDisplay, 0), "", nil)
	if r.Status != http.StatusOK {
		e.t.Fatalf("GET /api/v1/queue: %d %s", r.Status, r.Body)
	}
	// queue.Snapshot orders recent calls by call time alone, so calls made
	// at the same instant of the test clock come in map order: compare them
	// by id, as a set.
	var q map[string]any
	r.JSON(e.t, &q)
	delete(q, "seq")
	seq -= e.securityEvents(seq)
	if recent, ok := q["recent"].([]any); ok {
		slices.SortFunc(recent, func(a, b any) int {
			return cmp.Compare(a.(map[string]any)["id"].(float64), b.(map[string]any)["id"].(float64))
		})
	}
	b, err := json.Marshal(q)
	if err != nil {
		e.t.Fatal(err)
	}
	return apiState{seq: seq, queue: string(b)}
}

// securityEvents is the number of security events (console.EvSecurity: a
// refused login or request is recorded, yet changes nothing of the hall)
// among the committed events up to seq. Only the events committed since the
// last call are read, so a long test's checks do not cost more with each
// event.
func (e *apiEnv) securityEvents(seq uint64) uint64 {
	e.t.Helper()
	e.secMu.Lock()
	defer e.secMu.Unlock()
	if seq < e.secSeq { // a restored or reopened store: count again
		e.secSeq, e.secCount = 0, 0
	}
	for e.secSeq < seq {
		evs, err := e.hall.Events(e.secSeq, int(seq-e.secSeq))
		if err != nil {
			e.t.Fatalf("events: %v", err)
		}
		if len(evs) == 0 {
			break
		}
		for _, ev := range evs {
			if ev.Type == console.EvSecurity {
				e.secCount++
			}
			e.secSeq = ev.Seq
		}
	}
	return e.secCount
}

// unchanged fails the test if the state differs from before.
func (e *apiEnv) unchanged(before apiState, what string) {
	e.t.Helper()
	after := e.state()
	if after.seq != before.seq {
		e.t.Errorf("%s: committed events %d → %d; a refused request must change nothing", what, before.seq, after.seq)
	}
	if after.queue != before.queue {
		e.t.Errorf("%s changed the queue:\nbefore %s\nafter  %s", what, before.queue, after.queue)
	}
}

// apiLeaks are fragments of Go error text that must never reach a client.
var apiLeaks = []string{"json:", "invalid character", "unexpected EOF", "strconv.", "runtime error", "%!", "hallq/", "bbolt", ".go:", "goroutine", "<nil>", "body size exceeds"}

// apiCheckError asserts an error response: the status, the JSON shape
// {"error":{"code","message"}} with nothing else, the code, a message, and no
// Go error text.
func apiCheckError(t *testing.T, r apiResp, status int, code string) {
	t.Helper()
	if r.Status != status {
		t.Errorf("status %d, want %d (body %s)", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error Content-Type %q, want application/json", ct)
	}
	var body map[string]map[string]any
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		t.Fatalf("error body is not {\"error\":{...}}: %v: %s", err, r.Body)
	}
	if len(body) != 1 || body["error"] == nil {
		t.Fatalf("error body %s: want exactly one key \"error\"", r.Body)
	}
	e := body["error"]
	if len(e) != 2 {
		t.Errorf("error object %s: want exactly code and message", r.Body)
	}
	if got, _ := e["code"].(string); got != code {
		t.Errorf("error code %q, want %q (body %s)", got, code, r.Body)
	}
	msg, _ := e["message"].(string)
	if strings.TrimSpace(msg) == "" {
		t.Errorf("error message is empty: %s", r.Body)
	}
	for _, leak := range apiLeaks {
		if strings.Contains(msg, leak) {
			t.Errorf("error message leaks Go error text %q: %s", leak, msg)
		}
	}
}
