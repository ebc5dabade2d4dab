package web_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"hallq/assets"
	"hallq/console"
	"hallq/queue"
	"hallq/web"
)

// drillFields are the JSON fields the API's bodies use; each route learns
// which of them it knows by probing (drillKnownFields).
var drillFields = []string{
	"service", "priority", "phone", "account", "item", "text", "reason", "number", "counter", "score", "ticket",
	"user", "password", "name", "display", "staff_no", "role", "kind", "printer", "disabled", "services",
	"prefix", "name_zh", "name_en", "desc_zh", "desc_en", "target_wait_s", "daily_limit", "documents", "hours",
	"holidays", "timezone", "starve_after_s", "recalls_before_no_show", "phone_daily_limit", "retention_days",
	"from", "to", "until", "id", "day", "slot", "code", "note", "comment", "decision", "approve", "customer",
	"summary", "department", "approver", "promised", "result", "status", "script", "alternatives", "phrases",
	"class", "keywords", "language", "repeats", "volume", "enabled", "schedule", "slot_minutes", "capacity",
	"days_ahead", "low_score", "outcome", "message", "tracking", "limit", "since", "open", "close",
}

// drillValues are hostile field values, as raw JSON: wrong types, huge and
// negative numbers, deep nesting, NUL and other controls, RTL and bidi
// marks, invalid UTF-8, and a 100 KB string.
var drillValues = func() map[string]string {
	deep := strings.Repeat("[", 200) + strings.Repeat("]", 200)
	return map[string]string{
		"object":        `{"x":{"y":1}}`,
		"array":         `[1,"a",{}]`,
		"negative":      `-1`,
		"huge":          `123456789012345678901234567890`,
		"huge float":    `1e308`,
		"overflow":      `1e400`,
		"fraction":      `2.5`,
		"deep":          deep,
		"NUL":           `"A\u0000"`,
		"raw NUL":       "\"A\x00B\"",
		"control":       `"\u001b[31m"`,
		"RTL override":  `"\u202eA001"`,
		"RTL mark":      `"A\u200f"`,
		"isolate":       `"\u2067x\u2069"`,
		"invalid UTF-8": "\"\xff\xfe\xc3\"",
		"100 KB":        `"` + strings.Repeat("号", 100<<10/3) + `"`,
	}
}()

// drillBodies are hostile whole bodies, for every route that takes one.
var drillBodies = map[string]string{
	"array":         `[]`,
	"string":        `"x"`,
	"number":        `42`,
	"null":          `null`,
	"deep":          strings.Repeat(`{"a":`, 500) + `1` + strings.Repeat(`}`, 500),
	"invalid UTF-8": "{\"\xff\":\"\xfe\"}",
	"NUL key":       `{"\u0000":1}`,
	"raw NUL":       "{\"a\x00\":1}",
	"RTL key":       `{"\u202eservice":"A"}`,
	"two values":    `{} {}`,
	"truncated":     `{"service":`,
	"100 KB":        `{"text":"` + strings.Repeat("a", 100<<10) + `"}`,
}

// drillQuery are hostile values for path parameters and query strings.
var drillQuery = []string{"-1", "99999999999999999999999", "%00", "\u202e1", "\xff", "../../etc/passwd", "1e400",
	strings.Repeat("9", 100), "<script>alert(1)</script>"}

// TestDrillHostileInput generates, from the route table, hostile requests
// for every route and every kind of caller: hostile whole bodies, a hostile
// value in each field the route knows (found by probing), hostile path
// parameters and query strings. Every answer is an error in JSON (or, for
// a page, anything but a 5xx), never 5xx, and the store's event log (its
// export) is the same afterwards.
func TestDrillHostileInput(t *testing.T) {
	// Its own hall and port; side by side with the package's other
	// parallel tests (the longest of web's tests: thousands of requests,
	// 100 KB bodies among them, under -race).
	t.Parallel()
	e := apiNewServerWith(t, apiSetup{Listen: true}) // bodies over the limit go over the network (413)
	send := func(method, path string, cred apiCred, body string) apiResp {
		if len(body) > web.BodyLimit {
			return drillOversize(t, e.url, method, path, cred, len(body))
		}
		return e.raw(method, path, cred, "application/json", []byte(body))
	}
	tk := e.issue("A", "normal", "13812345678")
	e.issue("B", "normal", "")
	asset := ""
	fs.WalkDir(assets.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && asset == "" {
			asset = p
		}
		return nil
	})
	filler := apiFiller{ticket: tk.ID, tracking: tk.Tracking, token: e.kiosk().Bearer, asset: asset}
	creds := make([]apiCred, len(apiPrincipals))
	for i, p := range apiPrincipals {
		creds[i] = p.cred(e)
	}
	routes := e.srv.Routes()

	// Which drill fields each body route decodes: a field it knows answers
	// "wrong type" to a nested array, one it does not "unknown field". A
	// route that refuses neither ignores its body. The probes run before
	// the export is taken: what they change is not the drill's business.
	known := map[string][]string{}
	for _, r := range routes {
		if r.Method == "GET" || r.Path == "/ws" {
			continue
		}
		p := slices.IndexFunc(apiPrincipals, func(p apiPrincipal) bool { return apiExpect(r, p).allowed && p.role != "" })
		if p < 0 {
			p = 0
		}
		path, _ := filler.fill(r.Path)
		probe := func(field string) bool {
			res := e.raw(r.Method, path, creds[p], "application/json", []byte(`{"`+field+`":[[[]]]}`))
			return !strings.Contains(string(res.Body), "unknown field")
		}
		if probe("zz_drill_probe") {
			continue // ignores its body
		}
		for _, f := range drillFields {
			if probe(f) {
				known[r.Method+" "+r.Path] = append(known[r.Method+" "+r.Path], f)
			}
		}
	}

	// Refused sign-ins and cross-site writes are recorded as security
	// events (the audit): that is the point of them, not a change made by
	// hostile input. Everything else must stay as it was.
	export := func() string {
		all, err := e.hall.Events(0, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		evs := all[:0]
		for _, ev := range all {
			if ev.Type != console.EvSecurity {
				evs = append(evs, ev)
			}
		}
		b, err := json.Marshal(evs)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	before := export()
	requests := 0
	check := func(r string, who, what string, res apiResp, page bool) {
		t.Helper()
		requests++
		if res.Status >= 500 {
			t.Errorf("%s as %s with %s: %d %.300s", r, who, what, res.Status, res.Body)
			return
		}
		if page {
			return
		}
		if res.Status < 400 {
			t.Errorf("%s as %s with %s: accepted (%d) %.300s", r, who, what, res.Status, res.Body)
			return
		}
		var body struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if json.Unmarshal(res.Body, &body) != nil || body.Error.Code == "" || body.Error.Message == "" {
			t.Errorf("%s as %s with %s: %d without a JSON error: %.300s", r, who, what, res.Status, res.Body)
		}
		if body.Error.Code == queue.EINTERNAL {
			t.Errorf("%s as %s with %s: internal error %s", r, who, what, res.Body)
		}
	}
	for _, r := range routes {
		if r.Path == "/ws" || r.Path == "/assets/*" {
			continue
		}
		key := r.Method + " " + r.Path
		path, _ := filler.fill(r.Path)
		page := !strings.HasPrefix(r.Path, "/api/")
		for i, p := range apiPrincipals {
			if r.Method == "GET" {
				if !apiExpect(r, p).allowed {
					continue // refused before a parameter is read
				}
				// Hostile path parameters and query strings.
				for _, v := range drillQuery {
					q := url.Values{}
					for _, k := range []string{"from", "to", "service", "since", "limit", "day", "q", "status", "slot", "phone", "lang", "counter"} {
						q.Set(k, v)
					}
					hp := path
					if apiParamRE.MatchString(r.Path) {
						hp = apiParamRE.ReplaceAllString(r.Path, url.PathEscape(v))
					}
					for _, u := range []string{hp + "?" + q.Encode()} {
						res := e.raw("GET", u, creds[i], "", nil)
						requests++
						if res.Status >= 500 {
							t.Errorf("GET %.200s as %s: %d %.300s", u, p.name, res.Status, res.Body)
						}
					}
				}
				continue
			}
			for name, b := range drillBodies {
				if !apiExpect(r, p).allowed && name != "deep" && name != "invalid UTF-8" && name != "100 KB" {
					continue // refused whatever the body says: a few are enough
				}
				check(key, p.name, "body "+name, send(r.Method, path, creds[i], b), page)
			}
			if !apiExpect(r, p).allowed {
				continue // refused before any field is read
			}
			for _, f := range known[key] {
				for name, v := range drillValues {
					check(key, p.name, fmt.Sprintf("%s %s", f, name), send(r.Method, path, creds[i], `{"`+f+`":`+v+`}`), page)
				}
			}
		}
	}
	if after := export(); after != before {
		t.Errorf("hostile requests changed the event log: %d bytes before, %d after", len(before), len(after))
		all, _ := e.hall.Events(0, 1<<30)
		for _, ev := range all[max(0, len(all)-5):] {
			t.Logf("latest event: seq %d %s by %s: %d tickets, %d records", ev.Seq, ev.Type, ev.Actor, len(ev.Tickets), len(ev.Records))
			for _, r := range ev.Records {
				t.Logf("  record %s/%s: %.200s", r.Kind, r.Key, r.Data)
			}
		}
	}
	t.Logf("%d hostile requests over %d routes; fields probed: %v", requests, len(routes), known)
	if len(known) < 10 {
		t.Errorf("only %d routes decode a drill field: the probe is broken", len(known))
	}
}

// drillOversize announces a body of n bytes over a real connection and
// reads the answer before sending any of it: the server refuses a body over
// its limit from the headers alone (and may close the connection at once).
func drillOversize(t *testing.T, base, method, path string, cred apiCred, n int) apiResp {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	req, err := http.NewRequest(method, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = wsHeader(cred, "")
	req.Header.Set("Content-Type", "application/json")
	req.ContentLength = int64(n)
	var head strings.Builder
	fmt.Fprintf(&head, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", method, path, u.Host, n)
	for k, vs := range req.Header {
		for _, v := range vs {
			fmt.Fprintf(&head, "%s: %s\r\n", k, v)
		}
	}
	head.WriteString("\r\n")
	if _, err := conn.Write([]byte(head.String())); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Fatalf("%s %s with a %d-byte body: %v", method, path, n, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return apiResp{Status: res.StatusCode, Header: res.Header, Body: b}
}
