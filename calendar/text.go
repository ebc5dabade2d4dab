package calendar

import (
	"fmt"
	"slices"
	"strings"

	"hallq/queue"
)

// Format writes overrides one date a line, in date order, as the manager's
// console shows them and Parse reads them back:
//
//	2026-10-01 休息 国庆节
//	2026-09-27 08:30-17:30 调休 国庆节调休上班
//	2026-12-31 08:30-12:00 年终盘点
func Format(o map[string]queue.DayHours) string {
	dates := make([]string, 0, len(o))
	for d := range o {
		dates = append(dates, d)
	}
	slices.Sort(dates)
	var b strings.Builder
	for _, d := range dates {
		v := o[d]
		b.WriteString(d)
		if v.Closed {
			b.WriteString(" 休息")
		} else {
			fmt.Fprintf(&b, " %s-%s", v.Open, v.Close)
			if v.Workday {
				b.WriteString(" 调休")
			}
		}
		if v.Name != "" {
			b.WriteString(" " + v.Name)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Parse reads the lines Format writes: a date, then "休息"/"closed" or
// HH:MM-HH:MM, optionally "调休"/"workday", then an optional note. Blank
// lines are skipped. EINVALID names the line that is wrong; the hours
// themselves are checked by queue.Config.Validate when they are saved.
func Parse(text string) (map[string]queue.DayHours, error) {
	out := map[string]queue.DayHours{}
	for i, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		bad := func() error {
			return queue.Err(queue.EINVALID, "err.calendar.line_must_be_date", i+1)
		}
		if len(f) < 2 {
			return nil, bad()
		}
		var v queue.DayHours
		rest := f[2:]
		switch strings.ToLower(f[1]) {
		case "休息", "closed", "闭厅":
			v.Closed = true
		default:
			open, close, ok := strings.Cut(f[1], "-")
			if !ok {
				return nil, bad()
			}
			v.Open, v.Close = open, close
			if len(rest) > 0 && (rest[0] == "调休" || strings.EqualFold(rest[0], "workday")) {
				v.Workday, rest = true, rest[1:]
			}
		}
		v.Name = strings.Join(rest, " ")
		if _, dup := out[f[0]]; dup {
			return nil, queue.Err(queue.EINVALID, "err.calendar.line_date_appears_twice", i+1, f[0])
		}
		out[f[0]] = v
	}
	return out, nil
}
