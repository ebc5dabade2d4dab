package queue

import (
	"maps"
	"slices"
	"strconv"
	"time"
)

// DayHours is a dated override of the weekly opening hours (调休): the
// hours of that date, or Closed. Workday marks a day the official calendar
// makes a working day in place of a holiday (a 调休 Saturday), so reports
// count it with the working days; Name says why ("国庆节").
type DayHours struct {
	Open    string `json:"open,omitempty"`
	Close   string `json:"close,omitempty"`
	Closed  bool   `json:"closed,omitempty"`
	Workday bool   `json:"workday,omitempty"`
	Name    string `json:"name,omitempty"`
}

// AllDay is the hours of a hall configured without opening hours.
var AllDay = Hours{Open: "00:00", Close: "24:00"}

// HoursOn returns the opening hours of local date d (any time of that day
// in the hall's zone); ok is false when the hall is closed that day. A dated
// override comes first, then the holidays, then the weekly hours; a hall
// without weekly hours is open all day (AllDay) unless a date says otherwise.
func (c Config) HoursOn(d time.Time) (h Hours, ok bool) {
	ds := d.Format(time.DateOnly)
	if o, found := c.Overrides[ds]; found {
		if o.Closed {
			return Hours{}, false
		}
		return Hours{Open: o.Open, Close: o.Close}, true
	}
	if slices.Contains(c.Holidays, ds) {
		return Hours{}, false
	}
	if len(c.Hours) == 0 {
		return AllDay, true
	}
	h, ok = c.Hours[strconv.Itoa(isoWeekday(d))]
	return h, ok
}

// WorkdayOverride reports whether local date ds (YYYY-MM-DD) is a 调休
// working day: an override that opens the hall and is marked Workday.
func (c Config) WorkdayOverride(ds string) bool {
	o, ok := c.Overrides[ds]
	return ok && o.Workday && !o.Closed
}

func isoWeekday(d time.Time) int {
	wd := int(d.Weekday())
	if wd == 0 {
		return 7
	}
	return wd
}

// validateOverrides: every key a date, every open day with valid hours.
func (c Config) validateOverrides() error {
	if len(c.Overrides) > 1000 {
		return Err(EINVALID, "err.queue.at_most_1000_dated")
	}
	for d, o := range c.Overrides {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return Err(EINVALID, "err.queue.override_date_is_not", d)
		}
		if len([]rune(o.Name)) > 40 {
			return Err(EINVALID, "err.queue.the_note_of_is", d)
		}
		if o.Closed {
			if o.Workday {
				return Err(EINVALID, "err.queue.cannot_be_both_closed", d)
			}
			continue
		}
		op, err1 := parseClock(o.Open)
		cl, err2 := parseClock(o.Close)
		if err1 != nil || err2 != nil || op >= cl {
			return Err(EINVALID, "err.queue.opening_hours_of_are", d)
		}
	}
	return nil
}

func cloneOverrides(m map[string]DayHours) map[string]DayHours {
	if len(m) == 0 {
		return nil
	}
	return maps.Clone(m)
}
