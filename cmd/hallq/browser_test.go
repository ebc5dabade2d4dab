package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"hallq/account"
	"hallq/hall"
	"hallq/web"
)

// -screenshots writes the pictures of TestScreenshots into docs/screenshots
// (otherwise into a temporary directory).
var updateScreenshots = flag.Bool("screenshots", false, "write docs/screenshots/*.png from TestScreenshots")

// TestBrowserKioskIdleReset: left alone, the kiosk goes back to its start
// screen by itself after the ticket (and turns 大字模式 off for the next
// customer). The test waits for the reset; it never has to beat it.
func TestBrowserKioskIdleReset(t *testing.T) {
	t.Parallel()
	h := newTestHall(t)
	h.Web = web.Options{KioskIdle: 2 * time.Second, KioskTicketIdle: time.Second}
	h.Restart(t)
	kiosk := h.Browser(t, 1080, 1920)
	h.run(t, kiosk, pairAs(h.Device(hall.KindKiosk, 0)), waitText("[data-testid=kiosk-start]", "电费缴纳"),
		waitJS(`document.body.dataset.idleS === "2" && document.body.dataset.ticketIdleS === "1"`, "the injected idle resets"),
		chromedp.Click(chromedp.CSS("[data-testid=kiosk-service-A]")),
		chromedp.Click(chromedp.CSS("[data-testid=kiosk-issue]")),
		waitText("[data-testid=kiosk-ticket]", "取号成功"),
		waitJS(`!document.querySelector("[data-testid=kiosk-start]").hidden && document.querySelector("[data-testid=kiosk-ticket]").hidden`, "back at the start after the ticket"))
	// 大字模式 on the start screen is turned off for the next customer.
	h.run(t, kiosk, chromedp.Click(chromedp.CSS("#k-large")),
		waitJS(`document.body.classList.contains("large")`, "large print on"),
		waitJS(`!document.body.classList.contains("large")`, "large print off again by itself"))
}

// TestBrowserTicketJourney: a ticket taken on the kiosk page is called from
// the desk page and appears on the hall display (announced) and on the
// counter screen; after a server restart the open display shows the next
// call without being reloaded; a paused counter shows its reason on its
// screen and at the desk.
func TestBrowserTicketJourney(t *testing.T) {
	t.Parallel()
	h := newTestHall(t)
	kiosk := h.Browser(t, 1080, 1920)
	desk := h.Browser(t, 1440, 900)
	display := h.Browser(t, 1920, 1080)
	screen := h.Browser(t, 1280, 400)

	h.run(t, kiosk, pairAs(h.Device(hall.KindKiosk, 0)), waitText("[data-testid=kiosk-start]", "电费缴纳"))
	h.run(t, display, pairAs(h.Device(hall.KindDisplay, 0)), waitText("[data-testid=display-call]", "欢迎光临"))
	h.run(t, screen, pairAs(h.Device(hall.KindCounter, 1)), waitText("[data-testid=counter-status]", "未开放"))
	h.run(t, desk, loginAs("clerk1", h.Password("clerk1"), 1), waitText("[data-testid=desk-user]", "王丽"))
	// Signing in opens the counter; its screen follows by itself.
	h.run(t, screen, waitText("[data-testid=counter-status]", "欢迎光临"),
		waitText("[data-testid=counter-clerk]", "王丽"), waitText("[data-testid=counter-clerk]", "GD1001"))

	// The kiosk: service A, no phone, take the ticket.
	h.run(t, kiosk,
		chromedp.Click(chromedp.CSS("[data-testid=kiosk-service-A]")),
		waitText("[data-testid=kiosk-confirm]", "电费缴纳"),
		chromedp.Click(chromedp.CSS("[data-testid=kiosk-issue]")),
		waitText("[data-testid=kiosk-ticket]", "取号成功"))
	number := textOf(t, kiosk, "[data-testid=kiosk-ticket-number]")
	if !strings.HasPrefix(number, "A") || len(number) != 4 {
		t.Fatalf("kiosk shows ticket %q, want A and three digits", number)
	}
	if ahead := textOf(t, kiosk, "[data-testid=kiosk-ticket-ahead]"); ahead != "0" {
		t.Errorf("people ahead of the first ticket = %q, want 0", ahead)
	}
	if wait := textOf(t, kiosk, "[data-testid=kiosk-ticket-wait]"); wait == "" {
		t.Error("the ticket shows no expected wait")
	}
	// The desk's waiting list has it, live.
	h.run(t, desk, waitText("[data-testid=desk-waiting]", number))

	// Voice: watch the display's announcements.
	h.run(t, display, chromedp.Evaluate[chromedp.Void](`window.__announced = [];
		HallVoice.onplay = function (info) { window.__announced.push(info.number + "@" + info.counter + ":" + info.clips.join(" ")); };
		window.__loadedOnce = true;`, chromedp.EvalIgnoreExceptions))

	// The desk calls it with its shortcut (F1).
	h.run(t, desk, chromedp.KeyEvent(kb.F1),
		waitText("[data-testid=desk-current-number]", number),
		waitText("[data-testid=desk-status]", "已呼叫 "+number))
	h.run(t, display,
		waitText("[data-testid=display-number]", number),
		waitText("[data-testid=display-counter]", "1"),
		waitJS(`window.__announced.length > 0`, "the call announced"))
	h.run(t, screen, waitText("[data-testid=counter-ticket]", number), waitText("[data-testid=counter-status]", "请到本窗口办理"))
	announced := eval[[]string](t, display, `window.__announced`)
	// 请 A 零零 一号 到一号窗口 办理: the digits before the last in a pair,
	// the last with 号, the counter as one phrase.
	want := fmt.Sprintf("%s@1:chime zh/qing zh/A zh/p%s zh/h%s zh/c1 zh/banli", number, number[1:3], number[3:])
	if !strings.HasPrefix(announced[0], want) {
		t.Errorf("announcement = %q, want it to start %q", announced[0], want)
	}
	if n := strings.Count(announced[0], "zh/qing"); n != 2 {
		t.Errorf("the sentence is said %d times, want 2: %q", n, announced[0])
	}

	// Start and finish from the keyboard; the served count goes up.
	h.run(t, desk, chromedp.KeyEvent("s"), waitText("[data-testid=desk-current]", "办理中"),
		chromedp.KeyEvent("f"), waitText("[data-testid=desk-current]", "当前没有客户"),
		waitText("[data-testid=desk-served]", "1"))
	// A refused action says why: nobody is being served.
	h.run(t, desk, chromedp.KeyEvent("r"), waitJS(`document.querySelector("[data-testid=desk-status]").dataset.kind === "error"`, "a refusal"))
	if msg := textOf(t, desk, "[data-testid=desk-status] .dk-status-text"); !strings.ContainsAny(msg, "没无") {
		t.Errorf("refused recall shows %q, want a Chinese reason", msg)
	}

	// A second ticket, then the server restarts under the open pages.
	h.run(t, kiosk, chromedp.Click(chromedp.CSS("[data-testid=kiosk-done]")), waitText("[data-testid=kiosk-start]", "电费缴纳"),
		chromedp.Click(chromedp.CSS("[data-testid=kiosk-service-D]")),
		chromedp.Click(chromedp.CSS("[data-testid=kiosk-issue]")),
		waitText("[data-testid=kiosk-ticket]", "取号成功"))
	second := textOf(t, kiosk, "[data-testid=kiosk-ticket-number]")
	if !strings.HasPrefix(second, "D") {
		t.Fatalf("second ticket %q, want a D ticket", second)
	}
	h.Restart(t)
	h.run(t, desk, chromedp.Click(chromedp.CSS("[data-testid=desk-call]")), waitText("[data-testid=desk-current-number]", second))
	h.run(t, display, waitText("[data-testid=display-number]", second),
		waitText("[data-testid=display-recent]", number),
		waitJS(`window.__loadedOnce === true`, "the same display page, not reloaded"))
	h.run(t, screen, waitText("[data-testid=counter-ticket]", second))
	// Announced after the first call, which it did not cut off.
	h.run(t, display, waitJSWithin(40*time.Second, `window.__announced.length >= 2`, "the second call announced"))
	if got := eval[[]string](t, display, `window.__announced.map(function (a) { return a.split(":")[0]; })`); len(got) != 2 || got[0] != number+"@1" || got[1] != second+"@1" {
		t.Errorf("announcements %q, want %s@1 then %s@1", got, number, second)
	}

	// Postpone it (P), then call it back from the waiting list.
	h.run(t, desk, chromedp.KeyEvent("p"), waitText("[data-testid=desk-current]", "当前没有客户"),
		waitText("[data-testid=desk-waiting] .dk-row-held", second),
		chromedp.Click(chromedp.CSS(".dk-row-held .dk-row-call")),
		waitText("[data-testid=desk-current-number]", second))

	// Pause with a reason (H, then reason 1): the counter screen says so.
	h.run(t, desk, chromedp.KeyEvent("f"), waitText("[data-testid=desk-current]", "当前没有客户"),
		chromedp.KeyEvent("h"), waitText("[data-testid=desk-pause-panel]", "暂停服务的原因"),
		chromedp.KeyEvent("1"), waitText("[data-testid=desk-state]", "暂停服务 · 午休"))
	h.run(t, screen, waitText("[data-testid=counter-status]", "暂停服务"), waitText("[data-testid=counter-reason]", "午休"))
	// Resume (H again).
	h.run(t, desk, chromedp.KeyEvent("h"), waitText("[data-testid=desk-state]", "服务中"))
	h.run(t, screen, waitText("[data-testid=counter-status]", "欢迎光临"))

	// The kiosk refuses kindly: this phone number has had its tickets today.
	kioskP, err := h.Main.Features.Account.AuthenticateDevice(context.Background(), h.Device(hall.KindKiosk, 0))
	if err != nil {
		t.Fatal(err)
	}
	var last string
	for range 3 {
		tk, err := h.Main.Hall.Issue(context.Background(), kioskP, hall.IssueRequest{Service: "A", Priority: "normal", Phone: "13800138000"})
		if err != nil {
			t.Fatal(err)
		}
		last = tk.Number
	}
	steps := []action{chromedp.Click(chromedp.CSS("[data-testid=kiosk-done]")), waitText("[data-testid=kiosk-start]", "电费缴纳"),
		chromedp.Click(chromedp.CSS("[data-testid=kiosk-service-A]"))}
	for _, d := range "13800138000" {
		steps = append(steps, chromedp.Click(chromedp.CSS(`.k-key[data-key="`+string(d)+`"]`)))
	}
	steps = append(steps, waitText("[data-testid=kiosk-entry]", "138 0013 8000"),
		chromedp.Click(chromedp.CSS("[data-testid=kiosk-issue]")),
		waitText("[data-testid=kiosk-error]", "今日取号已达上限"),
		waitText("[data-testid=kiosk-error-message]", "该手机号今日已取号 3 次"),
		chromedp.Click(chromedp.CSS("[data-testid=kiosk-error-back]")),
		waitText("[data-testid=kiosk-start]", "电费缴纳"))
	h.run(t, kiosk, steps...)

	// The desk calls a named ticket (/, the number, Enter), out of turn,
	// and says why it cannot call one that does not exist.
	h.run(t, desk, chromedp.KeyEvent("/"), chromedp.SendKeys(chromedp.ID("dk-number"), strings.ToLower(last)+"\r"),
		waitText("[data-testid=desk-current-number]", last), waitText("[data-testid=desk-status]", "已呼叫 "+last))
	h.run(t, desk, chromedp.KeyEvent("f"), waitText("[data-testid=desk-current]", "当前没有客户"),
		chromedp.KeyEvent("/"), chromedp.SendKeys(chromedp.ID("dk-number"), "Z999\r"),
		waitText("[data-testid=desk-status]", "今天没有 Z999 这个号"))
}

// TestScreenshots renders every page in Chinese and English with a lively
// hall, checks each shows its content in the right language without
// JavaScript errors, and saves the pictures (docs/screenshots with
// -screenshots).
func TestScreenshots(t *testing.T) {
	t.Parallel()
	h := newTestHall(t)
	dir := t.TempDir()
	if *updateScreenshots {
		dir = "docs/screenshots"
	}
	stageHall(t, h)

	for _, lang := range []string{"zh", "en"} {
		pick := func(zh, en string) string {
			if lang == "en" {
				return en
			}
			return zh
		}
		shots := []struct {
			name, token, user string
			counter           int
			path              string
			w, h              int
			steps             []action
		}{
			{"kiosk", h.Device(hall.KindKiosk, 0), "", 0, "/kiosk", 1080, 1920,
				[]action{waitText("[data-testid=kiosk-start]", pick("电费缴纳", "Bill payment"))}},
			{"kiosk-ticket", h.Device(hall.KindKiosk, 0), "", 0, "/kiosk", 1080, 1920, []action{
				chromedp.Click(chromedp.CSS("[data-testid=kiosk-green]")),
				chromedp.Click(chromedp.CSS("[data-testid=kiosk-service-B]")),
				waitText("[data-testid=kiosk-confirm]", pick("业扩报装", "New connection")),
				chromedp.Click(chromedp.CSS(`.k-key[data-key="1"]`)),
				chromedp.Click(chromedp.CSS(`.k-key[data-key="3"]`)),
				chromedp.Click(chromedp.CSS(`.k-key[data-key="8"]`)),
				chromedp.Click(chromedp.CSS("[data-testid=kiosk-issue]")),
				waitJS(`document.querySelector("[data-testid=kiosk-entry]") && true`, "the keypad"),
			}},
			{"kiosk-large", h.Device(hall.KindKiosk, 0), "", 0, "/kiosk", 1080, 1920, []action{
				chromedp.Click(chromedp.CSS("[data-testid=kiosk-large]")),
				waitJS(`document.body.classList.contains("large")`, "large print"),
			}},
			{"display", h.Device(hall.KindDisplay, 0), "", 0, "/display", 1920, 1080,
				[]action{waitText("[data-testid=display-call]", pick("正在叫号", "Now calling"))}},
			{"counter", h.Device(hall.KindCounter, 1), "", 0, "/counter", 1280, 400,
				[]action{waitText("[data-testid=counter-clerk]", "王丽")}},
			{"counter-paused", h.Device(hall.KindCounter, 3), "", 0, "/counter", 1280, 400,
				[]action{waitText("[data-testid=counter-reason]", "午休")}},
			{"desk", "", "clerk1", 1, "/desk", 1440, 900,
				[]action{waitText("[data-testid=desk-current]", pick("办理中", "Serving"))}},
			{"login", "", "", 0, "/login", 1440, 900,
				[]action{waitText("[data-testid=login-form]", pick("工作人员登录", "Staff sign-in"))}},
		}
		for _, s := range shots {
			tab := h.Browser(t, s.w, s.h)
			switch {
			case s.token != "":
				h.run(t, tab, pairAs(s.token))
			case s.user != "":
				h.run(t, tab, loginAs(s.user, h.Password(s.user), s.counter))
			}
			steps := append([]action{open(s.path + "?lang=" + lang)}, s.steps...)
			steps = append(steps, waitJS(`document.documentElement.lang === `+jsString(pick("zh-CN", "en")), "the page in "+lang))
			h.run(t, tab, steps...)
			if s.name == "kiosk-ticket" {
				// The phone number was too short: the kiosk says so and
				// stays; skip it and take the ticket.
				h.run(t, tab, waitText("#k-entry-note", pick("11 位", "11 digits")),
					chromedp.Click(chromedp.CSS(`.k-key[data-key="clear"]`)),
					chromedp.Click(chromedp.CSS("[data-testid=kiosk-issue]")),
					waitText("[data-testid=kiosk-ticket]", pick("取号成功", "Here is your ticket")))
			}
			h.run(t, tab, screenshot(t, filepath.Join(dir, s.name+"."+lang+".png")))
			chromedp.Cancel(tab)
		}
	}
}

// stageHall makes the demo hall look like mid-morning: tickets waiting for
// every service, counters 1–4 open with calls made, counter 3 paused for
// lunch, counter 1 serving.
func stageHall(t *testing.T, h *testHall) {
	t.Helper()
	ctx := context.Background()
	hl := h.Main.Hall
	kiosk, err := h.Main.Features.Account.AuthenticateDevice(ctx, h.Device(hall.KindKiosk, 0))
	if err != nil {
		t.Fatal(err)
	}
	for i, svc := range strings.Split("AAAADDBBCAEAFADAAB", "") {
		req := hall.IssueRequest{Service: svc, Priority: "normal"}
		if i == 5 {
			req.Priority = "green"
		}
		if _, err := hl.Issue(ctx, kiosk, req); err != nil {
			t.Fatalf("issue %s: %v", svc, err)
		}
	}
	clerks := map[int]hall.Principal{}
	for n := 1; n <= 4; n++ {
		user := fmt.Sprintf("clerk%d", n)
		_, p, err := h.Main.Features.Account.SignIn(ctx, account.SignIn{Name: user, Password: h.Password(user), Counter: n})
		if err != nil {
			t.Fatalf("sign in %s: %v", user, err)
		}
		clerks[n] = p
	}
	op := func(n int, action string, o hall.CounterOp) {
		t.Helper()
		o.Action = action
		if _, err := hl.Operate(ctx, clerks[n], n, o); err != nil {
			t.Fatalf("counter %d %s: %v", n, action, err)
		}
	}
	op(2, "call", hall.CounterOp{})
	op(2, "start", hall.CounterOp{})
	op(2, "finish", hall.CounterOp{})
	op(3, "call", hall.CounterOp{})
	op(3, "start", hall.CounterOp{})
	op(3, "finish", hall.CounterOp{})
	op(3, "pause", hall.CounterOp{Reason: "午休"})
	op(4, "call", hall.CounterOp{})
	op(2, "call", hall.CounterOp{})
	op(1, "call", hall.CounterOp{})
	op(1, "start", hall.CounterOp{})
	op(4, "recall", hall.CounterOp{})
	op(2, "postpone", hall.CounterOp{})
	op(2, "call", hall.CounterOp{})
}
