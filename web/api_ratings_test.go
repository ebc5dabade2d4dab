package web_test

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"hallq/hall"
	"hallq/rating"
)

// ratingServed issues a ticket and has clerk1 serve and finish it at counter
// 1, returning it.
func ratingServed(e *apiEnv, clerk apiCred, n int) apiTicket {
	e.t.Helper()
	tk := e.issue("A", "normal", "13812345678")
	if got := e.actTicket(clerk, n, "call", nil); got.ID != tk.ID {
		e.t.Fatalf("called %s, want %s", got.Number, tk.Number)
	}
	return e.actTicket(clerk, n, "finish", map[string]string{"item": "pay_bill"})
}

// TestAPIRatingRefusals: every way a rating is refused, with its status and
// code, and nothing changes; then the one good rating.
func TestAPIRatingRefusals(t *testing.T) {
	e := apiNewServer(t)
	clerk := e.login("clerk1", 1)
	kp1, kp2 := e.device(hall.KindKeypad, 1), e.device(hall.KindKeypad, 2)
	tk := ratingServed(e, clerk, 1)
	ok := map[string]any{"ticket": tk.ID, "score": 5}

	cases := []struct {
		name   string
		cred   apiCred
		body   any
		status int
		code   string
	}{
		{"anonymous", apiAnon, ok, 401, "unauthorized"},
		{"the clerk for the customer", clerk, ok, 403, "forbidden"},
		{"a manager", e.login("manager", 0), ok, 403, "forbidden"},
		{"the counter screen", e.device(hall.KindCounter, 1), ok, 403, "forbidden"},
		{"the keypad of counter 2", kp2, ok, 403, "forbidden"},
		{"score 0", kp1, map[string]any{"ticket": tk.ID, "score": 0}, 422, "invalid"},
		{"score 6", kp1, map[string]any{"ticket": tk.ID, "score": 6}, 422, "invalid"},
		{"a reason not listed", kp1, map[string]any{"ticket": tk.ID, "score": 1, "reason": "不告诉你"}, 422, "invalid"},
		{"a reason with 满意", kp1, map[string]any{"ticket": tk.ID, "score": 4, "reason": "服务态度"}, 422, "invalid"},
		{"no ticket", kp1, map[string]any{"score": 5}, 422, "invalid"},
		{"a score as text", kp1, map[string]any{"ticket": tk.ID, "score": "5"}, 400, "bad_request"},
		{"an unknown field", kp1, map[string]any{"ticket": tk.ID, "score": 5, "clerk": "x"}, 400, "bad_request"},
		{"an unknown ticket", kp1, map[string]any{"ticket": 987654, "score": 5}, 404, "not_found"},
	}
	for _, c := range cases {
		before := e.state()
		r := e.do("POST", "/api/v1/ratings", c.cred, c.body)
		t.Run(c.name, func(t *testing.T) { apiCheckError(t, r, c.status, c.code) })
		e.unchanged(before, c.name)
	}

	// Not finished: the next ticket is only called.
	next := e.issue("A", "normal", "")
	e.actTicket(clerk, 1, "call", nil)
	before := e.state()
	apiCheckError(t, e.do("POST", "/api/v1/ratings", kp1, map[string]any{"ticket": next.ID, "score": 5}), 409, "conflict")
	e.unchanged(before, "a ticket not finished")

	// The pending rating is the finished one; it is rated once.
	var st struct {
		Counter   int    `json:"counter"`
		ClerkName string `json:"clerk_name"`
		StaffNo   string `json:"staff_no"`
		WindowS   int    `json:"window_s"`
		Pending   *struct {
			Ticket   uint64    `json:"ticket"`
			Number   string    `json:"number"`
			Deadline time.Time `json:"deadline"`
		} `json:"pending"`
	}
	e.do("GET", "/api/v1/ratings/pending", kp1, nil).JSON(t, &st)
	if st.Counter != 1 || st.ClerkName != "王丽" || st.StaffNo != "GD1001" || st.WindowS != 120 || st.Pending == nil ||
		st.Pending.Ticket != tk.ID || st.Pending.Number != tk.Number || !st.Pending.Deadline.Equal(tk.FinishedAt.Add(2*time.Minute)) {
		t.Fatalf("pending %+v (pending %+v)", st, st.Pending)
	}
	r := e.do("POST", "/api/v1/ratings", kp1, map[string]any{"ticket": tk.ID, "score": 1, "reason": "等候时间"})
	if r.Status != http.StatusCreated {
		t.Fatalf("rating: %d %s", r.Status, r.Body)
	}
	m := r.Map(t)
	if m["ticket"] != float64(tk.ID) || m["score"] != 1.0 || m["reason"] != "等候时间" || m["clerk"] != "clerk1" ||
		m["clerk_name"] != "王丽" || m["counter"] != 1.0 || m["service"] != "A" || m["item"] != "pay_bill" || m["class"] != "immediate" || m["day"] != "2026-11-23" {
		t.Errorf("rating %v", m)
	}
	before = e.state()
	apiCheckError(t, e.do("POST", "/api/v1/ratings", kp1, map[string]any{"ticket": tk.ID, "score": 5}), 409, "conflict")
	e.unchanged(before, "a second rating")
	st.Pending = nil
	e.do("GET", "/api/v1/ratings/pending", kp1, nil).JSON(t, &st)
	if st.Pending != nil {
		t.Errorf("still pending after the rating: %+v", st.Pending)
	}

	// Too late: the next service, rated 121 s after its finish.
	e.actTicket(clerk, 1, "finish", nil)
	e.clock.Add(121 * time.Second)
	before = e.state()
	apiCheckError(t, e.do("POST", "/api/v1/ratings", kp1, map[string]any{"ticket": next.ID, "score": 5}), 409, "conflict")
	e.unchanged(before, "a late rating")
}

// TestAPIRatingLoop: a low rating opens a call-back the manager closes; the
// summary and the clerk's own figures count it; settings change the window.
func TestAPIRatingLoop(t *testing.T) {
	e := apiNewServer(t)
	clerk := e.login("clerk1", 1)
	mgr := e.login("manager", 0)
	kp1 := e.device(hall.KindKeypad, 1)
	good := ratingServed(e, clerk, 1)
	if r := e.do("POST", "/api/v1/ratings", kp1, map[string]any{"ticket": good.ID, "score": 5}); r.Status != 201 {
		t.Fatalf("rate: %d %s", r.Status, r.Body)
	}
	bad := ratingServed(e, clerk, 1)
	if r := e.do("POST", "/api/v1/ratings", kp1, map[string]any{"ticket": bad.ID, "score": 2, "reason": "服务态度"}); r.Status != 201 {
		t.Fatalf("rate: %d %s", r.Status, r.Body)
	}
	ratingServed(e, clerk, 1) // served, not rated

	var cbs []rating.Callback
	e.do("GET", "/api/v1/callbacks?status=open", mgr, nil).JSON(t, &cbs)
	if len(cbs) != 1 || cbs[0].Ticket != bad.ID || cbs[0].Clerk != "clerk1" || cbs[0].Reason != "服务态度" || cbs[0].Class != "immediate" || cbs[0].Status != "open" {
		t.Fatalf("open call-backs %+v", cbs)
	}
	apiCheckError(t, e.do("GET", "/api/v1/callbacks?status=maybe", mgr, nil), 422, "invalid")
	path := fmt.Sprintf("/api/v1/callbacks/%d", bad.ID)
	before := e.state()
	apiCheckError(t, e.do("POST", path, mgr, map[string]string{"outcome": "fine", "note": "x"}), 422, "invalid")
	apiCheckError(t, e.do("POST", path, clerk, map[string]string{"outcome": "resolved", "note": "x"}), 403, "forbidden")
	apiCheckError(t, e.do("POST", fmt.Sprintf("/api/v1/callbacks/%d", good.ID), mgr, map[string]string{"outcome": "resolved", "note": "x"}), 404, "not_found")
	e.unchanged(before, "refused call-back records")
	var cb rating.Callback
	r := e.do("POST", path, mgr, map[string]string{"outcome": "explained", "note": "已致电说明"})
	r.JSON(t, &cb)
	if r.Status != 200 || cb.Status != "done" || cb.Outcome != "explained" || cb.ClosedBy != "manager" || len(cb.Attempts) != 1 {
		t.Fatalf("record call-back: %d %+v", r.Status, cb)
	}
	apiCheckError(t, e.do("POST", path, mgr, map[string]string{"outcome": "resolved", "note": "again"}), 409, "conflict")

	// Figures: 3 served, 2 rated, 1 satisfied.
	var sum rating.Stats
	r = e.do("GET", "/api/v1/ratings/summary?from=2026-11-23&to=2026-11-23", mgr, nil)
	r.JSON(t, &sum)
	if r.Status != 200 || sum.Total.Served != 3 || sum.Total.Rated != 2 || sum.Total.Satisfied != 1 || sum.Total.Satisfaction != 0.5 ||
		len(sum.ByClerk) != 1 || sum.ByClerk[0].Name != "王丽" || sum.Reasons["服务态度"] != 1 {
		t.Errorf("summary %d %+v", r.Status, sum)
	}
	apiCheckError(t, e.do("GET", "/api/v1/ratings/summary?from=2026-11-23&to=yesterday", mgr, nil), 422, "invalid")
	apiCheckError(t, e.do("GET", "/api/v1/ratings/summary", clerk, nil), 403, "forbidden")
	var mine rating.Counts
	e.do("GET", "/api/v1/ratings/mine", clerk, nil).JSON(t, &mine)
	if mine.Served != 3 || mine.Rated != 2 || mine.Low != 1 {
		t.Errorf("clerk's own figures %+v", mine)
	}

	// The desk shows them.
	doc := apiDoc(t, e.do("GET", "/desk", clerk, nil))
	if got := doc.Find("[data-testid=desk-rating-satisfaction]").Text(); got != "50.0%" {
		t.Errorf("desk satisfaction %q, want 50.0%%", got)
	}
	if got := doc.Find("[data-testid=desk-rating-counts]").Text(); got != "已评 2 / 办结 3" {
		t.Errorf("desk counts %q", got)
	}

	// Settings.
	before = e.state()
	apiCheckError(t, e.do("PUT", "/api/v1/ratings/settings", mgr, map[string]int{"window_s": 1, "alert_after": 2}), 422, "invalid")
	e.unchanged(before, "bad settings")
	var set rating.Settings
	if r := e.do("PUT", "/api/v1/ratings/settings", mgr, map[string]int{"window_s": 60, "alert_after": 3}); r.Status != 200 {
		t.Fatalf("settings: %d %s", r.Status, r.Body)
	}
	e.do("GET", "/api/v1/ratings/settings", mgr, nil).JSON(t, &set)
	if set.WindowS != 60 || set.AlertAfter != 3 {
		t.Errorf("settings %+v", set)
	}
}

func apiDoc(t *testing.T, r apiResp) *goquery.Document {
	t.Helper()
	if r.Status != 200 {
		t.Fatalf("page: %d %s", r.Status, r.Body)
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestKeypadPage: idle the keypad shows the clerk; after a finish it renders
// the pending rating (so a reload asks again); a person previews it.
func TestKeypadPage(t *testing.T) {
	e := apiNewServer(t)
	kp1 := apiCred{Name: "keypad 1 by cookie", DeviceCookie: e.device(hall.KindKeypad, 1).Bearer}
	clerk := e.login("clerk1", 1)
	doc := apiDoc(t, e.do("GET", "/keypad", kp1, nil))
	app := doc.Find("[data-testid=keypad]")
	if s, _ := app.Attr("data-screen"); s != "idle" {
		t.Errorf("screen %q, want idle", s)
	}
	if got := doc.Find("[data-testid=keypad-clerk-name]").Text(); !bytes.Contains([]byte(got), []byte("王丽")) {
		t.Errorf("clerk %q", got)
	}
	if got := doc.Find("[data-testid=keypad-staff]").Text(); !bytes.Contains([]byte(got), []byte("GD1001")) {
		t.Errorf("staff number %q", got)
	}
	if n := doc.Find("[data-testid=keypad-rate] .kp-key").Length(); n != 5 {
		t.Errorf("%d score keys, want 5", n)
	}
	if n := doc.Find("[data-testid=keypad-reason] .kp-rsn").Length(); n != len(rating.Reasons)+1 {
		t.Errorf("%d reason keys, want %d and skip", n, len(rating.Reasons))
	}
	if got := doc.Find("[data-testid=keypad-rate] .kp-ask .pri").Text(); got != "请对本次服务进行评价" {
		t.Errorf("question %q", got)
	}
	tk := ratingServed(e, clerk, 1)
	doc = apiDoc(t, e.do("GET", "/keypad", kp1, nil))
	app = doc.Find("[data-testid=keypad]")
	if s, _ := app.Attr("data-screen"); s != "rate" {
		t.Errorf("screen after a finish %q, want rate", s)
	}
	if id, _ := app.Attr("data-ticket"); id != fmt.Sprint(tk.ID) {
		t.Errorf("pending ticket %q, want %d", id, tk.ID)
	}
	if dl, _ := app.Attr("data-deadline"); dl != fmt.Sprint(tk.FinishedAt.Add(2*time.Minute).UnixMilli()) {
		t.Errorf("deadline %q", dl)
	}
	// Another counter's keypad is idle.
	doc = apiDoc(t, e.do("GET", "/keypad", e.device(hall.KindKeypad, 2), nil))
	if s, _ := doc.Find("[data-testid=keypad]").Attr("data-screen"); s != "idle" {
		t.Errorf("keypad 2 screen %q, want idle", s)
	}
	// After the window the page idles too.
	e.clock.Add(121 * time.Second)
	doc = apiDoc(t, e.do("GET", "/keypad", kp1, nil))
	if s, _ := doc.Find("[data-testid=keypad]").Attr("data-screen"); s != "idle" {
		t.Errorf("screen after the window %q, want idle", s)
	}
	// The managers' call-back page renders.
	doc = apiDoc(t, e.do("GET", "/callbacks", e.login("manager", 0), nil))
	if doc.Find("[data-testid=callbacks-none]").Length() != 1 {
		t.Errorf("call-back page without tasks shows no 'none' line")
	}
}
