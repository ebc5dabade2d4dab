// Package calendar knows China's official calendar of public holidays and
// 调休 working days (from github.com/6tail/lunar-go's HolidayUtil, which
// covers every year the State Council has announced since 2002) and turns
// a year of it into the hall's dated opening-hour overrides
// (queue.Config.Overrides). It imports only queue and lunar-go.
package calendar

import (
	"slices"

	"github.com/6tail/lunar-go/HolidayUtil"

	_ "hallq/i18n" // queue.Err renders its keys with the catalog that i18n registers in its init
	"hallq/queue"
)

// Day is one day of the official calendar: a public holiday (Work false)
// or a 调休 working day (Work true, usually a weekend day) of the holiday
// Name, whose main day is Target.
type Day struct {
	Date   string `json:"date"` // YYYY-MM-DD
	Name   string `json:"name"`
	Work   bool   `json:"work"`
	Target string `json:"target"` // YYYY-MM-DD of the holiday's main day
}

// Official returns the official holidays and 调休 working days of year in
// date order; an empty list when the calendar does not know the year yet
// (the State Council announces a year in the November before it).
func Official(year int) []Day {
	var out []Day
	for e := HolidayUtil.GetHolidaysByYear(year).Front(); e != nil; e = e.Next() {
		h := e.Value.(*HolidayUtil.Holiday)
		out = append(out, Day{Date: dashed(h.GetDay()), Name: h.GetName(), Work: h.IsWork(), Target: dashed(h.GetTarget())})
	}
	slices.SortFunc(out, func(a, b Day) int {
		if a.Date < b.Date {
			return -1
		}
		if a.Date > b.Date {
			return 1
		}
		return 0
	})
	return out
}

// dashed turns lunar-go's "20261001" (or an already dashed date) into
// "2026-10-01".
func dashed(s string) string {
	if len(s) == 8 {
		return s[:4] + "-" + s[4:6] + "-" + s[6:]
	}
	return s
}

// Import returns cfg's overrides with year's official calendar merged in: a
// holiday closes the hall (if the week would open it), a 调休 working day
// opens it with the hours of workHours (ISO weekday "1"…"7" of the usual
// week the manager names, default Monday's) and is marked Workday. Manual
// overrides of other dates stay; a date of the year the import covers is
// replaced. added counts the dates set. EINVALID when the calendar does not
// know the year, or the hall has no weekday hours to open a working day with.
func Import(cfg queue.Config, year int, workHours string) (out map[string]queue.DayHours, added int, err error) {
	days := Official(year)
	if len(days) == 0 {
		return nil, 0, queue.Err(queue.EINVALID, "err.calendar.the_official_calendar_has", year)
	}
	if workHours == "" {
		workHours = "1"
	}
	hours, ok := cfg.Hours[workHours]
	if !ok && len(cfg.Hours) > 0 {
		return nil, 0, queue.Err(queue.EINVALID, "err.calendar.weekday_has_no_opening", workHours)
	}
	if len(cfg.Hours) == 0 {
		hours = queue.AllDay
	}
	out = map[string]queue.DayHours{}
	for d, o := range cfg.Overrides {
		out[d] = o
	}
	for _, d := range days {
		if d.Work {
			out[d.Date] = queue.DayHours{Open: hours.Open, Close: hours.Close, Workday: true, Name: d.Name + "调休上班"}
		} else {
			out[d.Date] = queue.DayHours{Closed: true, Name: d.Name}
		}
		added++
	}
	return out, added, nil
}
