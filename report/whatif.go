package report

import (
	"slices"
	"time"

	"hallq/hall/store"
	"hallq/queue"
	"hallq/sim"
)

// MaxWhatIfDays is the longest range a what-if replays.
const MaxWhatIfDays = 62

// WhatIfSlot compares real and predicted waits in one weekday × slot.
type WhatIfSlot struct {
	Weekday      int     `json:"weekday"`
	Start        string  `json:"start"`
	Arrivals     int     `json:"arrivals"`
	RealAvgWaitS float64 `json:"real_avg_wait_s"`
	PredAvgWaitS float64 `json:"predicted_avg_wait_s"`
	RealP90WaitS int     `json:"real_p90_wait_s"`
	PredP90WaitS int     `json:"predicted_p90_wait_s"`
	RealOpen     float64 `json:"real_open"`
	PredOpen     float64 `json:"predicted_open"`
}

// WhatIfFigures are the headline figures of one side of the comparison.
type WhatIfFigures struct {
	AvgWaitS     float64 `json:"avg_wait_s"`
	P90WaitS     int     `json:"p90_wait_s"`
	ServiceLevel float64 `json:"service_level"`
	Called       int     `json:"called"`
	CounterHours float64 `json:"counter_hours"` // counter-hours open per day
}

// WhatIf is the replay of the observed customers under a schedule.
type WhatIf struct {
	From        string        `json:"from"`
	To          string        `json:"to"`
	SlotMinutes int           `json:"slot_minutes"`
	Customers   int           `json:"customers"`
	Shifts      []sim.Shift   `json:"shifts"`
	Real        WhatIfFigures `json:"real"`
	Predicted   WhatIfFigures `json:"predicted"`
	Slots       []WhatIfSlot  `json:"slots"`
}

// RunWhatIf replays the customers of p's range (at most MaxWhatIfDays days)
// through the queue engine with the counters opened by shifts (nil: the
// schedule observed in the range, see ObservedShifts) and compares the
// predicted waits with the real ones. Errors: EINVALID for a long range or a
// bad schedule.
func RunWhatIf(src Source, cfg queue.Config, p Params, shifts []sim.Shift) (*WhatIf, error) {
	if days := daysBetween(p.From, p.To); days > MaxWhatIfDays {
		return nil, queue.Err(queue.EINVALID, "err.report.a_what_if_covers", MaxWhatIfDays)
	}
	step := p.SlotMin * 60
	nslots := 86400 / step
	in, err := collectWhatIf(src, p, step, nslots)
	if err != nil {
		return nil, err
	}
	if shifts == nil {
		shifts = in.observed.shifts(cfg)
	}
	pred, err := sim.Replay(cfg, in.days, shifts, 1)
	if err != nil {
		return nil, err
	}
	out := &WhatIf{From: p.From, To: p.To, SlotMinutes: p.SlotMin, Shifts: shifts, Slots: []WhatIfSlot{}}
	rs, ps := newWaitSide(nslots), newWaitSide(nslots)
	targets := serviceTargets(cfg)
	arrivals := make([]int, 8*nslots)
	for di := range in.days {
		for ci, c := range in.days[di].Customers {
			out.Customers++
			k := in.meta[di].wd[ci]*nslots + in.meta[di].slots[ci]
			arrivals[k]++
			rs.add(k, in.real[di][ci], targets[c.Service])
			ps.add(k, pred[di][ci], targets[c.Service])
		}
	}
	out.Real, out.Predicted = rs.figures(), ps.figures()
	// Counter-hours per day, real and planned.
	nd := len(in.days)
	var realS int64
	for _, v := range in.realOpen.openS {
		realS += v
	}
	planOpen, planS := plannedOpen(in.days, shifts, step, nslots)
	if nd > 0 {
		out.Real.CounterHours = round1(float64(realS) / 3600 / float64(nd))
		out.Predicted.CounterHours = round1(planS / 3600 / float64(nd))
	}
	for wd := 1; wd <= 7; wd++ {
		for k := 0; k < nslots; k++ {
			i := wd*nslots + k
			if arrivals[i] == 0 {
				continue
			}
			sl := WhatIfSlot{Weekday: wd, Start: clock(k * step), Arrivals: arrivals[i]}
			sl.RealAvgWaitS, sl.RealP90WaitS = stats(rs.cells[i])
			sl.PredAvgWaitS, sl.PredP90WaitS = stats(ps.cells[i])
			if n := in.weekdayDays[wd]; n > 0 {
				sl.RealOpen = round1(float64(in.realOpen.openS[i]) / float64(step) / float64(n))
				sl.PredOpen = round1(planOpen[i] / float64(n))
			}
			out.Slots = append(out.Slots, sl)
		}
	}
	return out, nil
}

// whatIfInput is what a what-if reads from the range: the customers to
// replay, their real waits, and the counters really open.
type whatIfInput struct {
	days        []sim.ReplayDay
	real        [][]int32    // real wait per day and customer, -1 if never called
	meta        []whatIfKeys // weekday and slot per day and customer
	realOpen    *staffAcc    // counter-seconds really open per weekday × slot
	weekdayDays [8]int       // days with customers per ISO weekday
	observed    *shiftAcc    // the schedule observed
}

type whatIfKeys struct{ wd, slots []int }

// collectWhatIf reads the range's rollups into a whatIfInput: every customer
// that is not a transfer (of p.Service if set), with the times the replay
// needs.
func collectWhatIf(src Source, p Params, step, nslots int) (*whatIfInput, error) {
	in := &whatIfInput{realOpen: newStaffAcc(nslots), observed: newShiftAcc()}
	err := src.EachRollupDay(p.From, p.To, func(d *store.RollupDay) error {
		wd, _ := isoWeekday(d.Day)
		in.observed.day(wd, d)
		rd := sim.ReplayDay{Day: d.Day}
		var w []int32
		var mk whatIfKeys
		for i := range d.Tickets {
			f := &d.Tickets[i]
			if f.Transfer || (p.Service != "" && f.Service != p.Service[0]) {
				continue
			}
			rd.Customers = append(rd.Customers, replayCustomer(f))
			w = append(w, f.CalledS)
			mk.wd = append(mk.wd, wd)
			mk.slots = append(mk.slots, min(max(int(f.IssuedS)/step, 0), nslots-1))
		}
		if len(rd.Customers) == 0 {
			return nil
		}
		in.weekdayDays[wd]++
		in.realOpen.counters(wd, d, step)
		in.days = append(in.days, rd)
		in.real = append(in.real, w)
		in.meta = append(in.meta, mk)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return in, nil
}

// replayCustomer is the customer behind a ticket's facts: when they came,
// how long they took to walk up and be served, whether they left unserved.
func replayCustomer(f *store.TicketFact) sim.Customer {
	c := sim.Customer{IssuedS: f.IssuedS, Service: string(f.Service), Green: f.Priority == 'g',
		NoShow: f.Status == queue.NoShow}
	if f.CalledS >= 0 && f.StartedS >= f.CalledS {
		c.WalkS = f.StartedS - f.CalledS
	}
	if f.Status == queue.Done && f.StartedS >= 0 && f.FinishedS >= f.StartedS {
		c.ServiceS = max(f.FinishedS-f.StartedS, 1)
	}
	if f.CalledS < 0 && f.Status == queue.Cancelled && f.FinishedS > 0 {
		c.LeftS = f.FinishedS
	}
	return c
}

// serviceTargets is each service's target wait in seconds (600 when unset).
func serviceTargets(cfg queue.Config) map[string]int32 {
	targets := map[string]int32{}
	for _, s := range cfg.Services {
		targets[s.Prefix] = int32(max(s.TargetWaitS, 1))
		if s.TargetWaitS <= 0 {
			targets[s.Prefix] = 600
		}
	}
	return targets
}

// waitSide gathers the waits of one side of the comparison (real or
// predicted), in total and per weekday × slot.
type waitSide struct {
	all    []int32
	within int
	cells  [][]int32
}

func newWaitSide(nslots int) *waitSide { return &waitSide{cells: make([][]int32, 8*nslots)} }

// add counts wait w (seconds, negative: never called) in cell k.
func (s *waitSide) add(k int, w, target int32) {
	if w < 0 {
		return
	}
	s.all = append(s.all, w)
	s.cells[k] = append(s.cells[k], w)
	if w <= target {
		s.within++
	}
}

func (s *waitSide) figures() WhatIfFigures {
	f := WhatIfFigures{Called: len(s.all)}
	f.AvgWaitS, f.P90WaitS = stats(s.all)
	if f.Called > 0 {
		f.ServiceLevel = round4(float64(s.within) / float64(f.Called))
	}
	return f
}

// plannedOpen is the counters the shifts open over days: per weekday × slot
// (counters open, summed over the days) and the counter-seconds in total.
func plannedOpen(days []sim.ReplayDay, shifts []sim.Shift, step, nslots int) ([]float64, float64) {
	planOpen := make([]float64, 8*nslots)
	var planS float64
	for di := range days {
		wd, _ := isoWeekday(days[di].Day)
		for _, s := range shifts {
			if len(s.Weekdays) > 0 && !slices.Contains(s.Weekdays, wd) {
				continue
			}
			o, c := clockSec(s.Open), clockSec(s.Close)
			planS += float64(c - o)
			for k := o / step; k < nslots && k*step < c; k++ {
				lo, hi := max(o, k*step), min(c, (k+1)*step)
				planOpen[wd*nslots+k] += float64(hi-lo) / float64(step)
			}
		}
	}
	return planOpen, planS
}

func parseDay(s string) time.Time {
	t, _ := time.Parse(time.DateOnly, s)
	return t
}

func daysBetween(from, to string) int {
	f, t := parseDay(from), parseDay(to)
	return int(t.Sub(f).Hours()/24) + 1
}

// shiftAcc gathers when each counter opened and closed, for the observed
// schedule.
type shiftAcc struct {
	days  [2]int                // workdays, weekend days seen
	opens map[[2]int][][2]int32 // counter, group → (first open, last close) per day
}

func newShiftAcc() *shiftAcc { return &shiftAcc{opens: map[[2]int][][2]int32{}} }

func (a *shiftAcc) day(wd int, d *store.RollupDay) {
	g := 0
	if wd >= 6 {
		g = 1
	}
	if len(d.Tickets) == 0 {
		return
	}
	a.days[g]++
	first, last := map[uint8]int32{}, map[uint8]int32{}
	for _, c := range d.Counters {
		if c.State == 'o' {
			if _, ok := first[c.Counter]; !ok {
				first[c.Counter] = c.AtS
			}
		}
		if c.State == 'c' {
			if _, ok := first[c.Counter]; ok {
				last[c.Counter] = c.AtS
			}
		}
	}
	for n, o := range first {
		cl, ok := last[n]
		if !ok || cl <= o {
			cl = 18 * 3600
		}
		k := [2]int{int(n), g}
		a.opens[k] = append(a.opens[k], [2]int32{o, cl})
	}
}

// shifts is the typical schedule: each counter that opened on at least half
// of the workdays (or weekend days), from its median opening to its median
// closing time, rounded to 15 minutes.
func (a *shiftAcc) shifts(cfg queue.Config) []sim.Shift {
	out := []sim.Shift{}
	for _, c := range cfg.Counters {
		for g, wds := range [][]int{{1, 2, 3, 4, 5}, {6, 7}} {
			v := a.opens[[2]int{c.Number, g}]
			if a.days[g] == 0 || len(v)*2 < a.days[g] {
				continue
			}
			os, cs := make([]int32, len(v)), make([]int32, len(v))
			for i := range v {
				os[i], cs[i] = v[i][0], v[i][1]
			}
			o := selectK(os, len(os)/2) / 900 * 900
			cl := (selectK(cs, len(cs)/2) + 899) / 900 * 900
			if cl <= o {
				continue
			}
			out = append(out, sim.Shift{Counter: c.Number, Open: clock(int(o)), Close: clock(int(min(cl, 86340))), Weekdays: wds})
		}
	}
	return out
}
