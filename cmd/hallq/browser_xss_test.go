package main

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hallq/account"
	"hallq/appointment"
	"hallq/casework"
	"hallq/console"
	"hallq/hall"
	"hallq/queue"
)

// xssPayload is stored text that runs script if a page puts it into the
// document as HTML: a script element, an attribute break-out with an
// onerror handler. mark names the field, so a failure says which text ran.
func xssPayload(mark string) string {
	return `"><img src=x onerror=__xss=1><script>__xss=2</script>#` + mark
}

// xssName is a payload short enough for a name (at most 20 characters).
const xssName = `<svg onload=__xss=1>`

// TestBrowserStoredTextInert: text one user stores and another user's page
// shows — service and counter names, a notice, a pause reason, work-order summary, customer and note, an approval request and
// decision, a booking name — holds script payloads; every page that shows
// it, in Chromium, shows the payload as text and runs none of it (no
// window.__xss, no CSP refusal: the harness fails the test on either).
func TestBrowserStoredTextInert(t *testing.T) {
	t.Parallel()
	h := newTestHall(t)
	ctx := context.Background()
	hl, cw := h.Main.Hall, h.Main.Features.Casework
	appts := h.Main.Features.Appointment
	mgr := hall.Principal{Kind: "user", Name: "manager", Role: hall.RoleManager}
	kiosk := hall.Principal{Kind: "device", Name: "kiosk", Role: hall.KindKiosk}
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	cfg := hl.Config()
	svc := cfg.Services[0]
	svc.NameZH = xssName
	_, err := hl.SaveService(ctx, mgr, svc, false)
	must("service name", err)
	k := cfg.Counters[1]
	_, err = hl.SaveCounter(ctx, mgr, queue.CounterConfig{Number: k.Number, NameZH: xssName, NameEN: k.NameEN, Services: k.Services, Hours: k.Hours}, false)
	must("counter name", err)
	now := hl.Now()
	_, err = h.Main.Features.Console.SaveNotice(ctx, mgr, console.Notice{TextZH: xssPayload("notice"), Start: now.Add(-time.Hour), End: now.Add(24 * time.Hour)})
	must("notice", err)

	// Counter 1: a customer served, with a work order and an approval, rated
	// low with a reason; then the counter pauses with a reason.
	_, clerk, err := h.Main.Features.Account.SignIn(ctx, account.SignIn{Name: "clerk1", Password: h.Password("clerk1"), Counter: 1})
	must("clerk1 signs in", err)
	_, err = hl.Issue(ctx, kiosk, hall.IssueRequest{Service: svc.Prefix, Priority: "normal", Phone: "13812345678"})
	must("issue", err)
	_, err = hl.Operate(ctx, clerk, 1, hall.CounterOp{Action: "call"})
	must("call", err)
	wo, err := cw.OpenWorkOrder(ctx, clerk, casework.OpenWorkOrder{Counter: 1, Item: "voltage_quality", Summary: xssPayload("wo-summary"), Customer: "<b>张先生</b>", Phone: "13812345678"})
	must("work order", err)
	_, err = cw.UpdateWorkOrder(ctx, mgr, wo.ID, casework.WorkOrderUpdate{Action: "progress", Note: xssPayload("wo-note")})
	must("work-order note", err)
	ap, err := cw.RequestApproval(ctx, clerk, casework.RequestApproval{Counter: 1, Item: "late_fee_waiver", Request: xssPayload("ap-request")})
	must("approval request", err)
	_, err = cw.DecideApproval(ctx, mgr, ap.ID, casework.Decision{Approve: false, Note: xssPayload("ap-note")})
	must("approval decision", err)
	_, err = hl.Operate(ctx, clerk, 1, hall.CounterOp{Action: "finish"})
	must("finish", err)
	// Rating reasons are a fixed list (refused otherwise): no free text to try.
	_, err = hl.Operate(ctx, clerk, 1, hall.CounterOp{Action: "pause", Reason: xssPayload("pause")})
	must("pause", err)
	day := hl.Now().Format(time.DateOnly)
	if slots, err := appts.Slots("B", day); err == nil && len(slots) > 0 {
		_, err = appts.Book(ctx, hall.Principal{}, appointment.BookRequest{Service: "B", Day: day, Slot: slots[len(slots)-1].Slot, Phone: "13912340009", Name: xssName})
		must("booking", err)
	}

	const inert = `window.__xss === undefined`
	visit := func(tab context.Context, path string, marks ...string) {
		t.Helper()
		acts := []action{open(path), waitJS(`document.readyState === "complete"`, path+" loaded")}
		for _, m := range marks {
			text := xssPayload(m)
			if m == "svc" || m == "ctr" {
				text = xssName
			}
			acts = append(acts, waitJS(`document.body.textContent.indexOf(`+jsString(text)+`) >= 0`, path+" showing the "+m+" text as text"))
		}
		// Live pages render after their snapshot arrives: wait until live.
		acts = append(acts, waitJS(`!document.body.dataset.live || document.body.dataset.live === "live"`, path+" live"),
			chromedp.Sleep(300*time.Millisecond))
		h.run(t, tab, acts...)
		if !eval[bool](t, tab, inert) {
			t.Errorf("%s ran stored script: window.__xss = %q", path, eval[string](t, tab, `String(window.__xss)`))
		}
	}

	display := h.Browser(t, 1920, 1080)
	h.run(t, display, pairAs(h.Device(hall.KindDisplay, 0)))
	visit(display, "/display", "svc", "notice")
	screen := h.Browser(t, 1280, 400)
	h.run(t, screen, pairAs(h.Device(hall.KindCounter, 1)))
	visit(screen, "/counter", "pause")
	kioskTab := h.Browser(t, 1080, 1920)
	h.run(t, kioskTab, pairAs(h.Device(hall.KindKiosk, 0)))
	visit(kioskTab, "/kiosk", "svc")

	manager := h.Browser(t, 1440, 900)
	h.run(t, manager, loginAs("manager", h.Password("manager"), 0))
	visit(manager, "/manager", "pause")
	visit(manager, "/manager/services")
	h.run(t, manager, waitJS(`[].some.call(document.querySelectorAll("input"), function (e) { return e.value === `+jsString(xssName)+`; })`,
		"the service name in its field, as a value"))
	visit(manager, "/cases/workorders/"+wo.ID, "wo-summary", "wo-note")
	visit(manager, "/cases/approvals", "ap-note")
	visit(manager, "/manager/appointments")
	desk := h.Browser(t, 1440, 900)
	h.run(t, desk, loginAs("clerk2", h.Password("clerk2"), 2))
	visit(desk, "/desk")
	visit(desk, "/cases/approvals")
}
