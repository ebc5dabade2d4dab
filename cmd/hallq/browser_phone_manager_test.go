package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hallq/notify"
)

// TestBrowserManagerPhoneTab: the console's 扫码取号与通知 tab switches phone
// tickets on, imports the official 2026 calendar with one click (its 调休
// working days appear in the text), and lists a notice the gateway refused
// as a dead letter, which the manager retries once the gateway works.
func TestBrowserManagerPhoneTab(t *testing.T) {
	t.Parallel()
	h := newTestHall(t)
	var ok atomic.Bool
	var calls atomic.Int32
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if !ok.Load() {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer gw.Close()
	n := h.Main.Notify
	n.Sleep = func(context.Context, time.Duration) error { return nil }
	if err := n.SaveSettings(notify.Settings{URL: gw.URL, Secret: "0123456789abcdef", Soon: true, Attempts: 2}); err != nil {
		t.Fatal(err)
	}
	n.Enqueue(notify.Message{ID: "soon-x", Kind: notify.KindSoon, Phone: "13800138000", Ticket: "A007", Text: "您的 A007 号即将叫到"})
	waitFor(t, "the message dead-lettered", func() bool {
		return slices.ContainsFunc(n.DeadLetters(), func(d notify.DeadLetter) bool { return d.Message.ID == "soon-x" })
	})

	mgr := h.Browser(t)
	h.run(t, mgr, loginAs("manager", h.Password("manager"), 0), open("/manager/phone"),
		waitText("[data-testid=dead-letter]", "A007"),
		waitText("[data-testid=dead-letter]", "138****8000"),
		chromedp.Click(chromedp.CSS("[data-testid=remote-on]")),
		chromedp.Evaluate[chromedp.Void](`window.__old = true`),
		chromedp.Click(chromedp.CSS("[data-testid=phone-form] button")),
		waitJS(`!window.__old && document.readyState === "complete" && document.querySelector("[data-testid=remote-on]").checked`, "phone tickets switched on after the reload"),
		chromedp.Click(chromedp.CSS("[data-testid=import-go]")),
		waitJS(`document.querySelector("[data-testid=overrides-text]").value.indexOf("2026-01-04 00:00-24:00 调休 元旦节调休上班") >= 0`, "the imported 调休 working day"),
		screenshot(t, shotPath(t, "manager-phone.zh.png")))
	if !h.Main.Hall.Config().RemoteTickets {
		t.Fatal("phone tickets are not on")
	}
	ok.Store(true)
	h.run(t, mgr, chromedp.Click(chromedp.CSS("[data-testid=dead-retry]")),
		waitText("[data-testid=dead-letters]", "没有未送达的通知"))
	// The retried message is delivered or buried again: either way the worker is done with it.
	waitFor(t, "the retried message settled", func() bool { return n.Sent() > 0 || len(n.DeadLetters()) > 0 })
	if n.Sent() != 1 || len(n.DeadLetters()) != 0 {
		t.Fatalf("after retry: sent %d, dead %v", n.Sent(), n.DeadLetters())
	}
}
