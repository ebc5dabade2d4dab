package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hallq/appointment"
	"hallq/hall"
)

// apptShot is where an appointment screenshot goes: docs/screenshots with
// -screenshots, a temp dir otherwise.
func apptShot(t *testing.T, name string) string {
	if *updateScreenshots {
		return "docs/screenshots/" + name
	}
	return t.TempDir() + "/" + name
}

// TestBrowserAppointment: a customer books on the phone page and gets a code
// and the documents to bring; at the kiosk the code checks them in for an
// appointment ticket; the clerk at counter 1 calls it; the customer's
// tracking page says which counter to go to.
func TestBrowserAppointment(t *testing.T) {
	t.Parallel()
	h := newTestHall(t)
	hl := h.Main.Hall
	appts := h.Main.Features.Appointment
	loc := hl.Location()
	// The demo hall runs on the real clock: bookable all day in 5-minute
	// slots, so the next slot starts within 5 minutes and check-in (from 15
	// minutes before) is open at once. The last slot of a day is 23:50.
	if now := hl.Now().In(loc); now.Hour() == 23 && now.Minute() >= 49 {
		time.Sleep(time.Until(time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 1, 0, loc)))
	}
	set := appointment.DefaultSettings(hl.Config())
	set.Hours.Open, set.Hours.Close = "00:00", "23:59"
	set.Plans = []appointment.Plan{{Service: "A", SlotMinutes: 5, Capacity: 2}}
	if _, err := appts.SetSettings(context.Background(), hall.Principal{Kind: "user", Name: "manager", Role: hall.RoleManager}, set); err != nil {
		t.Fatal(err)
	}
	today := hl.Now().In(loc).Format(time.DateOnly)

	phone := h.Browser(t, 390, 844)
	h.run(t, phone, open("/book"),
		waitText("[data-testid=book-services]", "电费缴纳"),
		chromedp.Click(chromedp.CSS("[data-testid=book-service-A]")),
		chromedp.Click(chromedp.CSS("[data-testid=book-day-"+today+"]")),
		waitJS(`document.querySelector("#bk-slots .bk-choice:not([disabled])")`, "a free slot"),
		chromedp.Click(chromedp.CSS("#bk-slots .bk-choice:not([disabled])")),
		typeInto("#bk-phone", "13812345678"),
		chromedp.Sleep(200*time.Millisecond), screenshot(t, apptShot(t, "book_phone.png")),
		chromedp.Click(chromedp.CSS("[data-testid=book-submit]")),
		waitText("[data-testid=book-done]", "预约成功"),
		waitText("[data-testid=book-docs]", "户号或电费通知单"),
		chromedp.Sleep(200*time.Millisecond), screenshot(t, apptShot(t, "book_done.png")))
	code := textOf(t, phone, "[data-testid=book-code]")
	if len(code) != 8 {
		t.Fatalf("booking code %q", code)
	}
	a, err := appts.Get(hall.Principal{Kind: "user", Role: hall.RoleManager}, code, "")
	if err != nil || a.Status != appointment.Booked || a.Phone != "13812345678" || a.Service != "A" || a.Day != today {
		t.Fatalf("stored booking %+v %v", a, err)
	}

	// Check in at the kiosk with the code on the keypad.
	kiosk := h.Browser(t, 1080, 1920)
	steps := []action{pairAs(h.Device(hall.KindKiosk, 0)), waitText("[data-testid=kiosk-start]", "预约签到"),
		chromedp.Click(chromedp.CSS("[data-testid=kiosk-checkin-open]")),
		waitText("[data-testid=kiosk-checkin]", "预约码")}
	for _, d := range code {
		steps = append(steps, chromedp.Click(chromedp.CSS(`[data-kc-key="`+string(d)+`"]`)))
	}
	steps = append(steps, waitText("[data-testid=kiosk-checkin-entry]", code),
		chromedp.Sleep(200*time.Millisecond), screenshot(t, apptShot(t, "kiosk_checkin_code.png")),
		chromedp.Click(chromedp.CSS("[data-testid=kiosk-checkin-go]")),
		waitText("[data-testid=kiosk-checkin-result]", "签到成功"),
		chromedp.Sleep(200*time.Millisecond), screenshot(t, apptShot(t, "kiosk_checkin.png")))
	h.run(t, kiosk, steps...)
	number := textOf(t, kiosk, "[data-testid=kiosk-checkin-number]")
	tracking := strings.ReplaceAll(textOf(t, kiosk, "[data-testid=kiosk-checkin-tracking]"), " ", "")
	if !strings.HasPrefix(number, "A") || tracking == "" {
		t.Fatalf("appointment ticket %q tracking %q", number, tracking)
	}

	// The customer follows the ticket on the phone.
	h.run(t, phone, open("/t/"+tracking), waitText("[data-testid=track-number]", number))

	// The clerk at counter 1 calls it (the calling order of due appointments
	// against walk-ins is tested in hall and web); the tracking page names
	// the counter.
	desk := h.Browser(t)
	h.run(t, desk, loginAs("clerk1", h.Password("clerk1"), 1),
		chromedp.Click(chromedp.CSS("[data-testid=desk-call]")),
		waitText("[data-testid=desk-current-number]", number))
	// The open page follows by itself (it reloads on a new status): opening
	// it again here would race with that reload (net::ERR_ABORTED).
	h.run(t, phone, waitText("[data-testid=track-go]", "请到 1 号窗口办理"))
	if got, _ := appts.Get(hall.Principal{Kind: "user", Role: hall.RoleManager}, code, ""); got.Status != appointment.CheckedIn || got.Number != number {
		t.Errorf("booking after check-in: %+v", got)
	}
}
