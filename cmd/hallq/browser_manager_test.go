package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hallq/account"
	"hallq/console"
	"hallq/hall/config"

	"hallq/hall"
)

// acceptDialogs makes window.confirm answer yes in a tab (the console asks
// before it cancels a ticket or revokes a device).
// jsClick clicks the element matching sel from the page's own script: the
// live monitor redraws its rows, so a node found by the driver may be
// replaced before the driver's click lands.
func jsClick(sel string) action {
	return waitJS(`(function(){var e=document.querySelector(`+jsString(sel)+`); if (e) e.click(); return !!e;})()`, "a click on "+sel)
}

var acceptDialogs = waitJS(`(window.confirm = function () { return true; }, true)`, "confirm() answering yes")

// TestBrowserManagerServiceOnKiosk: a manager adds a service in the console
// (after a refused bad prefix) and the kiosk offers it on its next load,
// with no restart; a kiosk ticket for it shows up on the live monitor.
func TestBrowserManagerServiceOnKiosk(t *testing.T) {
	t.Parallel()
	h := newTestHall(t)
	running := h.Main
	mgr := h.Browser(t, 1920, 1080)
	kiosk := h.Browser(t)
	h.run(t, kiosk, pairAs(h.Device("kiosk", 0)), waitText("[data-testid=kiosk-service-A]", "电费"))
	h.run(t, mgr, loginAs("manager", h.Password("manager"), 0), open("/manager/services"),
		chromedp.WaitVisible(`[data-testid=svc-new-prefix]`))

	// A bad prefix is refused in the form, and nothing is added.
	h.run(t, mgr,
		chromedp.SetValue(`[data-testid=svc-new-prefix]`, "9"),
		chromedp.SetValue(`[data-testid=svc-new-name]`, "充电桩报装"),
		chromedp.Click(`[data-testid=svc-new-save]`),
		waitText(`[data-testid=svc-new] [data-testid=form-error]`, "前缀必须是一个大写字母"))
	if snap, _ := h.Main.Hall.Snapshot(); len(snap.Services) != len(config.Default().Services) {
		t.Fatalf("a refused service was added: %d services", len(snap.Services))
	}
	h.run(t, mgr,
		chromedp.SetValue(`[data-testid=svc-new-prefix]`, "G"),
		chromedp.SetValue(`[data-testid=svc-new-name-en]`, "EV chargers"),
		chromedp.Click(`[data-testid=svc-new-save]`),
		chromedp.WaitVisible(`[data-testid=svc-form-G]`))

	// The kiosk, reloaded as it is every morning or by hand, offers G.
	h.run(t, kiosk, open("/kiosk"), waitText("[data-testid=kiosk-service-G]", "充电桩报装"))
	if h.Main != running {
		t.Fatal("the program restarted")
	}
	h.run(t, mgr, open("/manager"), waitText(`[data-testid=mon-svc-G]`, "充电桩报装"))
	// The kiosk takes a G ticket through its own script; the monitor shows
	// it live.
	h.run(t, kiosk, waitJS(`(HallKiosk.issue({service: "G"}), true)`, "the kiosk issuing G"))
	h.run(t, mgr, waitText(`[data-testid=mon-svc-G] [data-testid=waiting]`, "1"),
		waitText(`#mg-waiting`, "G001"))

	// Move G001 to A, then cancel it, from the monitor.
	h.run(t, mgr, acceptDialogs,
		chromedp.SetValue(`select[data-move]`, "A"),
		jsClick(`[data-testid=move-G001]`),
		waitText(`[data-testid=wait-G001] [data-testid=wait-svc]`, "A 电费"),
		jsClick(`[data-testid=cancel-G001]`),
		waitGone(`#mg-waiting`, "G001"),
		waitText(`[data-testid=total-cancelled]`, "1"))

	// The audit finds the cancellation and the new service.
	h.run(t, mgr, open("/manager/audit?q=G001"), waitText(`[data-testid=audit]`, "取消号"))
	h.run(t, mgr, open("/manager/audit?category=config"), waitText(`[data-testid=audit]`, "修改业务类别 G"))
}

// TestBrowserManagerPairing: the console's pairing URL pairs one display,
// once; revoking it stops the display at once.
func TestBrowserManagerPairing(t *testing.T) {
	t.Parallel()
	h := newTestHall(t)
	mgr := h.Browser(t, 1920, 1080)
	h.run(t, mgr, loginAs("manager", h.Password("manager"), 0), open("/manager/devices"),
		chromedp.SetValue(`[data-testid=device-name]`, "二楼综合屏"),
		chromedp.SetValue(`[data-testid=device-kind]`, "display"),
		chromedp.Click(`[data-testid=device-make]`),
		chromedp.WaitVisible(`[data-testid=pairing-qr]`),
		waitText(`[data-testid=pairing-url]`, "/pair/code/"))
	url := textOf(t, mgr, `[data-testid=pairing-url]`)
	if !strings.HasPrefix(url, h.URL+"/pair/code/") {
		t.Fatalf("pairing URL %q", url)
	}
	if w := eval[float64](t, mgr, `document.querySelector("[data-testid=pairing-qr]").naturalWidth`); w < 100 {
		t.Errorf("the QR code is %v px wide", w)
	}

	display := h.Browser(t)
	h.run(t, display, open(url), waitJS(`location.pathname === "/display"`, "the display page"))
	other := h.Browser(t)
	h.run(t, other, open(url), waitText(`[data-testid=message]`, "配对链接无效"))

	// Revoke it in the console: the display's very next request is refused.
	h.run(t, mgr, open("/manager/devices"), acceptDialogs,
		chromedp.Click(`[data-testid="revoke-二楼综合屏"]`),
		waitText(`[data-testid=devices]`, "已撤销"))
	h.run(t, display, waitJS(`(window.revokedStatus = 0, fetch("/api/v1/queue").then(function (r) { window.revokedStatus = r.status; }), true)`, "a request"),
		waitJS(`window.revokedStatus !== 0`, "the answer"))
	if status := eval[float64](t, display, `window.revokedStatus`); status != 401 {
		t.Errorf("the revoked display's request: %v, want 401", status)
	}
	var revoked int
	ds, _ := h.Main.Features.Account.Devices(context.Background())
	for _, d := range ds {
		if d.Name == "二楼综合屏" && d.Revoked {
			revoked++
		}
	}
	if revoked != 1 {
		t.Errorf("devices %+v", ds)
	}
}

// TestBrowserManagerScreenshots renders every tab of the console (zh) with
// live data for the docs, and checks each has its content.
func TestBrowserManagerScreenshots(t *testing.T) {
	t.Parallel()
	h := newTestHall(t)
	ctx := context.Background()
	hl := h.Main.Hall
	kiosk := hall.Principal{Kind: "device", Name: "取号机", Role: hall.KindKiosk}
	for _, s := range []string{"A", "A", "B", "A", "C", "D", "A", "B"} {
		if _, err := hl.Issue(ctx, kiosk, hall.IssueRequest{Service: s}); err != nil {
			t.Fatal(err)
		}
	}
	_, c1, err := h.Main.Features.Account.SignIn(ctx, account.SignIn{Name: "clerk1", Password: h.Password("clerk1"), Counter: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hl.Operate(ctx, c1, 1, hall.CounterOp{Action: "call"}); err != nil {
		t.Fatal(err)
	}
	if _, err := hl.Operate(ctx, c1, 1, hall.CounterOp{Action: "start"}); err != nil {
		t.Fatal(err)
	}
	_, c2, _ := h.Main.Features.Account.SignIn(ctx, account.SignIn{Name: "clerk2", Password: h.Password("clerk2"), Counter: 2})
	if _, err := hl.Operate(ctx, c2, 2, hall.CounterOp{Action: "pause", Reason: "午间交接"}); err != nil {
		t.Fatal(err)
	}
	_, mp, _ := h.Main.Features.Account.SignIn(ctx, account.SignIn{Name: "manager", Password: h.Password("manager"), Counter: 0})
	now := hl.Now()
	if _, err := h.Main.Features.Console.SaveNotice(ctx, mp, console.Notice{TextZH: "今日 16:00–17:00 系统升级，缴费业务暂停办理", Start: now.Add(-time.Hour), End: now.Add(6 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.Main.Features.Account.CreatePairing(ctx, mp, account.NewDevice{Name: "二楼综合屏", Kind: hall.KindDisplay}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Main.Features.Backup.Today(); err != nil {
		t.Fatal(err)
	}
	mgr := h.Browser(t, 1440, 900)
	h.run(t, mgr, loginAs("manager", h.Password("manager"), 0))
	tabs := []struct{ path, name, want string }{
		{"/manager", "monitor", "午间交接，已暂停"},
		{"/manager/services", "services", "新增业务"},
		{"/manager/hall", "hall", "系统升级"},
		{"/manager/staff", "staff", "clerk1"},
		{"/manager/devices", "devices", "二楼综合屏"},
		{"/manager/audit", "audit", "签到（1 号窗口）"},
	}
	for _, tab := range tabs {
		h.run(t, mgr, open(tab.path), waitText(`main`, tab.want),
			screenshot(t, shotPath(t, "manager-"+tab.name+".zh.png")))
	}
}
