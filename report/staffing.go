package report

import (
	"math"

	"hallq/hall/store"
	"hallq/queue"
)

// StaffSlot is the staffing advice for one weekday × slot: the counters
// needed to call Goal of the customers within their target wait (Erlang C,
// from the observed arrival rate and mean service time) — in total as one
// pooled queue (Needed), and per service as if each had counters of its own
// (NeededBy) — beside the counters actually open on average in that slot.
// Gap = Needed − Open; a positive gap is a shortage.
type StaffSlot struct {
	Weekday  int            `json:"weekday"`
	Start    string         `json:"start"`
	PerHour  float64        `json:"arrivals_per_hour"`
	NeededBy map[string]int `json:"needed_by_service"`
	Needed   int            `json:"needed"`
	Open     float64        `json:"open"`
	Gap      float64        `json:"gap"`
	AvgWaitS float64        `json:"avg_wait_s"`
}

type staffAcc struct {
	nslots   int
	arrivals [256][]int // service → weekday*nslots+slot → customers
	openS    []int64    // weekday*nslots+slot → counter-seconds open
}

func newStaffAcc(nslots int) *staffAcc {
	return &staffAcc{nslots: nslots, openS: make([]int64, 8*nslots)}
}

// merge adds o (a later part of the range) into a.
func (a *staffAcc) merge(o *staffAcc) {
	for i, v := range o.arrivals {
		if v == nil {
			continue
		}
		if a.arrivals[i] == nil {
			a.arrivals[i] = make([]int, len(v))
		}
		for k, n := range v {
			a.arrivals[i][k] += n
		}
	}
	for k, v := range o.openS {
		a.openS[k] += v
	}
}

func (s *staffAcc) arrival(wd, slot int, svc byte) {
	a := s.arrivals[svc]
	if a == nil {
		a = make([]int, 8*s.nslots)
		s.arrivals[svc] = a
	}
	a[wd*s.nslots+slot]++
}

// counters adds the day's open (not paused) counter time to its slots.
func (s *staffAcc) counters(wd int, d *store.RollupDay, step int) {
	type st struct {
		open  bool
		since int32
	}
	cur := map[uint8]st{}
	add := func(from, to int32) {
		for from < to {
			k := int(from) / step
			if k >= s.nslots {
				return
			}
			end := min(to, int32((k+1)*step))
			s.openS[wd*s.nslots+k] += int64(end - from)
			from = end
		}
	}
	for _, c := range d.Counters {
		prev := cur[c.Counter]
		if prev.open {
			add(max(prev.since, 0), c.AtS)
		}
		cur[c.Counter] = st{open: c.State == 'o', since: c.AtS}
	}
	for _, v := range cur {
		if v.open {
			add(max(v.since, 0), 24*3600)
		}
	}
}

// advice turns the arrivals into counters needed per slot.
func (s *staffAcc) advice(r *Report, cfg queue.Config, p Params, step int) []StaffSlot {
	// Mean service time per service over the range (observed; the
	// configured estimate when nothing was served).
	aht := map[byte]float64{}
	target := map[byte]float64{}
	for _, sv := range cfg.Services {
		aht[sv.Prefix[0]] = sv.AvgServiceS
		t := float64(sv.TargetWaitS)
		if t <= 0 {
			t = 600
		}
		target[sv.Prefix[0]] = t
	}
	for _, row := range r.Services {
		if row.AvgServiceS > 0 {
			aht[row.Service[0]] = row.AvgServiceS
		}
	}
	waits := map[[2]int]float64{}
	for _, sl := range r.Slots {
		waits[[2]int{sl.Weekday, clockSec(sl.Start) / step}] = sl.AvgWaitS
	}
	out := []StaffSlot{}
	for wd := 1; wd <= 7; wd++ {
		days := r.weekdayDays[wd]
		if days == 0 {
			continue
		}
		for k := 0; k < s.nslots; k++ {
			i := wd*s.nslots + k
			total := 0
			for _, a := range s.arrivals {
				if a != nil {
					total += a[i]
				}
			}
			open := float64(s.openS[i]) / float64(step) / float64(days)
			if total == 0 && open < 0.05 {
				continue
			}
			ss := StaffSlot{Weekday: wd, Start: clock(k * step), NeededBy: map[string]int{},
				PerHour: round1(float64(total) / float64(days) * 3600 / float64(step)), Open: round1(open),
				AvgWaitS: waits[[2]int{wd, k}]}
			// Per service as if it had counters of its own; in total as one
			// pooled queue (counters serve several services), with the
			// arrival-weighted service time and target.
			var lamAll, work, tgt float64
			for _, sv := range cfg.Services {
				a := s.arrivals[sv.Prefix[0]]
				if a == nil || a[i] == 0 {
					continue
				}
				lambda := float64(a[i]) / float64(days) / float64(step)
				h := aht[sv.Prefix[0]]
				if h <= 0 {
					h = 300
				}
				ss.NeededBy[sv.Prefix] = Needed(lambda, h, target[sv.Prefix[0]], p.Goal)
				lamAll += lambda
				work += lambda * h
				tgt += lambda * target[sv.Prefix[0]]
			}
			if lamAll > 0 {
				ss.Needed = Needed(lamAll, work/lamAll, tgt/lamAll, p.Goal)
			}
			ss.Gap = round1(float64(ss.Needed) - open)
			out = append(out, ss)
		}
	}
	return out
}

func clockSec(hhmm string) int {
	if len(hhmm) != 5 {
		return 0
	}
	h := int(hhmm[0]-'0')*10 + int(hhmm[1]-'0')
	m := int(hhmm[3]-'0')*10 + int(hhmm[4]-'0')
	return h*3600 + m*60
}

var _ = math.Inf
