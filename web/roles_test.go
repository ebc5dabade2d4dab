package web_test

import (
	"fmt"
	"io/fs"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"hallq/account"
	"hallq/assets"
	"hallq/hall"
	"hallq/web"
)

// apiPrincipal is one caller of the role matrix.
type apiPrincipal struct {
	name    string
	role    string // "" for anonymous
	counter int    // the counter a clerk signed in at
	cred    func(e *apiEnv) apiCred
}

// apiPrincipals are the callers every route is tried with. People log in
// afresh for each request, so a logout or a counter change by one request
// cannot spoil the next.
var apiPrincipals = []apiPrincipal{
	{name: "anonymous", cred: func(*apiEnv) apiCred { return apiAnon }},
	{name: "kiosk", role: hall.KindKiosk, cred: func(e *apiEnv) apiCred { return e.device(hall.KindKiosk, 0) }},
	{name: "display", role: hall.KindDisplay, cred: func(e *apiEnv) apiCred { return e.device(hall.KindDisplay, 0) }},
	{name: "counter screen 1", role: hall.KindCounter, cred: func(e *apiEnv) apiCred { return e.device(hall.KindCounter, 1) }},
	{name: "keypad 1", role: hall.KindKeypad, cred: func(e *apiEnv) apiCred { return e.device(hall.KindKeypad, 1) }},
	{name: "clerk at counter 1", role: hall.RoleClerk, counter: 1, cred: func(e *apiEnv) apiCred { return e.login("clerk1", 1) }},
	{name: "clerk at counter 2", role: hall.RoleClerk, counter: 2, cred: func(e *apiEnv) apiCred { return e.login("clerk2", 2) }},
	{name: "manager", role: hall.RoleManager, cred: func(e *apiEnv) apiCred { return e.login("manager", 0) }},
	{name: "admin", role: hall.RoleAdmin, cred: func(e *apiEnv) apiCred { return e.login("admin", 0) }},
	{name: "integration token", role: hall.KindIntegration, cred: func(e *apiEnv) apiCred { return e.integration() }},
}

// apiKnownRoles are the roles a route may name.
var apiKnownRoles = []string{web.Public, hall.RoleClerk, hall.RoleManager, hall.RoleAdmin,
	hall.KindKiosk, hall.KindDisplay, hall.KindCounter, hall.KindKeypad, hall.KindIntegration}

// apiParamRE matches a path parameter (":n", ":id<int>", ":n?") or a wildcard.
var apiParamRE = regexp.MustCompile(`:([A-Za-z0-9_]+)(<[^>]*>)?\??|\*|\+`)

// apiFiller fills a route's path parameters with values that exist in the
// hall: counter 1, a waiting ticket and its tracking code, a real action, the
// kiosk's pairing token, a real asset. Parameters it does not know get a
// generic value, reported in generic, so the route is still checked for its
// refusals.
type apiFiller struct {
	ticket   uint64
	tracking string
	token    string
	asset    string
}

func (f apiFiller) fill(path string) (filled string, generic []string) {
	filled = apiParamRE.ReplaceAllStringFunc(path, func(m string) string {
		name := strings.TrimSuffix(strings.TrimPrefix(m, ":"), "?")
		if i := strings.IndexByte(name, '<'); i >= 0 {
			name = name[:i]
		}
		switch name {
		case "n", "counter":
			return "1"
		case "id", "ticket":
			return fmt.Sprint(f.ticket)
		case "code", "tracking":
			return f.tracking
		case "action":
			return "recall"
		case "prefix":
			return "A" // a real service
		case "name":
			return "clerk1" // a real user (a backup name that is not listed gets 404)
		case "token":
			return f.token
		case "*", "+":
			return f.asset
		}
		generic = append(generic, m)
		return "1"
	})
	return filled, generic
}

// apiBodies are request bodies for routes whose handler needs more than {}
// to get past its own checks (so that a 401 from the handler is not taken for
// a refusal by role).
var apiBodies = map[string]any{
	"POST /api/v1/login":   map[string]any{"user": "clerk3", "password": "clerk3-demo"},
	"POST /api/v1/tickets": map[string]any{"service": "A", "priority": "normal"},
}

// apiExpected is the outcome the route table promises.
type apiExpected struct {
	allowed bool
	status  int // 401 or 403 when refused
}

func apiExpect(r web.Route, p apiPrincipal) apiExpected {
	switch {
	case slices.Contains(r.Roles, web.Public):
		return apiExpected{allowed: true}
	case p.role == "":
		return apiExpected{status: http.StatusUnauthorized}
	case !slices.Contains(r.Roles, p.role):
		return apiExpected{status: http.StatusForbidden}
	case p.role == hall.RoleClerk && strings.Contains(r.Path, "/counters/:") && p.counter != 1:
		// The filled path names counter 1: a clerk of another counter.
		return apiExpected{status: http.StatusForbidden}
	}
	return apiExpected{allowed: true}
}

// TestAPIRouteTable checks the table itself: every route names at least one
// known role, and no method and path is declared twice.
func TestAPIRouteTable(t *testing.T) {
	e := apiNewServer(t)
	seen := map[string]bool{}
	for _, r := range e.srv.Routes() {
		key := r.Method + " " + r.Path
		if len(r.Roles) == 0 {
			t.Errorf("%s has no roles: every route must say who may call it (web.Public for everyone)", key)
		}
		for _, role := range r.Roles {
			if !slices.Contains(apiKnownRoles, role) {
				t.Errorf("%s names unknown role %q", key, role)
			}
		}
		if seen[key] {
			t.Errorf("%s is declared twice", key)
		}
		seen[key] = true
		if r.Handler == nil {
			t.Errorf("%s has no handler", key)
		}
	}
}

// TestAPIRoleMatrix sends every route of the table as every principal and checks
// that it is refused (401 anonymous, 403 wrong role or another clerk's
// counter) or allowed exactly as the route's Roles say. A refused request
// changes nothing.
func TestAPIRoleMatrix(t *testing.T) {
	e := apiNewServer(t)
	tk := e.issue("A", "normal", "13812345678")
	e.issue("A", "normal", "")
	// Any real embedded file fills the /assets/* wildcard.
	asset := ""
	fs.WalkDir(assets.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && asset == "" {
			asset = p
		}
		return nil
	})
	filler := apiFiller{ticket: tk.ID, tracking: tk.Tracking, token: e.kiosk().Bearer, asset: asset}

	routes := e.srv.Routes()
	if len(routes) == 0 {
		t.Fatal("the route table is empty")
	}
	checked := 0
	for _, r := range routes {
		if len(r.Roles) == 0 {
			t.Errorf("%s %s has no roles; it is refused to everyone but must say so (TestAPIRouteTable)", r.Method, r.Path)
		}
		path, generic := filler.fill(r.Path)
		if len(generic) > 0 {
			t.Logf("%s %s: generic value for %v (checked for refusals; allowed means not 401/403)", r.Method, r.Path, generic)
		}
		api := strings.HasPrefix(r.Path, "/api/")
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			var seen []string
			defer func() { t.Logf("%s %s: %s", r.Method, path, strings.Join(seen, ", ")) }()
			for _, p := range apiPrincipals {
				want := apiExpect(r, p)
				cred := p.cred(e)
				before := e.state()
				body, ok := apiBodies[r.Method+" "+r.Path]
				if !ok && r.Method != "GET" && r.Method != "HEAD" {
					body = map[string]any{}
				}
				res := e.do(r.Method, path, cred, body)
				seen = append(seen, fmt.Sprintf("%s %d", p.name, res.Status))
				switch {
				case want.allowed:
					if res.Status == http.StatusUnauthorized || res.Status == http.StatusForbidden {
						t.Errorf("%s: %s %s refused with %d, want allowed (roles %v): %s", p.name, r.Method, path, res.Status, r.Roles, res.Body)
					} else if res.Status >= 500 {
						t.Errorf("%s: %s %s failed with %d: %s", p.name, r.Method, path, res.Status, res.Body)
					}
				case !api && want.status == http.StatusUnauthorized && res.Status == http.StatusSeeOther:
					// A page may send an anonymous visitor to the login page.
					if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/login") {
						t.Errorf("%s: %s %s redirected to %q, want /login", p.name, r.Method, path, loc)
					}
					e.unchanged(before, p.name+" "+r.Method+" "+path)
				default:
					if res.Status != want.status {
						t.Errorf("%s: %s %s answered %d, want %d (roles %v): %s", p.name, r.Method, path, res.Status, want.status, r.Roles, res.Body)
					} else if api {
						code := "unauthorized"
						if want.status == http.StatusForbidden {
							code = "forbidden"
						}
						apiCheckError(t, res, want.status, code)
					}
					e.unchanged(before, p.name+" "+r.Method+" "+path)
				}
			}
		})
		checked++
	}
	if checked != len(routes) {
		t.Errorf("checked %d of %d routes", checked, len(routes))
	}
}

// TestAPIRoleMatrixCoversCounterRule guards the matrix against a silent change
// of the table: the counter routes must exist and be people-only, so that the
// counter-ownership case above is exercised.
func TestAPIRoleMatrixCoversCounterRule(t *testing.T) {
	e := apiNewServer(t)
	found := 0
	for _, r := range e.srv.Routes() {
		if strings.HasPrefix(r.Path, "/api/v1/counters/:n") {
			found++
			for _, role := range r.Roles {
				if role == web.Public || slices.Contains(web.Devices, role) {
					t.Errorf("%s %s lets %s work a counter", r.Method, r.Path, role)
				}
			}
		}
	}
	if found < 2 {
		t.Errorf("found %d counter routes, want the waiting list and the actions", found)
	}
}

// TestAPIHeldCounterRefusesSecondClerk: a counter a clerk holds refuses a
// second clerk's sign-in (409, nothing changes) until a manager releases it;
// then the first clerk may no longer work it, even with a live session.
func TestAPIHeldCounterRefusesSecondClerk(t *testing.T) {
	e := apiNewServer(t)
	e.issue("A", "normal", "")
	c1 := e.login("clerk1", 1)
	e.actTicket(c1, 1, "call", nil) // a customer is called to clerk 1
	before := e.state()
	r := e.do("POST", "/api/v1/login", apiAnon, map[string]any{"user": "clerk3", "password": "clerk3-demo", "counter": 1})
	apiCheckError(t, r, http.StatusConflict, "conflict")
	e.unchanged(before, "a second clerk at a held counter")
	if tk := e.actTicket(c1, 1, "recall", nil); tk.Number != "A001" || tk.Clerk != "clerk1" {
		t.Errorf("the holder recalled %s as %q, want A001 as clerk1", tk.Number, tk.Clerk)
	}
	// The same clerk may sign in again; a clerk may not release a counter.
	e.login("clerk1", 1)
	apiCheckError(t, e.do("POST", "/api/v1/config/counters/1/release", c1, nil), http.StatusForbidden, "forbidden")
	mgr := e.login("manager", 0)
	if r := e.do("POST", "/api/v1/config/counters/1/release", mgr, nil); r.Status != http.StatusOK {
		t.Fatalf("release: %d %s", r.Status, r.Body)
	}
	apiCheckError(t, e.do("POST", "/api/v1/config/counters/1/release", mgr, nil), http.StatusConflict, "conflict")
	c3 := e.login("clerk3", 1)
	before = e.state()
	for _, path := range []string{"/api/v1/counters/1/recall", "/api/v1/counters/1/pause"} {
		r := e.do("POST", path, c1, map[string]string{"reason": "午休"})
		apiCheckError(t, r, http.StatusForbidden, "forbidden")
	}
	apiCheckError(t, e.do("GET", "/api/v1/counters/1/waiting", c1, nil), http.StatusForbidden, "forbidden")
	e.unchanged(before, "the released clerk")
	if tk := e.actTicket(c3, 1, "recall", nil); tk.Number != "A001" {
		t.Errorf("the new clerk recalled %s, want A001 (the customer taken over)", tk.Number)
	}
}

// TestAPIClerkWithoutCounter: a clerk who signed in without naming a counter may
// work none.
func TestAPIClerkWithoutCounter(t *testing.T) {
	e := apiNewServer(t)
	e.issue("A", "normal", "")
	c := e.login("clerk1", 0)
	before := e.state()
	apiCheckError(t, e.do("POST", "/api/v1/counters/1/call", c, nil), http.StatusForbidden, "forbidden")
	e.unchanged(before, "a clerk without a counter")
}

// TestAPICredentials: the device cookie works like a bearer token; a bad bearer
// token leaves the request anonymous even with a valid session cookie; a
// session ends after SessionIdle without use.
func TestAPICredentials(t *testing.T) {
	e := apiNewServer(t)
	display := e.device(hall.KindDisplay, 0)

	r := e.do("GET", "/api/v1/me", apiCred{Name: "display by cookie", DeviceCookie: display.Bearer}, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("device cookie: %d %s", r.Status, r.Body)
	}
	if m := r.Map(t); m["kind"] != "device" || m["role"] != hall.KindDisplay {
		t.Errorf("device cookie principal %v, want a display device", m)
	}

	mgr := e.login("manager", 0)
	both := apiCred{Name: "bad bearer with a session", Bearer: "not-a-token", Session: mgr.Session}
	apiCheckError(t, e.do("GET", "/api/v1/me", both, nil), http.StatusUnauthorized, "unauthorized")
	apiCheckError(t, e.do("GET", "/api/v1/me", apiCred{Name: "bad session", Session: "nope"}, nil), http.StatusUnauthorized, "unauthorized")

	r = e.do("GET", "/api/v1/me", mgr, nil)
	if m := r.Map(t); r.Status != http.StatusOK || m["kind"] != "user" || m["name"] != "manager" || m["role"] != hall.RoleManager {
		t.Errorf("me: %d %v", r.Status, m)
	}
	e.clock.Add(account.SessionIdle + time.Minute)
	apiCheckError(t, e.do("GET", "/api/v1/me", mgr, nil), http.StatusUnauthorized, "unauthorized")
}
