package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"hallq/hall/config"
	"hallq/hall/store"
	"hallq/sim"
)

// TestReportsPageBrowser: `hallq simulate` history, then the manager's
// report page in Chromium: the ECharts charts draw (SVG) with Chinese
// labels, the staffing table switches weekdays, the what-if runs with an
// edited schedule, and the page prints on A4. Screenshots of the screen and
// of the print layout go to docs/screenshots/ with -screenshots.
func TestReportsPageBrowser(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Run(st, sim.Options{Days: 63, Seed: 2026, Profile: "small", NewHall: config.Default(), End: time.Now()}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	h := &testHall{Dir: dir, addr: "127.0.0.1:0"}
	h.Start(t)
	t.Cleanup(func() {
		if len(h.jsErrors) > 0 {
			t.Errorf("JavaScript errors in the pages:\n  %s", strings.Join(h.jsErrors, "\n  "))
		}
		h.Stop(t)
	})

	tab := h.Browser(t, 1280, 900)
	h.run(t, tab, loginAs("manager", h.Password("manager"), 0), open("/reports"),
		waitJS(`document.body.dataset.chartsReady === "1"`, "the charts"),
		waitJS(`document.querySelectorAll("#ch-avg svg text").length > 10`, "the wait heat map"),
		waitJS(`document.querySelectorAll("#wi-summary .rp-kpi").length === 4`, "the what-if baseline"))

	peak := textOf(t, tab, "[data-testid=rp-peak-text]")
	if !strings.Contains(peak, "平均等候") || !strings.Contains(peak, "分钟") {
		t.Errorf("peak text: %q", peak)
	}
	// Chinese labels inside the charts.
	labels := eval[string](t, tab, `Array.prototype.map.call(document.querySelectorAll("#ch-avg svg text, #ch-month svg text"), function (e) { return e.textContent; }).join(" ")`)
	for _, want := range []string{"周一", "周日", "平均等候（分钟）", "每月各日"} {
		if !strings.Contains(labels, want) {
			t.Errorf("chart labels lack %q: %.300s", want, labels)
		}
	}
	// The heat maps' legends carry numbers: 0 and the largest value.
	for _, id := range []string{"ch-arrivals", "ch-avg", "ch-p90"} {
		nums := eval[int](t, tab, `Array.prototype.filter.call(document.querySelectorAll("#`+id+` svg text"), function (e) {
			return /^\d+(\.\d+)?( 分钟)?$/.test(e.textContent.trim()); }).length`)
		if nums < 2 {
			t.Errorf("the %s legend shows %d numbers, want 0 and the largest", id, nums)
		}
	}
	// The whole page on screen, then as printed on A4 (794 px wide).
	height := eval[int](t, tab, `document.documentElement.scrollHeight`)
	h.run(t, tab, setViewport(1280, min(height, 6000)), screenshot(t, shotPath(t, "reports.zh.png")))
	h.run(t, tab, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return chromedp.Void{}, err
	}, setViewport(794, 1123))
	eval[bool](t, tab, `(window.dispatchEvent(new Event("resize")), true)`)
	printed := eval[bool](t, tab, `getComputedStyle(document.querySelector(".mg-bar")).display === "none" && getComputedStyle(document.querySelector("#rp-form, .rp-form")).display === "none"`)
	if !printed {
		t.Error("the print layout still shows the bar or the form")
	}
	height = eval[int](t, tab, `document.documentElement.scrollHeight`)
	h.run(t, tab, setViewport(794, min(height, 4000)), screenshot(t, shotPath(t, "reports-print.zh.png")))
	h.run(t, tab, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "screen"})
		return chromedp.Void{}, err
	}, setViewport(1280, 900))

	// Staffing: Monday rows first; Saturday's on a click.
	mon := eval[int](t, tab, `document.querySelectorAll(".rp-staff tbody tr:not(.rp-hide)[data-wd='1']").length`)
	h.run(t, tab, chromedp.Click(chromedp.CSS(`.rp-wd[data-wd="6"]`)),
		waitJS(`document.querySelectorAll(".rp-staff tbody tr:not(.rp-hide)[data-wd='6']").length > 0 && document.querySelectorAll(".rp-staff tbody tr:not(.rp-hide)[data-wd='1']").length === 0`, "Saturday's staffing rows"))
	if mon < 10 {
		t.Errorf("%d Monday staffing rows", mon)
	}
	h.run(t, tab, chromedp.Click(chromedp.CSS(`.rp-wd[data-wd="1"]`)))

	// What-if: drop every row but the first two, run, and the predicted
	// mean wait grows.
	before := textOf(t, tab, "#wi-summary .rp-kpi b")
	eval[bool](t, tab, `(function(){var rows=document.querySelectorAll("#wi-shifts tbody tr");
		for (var i=2;i<rows.length;i++) rows[i].remove(); return true;})()`)
	h.run(t, tab, chromedp.Click(chromedp.CSS("#wi-run")),
		waitJS(`document.querySelector("#wi-summary .rp-kpi b").textContent !== `+jsString(before), "the new prediction"))
	after := textOf(t, tab, "#wi-summary .rp-kpi b")
	if minutesOf(after) <= minutesOf(before) {
		t.Errorf("two counters predict %q, the observed schedule %q", after, before)
	}

}

// minutesOf reads the number of "12.3 分钟".
func minutesOf(s string) float64 {
	f, _ := strconv.ParseFloat(strings.Fields(s + " ")[0], 64)
	return f
}
