package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"hallq/account"

	"hallq/hall"
	"hallq/internal/printertest"
	"hallq/queue"
)

// TestBrowserKioskPrinterFault: a kiosk whose printer is off line still
// issues the ticket and shows it with its tracking QR code and a notice;
// the manager's printer list shows the alert; once the printer is back the
// customer's "print again" prints the ticket.
func TestBrowserKioskPrinterFault(t *testing.T) {
	t.Parallel()
	h := newTestHall(t)
	fp, err := printertest.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fp.Close)
	tok, err := h.Main.Features.Account.AddDevice(t.Context(), account.NewDevice{Name: "取号机打印", Kind: hall.KindKiosk, Printer: fp.URL() + "#80mm"})
	if err != nil {
		t.Fatal(err)
	}
	fp.Stop() // switched off

	kiosk := h.Browser(t, 1920, 1080)
	h.run(t, kiosk, pairAs(tok), waitText("[data-testid=kiosk-start]", "电费缴纳"),
		chromedp.Click(chromedp.CSS("[data-testid=kiosk-service-B]")),
		waitText("[data-testid=kiosk-confirm]", "业扩报装"),
		chromedp.Click(chromedp.CSS("[data-testid=kiosk-issue]")),
		waitText("[data-testid=kiosk-ticket]", "取号成功"),
		waitText("[data-testid=kiosk-print-status]", "打印机暂停出票"))
	number := textOf(t, kiosk, "[data-testid=kiosk-ticket-number]")
	if !strings.HasPrefix(number, "B") {
		t.Fatalf("kiosk shows %q", number)
	}
	// The QR image loaded (a real PNG of the tracking URL).
	if w := eval[float64](t, kiosk, `document.getElementById('k-qr-img').naturalWidth`); w < 200 {
		t.Errorf("QR image natural width %v, want the PNG loaded", w)
	}
	if vis := eval[bool](t, kiosk, `!document.getElementById('k-reprint').hidden`); !vis {
		t.Error("no print-again button after a printer fault")
	}
	h.run(t, kiosk, screenshot(t, shotPath(t, "kiosk-printer-fault.png")))

	// The ticket is in the queue; the printer's alert is recorded.
	var found bool
	h.Main.Hall.Read(func(v *queue.Engine, _ uint64) {
		tk, ok := v.Find(number)
		found = ok && tk.Status == queue.Waiting
	})
	if !found {
		t.Errorf("ticket %s is not waiting after the printer fault", number)
	}
	list, err := h.Main.Features.Printing.Printers(t.Context(), hall.Principal{Kind: "user", Name: "manager", Role: hall.RoleManager})
	if err != nil {
		t.Fatal(err)
	}
	alerted := false
	for _, p := range list {
		alerted = alerted || (p.Device == "取号机打印" && p.State == "offline" && p.Alert)
	}
	if !alerted {
		t.Errorf("printers %+v: no off-line alert", list)
	}

	// The printer is switched on again; the customer taps "print again".
	if err := fp.Start(); err != nil {
		t.Fatal(err)
	}
	h.run(t, kiosk, chromedp.Click(chromedp.CSS("[data-testid=kiosk-reprint]")),
		waitText("[data-testid=kiosk-print-status]", "已打印"))
	jobs := fp.WaitJobs(1, 5*time.Second)
	if len(jobs) != 1 {
		t.Fatalf("jobs %d, want 1", len(jobs))
	}
	if j := printertest.Decode(jobs[0]); !strings.Contains(j.Text(), number) || len(j.QR) != 1 || !strings.HasPrefix(j.QR[0], h.URL+"/t/") {
		t.Errorf("printed ticket: %q, QR %q (want %s/t/…)", j.Text(), j.QR, h.URL)
	}
}

// TestBrowserKioskBrowserPrint: a kiosk without an ESC/POS printer prints
// the ticket through the browser (silently under --kiosk-printing); the
// print stylesheet leaves only the ticket and its QR code, on a roll's width.
func TestBrowserKioskBrowserPrint(t *testing.T) {
	t.Parallel()
	h := newTestHall(t)
	kiosk := h.Browser(t, 1080, 1920)
	h.run(t, kiosk, pairAs(h.Device(hall.KindKiosk, 0)), waitText("[data-testid=kiosk-start]", "电费缴纳"))
	// Count the print requests instead of opening the print dialog.
	eval[bool](t, kiosk, `(window.__printed = 0, window.print = function () { window.__printed++; }, true)`)
	h.run(t, kiosk,
		chromedp.Click(chromedp.CSS("[data-testid=kiosk-service-A]")),
		chromedp.Click(chromedp.CSS("[data-testid=kiosk-issue]")),
		waitText("[data-testid=kiosk-ticket]", "取号成功"),
		waitJS(`window.__printed === 1`, "the browser print of the ticket"))
	h.run(t, kiosk, screenshot(t, shotPath(t, "kiosk-ticket-qr.png")))
	// Under print media: the ticket card and QR are shown, the rest hidden.
	h.run(t, kiosk, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return chromedp.Void{}, err
	})
	vis := eval[map[string]any](t, kiosk, `(function () {
		function shown(sel) { var e = document.querySelector(sel); if (!e) return false;
			var s = getComputedStyle(e); var r = e.getBoundingClientRect();
			return s.visibility === 'visible' && s.display !== 'none' && r.width > 0 && r.height > 0; }
		return {number: shown('[data-testid=kiosk-ticket-number]'), qr: shown('#k-qr-img'), hall: shown('.k-print-head'),
			head: shown('.k-head'), done: shown('[data-testid=kiosk-done]'),
			width: document.querySelector('#k-ticket .k-ticket').getBoundingClientRect().width};
	})()`)
	if vis["number"] != true || vis["qr"] != true || vis["hall"] != true || vis["head"] != false || vis["done"] != false {
		t.Errorf("print media: %v, want hall name, number and QR shown, page header and button hidden", vis)
	}
	// 72 mm at 96 px per inch is 272 px.
	if w, _ := vis["width"].(float64); w < 260 || w > 285 {
		t.Errorf("printed ticket width %v px, want about 272 (72 mm)", w)
	}
	h.run(t, kiosk, screenshot(t, shotPath(t, "kiosk-print-fallback.png")))
}
