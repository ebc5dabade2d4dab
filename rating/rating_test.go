package rating_test

import (
	"math"
	"testing"
	"time"

	"hallq/account"
	"hallq/hall"
	"hallq/internal/halltest"
	"hallq/queue"
	"hallq/rating"
)

// keypad pairs a keypad to counter n and returns it as a principal, as the
// web layer gets it from the device token.
func (f *fixture) keypad(n int) hall.Principal {
	f.t.Helper()
	tok, err := halltest.Accounts(f.h).AddDevice(ctx, account.NewDevice{Name: "评价器" + string(rune('0'+n)), Kind: hall.KindKeypad, Counter: n})
	if err != nil {
		f.t.Fatal(err)
	}
	p, err := halltest.Accounts(f.h).AuthenticateDevice(ctx, tok)
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

// serve issues a ticket of svc, has clerk p call it at counter n and finish
// it with item, and returns the finished ticket.
func (f *fixture) serve(p hall.Principal, n int, svc, item string) queue.Ticket {
	f.t.Helper()
	tk := f.issue(svc)
	if got := f.op(p, n, "call"); got.ID != tk.ID {
		f.t.Fatalf("counter %d called %s, want %s", n, got.Number, tk.Number)
	}
	done, err := f.h.Operate(ctx, p, n, hall.CounterOp{Action: "finish", Item: item})
	if err != nil || done.Status != queue.Done {
		f.t.Fatalf("finish %s: %v %v", tk.Number, done.Status, err)
	}
	return done
}

func (f *fixture) seq() uint64 {
	_, s := f.h.Snapshot()
	return s
}

// refused checks that err has the code and that nothing was committed.
func refused(t *testing.T, f *fixture, what string, before uint64, err error, code string) {
	t.Helper()
	if queue.ErrorCode(err) != code {
		t.Errorf("%s: got %v (code %s), want %s", what, err, queue.ErrorCode(err), code)
	}
	if after := f.seq(); after != before {
		t.Errorf("%s: committed events %d → %d; a refusal must change nothing", what, before, after)
	}
}

func TestRateIntegrity(t *testing.T) {
	f := newFixture(t, monday10, true)
	_, c1 := f.clerk("c1", 1)
	_, c2 := f.clerk("c2", 2)
	k1, k2 := f.keypad(1), f.keypad(2)
	mgr := f.manager()
	t1 := f.serve(c1, 1, "A", "pay_bill")
	served2 := f.serve(c2, 2, "A", "")

	cases := []struct {
		name string
		p    hall.Principal
		req  rating.RateRequest
		code string
	}{
		{"the clerk who served", c1, rating.RateRequest{Ticket: t1.ID, Score: 5}, queue.EFORBIDDEN},
		{"a manager", mgr, rating.RateRequest{Ticket: t1.ID, Score: 5}, queue.EFORBIDDEN},
		{"the kiosk", kiosk, rating.RateRequest{Ticket: t1.ID, Score: 5}, queue.EFORBIDDEN},
		{"the keypad of another counter", k2, rating.RateRequest{Ticket: t1.ID, Score: 5}, queue.EFORBIDDEN},
		{"keypad 1 rating counter 2's service", k1, rating.RateRequest{Ticket: served2.ID, Score: 5}, queue.EFORBIDDEN},
		{"an unpaired keypad", hall.Principal{Kind: "device", Role: hall.KindKeypad, Name: "x"}, rating.RateRequest{Ticket: t1.ID, Score: 5}, queue.EFORBIDDEN},
		{"score 0", k1, rating.RateRequest{Ticket: t1.ID, Score: 0}, queue.EINVALID},
		{"score 6", k1, rating.RateRequest{Ticket: t1.ID, Score: 6}, queue.EINVALID},
		{"score -1", k1, rating.RateRequest{Ticket: t1.ID, Score: -1}, queue.EINVALID},
		{"no ticket", k1, rating.RateRequest{Score: 5}, queue.EINVALID},
		{"unknown reason", k1, rating.RateRequest{Ticket: t1.ID, Score: 1, Reason: "太热"}, queue.EINVALID},
		{"a reason with a good score", k1, rating.RateRequest{Ticket: t1.ID, Score: 4, Reason: "服务态度"}, queue.EINVALID},
		{"no such ticket", k1, rating.RateRequest{Ticket: 99999, Score: 5}, queue.ENOTFOUND},
	}
	for _, c := range cases {
		before := f.seq()
		_, err := f.r.Rate(ctx, c.p, c.req)
		refused(t, f, c.name, before, err, c.code)
	}
	if r, ok, err := f.rating(t1.ID); ok || err != nil {
		t.Fatalf("after refusals ticket %s has a rating (%+v, %v)", t1.Number, r, err)
	}

	// A ticket being served at counter 1 is not finished.
	t2 := f.issue("A")
	f.op(c1, 1, "call")
	before := f.seq()
	_, err := f.r.Rate(ctx, k1, rating.RateRequest{Ticket: t2.ID, Score: 5})
	refused(t, f, "a called ticket", before, err, queue.ECONFLICT)

	// The last finished service may still be rated while the next is called.
	r, err := f.r.Rate(ctx, k1, rating.RateRequest{Ticket: t1.ID, Score: 4})
	if err != nil {
		t.Fatal(err)
	}
	want := rating.Rating{Ticket: t1.ID, Number: t1.Number, Day: t1.Day, Score: 4, Clerk: "c1", ClerkName: "职员c1",
		Counter: 1, Service: "A", Item: "pay_bill", Class: "immediate", FinishedAt: *t1.FinishedAt, At: monday10, Device: k1.Name}
	sameJSON(t, "rating", r, want)
	got, ok, err := f.rating(t1.ID)
	if err != nil || !ok {
		t.Fatalf("stored rating: %v, %v", ok, err)
	}
	sameJSON(t, "stored rating", got, want)

	// Only once, whoever tries.
	for _, score := range []int{4, 1} {
		before = f.seq()
		_, err = f.r.Rate(ctx, k1, rating.RateRequest{Ticket: t1.ID, Score: score})
		refused(t, f, "a second rating", before, err, queue.ECONFLICT)
	}

	// Only the service just finished: t3 is superseded by t4.
	f.op(c1, 1, "finish")
	t3 := f.serve(c1, 1, "A", "")
	t4 := f.serve(c1, 1, "A", "")
	before = f.seq()
	_, err = f.r.Rate(ctx, k1, rating.RateRequest{Ticket: t3.ID, Score: 5})
	refused(t, f, "an earlier service", before, err, queue.ECONFLICT)
	if p, ok := f.r.Pending(1); !ok || p.Ticket != t4.ID || !p.Deadline.Equal(t4.FinishedAt.Add(2*time.Minute)) {
		t.Errorf("pending rating of counter 1: %+v %v, want %s until +2 min", p, ok, t4.Number)
	}
	if _, err := f.r.Rate(ctx, k1, rating.RateRequest{Ticket: t4.ID, Score: 1, Reason: "办理效率"}); err != nil {
		t.Fatal(err)
	}
	if p, ok := f.r.Pending(1); ok {
		t.Errorf("counter 1 still has a pending rating after it was rated: %+v", p)
	}

	// Everything survives a restart, and still only once.
	f.restart()
	if got, ok, err := f.rating(t4.ID); err != nil || !ok || got.Score != 1 || got.Reason != "办理效率" {
		t.Errorf("after restart: %+v %v %v", got, ok, err)
	}
}

func TestRatingTimeout(t *testing.T) {
	f := newFixture(t, monday10, true)
	_, c1 := f.clerk("c1", 1)
	k1 := f.keypad(1)
	mgr := f.manager()
	tk := f.serve(c1, 1, "A", "")

	f.clock.Add(119 * time.Second)
	if n, err := f.r.Expire(ctx); err != nil || n != 0 {
		t.Fatalf("expire inside the window: %d %v, want 0", n, err)
	}
	if _, ok := f.r.Pending(1); !ok {
		t.Fatal("no pending rating inside the window")
	}
	f.clock.Add(2 * time.Second) // 121 s after the finish
	if p, ok := f.r.Pending(1); ok {
		t.Errorf("pending rating after the window: %+v", p)
	}
	before := f.seq()
	_, err := f.r.Rate(ctx, k1, rating.RateRequest{Ticket: tk.ID, Score: 5})
	refused(t, f, "a late rating", before, err, queue.ECONFLICT)

	n, err := f.r.Expire(ctx)
	if err != nil || n != 1 {
		t.Fatalf("expire after the window: %d %v, want 1", n, err)
	}
	r, ok, err := f.rating(tk.ID)
	if err != nil || !ok || r.Score != rating.ScoreUnrated || r.Clerk != "c1" || r.Counter != 1 || !r.At.Equal(monday10.Add(121*time.Second)) {
		t.Errorf("未评价 record: %+v %v %v", r, ok, err)
	}
	if n, err := f.r.Expire(ctx); err != nil || n != 0 {
		t.Errorf("second expiry: %d %v, want 0", n, err)
	}
	before = f.seq()
	_, err = f.r.Rate(ctx, k1, rating.RateRequest{Ticket: tk.ID, Score: 5})
	refused(t, f, "a rating after 未评价", before, err, queue.ECONFLICT)

	// The window is configurable, by managers only, within bounds.
	before = f.seq()
	_, err = f.r.SetSettings(ctx, c1, rating.Settings{WindowS: 30, AlertAfter: 2})
	refused(t, f, "a clerk changing the settings", before, err, queue.EFORBIDDEN)
	for _, bad := range []rating.Settings{{WindowS: 5, AlertAfter: 2}, {WindowS: 4000, AlertAfter: 2}, {WindowS: 30, AlertAfter: 0}} {
		before = f.seq()
		_, err = f.r.SetSettings(ctx, mgr, bad)
		refused(t, f, "bad settings", before, err, queue.EINVALID)
	}
	if _, err := f.r.SetSettings(ctx, mgr, rating.Settings{WindowS: 30, AlertAfter: 3}); err != nil {
		t.Fatal(err)
	}
	f.restart()
	if s := f.r.Settings(); s.WindowS != 30 || s.AlertAfter != 3 {
		t.Errorf("settings after restart %+v", s)
	}
	_, c1 = f.login("c1", 1)
	t2 := f.serve(c1, 1, "A", "")
	f.clock.Add(31 * time.Second)
	before = f.seq()
	_, err = f.r.Rate(ctx, k1, rating.RateRequest{Ticket: t2.ID, Score: 5})
	refused(t, f, "a rating after the 30 s window", before, err, queue.ECONFLICT)
	if n, _ := f.r.Expire(ctx); n != 1 {
		t.Errorf("expired %d with the 30 s window, want 1", n)
	}
}

func TestCallbackLifecycle(t *testing.T) {
	f := newFixture(t, monday10, true)
	_, c1 := f.clerk("c1", 1)
	_, c2 := f.clerk("c2", 2)
	k1, k2 := f.keypad(1), f.keypad(2)
	mgr := f.manager()
	var rec recorder
	defer rec.listen(f.h)()

	// A good rating opens nothing.
	tk := f.serve(c1, 1, "D", "usage_query")
	if _, err := f.r.Rate(ctx, k1, rating.RateRequest{Ticket: tk.ID, Score: 3}); err != nil {
		t.Fatal(err)
	}
	if cbs, _ := f.r.Callbacks(""); len(cbs) != 0 {
		t.Fatalf("a 基本满意 opened call-backs: %+v", cbs)
	}
	low := f.serve(c1, 1, "D", "other_account_privacy")
	if _, err := f.r.Rate(ctx, k1, rating.RateRequest{Ticket: low.ID, Score: 2, Reason: "业务解答"}); err != nil {
		t.Fatal(err)
	}
	open, err := f.r.Callbacks(rating.CallbackOpen)
	if err != nil || len(open) != 1 {
		t.Fatalf("open call-backs %+v %v, want 1", open, err)
	}
	want := rating.Callback{Ticket: low.ID, Number: low.Number, Day: low.Day, Score: 2, Reason: "业务解答", Clerk: "c1", ClerkName: "职员c1",
		Counter: 1, Service: "D", Item: "other_account_privacy", Class: "must_refuse", Status: rating.CallbackOpen, OpenedAt: monday10}
	sameJSON(t, "new call-back", open[0], want)
	if a, _ := f.r.Alerts(low.Day); len(a) != 0 {
		t.Errorf("one low rating raised an alert: %+v", a)
	}

	// Refusals.
	checks := []struct {
		name string
		p    hall.Principal
		id   uint64
		req  rating.CallbackRequest
		code string
	}{
		{"a clerk", c1, low.ID, rating.CallbackRequest{Outcome: "resolved", Note: "ok"}, queue.EFORBIDDEN},
		{"a keypad", k1, low.ID, rating.CallbackRequest{Outcome: "resolved", Note: "ok"}, queue.EFORBIDDEN},
		{"a bad outcome", mgr, low.ID, rating.CallbackRequest{Outcome: "whatever", Note: "ok"}, queue.EINVALID},
		{"no note", mgr, low.ID, rating.CallbackRequest{Outcome: "resolved", Note: "  "}, queue.EINVALID},
		{"no task", mgr, tk.ID, rating.CallbackRequest{Outcome: "resolved", Note: "ok"}, queue.ENOTFOUND},
	}
	for _, c := range checks {
		before := f.seq()
		_, err := f.r.RecordCallback(ctx, c.p, c.id, c.req)
		refused(t, f, c.name, before, err, c.code)
	}

	// Unreachable keeps it open; resolved closes it; then it is closed.
	f.clock.Add(time.Hour)
	cb, err := f.r.RecordCallback(ctx, mgr, low.ID, rating.CallbackRequest{Outcome: "unreachable", Note: "无人接听"})
	if err != nil || cb.Status != rating.CallbackOpen || len(cb.Attempts) != 1 || cb.Outcome != "unreachable" {
		t.Fatalf("unreachable: %+v %v", cb, err)
	}
	f.clock.Add(time.Hour)
	cb, err = f.r.RecordCallback(ctx, mgr, low.ID, rating.CallbackRequest{Outcome: "resolved", Note: "已向客户说明隐私规定，客户表示理解"})
	if err != nil {
		t.Fatal(err)
	}
	closedAt := monday10.Add(2 * time.Hour)
	want.Status, want.Outcome, want.ClosedAt, want.ClosedBy = rating.CallbackDone, "resolved", &closedAt, "boss"
	want.Attempts = []rating.CallbackAttempt{
		{At: monday10.Add(time.Hour), By: "boss", Outcome: "unreachable", Note: "无人接听"},
		{At: closedAt, By: "boss", Outcome: "resolved", Note: "已向客户说明隐私规定，客户表示理解"},
	}
	sameJSON(t, "closed call-back", cb, want)
	before := f.seq()
	_, err = f.r.RecordCallback(ctx, mgr, low.ID, rating.CallbackRequest{Outcome: "resolved", Note: "again"})
	refused(t, f, "a closed task", before, err, queue.ECONFLICT)
	if open, _ := f.r.Callbacks(rating.CallbackOpen); len(open) != 0 {
		t.Errorf("open after closing: %+v", open)
	}
	if done, _ := f.r.Callbacks(rating.CallbackDone); len(done) != 1 {
		t.Errorf("done call-backs: %+v", done)
	}

	// Another clerk's low rating does not count for c1; c1's second raises
	// the alert, in the rating's own event.
	other := f.serve(c2, 2, "A", "")
	if _, err := f.r.Rate(ctx, k2, rating.RateRequest{Ticket: other.ID, Score: 1}); err != nil {
		t.Fatal(err)
	}
	if a, _ := f.r.Alerts(low.Day); len(a) != 0 {
		t.Errorf("alerts after one low rating each: %+v", a)
	}
	second := f.serve(c1, 1, "A", "pay_bill")
	if _, err := f.r.Rate(ctx, k1, rating.RateRequest{Ticket: second.ID, Score: 1, Reason: "服务态度"}); err != nil {
		t.Fatal(err)
	}
	alerts, err := f.r.Alerts(low.Day)
	if err != nil || len(alerts) != 1 {
		t.Fatalf("alerts %+v %v, want c1's", alerts, err)
	}
	raised := f.clock.Now()
	sameJSON(t, "alert", alerts[0], rating.Alert{Day: low.Day, Clerk: "c1", ClerkName: "职员c1", Low: 2, Tickets: []uint64{low.ID, second.ID}, Raised: true, RaisedAt: &raised})
	evs, problems := rec.get()
	if len(problems) > 0 {
		t.Error(problems)
	}
	var alerted []uint64
	for _, ev := range evs {
		if ev.Type == rating.EvRated && ev.Reason == rating.ReasonAlert {
			alerted = append(alerted, ev.Ticket)
		}
	}
	if len(alerted) != 1 || alerted[0] != second.ID {
		t.Errorf("alert events for tickets %v, want only %d", alerted, second.ID)
	}
	if open, _ := f.r.Callbacks(rating.CallbackOpen); len(open) != 2 || open[0].Ticket != second.ID || open[1].Ticket != other.ID {
		t.Errorf("open call-backs newest first: %+v", open)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// TestRatingFigures checks the rates on a fixture computed by hand.
func TestRatingFigures(t *testing.T) {
	f := newFixture(t, monday10, true)
	_, c1 := f.clerk("c1", 1)
	_, c2 := f.clerk("c2", 2)
	k1, k2 := f.keypad(1), f.keypad(2)
	rate := func(k hall.Principal, tk queue.Ticket, score int, reason string) {
		t.Helper()
		if _, err := f.r.Rate(ctx, k, rating.RateRequest{Ticket: tk.ID, Score: score, Reason: reason}); err != nil {
			t.Fatalf("rate %s %d: %v", tk.Number, score, err)
		}
	}
	// Monday. c2 first, so c1's unrated t4 is the last thing before the
	// window passes.
	rate(k2, f.serve(c2, 2, "D", "tariff_enquiry"), 3, "")            // t5 immediate
	rate(k2, f.serve(c2, 2, "A", ""), 1, "等候时间")                      // t6 no item
	rate(k2, f.serve(c2, 2, "D", "queue_jump"), 4, "")                // t7 must_refuse
	rate(k1, f.serve(c1, 1, "A", "pay_bill"), 5, "")                  // t1 immediate
	rate(k1, f.serve(c1, 1, "A", "pay_bill"), 4, "")                  // t2 immediate
	rate(k1, f.serve(c1, 1, "D", "other_account_privacy"), 2, "业务解答") // t3 must_refuse
	f.serve(c1, 1, "A", "invoice")                                    // t4 immediate, never rated
	f.issue("A")                                                      // waiting, not served: not counted
	f.clock.Add(3 * time.Minute)
	if n, err := f.r.Expire(ctx); err != nil || n != 1 {
		t.Fatalf("expired %d %v, want t4", n, err)
	}
	// Tuesday: one more for c1.
	f.clock.Set(monday10.Add(24 * time.Hour))
	_, c1 = f.login("c1", 1)
	rate(k1, f.serve(c1, 1, "A", ""), 5, "")

	type want struct{ served, rated, satisfied, low int }
	check := func(what string, got rating.Counts, w want) {
		t.Helper()
		if got.Served != w.served || got.Rated != w.rated || got.Satisfied != w.satisfied || got.Low != w.low {
			t.Errorf("%s: served %d rated %d satisfied %d low %d, want %+v", what, got.Served, got.Rated, got.Satisfied, got.Low, w)
		}
		sat, part := 0.0, 0.0
		if w.rated > 0 {
			sat = float64(w.satisfied) / float64(w.rated)
		}
		if w.served > 0 {
			part = float64(w.rated) / float64(w.served)
		}
		if !near(got.Satisfaction, sat) || !near(got.Participation, part) {
			t.Errorf("%s: satisfaction %.4f participation %.4f, want %.4f %.4f", what, got.Satisfaction, got.Participation, sat, part)
		}
	}
	mon := monday10.Format(time.DateOnly)
	tue := monday10.Add(24 * time.Hour).Format(time.DateOnly)
	st, err := f.r.Figures(mon, mon)
	if err != nil {
		t.Fatal(err)
	}
	// Hand-computed: 7 served; rated 5,4,2,3,1,4 (6); satisfied 5,4,4 (3).
	check("total", st.Total, want{7, 6, 3, 2})
	if !near(st.Total.Satisfaction, 0.5) || !near(st.Total.Participation, 6.0/7) {
		t.Errorf("headline %.4f / %.4f, want 0.5 / 0.8571", st.Total.Satisfaction, st.Total.Participation)
	}
	if st.Total.Scores != [6]int{1, 1, 1, 1, 2, 1} {
		t.Errorf("scores %v, want [1 1 1 1 2 1]", st.Total.Scores)
	}
	// Without the refused t3 and t7: 5 served, rated 5,4,3,1, satisfied 2.
	check("handled", st.Handled, want{5, 4, 2, 1})
	groups := func(what string, gs []rating.Group, keys []string, ws []want) {
		t.Helper()
		if len(gs) != len(keys) {
			t.Fatalf("%s: %d groups %+v, want %v", what, len(gs), gs, keys)
		}
		for i := range gs {
			if gs[i].Key != keys[i] {
				t.Errorf("%s[%d] key %q, want %q", what, i, gs[i].Key, keys[i])
			}
			check(what+" "+keys[i], gs[i].Counts, ws[i])
		}
	}
	groups("clerk", st.ByClerk, []string{"c1", "c2"}, []want{{4, 3, 2, 1}, {3, 3, 1, 1}})
	if st.ByClerk[0].Name != "职员c1" {
		t.Errorf("clerk name %q", st.ByClerk[0].Name)
	}
	groups("counter", st.ByCounter, []string{"1", "2"}, []want{{4, 3, 2, 1}, {3, 3, 1, 1}})
	groups("service", st.ByService, []string{"A", "D"}, []want{{4, 3, 2, 1}, {3, 3, 1, 1}})
	groups("class", st.ByClass, []string{"immediate", "must_refuse", ""}, []want{{4, 3, 2, 0}, {2, 2, 1, 1}, {1, 1, 0, 1}})
	groups("day", st.ByDay, []string{mon}, []want{{7, 6, 3, 2}})
	if len(st.Reasons) != 2 || st.Reasons["等候时间"] != 1 || st.Reasons["业务解答"] != 1 {
		t.Errorf("reasons %v", st.Reasons)
	}

	both, err := f.r.Figures(mon, tue)
	if err != nil {
		t.Fatal(err)
	}
	check("two days", both.Total, want{8, 7, 4, 2})
	groups("two days by day", both.ByDay, []string{mon, tue}, []want{{7, 6, 3, 2}, {1, 1, 1, 0}})
	groups("two days by clerk", both.ByClerk, []string{"c1", "c2"}, []want{{5, 4, 3, 1}, {3, 3, 1, 1}})

	mine, err := f.r.ClerkFigures("c1", mon)
	if err != nil {
		t.Fatal(err)
	}
	check("c1 on Monday", mine, want{4, 3, 2, 1})
	for _, bad := range [][2]string{{"2026-13-01", mon}, {tue, mon}, {"", ""}} {
		if _, err := f.r.Figures(bad[0], bad[1]); queue.ErrorCode(err) != queue.EINVALID {
			t.Errorf("figures %v: %v, want EINVALID", bad, err)
		}
	}
}
