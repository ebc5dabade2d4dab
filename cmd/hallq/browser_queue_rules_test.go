package main

import (
	"context"
	"encoding/json"
	"io/fs"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"hallq/account"
	"hallq/assets"
	"hallq/hall"
	"hallq/queue"
)

// TestBrowserQueueRules: what customers see and hear of the queue's rules.
// The display calls at a counter with a spoken name by that name (请 … 号到
// VIP 室办理) and lays out five-digit numbers (A1000 on) without clipping;
// a missed number shows in the 过号 list and comes back from the kiosk (typed
// on its keypad), then leaves the list; the desk puts another back by its
// number.
func TestBrowserQueueRules(t *testing.T) {
	t.Parallel()
	h := newTestHall(t)
	ctx := context.Background()
	hl := h.Main.Hall
	_, boss, err := h.Main.Features.Account.SignIn(ctx, account.SignIn{Name: "manager", Password: h.Password("manager"), Counter: 0})
	if err != nil {
		t.Fatal(err)
	}
	c1, ok := func() (queue.Counter, bool) {
		for _, c := range hl.Config().Counters {
			if c.Number == 1 {
				return c, true
			}
		}
		return queue.Counter{}, false
	}()
	if !ok {
		t.Fatal("no counter 1")
	}
	if _, err := hl.SaveCounter(ctx, boss, queue.CounterConfig{Number: 1, NameZH: c1.NameZH, NameEN: c1.NameEN, Spoken: "VIP 室", Services: c1.Services}, false); err != nil {
		t.Fatal(err)
	}
	kiosk, err := h.Main.Features.Account.AuthenticateDevice(ctx, h.Device(hall.KindKiosk, 0))
	if err != nil {
		t.Fatal(err)
	}
	var first queue.Ticket
	for i := range 5 {
		tk, err := hl.Issue(ctx, kiosk, hall.IssueRequest{Service: "A", Priority: "normal"})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = tk
		}
	}
	_, clerk1, err := h.Main.Features.Account.SignIn(ctx, account.SignIn{Name: "clerk1", Password: h.Password("clerk1"), Counter: 1})
	if err != nil {
		t.Fatal(err)
	}
	op := func(action string) queue.Ticket {
		t.Helper()
		tk, err := hl.Operate(ctx, clerk1, 1, hall.CounterOp{Action: action})
		if err != nil {
			t.Fatalf("%s: %v", action, err)
		}
		return tk
	}
	missed := func() queue.Ticket {
		tk := op("call")
		for i := 0; ; i++ {
			if _, err := hl.Operate(ctx, clerk1, 1, hall.CounterOp{Action: "no-show"}); err == nil {
				return tk
			} else if i == 3 {
				t.Fatalf("no-show: %v", err)
			}
			op("recall")
		}
	}

	// The display: the voice says the spoken name (the clip player is a
	// recorder: the test hears the steps, not the sound).
	disp := h.Browser(t, 1920, 1080)
	h.run(t, disp, pairAs(h.Device(hall.KindDisplay, 0)), open("/display"),
		waitJS(`!!window.HallVoice && !!window.HallDisplay`, "the display's scripts"),
		chromedp.Evaluate[chromedp.Void](`window.heard = []; HallVoice.init({muted: true, preload: false, player: function (name, rate, done) { window.heard.push(name); setTimeout(done, 1); }})`))
	if got := missed(); got.ID != first.ID {
		t.Fatalf("counter 1 called %s, want %s", got.Number, first.Number)
	}
	h.run(t, disp, waitText("[data-testid=display-missed]", first.Number),
		waitJS(`window.heard.indexOf("say:VIP 室办理") >= 0`, "the call said with the spoken name"))
	heard := eval[[]string](t, disp, `window.heard`)
	if j := strings.Join(heard, " "); !strings.Contains(j, "zh/qing zh/A zh/p00 zh/h1 zh/dao say:VIP 室办理") {
		t.Errorf("the display said %s", j)
	}
	// Every step but the spoken name is a clip that exists (they were
	// zh/hao_dao, a clip no longer made: silence where 号到 belonged).
	for _, c := range heard {
		if _, err := fs.Stat(assets.FS, "voice/"+c+".opus"); err != nil && !strings.HasPrefix(c, "say:") {
			t.Errorf("the display asked for clip %s: %v", c, err)
		}
	}

	// The kiosk: 过号顺延 by the number typed on its keypad.
	k := h.Browser(t, 1080, 1920)
	h.run(t, k, pairAs(h.Device(hall.KindKiosk, 0)), open("/kiosk"),
		chromedp.Click(chromedp.CSS("[data-testid=kiosk-return-open]")),
		chromedp.Click(chromedp.CSS(`[data-kr-key="A"]`)),
		chromedp.Click(chromedp.CSS(`[data-kr-key="0"]`)),
		chromedp.Click(chromedp.CSS(`[data-kr-key="0"]`)),
		chromedp.Click(chromedp.CSS(`[data-kr-key="1"]`)),
		waitText("[data-testid=kiosk-return-entry]", "A001"),
		chromedp.Click(chromedp.CSS("[data-testid=kiosk-return-go]")),
		waitText("[data-testid=kiosk-return-message]", "A001 已重新排队，前面还有 3 人"),
		screenshot(t, shotPath(t, "kiosk-return.png")))
	if tk, err := hl.Ticket(first.ID); err != nil || tk.Status != queue.Waiting || tk.Returns != 1 {
		t.Fatalf("after the kiosk: %+v %v", tk, err)
	}
	h.run(t, disp, waitGone("[data-testid=display-missed]", first.Number))
	// Once only: the kiosk says why not.
	h.run(t, k, chromedp.Click(chromedp.CSS(`[data-kr-key="A"]`)), chromedp.Click(chromedp.CSS(`[data-kr-key="9"]`)),
		chromedp.Click(chromedp.CSS("[data-testid=kiosk-return-go]")),
		waitText("[data-testid=kiosk-return-message]", "A9"))

	// The desk: the next missed number back by the clerk.
	second := missed()
	desk := h.Browser(t, 1366, 768)
	h.run(t, desk, loginAs("clerk1", h.Password("clerk1"), 1), open("/desk"),
		chromedp.SendKeys(chromedp.CSS("#dk-number"), second.Number),
		chromedp.Click(chromedp.CSS("[data-testid=desk-return]")),
		waitText("[data-testid=desk-status]", second.Number+" 已顺延"))
	if tk, err := hl.Ticket(second.ID); err != nil || tk.Status != queue.Waiting || tk.Returns != 1 {
		t.Fatalf("after the desk: %+v %v", tk, err)
	}

	// The kiosk's scanner: a ticket's QR code scanned on the start screen
	// (the scanner types the tracking URL and Enter) brings it back.
	third := missed()
	h.run(t, k, chromedp.Click(chromedp.CSS("[data-testid=kiosk-return-back]")),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=kiosk-return-open]")),
		chromedp.KeyEvent(h.URL+"/t/"+third.Tracking), chromedp.KeyEvent("\r"),
		waitText("[data-testid=kiosk-return-message]", third.Number+" 已重新排队"))
	if tk, err := hl.Ticket(third.ID); err != nil || tk.Status != queue.Waiting || tk.Returns != 1 {
		t.Fatalf("after the scan: %+v %v", tk, err)
	}

	// Five-digit numbers fit the display.
	h.run(t, disp, chromedp.Evaluate[chromedp.Void](`(function(){
		var t0 = new Date().toISOString();
		HallDisplay.render({open: true, services: [], counters: [
			{number: 1, state: "open", ticket: {id: 30, number: "A12345", counter: 1, status: "called", last_called_at: t0}},
			{number: 2, state: "open", ticket: {id: 31, number: "D2500", counter: 2, status: "called", last_called_at: t0}}],
			recent: [
			{id: 30, number: "A12345", counter: 1, status: "called", last_called_at: t0},
			{id: 31, number: "D2500", counter: 2, status: "called", last_called_at: t0},
			{id: 32, number: "A1000", counter: 3, status: "done", last_called_at: t0},
			{id: 33, number: "A1001", counter: 4, status: "no_show", last_called_at: t0},
			{id: 34, number: "B10000", counter: 5, status: "no_show", last_called_at: t0}]});
		return true;})()`),
		waitText("[data-testid=display-number]", "A12345"),
		screenshot(t, shotPath(t, "display-wide-numbers.png")))
	var fit struct {
		Bad   []string `json:"bad"`
		Glyph float64  `json:"glyph"`
	}
	if err := json.Unmarshal([]byte(eval[string](t, disp, displayFit)), &fit); err != nil {
		t.Fatal(err)
	}
	if len(fit.Bad) > 0 {
		t.Errorf("the display clips five- and six-character numbers: %v", fit.Bad)
	}
	if w := eval[bool](t, disp, `(function(){ var n = document.querySelector("[data-testid=display-number]"); return n.getBoundingClientRect().right <= innerWidth; })()`); !w {
		t.Errorf("the called number runs off the screen")
	}
}

// TestBrowserFairGreenOrder: the manager sets the fair green channel and a
// counter's spoken name in the console; the desk's waiting list then shows
// the calling order with one green call, then one other.
func TestBrowserFairGreenOrder(t *testing.T) {
	t.Parallel()
	h := newTestHall(t)
	ctx := context.Background()
	hl := h.Main.Hall
	mgr := h.Browser(t, 1920, 1080)
	h.run(t, mgr, loginAs("manager", h.Password("manager"), 0), open("/manager/hall"),
		chromedp.WaitVisible(`[data-testid=set-green-burst]`),
		chromedp.SetValue(`[data-testid=set-green-burst]`, "1"),
		chromedp.SetValue(`[data-testid=set-number-width]`, "4"),
		chromedp.Evaluate[chromedp.Void](`window.beforeSave = true`),
		chromedp.Click(`[data-testid=settings-form] button.mg-btn-primary`),
		// The console reloads the page once the settings are saved.
		waitJS(`!window.beforeSave && document.readyState === "complete"`, "the page reloaded after saving"))
	waitFor(t, "the settings saved", func() bool { s := hl.Settings(); return s.GreenBurst == 1 && s.NumberWidth == 4 })
	h.run(t, mgr, open("/manager/services"),
		chromedp.WaitVisible(`[data-testid=ctr-spoken-1]`),
		chromedp.SetValue(`[data-testid=ctr-spoken-1]`, "VIP 室"),
		chromedp.Click(`[data-testid=ctr-form-1] button`))
	waitFor(t, "the spoken name saved", func() bool {
		snap, _ := hl.Snapshot()
		for _, c := range snap.Counters {
			if c.Number == 1 {
				return c.Spoken == "VIP 室"
			}
		}
		return false
	})
	kiosk, err := h.Main.Features.Account.AuthenticateDevice(ctx, h.Device(hall.KindKiosk, 0))
	if err != nil {
		t.Fatal(err)
	}
	for _, pri := range []string{"normal", "normal", "green", "green", "green"} {
		if _, err := hl.Issue(ctx, kiosk, hall.IssueRequest{Service: "A", Priority: pri}); err != nil {
			t.Fatal(err)
		}
	}
	desk := h.Browser(t, 1366, 768)
	want := "A0003 A0001 A0004 A0002 A0005"
	h.run(t, desk, loginAs("clerk1", h.Password("clerk1"), 1), open("/desk"),
		waitJS(`[].map.call(document.querySelectorAll("#dk-list .dk-row-num"), function (e) { return e.textContent; }).join(" ") === `+jsString(want), "the fair calling order "+want),
		screenshot(t, shotPath(t, "desk-fair-green.png")))
}
