package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"hallq/queue"
)

// TestAPIBusyDayNumbers issues 2,500 tickets of one service in a day
// through the kiosk's API: no 409 at the 1,000th, numbers go on (A1000 …
// A2500), each once, and the store check accepts the day.
func TestAPIBusyDayNumbers(t *testing.T) {
	t.Parallel()
	e := apiNewServer(t)
	seen := map[string]bool{}
	var last apiTicket
	for i := 1; i <= 2500; i++ {
		e.clock.Add(2 * time.Second) // the kiosk's own rate
		last = e.issue("A", "normal", "")
		if seen[last.Number] {
			t.Fatalf("ticket %d: number %s again", i, last.Number)
		}
		seen[last.Number] = true
		if i == 999 && last.Number != "A999" || i == 1000 && last.Number != "A1000" {
			t.Errorf("ticket %d is %s", i, last.Number)
		}
	}
	if last.Number != "A2500" || last.Ahead != 2499 {
		t.Errorf("the 2,500th ticket: %s, %d ahead", last.Number, last.Ahead)
	}
	// The desk finds it by number, and the queue shows every one waiting.
	c1 := e.login("clerk1", 1)
	if tk := e.actTicket(c1, 1, "call", map[string]any{"number": "A2500"}); tk.Number != "A2500" || tk.Status != "called" {
		t.Errorf("call A2500: %+v", tk)
	}
}

// TestAPIReturnMissed: 过号顺延 at the kiosk (typed number or the scanned
// QR's URL) and at the desk; refusals change nothing.
func TestAPIReturnMissed(t *testing.T) {
	e := apiNewServer(t)
	first := e.issue("A", "normal", "")
	for range 5 {
		e.issue("A", "normal", "")
	}
	c1 := e.login("clerk1", 1)
	before := e.state()
	apiCheckError(t, e.do("POST", "/api/v1/tickets/return", e.kiosk(), map[string]any{"number": first.Number}), http.StatusConflict, queue.ECONFLICT)
	apiCheckError(t, e.do("POST", "/api/v1/tickets/return", e.kiosk(), map[string]any{}), http.StatusUnprocessableEntity, queue.EINVALID)
	apiCheckError(t, e.do("POST", "/api/v1/tickets/return", e.kiosk(), map[string]any{"number": "Z999"}), http.StatusNotFound, queue.ENOTFOUND)
	apiCheckError(t, e.do("POST", "/api/v1/tickets/return", e.device("display", 0), map[string]any{"number": first.Number}), http.StatusForbidden, queue.EFORBIDDEN)
	e.unchanged(before, "refused returns")

	e.actTicket(c1, 1, "call", nil)
	e.act(c1, 1, "recall", nil, http.StatusOK)
	e.actTicket(c1, 1, "no-show", nil)
	e.clock.Add(5 * time.Minute)
	var back apiTicket
	r := e.do("POST", "/api/v1/tickets/return", e.kiosk(), map[string]any{"code": "https://hall.example/t/" + first.Tracking})
	if r.Status != http.StatusOK {
		t.Fatalf("return by QR: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &back)
	if back.Number != first.Number || back.Status != "waiting" || back.Ahead != 3 {
		t.Errorf("returned: %+v", back)
	}
	var list []apiTicket
	e.do("GET", "/api/v1/counters/1/waiting", c1, nil).JSON(t, &list)
	if got := strings.Join(apiNumbers(list), " "); got != "A002 A003 A004 A001 A005 A006" {
		t.Errorf("desk's calling order: %s", got)
	}
	// Missed again: once is the default, so the second return is refused.
	for {
		tk := e.actTicket(c1, 1, "call", nil)
		if tk.Number == first.Number {
			break
		}
		e.act(c1, 1, "finish", nil, http.StatusOK)
	}
	e.act(c1, 1, "recall", nil, http.StatusOK)
	e.actTicket(c1, 1, "no-show", nil)
	before = e.state()
	apiCheckError(t, e.do("POST", "/api/v1/tickets/return", c1, map[string]any{"number": strings.ToLower(first.Number)}), http.StatusConflict, queue.ECONFLICT)
	e.unchanged(before, "a second return")
	_ = fmt.Sprint
}
