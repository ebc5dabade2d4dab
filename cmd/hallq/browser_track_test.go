package main

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"hallq/account"
	"hallq/casework"
	"hallq/hall"
)

// TestBrowserTrackCaseCode: on a phone (390×844), a mistyped code's page
// offers a field to type it again; a work order's code then shows the work
// order, stays live (its websocket connects instead of failing with 404
// again and again) and follows the work order's progress by itself.
func TestBrowserTrackCaseCode(t *testing.T) {
	t.Parallel()
	h := newTestHall(t)
	ctx := context.Background()
	hl, cw := h.Main.Hall, h.Main.Features.Casework
	kiosk, err := h.Main.Features.Account.AuthenticateDevice(ctx, h.Device(hall.KindKiosk, 0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hl.Issue(ctx, kiosk, hall.IssueRequest{Service: "A", Priority: "normal", Phone: "13912345678"}); err != nil {
		t.Fatal(err)
	}
	_, clerk, err := h.Main.Features.Account.SignIn(ctx, account.SignIn{Name: "clerk1", Password: h.Password("clerk1"), Counter: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"call", "start"} {
		if _, err := hl.Operate(ctx, clerk, 1, hall.CounterOp{Action: a}); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	wo, err := cw.OpenWorkOrder(ctx, clerk, casework.OpenWorkOrder{Counter: 1, Item: "meter_check", Summary: "电表走得快"})
	if err != nil {
		t.Fatal(err)
	}

	phone := h.Browser(t, 390, 844)
	h.run(t, phone, open("/t/NOSUCHCODE"), waitText("[data-testid=track-notfound]", "没有找到这个查询码"),
		waitJS(`document.querySelector("[data-testid=track-code]") !== null`, "a field for the code"),
		screenshot(t, shotPath(t, "track-notfound.zh.png")))
	h.run(t, phone, chromedp.SetValue(chromedp.CSS("[data-testid=track-code]"), " "+strings.ToLower(wo.Code)+" "),
		chromedp.Submit(chromedp.CSS("[data-testid=track-code]")),
		waitText("[data-testid=track-workorder]", wo.ID),
		waitJS(`document.body.dataset.live === "live"`, "the page's live connection"))
	before := textOf(t, phone, "[data-testid=track-workorder-status]")
	if _, err := cw.UpdateWorkOrder(ctx, clerk, wo.ID, casework.WorkOrderUpdate{Action: "resolve", Note: "校验合格"}); err != nil {
		t.Fatal(err)
	}
	h.run(t, phone, waitGone("[data-testid=track-workorder-status]", before),
		waitText("[data-testid=track-workorder]", "已处理完毕"),
		waitJS(`document.body.dataset.live === "live"`, "the live connection after the reload"),
		screenshot(t, shotPath(t, "track-workorder.zh.png")))
}
