package report_test

import (
	"reflect"
	"testing"

	"hallq/queue"
	"hallq/report"
)

// TestReportFlagsCalendarDays: a report names the 调休 working days and
// holidays of its range (and only those), with the weekday row they are in.
func TestReportFlagsCalendarDays(t *testing.T) {
	st, cfg := fixture(t)
	cfg.Overrides = map[string]queue.DayHours{
		"2026-02-28": {Open: "08:30", Close: "17:30", Workday: true, Name: "春节调休上班"}, // a Saturday, outside
		"2026-03-07": {Open: "08:30", Close: "17:30", Workday: true, Name: "调休上班"},   // a Saturday
		"2026-03-04": {Closed: true, Name: "停电检修"},
		"2026-03-05": {Open: "10:00", Close: "12:00"},
	}
	r := build(t, st, cfg, report.Params{From: "2026-03-01", To: "2026-03-10"})
	want := []report.CalendarDay{
		{Date: "2026-03-04", Weekday: 3, Kind: "closed", Name: "停电检修"},
		{Date: "2026-03-05", Weekday: 4, Kind: "hours"},
		{Date: "2026-03-07", Weekday: 6, Kind: "workday", Name: "调休上班"},
	}
	if !reflect.DeepEqual(r.CalendarDays, want) {
		t.Fatalf("calendar days = %+v\nwant %+v", r.CalendarDays, want)
	}
}
