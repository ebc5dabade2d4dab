package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"hallq/account"
	"hallq/hall"
	"hallq/rating"
)

// TestBrowserKeypad: the clerk finishes a service on the desk; the keypad
// paired to that counter asks for a rating (with the voice prompt) and takes
// it from the USB keypad's keys (2, Enter = 满意); a second service rated 非常
// 不满意 (5, Enter) asks for the reason (3 = 等候时间, Enter), which opens a
// call-back task. The pictures of each state go to docs/screenshots with
// -screenshots.
func TestBrowserKeypad(t *testing.T) {
	t.Parallel()
	h := newTestHall(t)
	dir := t.TempDir()
	if *updateScreenshots {
		dir = "docs/screenshots"
	}
	shot := func(name string) action { return screenshot(t, filepath.Join(dir, name+".zh.png")) }
	keypad := h.Browser(t, 1280, 800)
	desk := h.Browser(t, 1440, 900)
	kiosk := hall.Principal{Kind: "device", Name: "test kiosk", Role: hall.KindKiosk}
	ctx := context.Background()

	h.run(t, desk, loginAs("clerk1", h.Password("clerk1"), 1), waitText("[data-testid=desk-user]", "王丽"))
	h.run(t, keypad, pairAs(h.Device(hall.KindKeypad, 1)),
		waitText("[data-testid=keypad-clerk-name]", "王丽"), waitText("[data-testid=keypad-staff]", "GD1001"),
		waitJS(`document.querySelector("[data-testid=keypad]").dataset.screen === "idle"`, "the idle screen"),
		shot("keypad-idle"))
	h.run(t, keypad, chromedp.Evaluate[chromedp.Void](`window.__prompts = [];
		HallVoice.onplay = function (info) { if (info.kind === "prompt") window.__prompts.push(info.clips.join(" ")); };
		window.__loadedOnce = true;`, chromedp.EvalIgnoreExceptions))

	serve := func() string {
		t.Helper()
		tk, err := h.Main.Hall.Issue(ctx, kiosk, hall.IssueRequest{Service: "A", Phone: "13812345678"})
		if err != nil {
			t.Fatal(err)
		}
		h.run(t, desk, chromedp.Click(chromedp.CSS("[data-testid=desk-call]")),
			waitText("[data-testid=desk-current-number]", tk.Number),
			chromedp.Click(chromedp.CSS("[data-testid=desk-finish]")), waitText("[data-testid=desk-current]", "当前没有客户"))
		return tk.Number
	}

	// First service: 满意 from the keypad's keys.
	number := serve()
	h.run(t, keypad, waitText("[data-testid=keypad-rate]", "请对本次服务进行评价"),
		waitText("[data-testid=keypad-number]", number),
		waitJS(`window.__prompts.length > 0`, "the voice prompt"),
		shot("keypad-rate"))
	if p := eval[[]string](t, keypad, `window.__prompts`); len(p) == 0 || !strings.Contains(p[0], "zh/rate") {
		t.Errorf("voice prompts %v, want zh/rate", p)
	}
	h.run(t, keypad, chromedp.KeyEvent("2"),
		waitJS(`document.querySelector("[data-testid=keypad-score-4]").classList.contains("kp-sel")`, "key 2 marks 满意"),
		chromedp.KeyEvent("\r"),
		waitText("[data-testid=keypad-thanks]", "感谢您的评价"),
		shot("keypad-thanks"))
	rated := ratingOf(t, h, number)
	if rated.Score != rating.ScoreSatisfied || rated.Counter != 1 || rated.Clerk != "clerk1" || rated.Device != "1号评价器" {
		t.Errorf("first rating %+v, want 满意 (4) at counter 1 for clerk1 from 1号评价器", rated)
	}
	// The desk's figures follow without a reload.
	h.run(t, desk, waitText("[data-testid=desk-rating-satisfaction]", "100.0%"),
		waitText("[data-testid=desk-rating-counts]", "已评 1 / 办结 1"),
		waitJS(`document.querySelector("[data-testid=desk-rating-low]").hidden`, "no low ratings yet"))
	// The keypad goes back to idle by itself.
	h.run(t, keypad, waitJS(`document.querySelector("[data-testid=keypad]").dataset.screen === "idle"`, "idle after thanks"))

	// Second service: 非常不满意 (key 5), then the reason 等候时间 (key 3).
	number2 := serve()
	h.run(t, keypad, waitText("[data-testid=keypad-number]", number2),
		chromedp.KeyEvent("5"), chromedp.KeyEvent("\r"),
		waitText("[data-testid=keypad-reason]", "请告诉我们哪里做得不好"),
		shot("keypad-reason"),
		chromedp.KeyEvent("3"), chromedp.KeyEvent("\r"),
		waitText("[data-testid=keypad-thanks]", "感谢您的评价"),
		waitJS(`window.__loadedOnce === true`, "the same keypad page throughout"))
	low := ratingOf(t, h, number2)
	if low.Score != rating.ScoreVeryDissatisfied || low.Reason != "等候时间" {
		t.Errorf("second rating %+v, want 非常不满意 with 等候时间", low)
	}
	cbs, err := h.Main.Features.Rating.Callbacks(rating.CallbackOpen)
	if err != nil || len(cbs) != 1 || cbs[0].Number != number2 || cbs[0].Reason != "等候时间" {
		t.Errorf("call-backs %+v %v, want one for %s", cbs, err, number2)
	}

	// The clerk's desk shows today's figures: 1 of 2 satisfied, both rated,
	// live and after a reload.
	h.run(t, desk, waitText("[data-testid=desk-rating-satisfaction]", "50.0%"),
		waitText("[data-testid=desk-rating-low]", "不满意 1"),
		waitJS(`!document.querySelector("[data-testid=desk-rating-low]").hidden`, "the low rating shown"))
	h.run(t, desk, open("/desk"), waitText("[data-testid=desk-rating-satisfaction]", "50.0%"),
		waitText("[data-testid=desk-rating-counts]", "已评 2 / 办结 2"))
	// The manager's call-back page lists the task with the phone to call.
	mgr := h.Browser(t, 1280, 900)
	h.run(t, mgr, loginAs("manager", h.Password("manager"), 0), open("/callbacks"),
		waitText("[data-testid=callback-open]", number2), waitText("[data-testid=callback-open]", "13812345678"),
		waitText("[data-testid=callbacks-figures]", "50.0%"),
		chromedp.SetValue(chromedp.CSS(".cb-form input[name=note]"), "已致电道歉，客户表示理解"),
		shot("callbacks"),
		// Nothing is preselected: the manager chooses the outcome.
		waitJS(`document.querySelector(".cb-form select[name=outcome]").value === ""`, "no outcome chosen yet"),
		chromedp.SetValue(chromedp.CSS(".cb-form select[name=outcome]"), "resolved"),
		chromedp.Click(chromedp.CSS(".cb-form button")),
		waitText("[data-testid=callback-done]", "已致电道歉"))
}

// ratingOf reads the committed rating of today's ticket number.
func ratingOf(t *testing.T, h *testHall, number string) rating.Rating {
	t.Helper()
	snap, _ := h.Main.Hall.Snapshot()
	for _, tk := range snap.Recent {
		if tk.Number == number {
			r, ok, err := hall.Load[rating.Rating](h.Main.Hall, rating.Kind, rating.Key(tk.ID))
			if err != nil || !ok {
				t.Fatalf("rating of %s: %v, %v", number, ok, err)
			}
			return r
		}
	}
	t.Fatalf("ticket %s is not among the recent calls", number)
	return rating.Rating{}
}

// keypadSizes are the screens 评价器 come with: a portrait tablet, its
// landscape twin, an old 4:3 panel and a full-HD monitor.
var keypadSizes = [][2]int{{800, 1280}, {1280, 800}, {1024, 768}, {1920, 1080}}

// boxesInView is JavaScript: a JSON report of the elements matching sel —
// their widths, and which lie (even partly) outside the viewport — plus the
// document's horizontal overflow.
func boxesInView(sel string) string {
	return `JSON.stringify((function(){
		var out = {widths: [], outside: [], scrollX: window.scrollX,
			overflow: document.documentElement.scrollWidth - window.innerWidth};
		document.querySelectorAll(` + jsString(sel) + `).forEach(function (e) {
			var r = e.getBoundingClientRect();
			out.widths.push(Math.round(r.width));
			if (r.width === 0 || r.left < 0 || r.top < 0 || r.right > window.innerWidth + 0.5 || r.bottom > window.innerHeight + 0.5)
				out.outside.push((e.dataset.testid || e.className) + " " + Math.round(r.left) + "," + Math.round(r.top) + "–" + Math.round(r.right) + "," + Math.round(r.bottom));
		});
		return out;})())`
}

type boxReport struct {
	Widths   []int    `json:"widths"`
	Outside  []string `json:"outside"`
	ScrollX  float64  `json:"scrollX"`
	Overflow int      `json:"overflow"`
}

func readBoxes(t *testing.T, ctx context.Context, sel string) boxReport {
	t.Helper()
	var r boxReport
	if err := json.Unmarshal([]byte(eval[string](t, ctx, boxesInView(sel))), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestBrowserKeypadSizes: at every common keypad size, in both orientations
// and both languages, the five keys have equal widths and lie wholly inside
// the screen (no key off to the side, nothing to scroll), the USB keypad's
// 4 + Enter (不满意) opens the reason screen, unscrolled, with every reason
// on screen. Pictures of each go to docs/screenshots with -screenshots.
func TestBrowserKeypadSizes(t *testing.T) {
	t.Parallel()
	h := newTestHall(t)
	ctx := context.Background()
	hl := h.Main.Hall
	kiosk := hall.Principal{Kind: "device", Name: "test kiosk", Role: hall.KindKiosk}
	if _, err := hl.Issue(ctx, kiosk, hall.IssueRequest{Service: "A"}); err != nil {
		t.Fatal(err)
	}
	_, clerk, err := h.Main.Features.Account.SignIn(ctx, account.SignIn{Name: "clerk1", Password: h.Password("clerk1"), Counter: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"call", "start", "finish"} {
		if _, err := hl.Operate(ctx, clerk, 1, hall.CounterOp{Action: a}); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	tab := h.Browser(t, 1280, 800)
	h.run(t, tab, pairAs(h.Device(hall.KindKeypad, 1)))
	for _, lang := range []string{"zh", "en"} {
		for _, sz := range keypadSizes {
			name := fmt.Sprintf("%dx%d.%s", sz[0], sz[1], lang)
			h.run(t, tab, setViewport(sz[0], sz[1]), open("/keypad?lang="+lang),
				waitJS(`document.querySelector("[data-testid=keypad]").dataset.screen === "rate"`, "the rate screen"),
				screenshot(t, shotPath(t, "keypad-rate-"+name+".png")))
			keys := readBoxes(t, tab, ".kp-key")
			if len(keys.Widths) != 5 {
				t.Fatalf("%s: %d keys, want 5", name, len(keys.Widths))
			}
			for _, w := range keys.Widths {
				if w != keys.Widths[0] {
					t.Errorf("%s: key widths %v, want all equal", name, keys.Widths)
					break
				}
			}
			if len(keys.Outside) > 0 || keys.Overflow > 0 {
				t.Errorf("%s: keys outside the %dx%d screen: %v (page %d px too wide)", name, sz[0], sz[1], keys.Outside, keys.Overflow)
			}
			h.run(t, tab, chromedp.KeyEvent("4"), chromedp.KeyEvent("\r"),
				waitJS(`document.querySelector("[data-testid=keypad]").dataset.screen === "reason"`, "the reason screen"),
				screenshot(t, shotPath(t, "keypad-reason-"+name+".png")))
			rs := readBoxes(t, tab, ".kp-rsn")
			if len(rs.Widths) < 2 || len(rs.Outside) > 0 || rs.Overflow > 0 || rs.ScrollX != 0 {
				t.Errorf("%s: reasons outside the screen: %v (page %d px too wide, scrolled %v px)", name, rs.Outside, rs.Overflow, rs.ScrollX)
			}
		}
	}
}
