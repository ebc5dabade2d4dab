package web_test

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"hallq/queue"
	"hallq/web"
)

var apiTrackingRE = regexp.MustCompile(`^[A-Z2-7]{12}$`)

// TestAPIIssueTicket: a kiosk takes a ticket and gets every field of it back,
// with the phone and account masked; the store keeps them in full.
func TestAPIIssueTicket(t *testing.T) {
	e := apiNewServer(t)
	r := e.do("POST", "/api/v1/tickets", e.kiosk(), map[string]string{
		"service": "A", "priority": "normal", "phone": "138 1234-5678", "account": "3301234567",
	})
	if r.Status != http.StatusCreated {
		t.Fatalf("issue: %d %s", r.Status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	m := r.Map(t)
	for _, key := range []string{"id", "number", "service", "priority", "status", "issued_at", "called_at", "started_at", "finished_at", "counter", "clerk", "ahead", "estimated_wait_s", "tracking"} {
		if _, ok := m[key]; !ok {
			t.Errorf("ticket JSON has no %q: %s", key, r.Body)
		}
	}
	for _, key := range []string{"called_at", "started_at", "finished_at"} {
		if m[key] != nil {
			t.Errorf("%s = %v, want null", key, m[key])
		}
	}
	var tk apiTicket
	r.JSON(t, &tk)
	want := apiTicket{
		ID: tk.ID, Number: "A001", Service: "A", Priority: "normal", Status: "waiting",
		Phone: "138****5678", Account: "******4567", IssuedAt: apiMonday10,
		Ahead: 0, EstimatedWaitS: 0, Tracking: tk.Tracking,
	}
	if tk.ID == 0 {
		t.Errorf("id is 0")
	}
	if !apiTrackingRE.MatchString(tk.Tracking) {
		t.Errorf("tracking %q is not 12 base32 characters", tk.Tracking)
	}
	if !tk.IssuedAt.Equal(want.IssuedAt) {
		t.Errorf("issued_at %v, want %v", tk.IssuedAt, want.IssuedAt)
	}
	tk.IssuedAt = want.IssuedAt
	if tk != want {
		t.Errorf("ticket\n got %+v\nwant %+v", tk, want)
	}

	stored, err := e.hall.Ticket(tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Phone != "13812345678" || stored.Account != "3301234567" {
		t.Errorf("stored phone %q account %q, want the full normalised values", stored.Phone, stored.Account)
	}

	// A desk issues too; the second A waits behind the first, one service
	// time at the (default) single counter; priority defaults to normal.
	clerk := e.login("clerk1", 0)
	r = e.do("POST", "/api/v1/tickets", clerk, map[string]string{"service": "A"})
	var second apiTicket
	r.JSON(t, &second)
	if r.Status != http.StatusCreated || second.Number != "A002" || second.Priority != "normal" || second.Ahead != 1 || second.EstimatedWaitS != 180 || second.Phone != "" {
		t.Errorf("second ticket: %d %+v, want A002 normal, 1 ahead, 180 s", r.Status, second)
	}
	if second.Tracking == tk.Tracking || second.ID == tk.ID {
		t.Errorf("second ticket reuses id or tracking code: %+v", second)
	}
	// Numbering is per service.
	if b := e.issue("B", "green", ""); b.Number != "B001" || b.Priority != "green" || b.Ahead != 0 {
		t.Errorf("first B ticket %+v, want B001 green, none ahead", b)
	}
}

// TestAPIIssueRefusals: every bad ticket request gets a JSON error with the
// right status and code, and nothing is issued.
func TestAPIIssueRefusals(t *testing.T) {
	big := `{"service":"A","item":"` + strings.Repeat("x", web.BodyLimit) + `"}`
	cases := []struct {
		name   string
		ct     string
		body   string
		status int
		code   string
	}{
		{"malformed JSON", "application/json", `{"service":`, 400, queue.EBADREQUEST},
		{"not JSON at all", "application/json", `service=A`, 400, queue.EBADREQUEST},
		{"text content type", "text/plain", `{"service":"A"}`, 400, queue.EBADREQUEST},
		{"form content type", "application/x-www-form-urlencoded", `service=A`, 400, queue.EBADREQUEST},
		{"no content type", "", `{"service":"A"}`, 400, queue.EBADREQUEST},
		{"empty body", "application/json", ``, 400, queue.EBADREQUEST},
		{"unknown field", "application/json", `{"service":"A","vip":true}`, 400, queue.EBADREQUEST},
		{"wrong type", "application/json", `{"service":1}`, 400, queue.EBADREQUEST},
		{"array", "application/json", `[]`, 400, queue.EBADREQUEST},
		{"trailing data", "application/json", `{"service":"A"}{"service":"B"}`, 400, queue.EBADREQUEST},
		{"no service", "application/json", `{}`, 422, queue.EINVALID},
		{"unknown service", "application/json", `{"service":"Z"}`, 422, queue.EINVALID},
		{"lower-case service", "application/json", `{"service":"a"}`, 422, queue.EINVALID},
		{"bad priority", "application/json", `{"service":"A","priority":"vip"}`, 422, queue.EINVALID},
		{"bad phone", "application/json", `{"service":"A","phone":"12345"}`, 422, queue.EINVALID},
		{"landline phone", "application/json", `{"service":"A","phone":"02088886666"}`, 422, queue.EINVALID},
		{"bad account", "application/json", `{"service":"A","account":"12ab"}`, 422, queue.EINVALID},
	}
	e := apiNewServerWith(t, apiSetup{Listen: true})
	e.issue("A", "normal", "") // a queue that must stay as it is
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.state()
			r := e.raw("POST", "/api/v1/tickets", e.kiosk(), tc.ct, []byte(tc.body))
			apiCheckError(t, r, tc.status, tc.code)
			if strings.Contains(string(r.Body), `\"\"`) {
				t.Errorf("the message names an empty field: %s", r.Body)
			}
			e.unchanged(before, tc.name)
		})
	}
	// fasthttp refuses a body over the limit before any handler runs, and
	// app.Test reports that as an error, so this one goes over the network;
	// the answer is read before the body is sent (see oversizeNet).
	t.Run("body over 64 KB", func(t *testing.T) {
		before := e.state()
		r := e.oversizeNet("/api/v1/tickets", e.kiosk(), len(big))
		apiCheckError(t, r, http.StatusRequestEntityTooLarge, queue.ETOOLARGE)
		e.unchanged(before, "a body over 64 KB")
		// Just under the limit is read (and refused for what it says).
		under := `{"service":"A","phone":"` + strings.Repeat("1", web.BodyLimit-40) + `"}`
		apiCheckError(t, e.rawNet("POST", "/api/v1/tickets", e.kiosk(), "application/json", []byte(under)), http.StatusUnprocessableEntity, queue.EINVALID)
	})
	// The same server answers normally over the network.
	if r := e.rawNet("POST", "/api/v1/tickets", e.kiosk(), "application/json", []byte(`{"service":"A"}`)); r.Status != http.StatusCreated {
		t.Errorf("a good ticket over the network: %d %s", r.Status, r.Body)
	}
}

// TestAPIIssueDailyLimit: a service's daily limit (hall.json) refuses the
// ticket after the last one with 409 limit; other services go on.
func TestAPIIssueDailyLimit(t *testing.T) {
	e := apiNewServerWith(t, apiSetup{Config: func(c *queue.Config) {
		for i := range c.Services {
			if c.Services[i].Prefix == "B" {
				c.Services[i].DailyLimit = 2
			}
		}
	}})
	e.issue("B", "normal", "")
	e.issue("B", "green", "")
	before := e.state()
	r := e.do("POST", "/api/v1/tickets", e.kiosk(), map[string]string{"service": "B"})
	apiCheckError(t, r, http.StatusConflict, queue.ELIMIT)
	e.unchanged(before, "the third B ticket")
	if tk := e.issue("A", "normal", ""); tk.Number != "A001" {
		t.Errorf("A after B's limit: %s", tk.Number)
	}
	// The limit is per day: tomorrow B issues again, from 001.
	e.clock.Add(24 * time.Hour)
	if tk := e.issue("B", "normal", ""); tk.Number != "B001" {
		t.Errorf("B the next day: %s, want B001", tk.Number)
	}
}

// TestAPIIssuePhoneLimit: one phone number takes at most phone_daily_limit
// tickets a day, whatever way it is written.
func TestAPIIssuePhoneLimit(t *testing.T) {
	e := apiNewServerWith(t, apiSetup{Config: func(c *queue.Config) { c.PhoneDailyLimit = 2 }})
	e.issue("A", "normal", "13812345678")
	e.issue("B", "normal", "138-1234-5678")
	before := e.state()
	r := e.do("POST", "/api/v1/tickets", e.kiosk(), map[string]string{"service": "C", "phone": "+86 138 1234 5678"})
	apiCheckError(t, r, http.StatusConflict, queue.ELIMIT)
	e.unchanged(before, "the third ticket of one phone")
	e.issue("C", "normal", "13900000000")
	e.issue("C", "normal", "")
}

// TestAPIIssueHallClosed: outside the opening hours of hall.json, and on a
// configured holiday, the kiosk is refused with 409 closed.
func TestAPIIssueHallClosed(t *testing.T) {
	e := apiNewServerWith(t, apiSetup{
		Config:    func(c *queue.Config) { c.Holidays = []string{"2026-11-25"} },
		KeepHours: true,
		Now:       time.Date(2026, 11, 23, 20, 0, 0, 0, apiLoc), // Monday evening
		Tick:      5 * time.Millisecond,
	})
	refused := func(when string) {
		t.Helper()
		before := e.state()
		r := e.do("POST", "/api/v1/tickets", e.kiosk(), map[string]string{"service": "A"})
		apiCheckError(t, r, http.StatusConflict, queue.ECLOSED)
		e.unchanged(before, "a ticket "+when)
		var q struct{ Open bool }
		e.do("GET", "/api/v1/queue", e.kiosk(), nil).JSON(t, &q)
		if q.Open {
			t.Errorf("GET /api/v1/queue says open %s", when)
		}
	}
	refused("on Monday at 20:00")
	e.rollTo(time.Date(2026, 11, 24, 8, 29, 0, 0, apiLoc))
	refused("on Tuesday at 08:29")
	e.clock.Set(time.Date(2026, 11, 24, 8, 30, 0, 0, apiLoc))
	if tk := e.issue("A", "normal", ""); tk.Number != "A001" {
		t.Errorf("Tuesday 08:30: %s", tk.Number)
	}
	e.rollTo(time.Date(2026, 11, 25, 10, 0, 0, 0, apiLoc))
	refused("on a holiday")
}

// TestAPIFinishTwice: call, start, finish; a second finish is a 409 conflict
// that changes nothing.
func TestAPIFinishTwice(t *testing.T) {
	e := apiNewServer(t)
	issued := e.issue("A", "normal", "13812345678")
	c1 := e.login("clerk1", 1)
	e.clock.Add(5 * time.Minute)
	called := e.actTicket(c1, 1, "call", nil)
	if called.ID != issued.ID || called.Status != "called" || called.Counter != 1 || called.Clerk != "clerk1" ||
		called.CalledAt == nil || !called.CalledAt.Equal(apiMonday10.Add(5*time.Minute)) || called.Phone != "138****5678" {
		t.Errorf("call: %+v", called)
	}
	e.clock.Add(time.Minute)
	started := e.actTicket(c1, 1, "start", nil)
	if started.Status != "serving" || started.StartedAt == nil || !started.StartedAt.Equal(apiMonday10.Add(6*time.Minute)) {
		t.Errorf("start: %+v", started)
	}
	e.clock.Add(3 * time.Minute)
	done := e.actTicket(c1, 1, "finish", map[string]string{"item": "pay_bill"})
	if done.Status != "done" || done.FinishedAt == nil || !done.FinishedAt.Equal(apiMonday10.Add(9*time.Minute)) {
		t.Errorf("finish: %+v", done)
	}
	before := e.state()
	apiCheckError(t, e.do("POST", "/api/v1/counters/1/finish", c1, nil), http.StatusConflict, queue.ECONFLICT)
	e.unchanged(before, "a second finish")
	var got apiTicket
	e.do("GET", fmt.Sprintf("/api/v1/tickets/%d", issued.ID), c1, nil).JSON(t, &got)
	if got.Status != "done" {
		t.Errorf("GET ticket after finish: %+v", got)
	}
}

// TestAPICallNoOneWaiting: a call with no one waiting for the counter answers
// 204 with no body and changes nothing.
func TestAPICallNoOneWaiting(t *testing.T) {
	e := apiNewServer(t)
	e.issue("B", "normal", "") // counter 1 does not serve B
	c1 := e.login("clerk1", 1)
	before := e.state()
	r := e.act(c1, 1, "call", nil, http.StatusNoContent)
	if len(r.Body) != 0 {
		t.Errorf("204 with a body: %q", r.Body)
	}
	e.unchanged(before, "a call with no one waiting")
}

// TestAPICallClosedCounter: calling at a counter no one signed in to is 409
// closed.
func TestAPICallClosedCounter(t *testing.T) {
	e := apiNewServer(t)
	e.issue("B", "normal", "")
	mgr := e.login("manager", 0)
	before := e.state()
	apiCheckError(t, e.do("POST", "/api/v1/counters/3/call", mgr, nil), http.StatusConflict, queue.ECLOSED)
	e.unchanged(before, "a call at a closed counter")
}

// TestAPICallNamedTicket: a clerk calls a named ticket out of order (指呼) by
// number or id; unknown and finished tickets are refused.
func TestAPICallNamedTicket(t *testing.T) {
	e := apiNewServer(t)
	a1 := e.issue("A", "normal", "")
	e.issue("A", "normal", "")
	d1 := e.issue("D", "normal", "")
	c1 := e.login("clerk1", 1)

	if tk := e.actTicket(c1, 1, "call", map[string]string{"number": " a002 "}); tk.Number != "A002" || tk.Status != "called" {
		t.Errorf("call A002 by number: %+v", tk)
	}
	e.act(c1, 1, "finish", nil, http.StatusOK)
	e.clock.Add(time.Minute) // recent calls are ordered by call time
	if tk := e.actTicket(c1, 1, "call", map[string]any{"ticket": d1.ID}); tk.Number != "D001" {
		t.Errorf("call D001 by id: %+v", tk)
	}
	e.act(c1, 1, "finish", nil, http.StatusOK)

	for _, tc := range []struct {
		name   string
		body   map[string]any
		status int
		code   string
	}{
		{"unknown number", map[string]any{"number": "A099"}, 404, queue.ENOTFOUND},
		{"unknown id", map[string]any{"ticket": 9999}, 404, queue.ENOTFOUND},
		{"finished ticket", map[string]any{"number": "A002"}, 409, queue.ECONFLICT},
	} {
		before := e.state()
		apiCheckError(t, e.do("POST", "/api/v1/counters/1/call", c1, tc.body), tc.status, tc.code)
		e.unchanged(before, "call "+tc.name)
	}
	if tk := e.actTicket(c1, 1, "call", nil); tk.ID != a1.ID {
		t.Errorf("next call: %s, want A001", tk.Number)
	}
}

// TestAPITransferKeepsNumber: a transfer ends the ticket and queues the same
// number, issue time and tracking code for the new service or counter.
func TestAPITransferKeepsNumber(t *testing.T) {
	e := apiNewServer(t)
	a1 := e.issue("A", "normal", "13812345678")
	c1 := e.login("clerk1", 1)
	e.clock.Add(4 * time.Minute)
	e.actTicket(c1, 1, "call", nil)
	e.actTicket(c1, 1, "start", nil)
	e.clock.Add(2 * time.Minute)

	for _, tc := range []struct {
		name string
		body any
	}{
		{"no target", nil},
		{"empty target", map[string]any{}},
		{"unknown service", map[string]any{"service": "Z"}},
		{"unknown counter", map[string]any{"counter": 42}},
		{"own counter", map[string]any{"counter": 1}},
	} {
		before := e.state()
		apiCheckError(t, e.do("POST", "/api/v1/counters/1/transfer", c1, tc.body), http.StatusUnprocessableEntity, queue.EINVALID)
		e.unchanged(before, "transfer to "+tc.name)
	}

	moved := e.actTicket(c1, 1, "transfer", map[string]any{"service": "B", "counter": 3})
	want := apiTicket{ID: moved.ID, Number: "A001", Service: "B", Priority: "normal", Status: "waiting",
		Phone: "138****5678", IssuedAt: moved.IssuedAt, TargetCounter: 3, TransferredFrom: a1.ID,
		Ahead: 0, EstimatedWaitS: 0, Tracking: a1.Tracking}
	if moved != want {
		t.Errorf("transferred ticket\n got %+v\nwant %+v", moved, want)
	}
	if moved.ID == a1.ID || !moved.IssuedAt.Equal(a1.IssuedAt) {
		t.Errorf("transfer: id %d (old %d), issued_at %v (old %v)", moved.ID, a1.ID, moved.IssuedAt, a1.IssuedAt)
	}
	var old apiTicket
	e.do("GET", fmt.Sprintf("/api/v1/tickets/%d", a1.ID), c1, nil).JSON(t, &old)
	if old.Status != "transferred" || old.TransferredTo != moved.ID || old.FinishedAt == nil {
		t.Errorf("old ticket after transfer: %+v", old)
	}
	// The customer's code follows them; counter 1 is free; counter 3 has them.
	var tracked apiTicket
	e.do("GET", "/api/v1/track/"+a1.Tracking, apiAnon, nil).JSON(t, &tracked)
	if tracked.ID != moved.ID || tracked.Service != "B" || tracked.Status != "waiting" {
		t.Errorf("tracking after transfer: %+v", tracked)
	}
	e.act(c1, 1, "call", nil, http.StatusNoContent)
	mgr := e.login("manager", 0)
	var w3 []apiTicket
	e.do("GET", "/api/v1/counters/3/waiting", mgr, nil).JSON(t, &w3)
	if len(w3) != 1 || w3[0].ID != moved.ID {
		t.Errorf("counter 3 waiting: %+v", w3)
	}
}

// TestAPIPostponeAndCallBack: a postponed customer (挂起) waits aside, is not
// called by "call next", and is called back by id.
func TestAPIPostponeAndCallBack(t *testing.T) {
	t.Parallel()
	e := apiNewServer(t)
	a1 := e.issue("A", "normal", "")
	a2 := e.issue("A", "normal", "")
	c1 := e.login("clerk1", 1)
	e.actTicket(c1, 1, "call", nil)
	held := e.actTicket(c1, 1, "postpone", nil)
	if held.ID != a1.ID || held.Status != "waiting" || !held.Postponed || held.TargetCounter != 1 {
		t.Errorf("postpone: %+v", held)
	}
	var waiting []apiTicket
	e.do("GET", "/api/v1/counters/1/waiting", c1, nil).JSON(t, &waiting)
	if got := apiNumbers(waiting); !slices.Equal(got, []string{"A002", "A001"}) {
		t.Errorf("waiting after postpone: %v, want A002 then the postponed A001", got)
	}
	e.clock.Add(time.Minute)
	if tk := e.actTicket(c1, 1, "call", nil); tk.ID != a2.ID {
		t.Errorf("call next after postpone: %s, want A002", tk.Number)
	}
	e.act(c1, 1, "finish", nil, http.StatusOK)
	e.act(c1, 1, "call", nil, http.StatusNoContent)
	e.clock.Add(time.Minute) // recent calls are ordered by call time
	back := e.actTicket(c1, 1, "call", map[string]any{"ticket": a1.ID})
	if back.ID != a1.ID || back.Status != "called" || back.Postponed || back.Counter != 1 {
		t.Errorf("call back: %+v", back)
	}
	// Another counter may not call a ticket postponed at counter 1.
	e.act(c1, 1, "postpone", nil, http.StatusOK)
	c2 := e.login("clerk2", 2)
	before := e.state()
	apiCheckError(t, e.do("POST", "/api/v1/counters/2/call", c2, map[string]any{"ticket": a1.ID}), http.StatusConflict, queue.ECONFLICT)
	e.unchanged(before, "calling a ticket postponed elsewhere")
}

func apiNumbers(list []apiTicket) []string {
	out := []string{}
	for _, t := range list {
		out = append(out, t.Number)
	}
	return out
}

// apiCounterJSON is a counter as pause, resume and the queue show it.
type apiCounterJSON struct {
	Number      int        `json:"number"`
	State       string     `json:"state"`
	PauseReason string     `json:"pause_reason"`
	PausedAt    *time.Time `json:"paused_at"`
	Clerk       string     `json:"clerk"`
	ClerkName   string     `json:"clerk_name"`
	Services    []string   `json:"services"`
	Ticket      *apiTicket `json:"ticket"`
}

// apiQueueJSON is GET /api/v1/queue.
type apiQueueJSON struct {
	Seq      uint64 `json:"seq"`
	Day      string `json:"day"`
	Open     bool   `json:"open"`
	Services []struct {
		Prefix         string `json:"prefix"`
		NameZH         string `json:"name_zh"`
		Waiting        int    `json:"waiting"`
		EstimatedWaitS int    `json:"estimated_wait_s"`
		LongestWaitS   int    `json:"longest_wait_s"`
		OpenCounters   int    `json:"open_counters"`
	} `json:"services"`
	Counters []apiCounterJSON `json:"counters"`
	Recent   []apiTicket      `json:"recent"`
}

// TestAPIPauseResume: a pause needs a reason, shows on the queue and stops
// calls; resume reopens.
func TestAPIPauseResume(t *testing.T) {
	e := apiNewServer(t)
	e.issue("A", "normal", "")
	c1 := e.login("clerk1", 1)
	for _, tc := range []struct {
		name string
		body any
	}{
		{"no body", nil},
		{"no reason", map[string]string{}},
		{"blank reason", map[string]string{"reason": "   "}},
		{"long reason", map[string]string{"reason": strings.Repeat("长", 61)}},
	} {
		before := e.state()
		apiCheckError(t, e.do("POST", "/api/v1/counters/1/pause", c1, tc.body), http.StatusUnprocessableEntity, queue.EINVALID)
		e.unchanged(before, "pause with "+tc.name)
	}

	var k apiCounterJSON
	e.act(c1, 1, "pause", map[string]string{"reason": "系统维护"}, http.StatusOK).JSON(t, &k)
	if k.Number != 1 || k.State != "paused" || k.PauseReason != "系统维护" || k.PausedAt == nil || !k.PausedAt.Equal(apiMonday10) {
		t.Errorf("pause answered %+v", k)
	}
	var q apiQueueJSON
	e.do("GET", "/api/v1/queue", e.device("display", 0), nil).JSON(t, &q)
	if c := q.Counters[0]; c.Number != 1 || c.State != "paused" || c.PauseReason != "系统维护" {
		t.Errorf("queue shows counter 1 as %+v", c)
	}
	for _, action := range []string{"call", "pause"} {
		before := e.state()
		apiCheckError(t, e.do("POST", "/api/v1/counters/1/"+action, c1, map[string]string{"reason": "再停"}), http.StatusConflict, queue.ECONFLICT)
		e.unchanged(before, action+" while paused")
	}
	var resumed apiCounterJSON
	e.act(c1, 1, "resume", nil, http.StatusOK).JSON(t, &resumed)
	if k := resumed; k.State != "open" || k.PauseReason != "" || k.PausedAt != nil {
		t.Errorf("resume answered %+v", k)
	}
	before := e.state()
	apiCheckError(t, e.do("POST", "/api/v1/counters/1/resume", c1, nil), http.StatusConflict, queue.ECONFLICT)
	e.unchanged(before, "a second resume")
	// A counter with a customer at it cannot pause.
	e.act(c1, 1, "call", nil, http.StatusOK)
	before = e.state()
	apiCheckError(t, e.do("POST", "/api/v1/counters/1/pause", c1, map[string]string{"reason": "午休"}), http.StatusConflict, queue.ECONFLICT)
	e.unchanged(before, "a pause with a customer at the counter")
}

// TestAPINoShowNeedsRecalls: a no-show (过号) is refused before the configured
// number of recalls.
func TestAPINoShowNeedsRecalls(t *testing.T) {
	e := apiNewServer(t)
	e.issue("A", "normal", "")
	c1 := e.login("clerk1", 1)
	e.act(c1, 1, "call", nil, http.StatusOK)
	before := e.state()
	apiCheckError(t, e.do("POST", "/api/v1/counters/1/no-show", c1, nil), http.StatusConflict, queue.ECONFLICT)
	e.unchanged(before, "a no-show before any recall")
	e.clock.Add(time.Minute)
	if tk := e.actTicket(c1, 1, "recall", nil); tk.Recalls != 1 || tk.Status != "called" {
		t.Errorf("recall: %+v", tk)
	}
	if tk := e.actTicket(c1, 1, "no-show", nil); tk.Status != "no_show" || tk.FinishedAt == nil {
		t.Errorf("no-show after a recall: %+v", tk)
	}
	e.act(c1, 1, "call", nil, http.StatusNoContent)
	// A ticket being served is not a no-show.
	e.issue("A", "normal", "")
	e.act(c1, 1, "call", nil, http.StatusOK)
	e.act(c1, 1, "recall", nil, http.StatusOK)
	e.act(c1, 1, "start", nil, http.StatusOK)
	before = e.state()
	apiCheckError(t, e.do("POST", "/api/v1/counters/1/no-show", c1, nil), http.StatusConflict, queue.ECONFLICT)
	apiCheckError(t, e.do("POST", "/api/v1/counters/1/recall", c1, nil), http.StatusConflict, queue.ECONFLICT)
	e.unchanged(before, "a no-show or recall while serving")
}

// TestAPIQueueShape: services with waiting counts and estimated waits in
// configured order, counters with their current ticket (masked), recent calls.
func TestAPIQueueShape(t *testing.T) {
	e := apiNewServer(t)
	e.issue("A", "normal", "13812345678")
	e.issue("A", "normal", "")
	e.issue("B", "green", "")
	c1 := e.login("clerk1", 1)
	e.act(c1, 1, "call", nil, http.StatusOK)
	e.clock.Add(time.Minute)

	r := e.do("GET", "/api/v1/queue", e.device("display", 0), nil)
	if r.Status != http.StatusOK {
		t.Fatalf("queue: %d %s", r.Status, r.Body)
	}
	if strings.Contains(string(r.Body), "5678") || strings.Contains(string(r.Body), "138****") {
		t.Errorf("the queue shows phone digits to a device: %s", r.Body)
	}
	var q apiQueueJSON
	r.JSON(t, &q)
	_, seq := e.hall.Snapshot()
	if q.Seq != seq || q.Day != "2026-11-23" || !q.Open {
		t.Errorf("queue seq %d day %q open %v, want %d 2026-11-23 true", q.Seq, q.Day, q.Open, seq)
	}
	var prefixes []string
	for _, s := range q.Services {
		prefixes = append(prefixes, s.Prefix)
	}
	if !slices.Equal(prefixes, []string{"A", "B", "C", "D", "E", "F"}) {
		t.Fatalf("services %v", prefixes)
	}
	type fig struct{ waiting, est, longest, open int }
	wantFig := map[string]fig{
		// Counter 1 (A, D) called A001 a minute ago: free in 120 s, then
		// A002 (180 s) before a new A ticket.
		"A": {1, 300, 60, 1},
		"B": {1, 900, 60, 0}, // no open counter serves B: counted as one
		"C": {0, 0, 0, 0},
		"D": {0, 300, 0, 1}, // counter 1 serves A001 and A002 before D

	}
	for _, s := range q.Services {
		w, ok := wantFig[s.Prefix]
		if !ok {
			continue
		}
		if got := (fig{s.Waiting, s.EstimatedWaitS, s.LongestWaitS, s.OpenCounters}); got != w {
			t.Errorf("service %s: waiting/est/longest/open %+v, want %+v", s.Prefix, got, w)
		}
	}
	if q.Services[0].NameZH != "电费缴纳" {
		t.Errorf("service A name %q", q.Services[0].NameZH)
	}
	if len(q.Counters) != 6 {
		t.Fatalf("%d counters", len(q.Counters))
	}
	k1 := q.Counters[0]
	if k1.Number != 1 || k1.State != "open" || k1.Clerk != "clerk1" || k1.ClerkName != "王丽" || !slices.Equal(k1.Services, []string{"A", "D"}) {
		t.Errorf("counter 1: %+v", k1)
	}
	if k1.Ticket == nil || k1.Ticket.Number != "A001" || k1.Ticket.Status != "called" || k1.Ticket.Phone != "" {
		t.Errorf("counter 1 ticket: %+v", k1.Ticket)
	}
	for _, k := range q.Counters[1:] {
		if k.State != "closed" || k.Ticket != nil {
			t.Errorf("counter %d: %+v, want closed with no ticket", k.Number, k)
		}
	}
	if !strings.Contains(string(r.Body), `"ticket":null`) {
		t.Errorf("an idle counter must say \"ticket\":null: %s", r.Body)
	}
	if len(q.Recent) != 1 || q.Recent[0].Number != "A001" || q.Recent[0].Phone != "" {
		t.Errorf("recent calls: %+v", q.Recent)
	}
	// The desk (people) sees the phone masked.
	var desk apiQueueJSON
	e.do("GET", "/api/v1/queue", c1, nil).JSON(t, &desk)
	if k := desk.Counters[0]; k.Ticket == nil || k.Ticket.Phone != "138****5678" {
		t.Errorf("the desk's queue: counter 1 ticket %+v, want the phone masked", k.Ticket)
	}
}

// TestAPICounterWaitingOrder: the waiting list is in calling order: green
// channel, due appointments, the long-waiting, then the counter's own service
// ranking; other services are not listed.
func TestAPICounterWaitingOrder(t *testing.T) {
	e := apiNewServerWith(t, apiSetup{Now: apiMonday10.Add(-time.Minute)})
	// Only a booking's check-in mints an appointment ticket: book the 10:00
	// slot at 09:59, check in at 10:00 (due at once).
	var booked struct{ Code string }
	if r := e.do("POST", "/api/v1/appointments", e.login("manager", 0), map[string]string{"service": "A", "day": "2026-11-23", "slot": "10:00", "phone": "13900000009"}); r.Status != http.StatusCreated {
		t.Fatalf("book: %d %s", r.Status, r.Body)
	} else {
		r.JSON(t, &booked)
	}
	e.issue("D", "normal", "13812345678") // 09:59
	e.clock.Add(time.Minute)
	e.issue("A", "normal", "") // 10:00 A001
	e.issue("A", "green", "")  // A002
	e.issue("B", "normal", "") // not served at counter 1
	if r := e.do("POST", "/api/v1/appointments/check-in", e.kiosk(), map[string]string{"code": booked.Code}); r.Status != http.StatusCreated {
		t.Fatalf("check-in: %d %s", r.Status, r.Body)
	}
	c1 := e.login("clerk1", 1)

	var list []apiTicket
	e.do("GET", "/api/v1/counters/1/waiting", c1, nil).JSON(t, &list)
	if got := apiNumbers(list); !slices.Equal(got, []string{"A002", "A003", "A001", "D001"}) {
		t.Errorf("waiting at counter 1: %v, want A002 A003 A001 D001", got)
	}
	for _, tk := range list {
		if tk.Number == "D001" && tk.Phone != "138****5678" {
			t.Errorf("waiting list phone %q, want masked", tk.Phone)
		}
	}
	// Past starve_after_s (30 min) the older D001 overtakes A001.
	e.clock.Add(31 * time.Minute)
	e.do("GET", "/api/v1/counters/1/waiting", c1, nil).JSON(t, &list)
	if got := apiNumbers(list); !slices.Equal(got, []string{"A002", "A003", "D001", "A001"}) {
		t.Errorf("waiting at counter 1 after 31 min: %v, want A002 A003 D001 A001", got)
	}
	if tk := e.actTicket(c1, 1, "call", nil); tk.Number != "A002" {
		t.Errorf("first call %s, want the head of the list A002", tk.Number)
	}
	mgr := e.login("manager", 0)
	apiCheckError(t, e.do("GET", "/api/v1/counters/99/waiting", mgr, nil), http.StatusNotFound, queue.ENOTFOUND)
	apiCheckError(t, e.do("GET", "/api/v1/counters/x/waiting", mgr, nil), http.StatusNotFound, queue.ENOTFOUND)
}

// TestAPITrackHidesPhone: the tracking page shows the ticket's place but
// nothing personal.
func TestAPITrackHidesPhone(t *testing.T) {
	e := apiNewServer(t)
	e.issue("A", "normal", "")
	tk := e.do("POST", "/api/v1/tickets", e.kiosk(), map[string]string{"service": "A", "phone": "13812345678", "account": "3301234567"})
	var issued apiTicket
	tk.JSON(t, &issued)

	r := e.do("GET", "/api/v1/track/"+issued.Tracking, apiAnon, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("track: %d %s", r.Status, r.Body)
	}
	for _, leak := range []string{"13812345678", "138****", "5678", "4567", `"phone"`, `"account"`} {
		if strings.Contains(string(r.Body), leak) {
			t.Errorf("tracking page shows %q: %s", leak, r.Body)
		}
	}
	var got apiTicket
	r.JSON(t, &got)
	if got.Number != "A002" || got.Status != "waiting" || got.Ahead != 1 || got.EstimatedWaitS != 180 {
		t.Errorf("tracked %+v, want A002 waiting, 1 ahead, 180 s", got)
	}
	c1 := e.login("clerk1", 1)
	e.act(c1, 1, "call", map[string]string{"number": "A002"}, http.StatusOK)
	e.do("GET", "/api/v1/track/"+issued.Tracking, apiAnon, nil).JSON(t, &got)
	if got.Status != "called" || got.Counter != 1 || got.Clerk != "" {
		t.Errorf("tracked after the call: %+v, want called at counter 1 with no clerk name", got)
	}
	apiCheckError(t, e.do("GET", "/api/v1/track/NOSUCHCODE23", apiAnon, nil), http.StatusNotFound, queue.ENOTFOUND)
}

// TestAPILogin: a wrong password and an unknown user get the same 401; a good
// login sets an HttpOnly, SameSite session cookie and seats a clerk.
func TestAPILogin(t *testing.T) {
	e := apiNewServer(t)
	before := e.state()
	wrong := e.do("POST", "/api/v1/login", apiAnon, map[string]any{"user": "clerk1", "password": "wrong-password", "counter": 1})
	apiCheckError(t, wrong, http.StatusUnauthorized, queue.EUNAUTHORIZED)
	unknown := e.do("POST", "/api/v1/login", apiAnon, map[string]any{"user": "nobody", "password": "wrong-password"})
	apiCheckError(t, unknown, http.StatusUnauthorized, queue.EUNAUTHORIZED)
	if wm, um := wrong.Map(t)["error"], unknown.Map(t)["error"]; fmt.Sprint(wm) != fmt.Sprint(um) {
		t.Errorf("wrong password %v and unknown user %v answer differently", wm, um)
	}
	for _, r := range []apiResp{wrong, unknown} {
		if c := r.Header.Get("Set-Cookie"); c != "" {
			t.Errorf("a failed login set a cookie: %s", c)
		}
	}
	apiCheckError(t, e.raw("POST", "/api/v1/login", apiAnon, "application/json", []byte(`{"user":`)), http.StatusBadRequest, queue.EBADREQUEST)
	e.unchanged(before, "failed logins")

	r := e.do("POST", "/api/v1/login", apiAnon, map[string]any{"user": "clerk1", "password": "clerk1-demo", "counter": 1})
	if r.Status != http.StatusOK {
		t.Fatalf("login: %d %s", r.Status, r.Body)
	}
	m := r.Map(t)
	if m["kind"] != "user" || m["name"] != "clerk1" || m["role"] != "clerk" || m["counter"] != float64(1) || m["display"] != "王丽" || m["staff_no"] != "GD1001" {
		t.Errorf("login answered %v", m)
	}
	cookie := r.Header.Get("Set-Cookie")
	for _, attr := range []string{web.SessionCookie + "=", "HttpOnly", "SameSite=Strict", "path=/"} {
		if !strings.Contains(strings.ToLower(cookie), strings.ToLower(attr)) {
			t.Errorf("session cookie %q lacks %s", cookie, attr)
		}
	}
	var q apiQueueJSON
	e.do("GET", "/api/v1/queue", e.kiosk(), nil).JSON(t, &q)
	if q.Counters[0].State != "open" || q.Counters[0].Clerk != "clerk1" {
		t.Errorf("counter 1 after the clerk's login: %+v", q.Counters[0])
	}
}

// TestAPILogout: logout ends the session (the cookie no longer works) and
// closes the clerk's counter.
func TestAPILogout(t *testing.T) {
	e := apiNewServer(t)
	c1 := e.login("clerk1", 1)
	r := e.do("POST", "/api/v1/logout", c1, nil)
	if r.Status != http.StatusNoContent {
		t.Fatalf("logout: %d %s", r.Status, r.Body)
	}
	if c := r.Header.Get("Set-Cookie"); !strings.HasPrefix(c, web.SessionCookie+"=") {
		t.Errorf("logout does not clear the cookie: %q", c)
	}
	apiCheckError(t, e.do("GET", "/api/v1/me", c1, nil), http.StatusUnauthorized, queue.EUNAUTHORIZED)
	apiCheckError(t, e.do("POST", "/api/v1/counters/1/call", c1, nil), http.StatusUnauthorized, queue.EUNAUTHORIZED)
	apiCheckError(t, e.do("POST", "/api/v1/logout", c1, nil), http.StatusUnauthorized, queue.EUNAUTHORIZED)
	var q apiQueueJSON
	e.do("GET", "/api/v1/queue", e.kiosk(), nil).JSON(t, &q)
	if q.Counters[0].State != "closed" || q.Counters[0].Clerk != "" {
		t.Errorf("counter 1 after logout: %+v", q.Counters[0])
	}
}

// TestAPICancelTicket: a manager cancels a waiting ticket, once.
func TestAPICancelTicket(t *testing.T) {
	e := apiNewServer(t)
	tk := e.issue("A", "normal", "")
	mgr := e.login("manager", 0)
	path := fmt.Sprintf("/api/v1/tickets/%d/cancel", tk.ID)
	var got apiTicket
	r := e.do("POST", path, mgr, map[string]string{"reason": "客户离开"})
	r.JSON(t, &got)
	if r.Status != http.StatusOK || got.Status != "cancelled" || got.FinishedAt == nil {
		t.Errorf("cancel: %d %+v", r.Status, got)
	}
	before := e.state()
	apiCheckError(t, e.do("POST", path, mgr, nil), http.StatusConflict, queue.ECONFLICT)
	apiCheckError(t, e.do("POST", "/api/v1/tickets/9999/cancel", mgr, nil), http.StatusNotFound, queue.ENOTFOUND)
	apiCheckError(t, e.do("POST", "/api/v1/tickets/x/cancel", mgr, nil), http.StatusNotFound, queue.ENOTFOUND)
	apiCheckError(t, e.raw("POST", path, mgr, "application/json", []byte(`{"why":1}`)), http.StatusBadRequest, queue.EBADREQUEST)
	e.unchanged(before, "refused cancels")
}

// TestAPINotFound: unknown addresses, tickets and actions are JSON 404s.
func TestAPINotFound(t *testing.T) {
	e := apiNewServer(t)
	mgr := e.login("manager", 0)
	before := e.state()
	for _, tc := range []struct{ method, path string }{
		{"GET", "/api/v1/nothing-here"},
		{"GET", "/api/v1/tickets/9999"},
		{"GET", "/api/v1/tickets/abc"},
		{"POST", "/api/v1/counters/1/dance"},
		{"POST", "/api/v1/counters/0/call"},
		{"POST", "/api/v1/counters/99/call"},
		{"DELETE", "/api/v1/queue"},
		{"GET", "/assets/../go.mod"},
		{"GET", "/assets/assets.go"},
	} {
		apiCheckError(t, e.do(tc.method, tc.path, mgr, nil), http.StatusNotFound, queue.ENOTFOUND)
	}
	e.unchanged(before, "requests for nothing")
}

// TestAPIHealthz: 200 {"status":"ok","seq":N} for anyone.
func TestAPIHealthz(t *testing.T) {
	e := apiNewServer(t)
	e.issue("A", "normal", "")
	r := e.do("GET", "/healthz", apiAnon, nil)
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("healthz: %d %s %s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	_, seq := e.hall.Snapshot()
	var h struct {
		Status string `json:"status"`
		Seq    uint64 `json:"seq"`
	}
	r.JSON(t, &h)
	if h.Status != "ok" || h.Seq != seq {
		t.Errorf("healthz %+v, want ok at seq %d", h, seq)
	}
}

// TestAPIMetrics: Prometheus text with the issued-ticket counter.
func TestAPIMetrics(t *testing.T) {
	e := apiNewServer(t)
	e.issue("A", "normal", "")
	e.issue("A", "normal", "")
	e.issue("B", "normal", "")
	e.do("GET", "/api/v1/queue", apiAnon, nil) // a 401 to count
	r := e.do("GET", "/metrics", apiAnon, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("metrics: %d", r.Status)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("metrics Content-Type %q, want text/plain", ct)
	}
	body := string(r.Body)
	for _, want := range []string{
		"# TYPE hallq_tickets_issued_total counter",
		`hallq_tickets_issued_total{service="A"} 2`,
		`hallq_tickets_issued_total{service="B"} 1`,
		`hallq_waiting{service="A"} 2`,
		`hallq_counters{state="closed"} 6`,
		`hallq_events_total{type="ticket_issued"} 3`,
		`hallq_http_requests_total{status="401"} 1`,
		`hallq_http_requests_total{status="201"} 3`,
		"# TYPE hallq_http_request_duration_seconds histogram",
		`hallq_http_request_duration_seconds_bucket{le="+Inf"} 4`, // 3 issues and the 401; not this request
		"hallq_http_request_duration_seconds_count 4",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
	// What the database wrote since start: the three issues were commits
	// of their own, each writing pages.
	for _, name := range []string{"hallq_store_page_writes_total", "hallq_store_page_bytes_total", "hallq_store_used_bytes"} {
		m := regexp.MustCompile(`(?m)^` + name + ` (\d+)$`).FindStringSubmatch(body)
		if m == nil {
			t.Errorf("metrics lack %s:\n%s", name, body)
			continue
		}
		if n, _ := strconv.ParseInt(m[1], 10, 64); n <= 0 || name == "hallq_store_page_writes_total" && n < 3 {
			t.Errorf("%s %d after three committed issues", name, n)
		}
	}
}
