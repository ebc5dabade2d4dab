package main

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"hallq/casework"
	"hallq/hall"
	"hallq/queue"
)

// TestBrowserDeskWorkday: the clerk's day at 1440×900. Enter finishes and
// calls the next customer in one key (recording the case chosen in the
// panel); while a customer is at the counter the case panel, with the
// counter's common items one click away, is in view without scrolling; a
// refusal reads in the page's language only.
func TestBrowserDeskWorkday(t *testing.T) {
	t.Parallel()
	h := newTestHall(t)
	ctx := context.Background()
	kiosk, err := h.Main.Features.Account.AuthenticateDevice(ctx, h.Device(hall.KindKiosk, 0))
	if err != nil {
		t.Fatal(err)
	}
	var numbers []string
	for range 3 {
		tk, err := h.Main.Hall.Issue(ctx, kiosk, hall.IssueRequest{Service: "A", Priority: "normal"})
		if err != nil {
			t.Fatal(err)
		}
		numbers = append(numbers, tk.Number)
	}
	desk := h.Browser(t, 1440, 900)
	h.run(t, desk, loginAs("clerk1", h.Password("clerk1"), 1), waitText("[data-testid=desk-user]", "王丽"),
		waitText("[data-testid=desk-finish-next]", "Enter"))

	// Nobody at the counter: Enter calls.
	h.run(t, desk, chromedp.KeyEvent(kb.Enter), waitText("[data-testid=desk-current-number]", numbers[0]),
		chromedp.KeyEvent("s"), waitText("[data-testid=desk-current]", "办理中"))
	inView := func(sel string) string {
		return `(function(){var e=document.querySelector(` + jsString(sel) + `); if (!e) return false;
			var r=e.getBoundingClientRect(), f=document.getElementById("dk-status").getBoundingClientRect();
			return r.height > 0 && r.top >= 0 && r.bottom <= f.top;})()`
	}
	h.run(t, desk, waitJS(inView("[data-testid=desk-quick]"), "the case panel's common items in view"),
		waitJS(inView("[data-testid=desk-case-text]"), "the case text field in view"))
	item := eval[string](t, desk, `document.querySelector("[data-testid=desk-quick-item]").dataset.item`)
	h.run(t, desk, chromedp.Click(chromedp.CSS("[data-testid=desk-quick-item]")),
		waitJS(`!document.querySelector("[data-testid=desk-case-result]").hidden`, "the case's guidance"),
		waitJS(inView("[data-testid=desk-case-script]"), "the script in view"))
	h.run(t, desk, screenshot(t, shotPath(t, "desk-serving.zh.png")))

	// Enter: finish (recording the item) and call the next.
	h.run(t, desk, chromedp.KeyEvent(kb.Enter),
		waitText("[data-testid=desk-current-number]", numbers[1]), waitText("[data-testid=desk-served]", "1"))
	snap, _ := h.Main.Hall.Snapshot()
	recs, err := caseRecords(h.Main.Hall, snap.Day)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Number != numbers[0] || recs[0].Item != item {
		t.Errorf("case records %+v, want %s recorded as %s", recs, numbers[0], item)
	}

	// A refused no-show (no recall yet) says why in Chinese alone.
	h.run(t, desk, chromedp.KeyEvent("n"),
		waitJS(`document.querySelector("[data-testid=desk-status]").dataset.kind === "error"`, "a refusal"))
	msg := textOf(t, desk, "[data-testid=desk-status] .dk-status-text")
	if !strings.Contains(msg, "过号前请先重呼") || strings.Contains(msg, "recall") {
		t.Errorf("refused no-show says %q, want the Chinese reason alone", msg)
	}
}

// caseRecords reads the case records casework committed with the finishes
// of a day, in ticket order.
func caseRecords(h *hall.Hall, day string) ([]casework.CaseRecord, error) {
	var out []casework.CaseRecord
	var derr error
	err := h.EachRecord(casework.KindCase, day+"/", func(r queue.Record) bool {
		if !strings.HasPrefix(r.Key, day+"/") {
			return false
		}
		c, err := hall.Decode[casework.CaseRecord](r)
		if derr = err; err != nil {
			return false
		}
		out = append(out, c)
		return true
	})
	if err == nil {
		err = derr
	}
	return out, err
}
