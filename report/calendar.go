package report

import (
	"slices"
	"time"

	"hallq/queue"
)

// CalendarDay is a day of a report's range whose hours a dated override
// (调休) set: Kind "workday" (a 调休 working day, usually a weekend day the
// hall opened as a working day), "closed" (a holiday), or "hours" (other
// dated hours). Weekday is ISO: the row of the weekday tables its customers
// are counted in.
type CalendarDay struct {
	Date    string `json:"date"`
	Weekday int    `json:"weekday"`
	Kind    string `json:"kind"`
	Name    string `json:"name,omitempty"`
}

// calendarDays lists the overrides of cfg within [from, to] in date order.
func calendarDays(cfg queue.Config, from, to string) []CalendarDay {
	out := []CalendarDay{}
	for d, o := range cfg.Overrides {
		if d < from || d > to {
			continue
		}
		wd, _ := isoWeekday(d)
		k := "hours"
		switch {
		case o.Closed:
			k = "closed"
		case o.Workday:
			k = "workday"
		}
		out = append(out, CalendarDay{Date: d, Weekday: wd, Kind: k, Name: o.Name})
	}
	slices.SortFunc(out, func(a, b CalendarDay) int { return compareDate(a.Date, b.Date) })
	return out
}

func compareDate(a, b string) int {
	ta, _ := time.Parse(time.DateOnly, a)
	tb, _ := time.Parse(time.DateOnly, b)
	return ta.Compare(tb)
}
