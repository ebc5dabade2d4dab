package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"hallq/appointment"
	"hallq/hall"
)

// TestBrowserAppointmentStaff: a manager sets the booking rules in the
// console (a refused value shows the server's message and changes nothing;
// a new capacity is offered on /book at once); a clerk books for a caller
// from the desk's phone-booking link, recorded as the clerk; the console
// lists the day's bookings with masked phones; the report shows the
// appointment figures of GET /api/v1/reports/appointments.
func TestBrowserAppointmentStaff(t *testing.T) {
	t.Parallel()
	h := newTestHall(t)
	hl := h.Main.Hall
	appts := h.Main.Features.Appointment
	loc := hl.Location()
	// Today's B slots are 5 minutes long up to 23:50 (see TestBrowserAppointment).
	if now := hl.Now().In(loc); now.Hour() == 23 && now.Minute() >= 49 {
		time.Sleep(time.Until(time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 1, 0, loc)))
	}
	now := hl.Now().In(loc)
	today := now.Format(time.DateOnly)
	tomorrow := now.AddDate(0, 0, 1).Format(time.DateOnly)
	ctx := context.Background()

	// 1. The manager edits the rules in the console.
	mgr := h.Browser(t, 1600, 1000)
	h.run(t, mgr, loginAs("manager", h.Password("manager"), 0), open("/manager/appointments"),
		waitText("[data-testid=tab-appointments]", "预约设置"),
		waitJS(`document.querySelector("[data-testid=ma-count]").textContent !== ""`, "the day's bookings loaded"),
		typeInto("[data-testid=ma-horizon]", "400"),
		chromedp.Click(chromedp.CSS("[data-testid=ma-save]")),
		waitText("[data-testid=ma-error]", "可预约天数应为 0–90 天"))
	if s, _ := appts.Settings(); s.HorizonDays != 7 {
		t.Fatalf("a refused horizon changed the settings: %+v", s)
	}
	h.run(t, mgr,
		typeInto("[data-testid=ma-horizon]", "7"),
		typeInto("[data-testid=ma-early]", "60"),
		typeInto("[data-testid=ma-open]", "00:00"),
		typeInto("[data-testid=ma-close]", "23:59"),
		typeInto("[data-testid=ma-slot-A]", "30"),
		typeInto("[data-testid=ma-capacity-A]", "4"),
		typeInto("[data-testid=ma-slot-B]", "5"),
		typeInto("[data-testid=ma-capacity-B]", "3"),
		typeInto("[data-testid=ma-capacity-F]", "0"),
		chromedp.Click(chromedp.CSS("[data-testid=ma-save]")),
		waitJS(`!document.querySelector("[data-testid=ma-ok]").hidden`, "the saved message"),
		waitJS(`document.querySelector("[data-testid=ma-error]").hidden`, "no error"))
	set, err := appts.Settings()
	if err != nil {
		t.Fatal(err)
	}
	planA, okA := set.Plan("A")
	planB, okB := set.Plan("B")
	_, okF := set.Plan("F")
	if set.EarlyMinutes != 60 || set.Hours.Open != "00:00" || set.Hours.Close != "23:59" || !okA || planA.Capacity != 4 ||
		planA.SlotMinutes != 30 || !okB || planB.SlotMinutes != 5 || planB.Capacity != 3 || okF {
		t.Fatalf("settings after the console's save: %+v", set)
	}

	// 2. The public page offers the new capacity at once, and a customer books.
	phone := h.Browser(t, 390, 844)
	h.run(t, phone, open("/book"),
		waitText("[data-testid=book-services]", "电费缴纳"),
		chromedp.Click(chromedp.CSS("[data-testid=book-service-A]")),
		chromedp.Click(chromedp.CSS("[data-testid=book-day-"+tomorrow+"]")),
		waitJS(`document.querySelector("#bk-slots .bk-choice:not([disabled])")`, "a free slot"))
	if got := textOf(t, phone, "#bk-slots .bk-choice:not([disabled]) small"); got != "余 4" {
		t.Errorf("first slot of A tomorrow offers %q, want 余 4", got)
	}
	if n := eval[int](t, phone, `document.querySelectorAll("[data-testid=book-agent]").length`); n != 0 {
		t.Errorf("the public booking page shows the phone-booking banner")
	}
	h.run(t, phone, chromedp.Click(chromedp.CSS("#bk-slots .bk-choice:not([disabled])")),
		typeInto("#bk-phone", "13812345678"),
		chromedp.Click(chromedp.CSS("[data-testid=book-submit]")),
		waitText("[data-testid=book-done]", "预约成功"))
	online := textOf(t, phone, "[data-testid=book-code]")

	// 3. A clerk books for a caller from the desk.
	desk := h.Browser(t)
	h.run(t, desk, loginAs("clerk1", h.Password("clerk1"), 1),
		waitText("[data-testid=desk-phone-booking]", "电话预约"),
		chromedp.Sleep(200*time.Millisecond), screenshot(t, apptShot(t, "desk-phone-booking.zh.png")))
	if href := eval[string](t, desk, `document.querySelector("[data-testid=desk-phone-booking]").getAttribute("href")`); href != "/book" {
		t.Fatalf("desk phone-booking link %q", href)
	}
	h.run(t, desk, open("/book"),
		waitText("[data-testid=book-agent]", "代来电客户预约"),
		waitText("[data-testid=book-services]", "电费缴纳"),
		chromedp.Click(chromedp.CSS("[data-testid=book-service-A]")),
		chromedp.Click(chromedp.CSS("[data-testid=book-day-"+tomorrow+"]")),
		waitJS(`document.querySelector("#bk-slots .bk-choice:not([disabled])")`, "a free slot"),
		chromedp.Click(chromedp.CSS("#bk-slots .bk-choice:not([disabled])")),
		typeInto("#bk-phone", "13812340001"),
		typeInto("#bk-name", "王先生"),
		chromedp.Click(chromedp.CSS("[data-testid=book-submit]")),
		waitText("[data-testid=book-done]", "预约成功"),
		waitText("[data-testid=book-agent-tell]", "预约码"),
		chromedp.Sleep(200*time.Millisecond), screenshot(t, apptShot(t, "book-phone-booking.zh.png")))
	code := textOf(t, desk, "[data-testid=book-code]")
	staff := hall.Principal{Kind: "user", Name: "manager", Role: hall.RoleManager}
	a, err := appts.Get(staff, code, "")
	if err != nil || a.BookedBy != "user:clerk1" || a.Phone != "13812340001" || a.Name != "王先生" {
		t.Fatalf("the clerk's booking %+v %v", a, err)
	}
	if o, err := appts.Get(staff, online, ""); err != nil || o.BookedBy != "anonymous" {
		t.Fatalf("the customer's booking %+v %v", o, err)
	}

	// Today: a B booking checked in and called, a walk-in called; a
	// cancelled booking tomorrow.
	slots, err := appts.Slots("B", today)
	if err != nil || len(slots) == 0 {
		t.Fatalf("today's B slots: %v %v", slots, err)
	}
	bk, err := appts.Book(ctx, hall.Principal{}, appointment.BookRequest{Service: "B", Day: today, Slot: slots[0].Slot, Phone: "13912340009"})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := appts.CheckIn(ctx, staff, appointment.CheckInRequest{Code: bk.Code}); err != nil || r.Ticket == nil {
		t.Fatalf("check in %s: %+v %v", bk.Code, r, err)
	}
	if _, err := hl.Issue(ctx, staff, hall.IssueRequest{Service: "B", Priority: "normal"}); err != nil {
		t.Fatal(err)
	}
	if _, err := hl.SetCounterOpen(ctx, staff, 3, true); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := hl.Operate(ctx, staff, 3, hall.CounterOp{Action: "call"}); err != nil {
			t.Fatal(err)
		}
		if _, err := hl.Operate(ctx, staff, 3, hall.CounterOp{Action: "finish"}); err != nil {
			t.Fatal(err)
		}
	}
	gone, err := appts.Book(ctx, hall.Principal{}, appointment.BookRequest{Service: "A", Day: tomorrow, Slot: "12:00", Phone: "13912340008"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := appts.Cancel(ctx, staff, gone.Code, ""); err != nil {
		t.Fatal(err)
	}

	// 4. The console lists tomorrow's bookings, phones masked.
	h.run(t, mgr, typeInto("[data-testid=ma-day]", tomorrow),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("[data-testid=ma-day]").dispatchEvent(new Event("change"))`),
		waitText(`[data-testid=ma-row][data-code="`+code+`"]`, "电话预约 · clerk1"),
		waitText(`[data-testid=ma-row][data-code="`+code+`"]`, "138****0001"),
		waitText(`[data-testid=ma-row][data-code="`+online+`"]`, "网上预约"))
	if body := textOf(t, mgr, "[data-testid=ma-list]"); strings.Contains(body, "13812340001") || strings.Contains(body, "13812345678") || strings.Contains(body, gone.Code) {
		t.Errorf("the list shows a full phone or a cancelled booking: %s", body)
	}
	h.run(t, mgr, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`), chromedp.Sleep(200*time.Millisecond),
		screenshot(t, apptShot(t, "manager-appointments.zh.png")))

	// 5. The report's appointment figures are the API's.
	rep := h.Browser(t, 1440, 1000)
	h.run(t, rep, loginAs("manager", h.Password("manager"), 0),
		open("/reports?from="+today+"&to="+tomorrow),
		waitJS(`document.querySelector("[data-testid=rp-appt]") && document.querySelector("[data-testid=rp-appt]").dataset.loaded === "true"`, "the appointment figures"))
	apiJSON, err := chromedp.Run(rep, chromedp.Evaluate[string](`fetch("/api/v1/reports/appointments?from=`+today+`&to=`+tomorrow+`").then(function (r) { return r.text(); })`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	var f appointment.Figures
	if err := json.Unmarshal([]byte(apiJSON), &f); err != nil {
		t.Fatalf("figures API: %v %s", err, apiJSON)
	}
	if f.Booked != 3 || f.CheckedIn != 1 || f.Pending != 2 || f.Cancelled != 1 || f.NoShow != 0 || f.AppointmentTickets != 1 || f.WalkInTickets < 1 {
		t.Errorf("figures of the API: %+v", f)
	}
	for id, want := range map[string]int{"booked": f.Booked, "checked_in": f.CheckedIn, "no_show": f.NoShow, "pending": f.Pending,
		"cancelled": f.Cancelled, "appt-tickets": f.AppointmentTickets, "walkin-tickets": f.WalkInTickets} {
		sel := "[data-testid=rp-appt-" + id + "]"
		if !strings.Contains(id, "tickets") {
			sel += " b" // a kpi: the label, then the value in <b>
		}
		got := textOf(t, rep, sel)
		if got != strconv.Itoa(want) {
			t.Errorf("report %s shows %q, the API %d", id, got, want)
		}
	}
	for id, s := range map[string]float64{"appt-wait": f.AppointmentWaitS, "walkin-wait": f.WalkInWaitS} {
		got, err := strconv.ParseFloat(textOf(t, rep, "[data-testid=rp-appt-"+id+"]"), 64)
		if err != nil || got < s/60-0.051 || got > s/60+0.051 {
			t.Errorf("report %s shows %v (%v), the API %.1f s", id, got, err, s)
		}
	}
	if got := textOf(t, rep, "[data-testid=rp-appt-show_rate] b"); got != fmt.Sprintf("%.1f%%", 100.0) {
		t.Errorf("show-up rate %q", got)
	}
	h.run(t, rep, chromedp.Evaluate[chromedp.Void](`document.querySelector("[data-testid=rp-appt]").scrollIntoView(); window.scrollBy(0, -90)`),
		chromedp.Sleep(300*time.Millisecond), screenshot(t, apptShot(t, "reports-appointments.zh.png")))
	// The printed report has the section with its figures.
	h.run(t, rep, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return chromedp.Void{}, err
	})
	if vis := eval[bool](t, rep, `(function(){var e=document.querySelector("[data-testid=rp-appt]");
		return e.getBoundingClientRect().height > 0 && getComputedStyle(e).display !== "none" &&
			e.querySelector("[data-testid=rp-appt-booked] b").textContent === "`+strconv.Itoa(f.Booked)+`";})()`); !vis {
		t.Errorf("the appointment figures are not in the printed report")
	}
}
