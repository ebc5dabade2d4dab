package report_test

import (
	"bytes"
	"math"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"hallq/casework"
	"hallq/hall"
	"hallq/hall/config"
	"hallq/hall/store"
	"hallq/queue"
	"hallq/rating"
	"hallq/report"
)

var sh, _ = time.LoadLocation("Asia/Shanghai")

func at(day, hms string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04:05", day+" "+hms, sh)
	if err != nil {
		panic(err)
	}
	return t
}

func tp(day, hms string) *time.Time { t := at(day, hms); return &t }

// fixture builds a store with two days of hand-made tickets, one counter's
// day, ratings, a work order and an approval (see the expected figures in
// TestFixtureFigures, computed by hand).
func fixture(t *testing.T) (*store.Store, queue.Config) {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Check(); err != nil {
			t.Errorf("bbolt check: %v", err)
		}
		st.Close()
	})
	cfg := config.Default()
	if _, err := st.Seed(cfg, cfg.Services, cfg.Counters); err != nil {
		t.Fatal(err)
	}
	const mon, tue = "2026-03-02", "2026-03-03"
	tk := func(id uint64, day, svc, issued, called, started, finished string, st queue.Status, counter int, clerk, item string) queue.Ticket {
		k := queue.Ticket{ID: id, Day: day, Number: svc + "001", Service: svc, Priority: queue.Normal, Status: st,
			IssuedAt: at(day, issued), Counter: counter, Clerk: clerk, Item: item, Rev: 1}
		if called != "" {
			k.CalledAt = tp(day, called)
		}
		if started != "" {
			k.StartedAt = tp(day, started)
		}
		if finished != "" {
			k.FinishedAt = tp(day, finished)
		}
		return k
	}
	t1 := tk(1, mon, "A", "09:05:00", "09:15:00", "09:15:30", "09:20:30", queue.Transferred, 1, "clerk1", "")
	t1.TransferredTo = 6
	t6 := tk(6, mon, "D", "09:05:00", "09:25:00", "09:25:00", "09:27:00", queue.Done, 2, "clerk2", "tariff_enquiry")
	t6.TransferredFrom = 1
	tickets := []queue.Ticket{
		t1,
		tk(2, mon, "A", "09:10:00", "09:40:00", "09:40:00", "09:43:20", queue.Done, 1, "clerk1", "pay_bill"),
		tk(3, mon, "A", "09:20:00", "09:30:00", "", "09:32:00", queue.NoShow, 1, "clerk1", ""),
		tk(4, mon, "B", "09:50:00", "10:00:00", "10:00:00", "10:15:00", queue.Done, 2, "clerk2", "lv_connection"),
		tk(5, mon, "D", "10:05:00", "", "", "10:35:00", queue.Cancelled, 0, "", ""),
		t6,
		tk(7, tue, "A", "09:00:00", "09:00:30", "09:01:00", "09:04:00", queue.Done, 1, "clerk1", "pay_bill"),
		tk(8, tue, "A", "14:10:00", "14:30:00", "14:30:00", "14:35:00", queue.Done, 1, "clerk1", "inflated_invoice"),
	}
	var evs []queue.Event
	seq := uint64(0)
	add := func(ev queue.Event) {
		seq++
		ev.Seq = seq
		evs = append(evs, ev)
	}
	counter := func(typ, day, hms string, state queue.CounterState, clerk string, rev int) {
		add(queue.Event{Type: typ, At: at(day, hms), Day: day, Counter: 1,
			Counters: []queue.Counter{{Number: 1, NameZH: "1号窗口", Services: []string{"A", "D"}, State: state, Clerk: clerk, Rev: rev}}})
	}
	counter(queue.EvSignedIn, mon, "08:30:00", queue.Open, "clerk1", 1)
	for _, k := range tickets {
		add(queue.Event{Type: queue.EvIssued, At: k.IssuedAt, Day: k.Day, Ticket: k.ID, Tickets: []queue.Ticket{k}})
	}
	counter(queue.EvPaused, mon, "12:00:00", queue.Paused, "clerk1", 2)
	counter(queue.EvResumed, mon, "12:30:00", queue.Open, "clerk1", 3)
	counter(queue.EvSignedOut, mon, "17:30:00", queue.Closed, "", 4)
	rating := func(id uint64, day string, score int, clerk string, counter int) {
		r := hall.NewRecord(rating.Kind, rating.Key(id), rating.Rating{Ticket: id, Day: day, Score: score, Clerk: clerk, Counter: counter})
		r.Rev = 1
		add(queue.Event{Type: rating.EvRated, At: at(day, "18:00:00"), Day: day, Ticket: id, Records: []queue.Record{r}})
	}
	rating(2, mon, 5, "clerk1", 1)
	rating(7, tue, 2, "clerk1", 1)
	rating(4, mon, 0, "clerk2", 2)
	wo := hall.NewRecord(casework.KindWorkOrder, "W1", casework.WorkOrder{ID: "W1", Status: casework.WOOpen, OpenedAt: at(mon, "10:15:00"), PromisedAt: at("2026-03-05", "23:59:59")})
	ap := hall.NewRecord(casework.KindApproval, "P1", casework.Approval{ID: "P1", Status: casework.ApPending, RequestedAt: at(tue, "09:03:00")})
	wo.Rev, ap.Rev = 1, 1
	add(queue.Event{Type: "workorder_opened", At: at(mon, "10:15:00"), Day: mon, Records: []queue.Record{wo}})
	add(queue.Event{Type: "approval_requested", At: at(tue, "09:03:00"), Day: tue, Records: []queue.Record{ap}})
	if err := st.Commit(evs, nil); err != nil {
		t.Fatal(err)
	}
	var saved queue.Config
	if _, err := st.GetMeta("config", &saved); err != nil {
		t.Fatal(err)
	}
	return st, saved
}

func build(t *testing.T, st *store.Store, cfg queue.Config, p report.Params) *report.Report {
	t.Helper()
	if err := p.Validate(cfg); err != nil {
		t.Fatal(err)
	}
	r, err := report.Build(st, cfg, p, at("2026-03-10", "12:00:00"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestFixtureFigures(t *testing.T) {
	st, cfg := fixture(t)
	r := build(t, st, cfg, report.Params{From: "2026-03-01", To: "2026-03-31"})

	// Customers: tickets 1–5, 7, 8 (6 continues a transfer). Called: 1, 2,
	// 3, 4, 7, 8 with waits 600, 1800, 600, 600, 30, 1200.
	wantSummary := report.Summary{Tickets: 7, Called: 6, Served: 4, NoShows: 1, Cancelled: 1,
		AvgWaitS: 805, P90WaitS: 1800, MaxWaitS: 1800, ServiceLevel: 0.6667, NoShowRate: 0.1667, AvgServiceS: 395, Days: 2}
	if r.Summary != wantSummary {
		t.Errorf("summary\n got %+v\nwant %+v", r.Summary, wantSummary)
	}
	wantSlots := []report.Slot{
		{Weekday: 1, Start: "09:00", Arrivals: 3, ArrivalsPerDay: 3, Called: 3, AvgWaitS: 1000, P90WaitS: 1800},
		{Weekday: 1, Start: "09:30", Arrivals: 1, ArrivalsPerDay: 1, Called: 1, AvgWaitS: 600, P90WaitS: 600},
		{Weekday: 1, Start: "10:00", Arrivals: 1, ArrivalsPerDay: 1, Called: 0, AvgWaitS: 0, P90WaitS: 0},
		{Weekday: 2, Start: "09:00", Arrivals: 1, ArrivalsPerDay: 1, Called: 1, AvgWaitS: 30, P90WaitS: 30},
		{Weekday: 2, Start: "14:00", Arrivals: 1, ArrivalsPerDay: 1, Called: 1, AvgWaitS: 1200, P90WaitS: 1200},
	}
	if len(r.Slots) != len(wantSlots) {
		t.Fatalf("slots: got %d %+v, want %d", len(r.Slots), r.Slots, len(wantSlots))
	}
	for i := range wantSlots {
		if r.Slots[i] != wantSlots[i] {
			t.Errorf("slot %d: got %+v, want %+v", i, r.Slots[i], wantSlots[i])
		}
	}
	wantDays := []report.MonthDay{
		{Day: 2, Arrivals: 5, ArrivalsPerDay: 5, Called: 4, AvgWaitS: 900, P90WaitS: 1800},
		{Day: 3, Arrivals: 2, ArrivalsPerDay: 2, Called: 2, AvgWaitS: 615, P90WaitS: 1200},
	}
	if len(r.MonthDays) != 2 || r.MonthDays[0] != wantDays[0] || r.MonthDays[1] != wantDays[1] {
		t.Errorf("month days: got %+v, want %+v", r.MonthDays, wantDays)
	}
	wantQueue := []report.QueuePoint{{"09:00", 0.5, 1}, {"09:30", 0.5, 1}, {"10:00", 0, 0}, {"10:30", 0.5, 1}}
	if len(r.QueueLength) != len(wantQueue) {
		t.Fatalf("queue length: got %+v, want %+v", r.QueueLength, wantQueue)
	}
	for i := range wantQueue {
		if r.QueueLength[i] != wantQueue[i] {
			t.Errorf("queue point %d: got %+v, want %+v", i, r.QueueLength[i], wantQueue[i])
		}
	}
	// Services: A has 5 customers (1, 2, 3, 7, 8), waits 600, 1800, 600, 30,
	// 1200; 3 within 600 s; served 2, 7, 8 in 200, 180, 300 s.
	a := r.Services[0]
	if a.Service != "A" || a.Tickets != 5 || a.Called != 5 || a.AvgWaitS != 846 || a.P90WaitS != 1800 ||
		!near(a.ServiceLevel, 0.6) || !near(a.NoShowRate, 0.2) || a.AvgServiceS != 226.7 {
		t.Errorf("service A: %+v", a)
	}
	// Staffing, Monday 09:00: 3 A customers in one Monday's 30 minutes,
	// 226.7 s each: 0.378 erlangs, one counter serves 92.7% within 600 s;
	// counter 1 was open the whole slot.
	var mon9 *report.StaffSlot
	for i := range r.Staffing {
		if r.Staffing[i].Weekday == 1 && r.Staffing[i].Start == "09:00" {
			mon9 = &r.Staffing[i]
		}
	}
	if mon9 == nil || mon9.Needed != 1 || mon9.NeededBy["A"] != 1 || mon9.Open != 1 || mon9.Gap != 0 || mon9.PerHour != 6 {
		t.Errorf("staffing Monday 09:00: %+v", mon9)
	}
	// Clerks: clerk1 served 2, 7, 8 (200, 180, 300 s), a no-show (3) and a
	// transfer (1); busy 330+200+120+210+300 s; counter 1 open 08:30–12:00
	// and 12:30–17:30 with one pause of 30 minutes; ratings 5 and 2.
	//
	// Walks (first call → start; the no-show 3 is not one): clerk1 1, 2, 7,
	// 8 in 30, 0, 30, 0 s; clerk2 4 and 6 in 0 s. Idle while customers of
	// counter 1's services (A, D) waited: they waited 09:05–09:40 (1, 2, 3)
	// and 10:05–10:35 (5, cancelled uncalled; 6 continues a transfer),
	// within the open 08:30–12:00, less the busy 09:15:00–09:20:30 (1) and
	// 09:30–09:32 (3): 2100 − 330 − 120 + 1800 = 3450 s. Counter 2 was
	// never signed in, so it has no idle time.
	want1 := report.ClerkRow{Clerk: "clerk1", Served: 3, NoShows: 1, Transferred: 1, AvgServiceS: 226.7, OpenS: 30600,
		BusyS: 1160, IdleS: 29440, Pauses: 1, PauseS: 1800, Rated: 2, Unrated: 0, Satisfaction: 3.5, Satisfied: 0.5, Participation: 0.6667,
		Walks: 4, AvgWalkS: 15, IdleWaitingS: 3450}
	want2 := report.ClerkRow{Clerk: "clerk2", Served: 2, AvgServiceS: 510, BusyS: 1020, Unrated: 1, Walks: 2}
	if len(r.Clerks) != 2 || r.Clerks[0] != want1 || r.Clerks[1] != want2 {
		t.Errorf("clerks\n got %+v\nwant %+v\n     %+v", r.Clerks, want1, want2)
	}
	if len(r.Counters) != 2 || r.Counters[0].Counter != 1 || r.Counters[0].Served != 3 || r.Counters[0].OpenS != 30600 || r.Counters[1].Served != 2 ||
		r.Counters[0].IdleWaitingS != 3450 || r.Counters[0].AvgWalkS != 15 || r.Counters[1].IdleWaitingS != 0 || r.Counters[1].Walks != 2 {
		t.Errorf("counters: %+v", r.Counters)
	}
	// Cases: served with items pay_bill ×2 (immediate), tariff_enquiry
	// (immediate), lv_connection (cross-department), inflated_invoice (a
	// refusal); the work order is past its promised date on 10 March.
	c := r.Cases
	byClass := map[string]int{}
	for _, x := range c.ByClass {
		byClass[x.Class] = x.Count
	}
	if byClass["immediate"] != 3 || byClass["cross_department"] != 1 || byClass["must_refuse"] != 1 || byClass["needs_approval"] != 0 {
		t.Errorf("cases by class: %+v", c.ByClass)
	}
	if len(c.ByItem) != 4 || c.ByItem[0].Item != "pay_bill" || c.ByItem[0].Count != 2 {
		t.Errorf("cases by item: %+v", c.ByItem)
	}
	if len(c.Refusals) != 1 || c.Refusals[0].Count != 1 || c.Refusals[0].Reason == "" {
		t.Errorf("refusals: %+v", c.Refusals)
	}
	if c.WorkOrders.Opened != 1 || c.WorkOrders.Overdue != 1 || c.Approvals.Pending != 1 || c.NoItem != 0 {
		t.Errorf("follow-ups: %+v %+v no item %d", c.WorkOrders, c.Approvals, c.NoItem)
	}

	// One service only.
	rb := build(t, st, cfg, report.Params{From: "2026-03-02", To: "2026-03-02", Service: "B", SlotMin: 15})
	if rb.Summary.Tickets != 1 || rb.Summary.AvgWaitS != 600 || rb.Summary.ServiceLevel != 1 || len(rb.Slots) != 1 || rb.Slots[0].Start != "09:45" {
		t.Errorf("service B, 15-minute slots: %+v %+v", rb.Summary, rb.Slots)
	}
}

func TestPeaksInWords(t *testing.T) {
	st, cfg := fixture(t)
	r := build(t, st, cfg, report.Params{From: "2026-03-01", To: "2026-03-31"})
	// Mean wait 805 s; threshold 1.3 × 805 = 1046.5 s. Workday slots with
	// at least three called: only Monday 09:00 (mean 1000) — below it, so no
	// slot peak; days of month: day 2 has 4 called, mean 900 — below too.
	if len(r.Peaks) != 0 || r.PeakText != "所选范围内没有明显的高峰时段。" {
		t.Errorf("peaks: %+v %q", r.Peaks, r.PeakText)
	}
}

func TestErlangCPublishedValues(t *testing.T) {
	// Probability of waiting for 10 erlangs (e.g. 100 calls in 30 minutes of
	// 180 s): the call-centre literature's worked table, and the textbook
	// M/M/3 with 2 erlangs (exactly 4/9) and 6 erlangs on 10 servers
	// ("about 0.10").
	for _, c := range []struct {
		n    int
		a, p float64
	}{{11, 10, 0.6821}, {12, 10, 0.4494}, {13, 10, 0.2853}, {14, 10, 0.1741}, {3, 2, 4.0 / 9}, {10, 6, 0.1013}} {
		if got := report.ErlangC(c.n, c.a); math.Abs(got-c.p) > 5e-5 {
			t.Errorf("ErlangC(%d, %g) = %.5f, want %.4f", c.n, c.a, got, c.p)
		}
	}
	// Service level within 20 s at 180 s per call: 13 agents 79.6%, 14
	// agents 88.8%; so 80% needs 14.
	if sl := report.ServiceLevel(13, 10, 20, 180); math.Abs(sl-0.7956) > 5e-4 {
		t.Errorf("SL(13) = %.4f", sl)
	}
	if sl := report.ServiceLevel(14, 10, 20, 180); math.Abs(sl-0.8884) > 5e-4 {
		t.Errorf("SL(14) = %.4f", sl)
	}
	if n := report.Needed(100.0/1800, 180, 20, 0.8); n != 14 {
		t.Errorf("Needed = %d, want 14", n)
	}
	if n := report.Needed(0, 180, 20, 0.8); n != 0 {
		t.Errorf("Needed with no arrivals = %d", n)
	}
	if report.ErlangC(5, 5) != 1 || report.ServiceLevel(5, 6, 20, 180) != 0 {
		t.Error("an overloaded queue must wait always")
	}
}

func TestXLSXReadBack(t *testing.T) {
	st, cfg := fixture(t)
	r := build(t, st, cfg, report.Params{From: "2026-03-01", To: "2026-03-31"})
	var buf bytes.Buffer
	if err := r.WriteXLSX(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	want := []string{"概要", "时段热力", "每月日期", "排队人数", "业务类别", "高峰时段", "人员配置建议", "柜员", "窗口", "业务事项", "工单与审批"}
	if len(sheets) != len(want) {
		t.Fatalf("sheets %v, want %v", sheets, want)
	}
	for i := range want {
		if sheets[i] != want[i] {
			t.Errorf("sheet %d is %q, want %q", i, sheets[i], want[i])
		}
	}
	rows, err := f.GetRows("时段热力")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 6 || rows[0][0] != "星期" || rows[0][5] != "平均等候(秒)" || rows[1][0] != "星期一" || rows[1][1] != "09:00" || rows[1][2] != "3" || rows[1][5] != "1000" || rows[1][6] != "1800" {
		t.Errorf("slots sheet: %v", rows)
	}
	sum, _ := f.GetRows("概要")
	if len(sum) != 2 || sum[0][3] != "取号人数" || sum[1][3] != "7" || sum[1][8] != "805" {
		t.Errorf("summary sheet: %v", sum)
	}
}

func TestParamsValidate(t *testing.T) {
	cfg := config.Default()
	for _, c := range []struct {
		name string
		p    report.Params
		code string
	}{
		{"missing", report.Params{From: "2026-01-01"}, queue.EBADREQUEST},
		{"bad date", report.Params{From: "2026-13-01", To: "2026-12-01"}, queue.EINVALID},
		{"reversed", report.Params{From: "2026-02-01", To: "2026-01-01"}, queue.EINVALID},
		{"slot", report.Params{From: "2026-01-01", To: "2026-01-02", SlotMin: 20}, queue.EINVALID},
		{"service", report.Params{From: "2026-01-01", To: "2026-01-02", Service: "Q"}, queue.EINVALID},
		{"too long", report.Params{From: "2000-01-01", To: "2026-01-02"}, queue.EINVALID},
		{"fine", report.Params{From: "2026-01-01", To: "2026-01-02", Service: "A", SlotMin: 15}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := queue.ErrorCode(c.p.Validate(cfg)); got != c.code {
				t.Errorf("code %q, want %q", got, c.code)
			}
		})
	}
}
