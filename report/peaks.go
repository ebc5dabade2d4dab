package report

import (
	"fmt"
	"math"
	"strings"
)

// Peak is a period when customers waited clearly longer than usual: a run of
// slots on workdays (or at weekends), or a run of days of the month.
type Peak struct {
	Kind      string  `json:"kind"` // "slots" or "month_days"
	Weekdays  []int   `json:"weekdays,omitempty"`
	From      string  `json:"from,omitempty"` // HH:MM, slots
	To        string  `json:"to,omitempty"`   // HH:MM (end of the last slot)
	FirstDay  int     `json:"first_day,omitempty"`
	LastDay   int     `json:"last_day,omitempty"`
	Customers int     `json:"customers"`
	AvgWaitS  float64 `json:"avg_wait_s"`
	// Service is the service that waited longest in the period, and its
	// mean wait.
	Service         string  `json:"service,omitempty"`
	ServiceAvgWaitS float64 `json:"service_avg_wait_s,omitempty"`
	TextZH          string  `json:"text_zh"`
	TextEN          string  `json:"text_en"`
}

// sumN is a sum of waits and their count.
type sumN struct {
	sum int64
	n   int
}

func (s sumN) avg() float64 {
	if s.n == 0 {
		return 0
	}
	return float64(s.sum) / float64(s.n)
}

// peakAcc holds the waits per service by cell and by day of month, for
// naming the service that waited longest in a peak.
type peakAcc struct {
	nslots int
	cells  map[byte][]sumN // service → weekday*nslots+slot
	mdays  map[byte]*[32]sumN
	fast   [256][]sumN // cells by service, without the map
	fastD  [256]*[32]sumN
}

func newPeakAcc(nslots int) *peakAcc {
	return &peakAcc{nslots: nslots, cells: map[byte][]sumN{}, mdays: map[byte]*[32]sumN{}}
}

// merge adds o (a later part of the range) into p.
func (p *peakAcc) merge(o *peakAcc) {
	for svc, c := range o.fast {
		if c == nil {
			continue
		}
		if p.fast[svc] == nil {
			p.fast[svc], p.fastD[svc] = make([]sumN, len(c)), &[32]sumN{}
			p.cells[byte(svc)], p.mdays[byte(svc)] = p.fast[svc], p.fastD[svc]
		}
		for k := range c {
			p.fast[svc][k].sum += c[k].sum
			p.fast[svc][k].n += c[k].n
		}
		for k := range o.fastD[svc] {
			p.fastD[svc][k].sum += o.fastD[svc][k].sum
			p.fastD[svc][k].n += o.fastD[svc][k].n
		}
	}
}

func (p *peakAcc) add(svc byte, wd, slot, dom int, w int32) {
	c := p.fast[svc]
	if c == nil {
		c = make([]sumN, 8*p.nslots)
		p.fast[svc], p.fastD[svc] = c, &[32]sumN{}
		p.cells[svc], p.mdays[svc] = c, p.fastD[svc]
	}
	c[wd*p.nslots+slot].sum += int64(w)
	c[wd*p.nslots+slot].n++
	p.fastD[svc][dom].sum += int64(w)
	p.fastD[svc][dom].n++
}

type run struct{ lo, hi int } // inclusive

// runs finds maximal runs of consecutive indexes where hot is true.
func runs(n int, hot func(i int) bool) []run {
	var out []run
	for i := 0; i < n; i++ {
		if !hot(i) {
			continue
		}
		j := i
		for j+1 < n && hot(j+1) {
			j++
		}
		out = append(out, run{i, j})
		i = j
	}
	return out
}

// noPeakZH, noPeakEN are the sentence when the range has no peak.
const noPeakZH, noPeakEN = "所选范围内没有明显的高峰时段。", "No clear peak period in the range."

// findPeaks names the peak periods: on workdays (and weekends) the run of
// slots with the most waiting (customers × mean wait) among slots whose mean
// wait is at least 1.3 × the range's mean and a minute or more; likewise the
// run of days of the month.
func (r *Report) findPeaks() {
	r.Peaks = []Peak{}
	pa := r.peakAcc
	if pa == nil || r.Summary.Called == 0 {
		r.PeakText, r.PeakTextEN = noPeakZH, noPeakEN
		return
	}
	threshold := math.Max(r.Summary.AvgWaitS*1.3, 60)
	var slotPeak, dayPeak *Peak
	for _, g := range weekdayGroups {
		if pk, ok := pa.slotPeak(g, threshold, r.SlotMinutes*60); ok {
			r.Peaks = append(r.Peaks, pk)
			if slotPeak == nil {
				slotPeak = &pk
			}
		}
	}
	if pk, ok := pa.dayPeak(threshold); ok {
		r.Peaks = append(r.Peaks, pk)
		dayPeak = &pk
	}
	r.PeakText, r.PeakTextEN = peakSentence(slotPeak, dayPeak)
}

// weekdayGroup is a set of weekdays whose slots are read together.
type weekdayGroup struct {
	days   []int
	zh, en string
}

var weekdayGroups = []weekdayGroup{{[]int{1, 2, 3, 4, 5}, "工作日", "workdays"}, {[]int{6, 7}, "周末", "weekends"}}

// slotPeak is the peak run of slots on g's weekdays, if any slot is hot
// (at least 3 customers called, mean wait at least threshold).
func (pa *peakAcc) slotPeak(g weekdayGroup, threshold float64, step int) (Peak, bool) {
	agg := make([]sumN, pa.nslots)
	bySvc := map[byte][]sumN{}
	for svc, cells := range pa.cells {
		b := make([]sumN, pa.nslots)
		for _, wd := range g.days {
			for k := 0; k < pa.nslots; k++ {
				c := cells[wd*pa.nslots+k]
				b[k].sum += c.sum
				b[k].n += c.n
				agg[k].sum += c.sum
				agg[k].n += c.n
			}
		}
		bySvc[svc] = b
	}
	best := busiestRun(agg, func(k int) bool { return agg[k].n >= 3 && agg[k].avg() >= threshold })
	if best.lo < 0 {
		return Peak{}, false
	}
	t := sumRun(agg, best)
	pk := Peak{Kind: "slots", Weekdays: g.days, From: clock(best.lo * step), To: clock((best.hi + 1) * step),
		Customers: t.n, AvgWaitS: round1(t.avg())}
	pk.Service, pk.ServiceAvgWaitS = worst(bySvc, best)
	pk.TextZH = fmt.Sprintf("%s %s–%s，平均等候 %d 分钟", g.zh, pk.From, pk.To, mins(pk.AvgWaitS))
	pk.TextEN = fmt.Sprintf("%s %s–%s, mean wait %d min", g.en, pk.From, pk.To, mins(pk.AvgWaitS))
	pk.nameService()
	return pk, true
}

// dayPeak is the peak run of days of the month, if any day is hot.
func (pa *peakAcc) dayPeak(threshold float64) (Peak, bool) {
	agg := make([]sumN, 32)
	bySvc := map[byte][]sumN{}
	for svc, m := range pa.mdays {
		b := make([]sumN, 32)
		for d := 1; d <= 31; d++ {
			b[d] = m[d]
			agg[d].sum += m[d].sum
			agg[d].n += m[d].n
		}
		bySvc[svc] = b
	}
	best := busiestRun(agg, func(d int) bool { return d >= 1 && agg[d].n >= 3 && agg[d].avg() >= threshold })
	if best.lo < 0 {
		return Peak{}, false
	}
	t := sumRun(agg, best)
	pk := Peak{Kind: "month_days", FirstDay: best.lo, LastDay: best.hi, Customers: t.n, AvgWaitS: round1(t.avg())}
	pk.Service, pk.ServiceAvgWaitS = worst(bySvc, best)
	pk.TextZH = fmt.Sprintf("每月%s，平均等候 %d 分钟", dayRange(best), mins(pk.AvgWaitS))
	pk.TextEN = fmt.Sprintf("days %s of the month, mean wait %d min", dayRangeEN(best), mins(pk.AvgWaitS))
	pk.nameService()
	return pk, true
}

// nameService adds the service that waited longest to the peak's texts.
func (pk *Peak) nameService() {
	if pk.Service != "" {
		pk.TextZH += fmt.Sprintf("，%s类 %d 分钟", pk.Service, mins(pk.ServiceAvgWaitS))
		pk.TextEN += fmt.Sprintf(", service %s %d min", pk.Service, mins(pk.ServiceAvgWaitS))
	}
}

// busiestRun is the run of hot indexes of agg with the most waiting (total
// wait); lo is -1 if none has any.
func busiestRun(agg []sumN, hot func(i int) bool) run {
	best, bestScore := run{-1, -1}, 0.0
	for _, rn := range runs(len(agg), hot) {
		if score := float64(sumRun(agg, rn).sum); score > bestScore {
			best, bestScore = rn, score
		}
	}
	return best
}

// sumRun is the waits of agg over the run.
func sumRun(agg []sumN, rn run) sumN {
	var t sumN
	for k := rn.lo; k <= rn.hi; k++ {
		t.sum += agg[k].sum
		t.n += agg[k].n
	}
	return t
}

// peakSentence is the report's headline ("工作日 09:00–10:30 与每月1–5日，
// A类平均等候 38 分钟") from the first slot peak and the day peak.
func peakSentence(slotPeak, dayPeak *Peak) (string, string) {
	var zh, en []string
	svc, w := "", 0.0
	if slotPeak != nil {
		zh = append(zh, fmt.Sprintf("%s %s–%s", groupZH(slotPeak.Weekdays), slotPeak.From, slotPeak.To))
		en = append(en, fmt.Sprintf("%s %s–%s", groupEN(slotPeak.Weekdays), slotPeak.From, slotPeak.To))
		svc, w = slotPeak.Service, slotPeak.ServiceAvgWaitS
	}
	if dayPeak != nil {
		zh = append(zh, "每月"+dayRange(run{dayPeak.FirstDay, dayPeak.LastDay}))
		en = append(en, "days "+dayRangeEN(run{dayPeak.FirstDay, dayPeak.LastDay})+" of the month")
		if svc == "" || dayPeak.ServiceAvgWaitS > w {
			svc, w = dayPeak.Service, dayPeak.ServiceAvgWaitS
		}
	}
	if len(zh) == 0 {
		return noPeakZH, noPeakEN
	}
	textZH, textEN := strings.Join(zh, " 与"), strings.Join(en, " and ")
	if svc != "" {
		textZH += fmt.Sprintf("，%s类平均等候 %d 分钟", svc, mins(w))
		textEN += fmt.Sprintf("; service %s waits %d min on average", svc, mins(w))
	}
	return textZH, textEN
}

func groupZH(days []int) string {
	if len(days) == 2 {
		return "周末"
	}
	return "工作日"
}

func groupEN(days []int) string {
	if len(days) == 2 {
		return "Weekends"
	}
	return "Workdays"
}

// worst is the service that made customers wait most in the run (total
// waiting time), with its mean wait there.
func worst(bySvc map[byte][]sumN, rn run) (string, float64) {
	svc, w, most := "", 0.0, int64(0)
	for _, s := range sortedSvcs(bySvc) {
		var t sumN
		for k := rn.lo; k <= rn.hi; k++ {
			t.sum += bySvc[s][k].sum
			t.n += bySvc[s][k].n
		}
		if t.n >= 3 && t.sum > most {
			svc, w, most = string(s), t.avg(), t.sum
		}
	}
	return svc, round1(w)
}

func sortedSvcs(m map[byte][]sumN) []byte {
	var out []byte
	for s := range m {
		out = append(out, s)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func dayRange(rn run) string {
	if rn.lo == rn.hi {
		return fmt.Sprintf("%d日", rn.lo)
	}
	return fmt.Sprintf("%d–%d日", rn.lo, rn.hi)
}

func dayRangeEN(rn run) string {
	if rn.lo == rn.hi {
		return fmt.Sprint(rn.lo)
	}
	return fmt.Sprintf("%d–%d", rn.lo, rn.hi)
}

// mins is a wait in whole minutes (rounded).
func mins(s float64) int { return int(math.Round(s / 60)) }
