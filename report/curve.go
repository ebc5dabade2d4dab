package report

import (
	"slices"
	"time"

	"hallq/hall/store"
)

// CurvePoint is one slot of the day: the queue length at its start and the
// mean wait (seconds) of the customers who arrived in it, today and on a
// typical day of the same weekday (the median over the weeks found).
type CurvePoint struct {
	AtS          int     `json:"at_s"` // slot start, seconds after local midnight
	Queue        float64 `json:"queue"`
	WaitS        float64 `json:"wait_s"`
	Today        bool    `json:"today"` // false for slots still to come
	TypicalQueue float64 `json:"typical_queue"`
	TypicalWaitS float64 `json:"typical_wait_s"`
}

// Curve is today's queue beside a typical day of the same weekday.
type Curve struct {
	Day     string       `json:"day"`
	Weekday int          `json:"weekday"` // ISO, 1 = Monday
	Weeks   int          `json:"weeks"`   // same weekdays the typical day is the median of
	SlotS   int          `json:"slot_s"`
	Points  []CurvePoint `json:"points"`
	// NowS and NowQueue are the queue at the moment asked (the end of
	// today's line).
	NowS     int     `json:"now_s"`
	NowQueue float64 `json:"now_queue"`
}

// CurveWeeks is how many same weekdays back the typical day looks.
const CurveWeeks = 8

// QueueCurve reads the rollups of day (YYYY-MM-DD, up to nowS seconds after
// its local midnight) and of the same weekday in each of the CurveWeeks
// weeks before, in slots of slotS seconds. The queue at a moment counts the
// customers issued and not yet called (nor cancelled); a day's slots run
// from 08:00 to 18:00, wider where any of the days had customers.
func QueueCurve(st *store.Store, day string, nowS, slotS int) (Curve, error) {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return Curve{}, err
	}
	wd := int(d.Weekday())
	if wd == 0 {
		wd = 7
	}
	c := Curve{Day: day, Weekday: wd, SlotS: slotS}
	var today []waitSpan
	var past [][]waitSpan
	want := map[string]bool{}
	for k := 1; k <= CurveWeeks; k++ {
		want[d.AddDate(0, 0, -7*k).Format(time.DateOnly)] = true
	}
	lo, hi := 8*3600, 18*3600
	err = st.EachRollupDay(d.AddDate(0, 0, -7*CurveWeeks).Format(time.DateOnly), day, func(rd *store.RollupDay) error {
		if rd.Day != day && !want[rd.Day] || len(rd.Tickets) == 0 {
			return nil
		}
		spans := waitSpans(rd)
		for _, sp := range spans {
			lo, hi = min(lo, int(sp.from)), max(hi, int(sp.from)+1)
		}
		if rd.Day == day {
			today = spans
		} else {
			past = append(past, spans)
		}
		return nil
	})
	if err != nil {
		return Curve{}, err
	}
	c.Weeks = len(past)
	lo = min(lo, nowS)
	lo -= lo % slotS
	hi = min(24*3600, hi+(slotS-hi%slotS)%slotS)
	at := func(spans []waitSpan, t int) (float64, float64) { return queueAt(spans, t, slotS) }
	hi = max(hi, min(24*3600, nowS+1))
	c.NowS = nowS
	c.NowQueue, _ = at(today, nowS)
	for t := lo; t < hi; t += slotS {
		p := CurvePoint{AtS: t, Today: t <= nowS}
		if p.Today {
			p.Queue, p.WaitS = at(today, t)
		}
		var qs, ws []float64
		for _, spans := range past {
			q, w := at(spans, t)
			qs, ws = append(qs, q), append(ws, w)
		}
		p.TypicalQueue, p.TypicalWaitS = median(qs), median(ws)
		c.Points = append(c.Points, p)
	}
	return c, nil
}

// waitSpan is one customer's wait: from issue to the first call (or to
// leaving, or 1<<30 while still waiting), in seconds after local midnight.
type waitSpan struct {
	from, to int32
	called   bool
}

// waitSpans is the waits of a day's tickets.
func waitSpans(rd *store.RollupDay) []waitSpan {
	var spans []waitSpan
	for _, f := range rd.Tickets {
		end := int32(1 << 30) // still waiting
		switch {
		case f.CalledS >= 0:
			end = f.IssuedS + f.CalledS
		case f.FinishedS >= 0:
			end = f.IssuedS + f.FinishedS
		}
		spans = append(spans, waitSpan{f.IssuedS, end, f.CalledS >= 0})
	}
	return spans
}

// queueAt is the queue length at t and the mean wait of the customers
// called among those who arrived in the slot [t, t+slotS).
func queueAt(spans []waitSpan, t, slotS int) (queue float64, wait float64) {
	n, sum := 0, 0
	for _, s := range spans {
		if int(s.from) <= t && int(s.to) > t {
			queue++
		}
		if s.called && int(s.from) >= t && int(s.from) < t+slotS {
			n++
			sum += int(s.to - s.from)
		}
	}
	if n > 0 {
		wait = float64(sum) / float64(n)
	}
	return queue, wait
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}
