package calendar_test

import (
	"slices"
	"testing"

	"hallq/calendar"
	"hallq/queue"
)

// TestOfficial2026: the State Council's 2026 calendar as lunar-go has it:
// 2026-01-04 (a Sunday) is a 调休 working day for 元旦, 10-01 is 国庆节.
func TestOfficial2026(t *testing.T) {
	days := calendar.Official(2026)
	if len(days) < 20 {
		t.Fatalf("2026 has %d official days, want the whole year's", len(days))
	}
	by := map[string]calendar.Day{}
	for _, d := range days {
		by[d.Date] = d
	}
	cases := []struct {
		date string
		name string
		work bool
	}{
		{"2026-01-01", "元旦节", false},
		{"2026-01-04", "元旦节", true},
		{"2026-02-14", "春节", true},
		{"2026-10-01", "国庆节", false},
	}
	for _, tc := range cases {
		d, ok := by[tc.date]
		if !ok || d.Name != tc.name || d.Work != tc.work {
			t.Errorf("%s = %+v (found %v), want %s work=%v", tc.date, d, ok, tc.name, tc.work)
		}
	}
	if got := calendar.Official(1990); len(got) != 0 {
		t.Errorf("1990 = %d days, want none", len(got))
	}
}

func TestImport(t *testing.T) {
	cfg := queue.Config{
		Hours:     map[string]queue.Hours{"1": {Open: "08:30", Close: "17:30"}, "6": {Open: "09:00", Close: "12:00"}},
		Overrides: map[string]queue.DayHours{"2025-12-31": {Open: "08:30", Close: "12:00", Name: "年终盘点"}},
	}
	out, n, err := calendar.Import(cfg, 2026, "")
	if err != nil {
		t.Fatal(err)
	}
	if n != len(calendar.Official(2026)) {
		t.Errorf("added %d", n)
	}
	want := map[string]queue.DayHours{
		"2025-12-31": {Open: "08:30", Close: "12:00", Name: "年终盘点"},
		"2026-01-04": {Open: "08:30", Close: "17:30", Workday: true, Name: "元旦节调休上班"},
		"2026-10-01": {Closed: true, Name: "国庆节"},
	}
	for d, w := range want {
		if out[d] != w {
			t.Errorf("%s = %+v, want %+v", d, out[d], w)
		}
	}
	cfg.Overrides = out
	// An ordinary day (a Tuesday) stays the usual week: no override, no holiday.
	if o, ok := cfg.Overrides["2026-03-03"]; ok || slices.Contains(cfg.Holidays, "2026-03-03") {
		t.Errorf("2026-03-03 = %+v (holidays %v), want the usual week", o, cfg.Holidays)
	}
	if _, _, err := calendar.Import(cfg, 1990, ""); queue.ErrorCode(err) != queue.EINVALID {
		t.Errorf("1990 import: %v, want EINVALID", err)
	}
	if _, _, err := calendar.Import(cfg, 2026, "3"); queue.ErrorCode(err) != queue.EINVALID {
		t.Errorf("closed weekday: %v, want EINVALID", err)
	}
	cfg.Services = []queue.Service{{Prefix: "A", NameZH: "缴费"}}
	if err := cfg.Validate(); err != nil {
		t.Errorf("imported overrides do not validate: %v", err)
	}
}

func TestParseFormat(t *testing.T) {
	text := "2026-10-01 休息 国庆节\n\n2026-09-27 08:30-17:30 调休 国庆节调休上班\n2026-12-31 08:30-12:00 年终 盘点\n"
	o, err := calendar.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]queue.DayHours{
		"2026-10-01": {Closed: true, Name: "国庆节"},
		"2026-09-27": {Open: "08:30", Close: "17:30", Workday: true, Name: "国庆节调休上班"},
		"2026-12-31": {Open: "08:30", Close: "12:00", Name: "年终 盘点"},
	}
	if len(o) != len(want) {
		t.Fatalf("parsed %v", o)
	}
	for d, w := range want {
		if o[d] != w {
			t.Errorf("%s = %+v, want %+v", d, o[d], w)
		}
	}
	back, err := calendar.Parse(calendar.Format(o))
	if err != nil || len(back) != 3 || back["2026-09-27"] != want["2026-09-27"] {
		t.Errorf("round trip: %v %v", back, err)
	}
	for _, bad := range []string{"2026-10-01", "2026-10-01 0830", "2026-10-01 休息\n2026-10-01 休息"} {
		if _, err := calendar.Parse(bad); queue.ErrorCode(err) != queue.EINVALID {
			t.Errorf("Parse(%q) = %v, want EINVALID", bad, err)
		}
	}
}
