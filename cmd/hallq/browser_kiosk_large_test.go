package main

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"hallq/hall"
)

// kioskStartControls are the controls of the kiosk's start screen.
const kioskStartControls = `[data-testid^=kiosk-service-], [data-testid=kiosk-checkin-open], [data-testid=kiosk-precheck-open],
	[data-testid=kiosk-green], [data-testid=kiosk-large], [data-testid=kiosk-lang]`

// controlsSeen is JavaScript: a JSON list of the controls matching sel that
// a customer cannot see whole without scrolling — outside the viewport, or
// covered at their centre, top or bottom edge by something else (a sticky
// bar, the footer) — and the count of controls.
func controlsSeen(sel string) string {
	return `JSON.stringify((function(){
		var hidden = [], n = 0;
		document.querySelectorAll(` + jsString(sel) + `).forEach(function (e) {
			n++;
			var r = e.getBoundingClientRect(), name = e.dataset.testid || e.id;
			if (r.width === 0 || r.left < 0 || r.top < 0 || r.right > innerWidth || r.bottom > innerHeight) {
				hidden.push(name + " outside " + Math.round(r.top) + "–" + Math.round(r.bottom)); return;
			}
			var x = (r.left + r.right) / 2;
			[[x, (r.top + r.bottom) / 2], [x, r.top + 6], [x, r.bottom - 6]].forEach(function (p) {
				var at = document.elementFromPoint(p[0], p[1]);
				if (!at || !(at === e || e.contains(at))) hidden.push(name + " covered at y=" + Math.round(p[1]) + " by " + (at ? at.className || at.tagName : "nothing"));
			});
		});
		return {n: n, hidden: hidden};})())`
}

// TestBrowserKioskLargePrint: on the 1080×1920 kiosk every control of the
// start screen — the six services, 预约签到, 不确定选哪项, 绿色通道, 大字模式
// and the language switch — is on screen and uncovered, in normal and large
// print, in Chinese and English, without scrolling; a shorter screen shows
// a hint that the start screen scrolls.
func TestBrowserKioskLargePrint(t *testing.T) {
	t.Parallel()
	h := newTestHall(t)
	tab := h.Browser(t, 1080, 1920)
	h.run(t, tab, pairAs(h.Device(hall.KindKiosk, 0)))
	for _, lang := range []string{"zh", "en"} {
		for _, large := range []bool{false, true} {
			name := fmt.Sprintf("%s large=%v", lang, large)
			steps := []action{open("/kiosk?lang=" + lang), waitJS(`document.querySelector("[data-testid=kiosk-service-F]") && window.HallKiosk`, "the start screen")}
			if large {
				steps = append(steps, chromedp.Click(chromedp.CSS("[data-testid=kiosk-large]")),
					waitJS(`document.body.classList.contains("large")`, "large print"))
			}
			h.run(t, tab, steps...)
			var got struct {
				N      int      `json:"n"`
				Hidden []string `json:"hidden"`
			}
			if err := json.Unmarshal([]byte(eval[string](t, tab, controlsSeen(kioskStartControls))), &got); err != nil {
				t.Fatal(err)
			}
			if got.N != 11 {
				t.Errorf("%s: %d controls on the start screen, want 11", name, got.N)
			}
			if len(got.Hidden) > 0 {
				t.Errorf("%s: controls not wholly visible: %v", name, got.Hidden)
			}
			if !eval[bool](t, tab, `document.getElementById("k-more").hidden`) {
				t.Errorf("%s: the screen fits, yet it says to scroll for more", name)
			}
		}
	}
	// A screen too short for everything says plainly that it scrolls, and
	// stops saying so at the bottom.
	h.run(t, tab, setViewport(1080, 1300),
		waitJS(`!document.getElementById("k-more").hidden && document.getElementById("k-more").getClientRects().length > 0`, "the scroll hint"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector(".k-main").scrollTop = 1e6`),
		waitJS(`document.getElementById("k-more").hidden`, "no scroll hint at the bottom"))
}
