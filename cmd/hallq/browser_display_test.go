package main

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"hallq/account"
	"hallq/hall"
)

// displayFit is JavaScript: a JSON list of what the hall display clips or
// overlaps — a recent call or counter tile outside its box, a box whose
// content overflows, a service name running into the line under it or cut
// at its side — and the called number's glyph height as a share of the
// screen's height.
const displayFit = `JSON.stringify((function(){
	var bad = [];
	function r(e) { return e.getBoundingClientRect(); }
	function inside(e, box, what) {
		var a = r(e), b = r(box);
		if (a.top < b.top - 1 || a.bottom > b.bottom + 1 || a.left < b.left - 1 || a.right > b.right + 1)
			bad.push(what + " " + e.textContent.replace(/\s+/g, " ").trim() + " outside its box");
	}
	document.querySelectorAll(".d-recent-item").forEach(function (e) { inside(e, e.closest(".d-recent"), "recent call"); });
	document.querySelectorAll(".d-bc").forEach(function (e) { inside(e, e.closest(".d-board-box"), "counter"); });
	document.querySelectorAll(".d-missed-num").forEach(function (e) { inside(e, e.closest(".d-missed-box"), "missed"); });
	document.querySelectorAll(".d-call, .d-board-box, .d-recent, .d-missed-box, .d-svc").forEach(function (e) {
		if (e.scrollHeight > e.clientHeight + 1) bad.push((e.className) + " overflows by " + (e.scrollHeight - e.clientHeight) + " px");
		var a = r(e);
		if (a.bottom > innerHeight || a.right > innerWidth) bad.push(e.className + " off the screen");
	});
	document.querySelectorAll(".d-svc").forEach(function (s) {
		var name = s.querySelector(".d-svc-name .pri"), alt = s.querySelector(".d-svc-alt"), figs = s.querySelector(".d-svc-figs");
		if (name.scrollWidth > name.clientWidth + 1) bad.push("service name " + name.textContent + " cut at the side");
		if (r(name).bottom > r(alt).top + 1) bad.push("service name " + name.textContent + " runs into " + alt.textContent);
		if (r(alt).height < 10) bad.push("service " + name.textContent + ": its other name squeezed out");
		if (r(alt).bottom > r(figs).top + 1) bad.push("service " + name.textContent + ": the figures overlap the name");
	});
	var num = document.querySelector("[data-testid=display-number]"), glyph = 0;
	if (num) {
		var cs = getComputedStyle(num), c = document.createElement("canvas").getContext("2d");
		c.font = cs.fontWeight + " " + cs.fontSize + " " + cs.fontFamily;
		var m = c.measureText(num.textContent);
		glyph = (m.actualBoundingBoxAscent + m.actualBoundingBoxDescent) / innerHeight;
	}
	return {bad: bad, glyph: glyph};})())`

// TestBrowserDisplayBoard: the 1920×1080 hall display of a busy morning, in
// both languages, shows every recent call and every counter whole (the sixth
// recent call is not clipped; long English service names wrap without
// running into the line under them), the called number's glyphs at least
// 12 % of the screen's height, a board with each counter's number or
// 暂停服务, and the missed numbers (过号: only there, not as the current or a
// recent call). A ticket is listed once, at its latest call, even when the
// live state names it twice.
func TestBrowserDisplayBoard(t *testing.T) {
	t.Parallel()
	h := newTestHall(t)
	stageHall(t, h)
	ctx := context.Background()
	hl := h.Main.Hall
	_, clerk5, err := h.Main.Features.Account.SignIn(ctx, account.SignIn{Name: "clerk5", Password: h.Password("clerk5"), Counter: 5})
	if err != nil {
		t.Fatal(err)
	}
	missed, err := hl.Operate(ctx, clerk5, 5, hall.CounterOp{Action: "call"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		if _, err = hl.Operate(ctx, clerk5, 5, hall.CounterOp{Action: "no-show"}); err == nil {
			break
		}
		if i == 3 {
			t.Fatalf("no-show: %v", err)
		}
		if _, err := hl.Operate(ctx, clerk5, 5, hall.CounterOp{Action: "recall"}); err != nil {
			t.Fatal(err)
		}
	}
	// … and the next customer is called there: the last call.
	if _, err := hl.Operate(ctx, clerk5, 5, hall.CounterOp{Action: "call"}); err != nil {
		t.Fatal(err)
	}
	snap, _ := hl.Snapshot()
	var serving1 string
	for _, c := range snap.Counters {
		if c.Number == 1 && c.Ticket != nil {
			serving1 = c.Ticket.Number
		}
	}
	if serving1 == "" {
		t.Fatal("counter 1 serves no one in the staged hall")
	}

	for _, lang := range []string{"zh", "en"} {
		pick := func(zh, en string) string {
			if lang == "en" {
				return en
			}
			return zh
		}
		tab := h.Browser(t, 1920, 1080)
		h.run(t, tab, pairAs(h.Device(hall.KindDisplay, 0)), open("/display?lang="+lang),
			waitText("[data-testid=display-call]", pick("正在叫号", "Now calling")),
			waitText(".d-bc[data-counter='3']", pick("暂停服务", "Service paused")),
			waitText(".d-bc[data-counter='1']", serving1),
			waitText("[data-testid=display-missed]", missed.Number),
			screenshot(t, shotPath(t, "display-board."+lang+".png")))
		var fit struct {
			Bad   []string `json:"bad"`
			Glyph float64  `json:"glyph"`
		}
		if err := json.Unmarshal([]byte(eval[string](t, tab, displayFit)), &fit); err != nil {
			t.Fatal(err)
		}
		if len(fit.Bad) > 0 {
			t.Errorf("%s: the display clips: %v", lang, fit.Bad)
		}
		t.Logf("%s: the called number's glyphs are %.1f %% of the screen's height", lang, 100*fit.Glyph)
		if fit.Glyph < 0.12 {
			t.Errorf("%s: the called number's glyphs are %.1f %% of the screen's height, want ≥ 12 %%", lang, 100*fit.Glyph)
		}
		if n := eval[int](t, tab, `document.querySelectorAll(".d-recent-item").length`); n != 6 {
			t.Errorf("%s: %d recent calls listed, want 6", lang, n)
		}
		if cur := textOf(t, tab, "[data-testid=display-number]"); cur == missed.Number {
			t.Errorf("%s: the missed number %s is shown as the current call", lang, cur)
		}
		// A state naming tickets twice (the current call among the recent
		// ones, a call listed again) lists each once, at its latest call.
		got := eval[[]string](t, tab, `(function(){
			var t0 = new Date().toISOString();
			HallDisplay.render({open: true, services: [], counters: [], recent: [
				{id: 9, number: "C004", counter: 1, status: "called", last_called_at: t0},
				{id: 8, number: "B002", counter: 2, status: "done", last_called_at: t0},
				{id: 9, number: "C004", counter: 3, status: "called", last_called_at: t0},
				{id: 7, number: "A001", counter: 2, status: "no_show", last_called_at: t0},
				{id: 8, number: "B002", counter: 4, status: "done", last_called_at: t0},
				{id: 7, number: "A001", counter: 2, status: "no_show", last_called_at: t0}]});
			return [].map.call(document.querySelectorAll(".d-recent-item, .d-missed-num, [data-testid=display-number]"),
				function (e) { return e.className + ":" + e.innerText.replace(/\s+/g, " ").trim(); });})()`)
		want := []string{"d-num:C004", "d-recent-item:B002 " + pick("2 号窗口", "Counter 2"), "d-missed-num:A001"}
		if !slices.Equal(got, want) {
			t.Errorf("%s: a state with repeated tickets shows %q, want %q", lang, got, want)
		}
	}
}
