package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hallq/hall"
	"hallq/hall/config"
	"hallq/hall/store"
	"hallq/sim"
)

// TestBrowserMonitorCurveAndHealth: on a hall with four weeks of simulated
// history, the manager's live monitor draws today's queue and waits beside
// the typical day of the same weekday (the median of the last same
// weekdays), as server-rendered SVG with a legend and numbered axes, and
// lists every paired device with its connection (the kiosk, open in a
// browser, online; the display, never opened, offline and not seen) and the
// kiosk's printer — in Chinese and in English. With -screenshots the
// monitor at 1440×900 goes to docs/screenshots/manager-monitor-curve.png.
func TestBrowserMonitorCurveAndHealth(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Hours = nil // open around the clock (as the demo), so the test issues at any hour
	if _, err := sim.Run(st, sim.Options{Days: 29, Seed: 25, Profile: "small", NewHall: cfg, End: time.Now()}); err != nil {
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
	var kioskName, displayID string
	for _, d := range h.Demo.Devices {
		switch {
		case d.Kind == hall.KindKiosk && kioskName == "":
			kioskName = d.Name
		case d.Kind == hall.KindDisplay && displayID == "":
			displayID = store.DeviceID(d.Token)
		}
	}
	kiosk := h.Browser(t)
	h.run(t, kiosk, pairAs(h.Device("kiosk", 0)), waitText("[data-testid=kiosk-service-A]", "电费"))
	kp := hall.Principal{Kind: "device", Name: kioskName, Role: hall.KindKiosk}
	for _, svc := range []string{"A", "A", "B"} {
		if _, err := h.Main.Hall.Issue(context.Background(), kp, hall.IssueRequest{Service: svc}); err != nil {
			t.Fatal(err)
		}
	}
	wd := []string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}[h.Main.Hall.Now().In(shanghaiZone(t)).Weekday()]

	mgr := h.Browser(t, 1440, 900)
	h.run(t, mgr, loginAs("manager", h.Password("manager"), 0), open("/manager?lang=zh"),
		chromedp.WaitVisible(`[data-testid=mon-curve]`))
	if sub := textOf(t, mgr, "[data-testid=curve-sub]"); !strings.Contains(sub, "最近 4 个"+wd+"的中位数") {
		t.Errorf("curve subtitle: %q, want the median of the last 4 %s", sub, wd)
	}
	for _, key := range []string{"queue", "wait"} {
		chart := "[data-testid=chart-" + key + "]"
		if n := eval[int](t, mgr, `document.querySelectorAll("`+chart+` [data-testid=line-typical]").length`); n != 1 {
			t.Errorf("%s chart: %d typical-day lines", key, n)
		}
		if pts := eval[int](t, mgr, `(document.querySelector("`+chart+` [data-testid=line-typical]")||{getAttribute(){return ""}}).getAttribute("points").split(" ").length`); pts < 10 {
			t.Errorf("%s chart: the typical day has %d points", key, pts)
		}
		if n := eval[int](t, mgr, `document.querySelectorAll("`+chart+` [data-testid=line-today]").length`); n != 1 {
			t.Errorf("%s chart: %d lines for today", key, n)
		}
		ys := eval[string](t, mgr, `Array.prototype.map.call(document.querySelectorAll("`+chart+` [data-testid=y-label]"), e => e.textContent).join(",")`)
		if !strings.HasPrefix(ys, "0,") || len(strings.Split(ys, ",")) != 5 {
			t.Errorf("%s chart: y axis %q, want five numbers from 0", key, ys)
		}
		if xs := eval[string](t, mgr, `Array.prototype.map.call(document.querySelectorAll("`+chart+` [data-testid=x-label]"), e => e.textContent).join(",")`); !strings.Contains(xs, "10:00") || !strings.Contains(xs, "14:00") {
			t.Errorf("%s chart: x axis %q", key, xs)
		}
		if lg := textOf(t, mgr, chart+" figcaption"); !strings.Contains(lg, "今天") || !strings.Contains(lg, "典型日") {
			t.Errorf("%s chart legend: %q", key, lg)
		}
	}
	row := func(id string) string { return fmt.Sprintf(`[data-testid="health-%s"]`, id) }
	// The kiosk open in the browser (paired by its one-time URL) is online
	// with a clock time; the display, never opened, is not.
	online := fmt.Sprintf(`[data-name="%s"]`, kioskName)
	h.run(t, mgr, waitJS(`Array.prototype.some.call(document.querySelectorAll(`+jsString(online)+`), r => r.querySelector("[data-testid=health-online]").textContent.trim() === "在线" && /^\d\d:\d\d:\d\d$/.test(r.querySelector("[data-testid=health-seen]").textContent.trim()) && r.querySelector("[data-testid=health-printer]").textContent.trim() === "未接打印机")`, "the kiosk online, seen, without a printer"),
		waitText(row(displayID)+" [data-testid=health-online]", "离线"),
		waitText(row(displayID)+" [data-testid=health-seen]", "启动以来未连接"))
	h.run(t, mgr, chromedp.ScrollIntoView(`[data-testid=mon-curve]`), screenshot(t, shotPath(t, "manager-monitor-curve.png")))

	h.run(t, mgr, open("/manager?lang=en"), chromedp.WaitVisible(`[data-testid=mon-curve]`),
		waitText(`[data-testid=mon-curve] h2`, "Today's queue and waits beside a typical day"),
		waitText(`[data-testid=curve-sub]`, "the median of the last 4"),
		waitText(`[data-testid=chart-queue] figcaption`, "Typical day"),
		waitText(`[data-testid=mon-health] h2`, "Device health"),
		waitText(`[data-testid=mon-health]`, "Online"),
		waitText(row(displayID)+" [data-testid=health-online]", "Offline"),
		waitText(row(displayID)+" [data-testid=health-seen]", "Not since start"))
}

func shanghaiZone(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
