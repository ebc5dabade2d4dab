package main

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"hallq/account"
	"hallq/hall"
	"hallq/remote"
)

// TestBrowserPhoneTicket: on a phone (390×844), the page from the hall's QR
// takes a ticket for today, fits the screen without sideways scrolling,
// says when to check in, shows the code to type at the kiosk, and — once
// checked in and 3 are ahead — vibrates, changes the title and shows the
// alert; the English page says the same in English.
func TestBrowserPhoneTicket(t *testing.T) {
	t.Parallel()
	h := newTestHall(t)
	ctx := context.Background()
	hl := h.Main.Hall
	mgr := hall.Principal{Kind: "user", Name: "manager", Role: hall.RoleManager}
	set := hl.Settings()
	set.RemoteTickets, set.RemoteGraceS = true, 1800
	if _, err := hl.SaveSettings(ctx, mgr, set); err != nil {
		t.Fatal(err)
	}
	kiosk, err := h.Main.Features.Account.AuthenticateDevice(ctx, h.Device(hall.KindKiosk, 0))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if _, err := hl.Issue(ctx, kiosk, hall.IssueRequest{Service: "A", Priority: "normal"}); err != nil {
			t.Fatal(err)
		}
	}

	phone := h.Browser(t, 390, 844)
	h.run(t, phone, open("/m?lang=zh"), waitText("[data-testid=phone]", "扫码取号"),
		waitText("[data-testid=phone-service]", "人等候"),
		screenshot(t, shotPath(t, "phone.zh.png")))
	if w := eval[int](t, phone, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the phone page is %d px wide on a 390 px screen", w)
	}
	h.run(t, phone, chromedp.SendKeys(chromedp.CSS("[data-testid=phone-number]"), "13800138000"),
		chromedp.Click(chromedp.CSS("[data-testid=phone-take]")),
		waitText("[data-testid=track-remote]", "请在"),
		waitJS(`document.body.dataset.live === "live"`, "the tracking page's live connection"),
		screenshot(t, shotPath(t, "phone-ticket.zh.png")))
	if w := eval[int](t, phone, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the tracking page is %d px wide on a 390 px screen", w)
	}
	if got := textOf(t, phone, "[data-testid=track-ahead]"); got != "5" {
		t.Fatalf("ahead = %q, want 5", got)
	}
	code := eval[string](t, phone, `document.body.dataset.code`)
	if got := eval[bool](t, phone, `document.body.textContent.indexOf("13800138000") < 0 && document.body.textContent.indexOf("8000") < 0`); !got {
		t.Error("the tracking page shows the phone number")
	}
	// The kiosk checks the ticket in: the phone shows it by itself.
	if _, _, err := h.Main.Features.Remote.Arrive(ctx, "device:kiosk", code); err != nil {
		t.Fatal(err)
	}
	h.run(t, phone, waitText("[data-testid=track-remote-arrived]", "已签到"),
		waitJS(`document.body.dataset.live === "live"`, "the live connection after the reload"))
	// Record vibrations from here on.
	h.run(t, phone, chromedp.Evaluate[chromedp.Void](`window.__vib = []; navigator.vibrate = function (p) { window.__vib.push(p); return true; }`))
	_, clerk, err := h.Main.Features.Account.SignIn(ctx, account.SignIn{Name: "clerk1", Password: h.Password("clerk1"), Counter: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		for _, a := range []string{"call", "start", "finish"} {
			if _, err := hl.Operate(ctx, clerk, 1, hall.CounterOp{Action: a}); err != nil {
				t.Fatalf("%s: %v", a, err)
			}
		}
	}
	h.run(t, phone, waitText("[data-testid=track-alert]", "即将叫到"),
		waitJS(`document.title.indexOf("即将叫到") >= 0 && document.body.dataset.alert === "soon"`, "the title and the alert state"),
		waitJS(`window.__vib.length === 1`, "one vibration"),
		screenshot(t, shotPath(t, "phone-alert.zh.png")))

	// At the kiosk, the customer of another phone ticket types its code
	// (a scanner types it the same way, then Enter).
	other, err := h.Main.Features.Remote.Issue(ctx, remote.Request{Service: "B", Phone: "13900139000"})
	if err != nil {
		t.Fatal(err)
	}
	k := h.Browser(t)
	h.run(t, k, pairAs(h.Device(hall.KindKiosk, 0)), open("/kiosk"),
		chromedp.Click(chromedp.CSS("[data-testid=kiosk-arrive-open]")),
		chromedp.SendKeys(chromedp.CSS("[data-testid=kiosk-arrive-entry]"), strings.ToLower(other.Tracking)+"\r"),
		waitText("[data-testid=kiosk-arrive-note]", "签到成功"),
		waitText("[data-testid=kiosk-arrive-note]", other.Number),
		screenshot(t, shotPath(t, "kiosk-arrive.zh.png")))
	if got, _ := hl.Track(other.Tracking); got.ArrivedAt == nil {
		t.Fatalf("the kiosk check-in did not stick: %+v", got)
	}

	en := h.Browser(t, 390, 844)
	h.run(t, en, open("/m?lang=en"), waitText("[data-testid=phone-take]", "Take a ticket"),
		waitText("[data-testid=phone-service]", "waiting"),
		screenshot(t, shotPath(t, "phone.en.png")))
	if w := eval[int](t, en, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the English phone page is %d px wide on a 390 px screen", w)
	}
}
