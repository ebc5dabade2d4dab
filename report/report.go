// Package report computes the manager's reports from the store's per-day
// rollups (store.EachRollupDay): the peak-period wait report (arrivals,
// average and 90th-percentile wait by weekday × slot and by day of month,
// queue length over the day, service level, no-shows, the peaks in words),
// staffing advice by Erlang C beside the counters actually open, the clerk
// and counter table and the case table, plus the what-if replay (whatif.go)
// and the exports (export.go).
//
// Definitions, shared with the naive recomputation in the tests:
//   - a customer is a ticket that does not continue a transfer
//     (transferred_from = 0); only customers count as arrivals and waits;
//   - weekday is ISO (1 = Monday … 7 = Sunday) of the ticket's local day;
//     a slot is the local issue time rounded down to 15 or 30 minutes;
//   - wait = floor(called_at − issued_at) in seconds, of the first call;
//     customers never called have no wait;
//   - avg_wait_s is the mean wait rounded to 0.1 s; p90_wait_s the
//     nearest-rank 90th percentile (the ⌈0.9·n⌉-th smallest wait);
//   - service_level = customers called within their service's target wait /
//     customers called; no_show_rate = customers ending no_show / customers
//     called.
package report

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"time"

	"hallq/hall/store"
	_ "hallq/i18n" // queue.Err renders its keys with the catalog that i18n registers in its init
	"hallq/queue"
)

// Params select a report.
type Params struct {
	From, To string // YYYY-MM-DD, inclusive
	Service  string // "" for every service
	SlotMin  int    // 30 (default) or 15
	// Goal is the service level staffing advice aims for (default 0.8).
	Goal float64
}

// MaxDays is the longest range a report covers.
const MaxDays = 3700

// Validate checks p and fills defaults; errors are EINVALID (422) for bad
// values and EBADREQUEST (400) for missing ones.
func (p *Params) Validate(cfg queue.Config) error {
	if p.From == "" || p.To == "" {
		return queue.Err(queue.EBADREQUEST, "err.report.from_and_to_yyyy")
	}
	f, err1 := time.Parse(time.DateOnly, p.From)
	t, err2 := time.Parse(time.DateOnly, p.To)
	if err1 != nil || err2 != nil {
		return queue.Err(queue.EINVALID, "err.report.dates_must_be_yyyy")
	}
	if t.Before(f) {
		return queue.Err(queue.EINVALID, "err.report.to_is_before_from")
	}
	if t.Sub(f) > MaxDays*24*time.Hour {
		return queue.Err(queue.EINVALID, "err.report.the_range_may_span", MaxDays)
	}
	if p.SlotMin == 0 {
		p.SlotMin = 30
	}
	if p.SlotMin != 15 && p.SlotMin != 30 {
		return queue.Err(queue.EINVALID, "err.report.slot_must_be_15")
	}
	if p.Service != "" && !slices.ContainsFunc(cfg.Services, func(s queue.Service) bool { return s.Prefix == p.Service }) {
		return queue.Err(queue.EINVALID, "err.report.unknown_service", p.Service)
	}
	if p.Goal == 0 {
		p.Goal = 0.8
	}
	if !(p.Goal > 0 && p.Goal < 1) { // NaN too
		return queue.Err(queue.EINVALID, "err.report.the_service_level_goal")
	}
	return nil
}

// Summary is the range in a few figures.
type Summary struct {
	Tickets      int     `json:"tickets"` // customers
	Called       int     `json:"called"`
	Served       int     `json:"served"`
	NoShows      int     `json:"no_shows"`
	Cancelled    int     `json:"cancelled"`
	AvgWaitS     float64 `json:"avg_wait_s"`
	P90WaitS     int     `json:"p90_wait_s"`
	MaxWaitS     int     `json:"max_wait_s"`
	ServiceLevel float64 `json:"service_level"`
	NoShowRate   float64 `json:"no_show_rate"`
	AvgServiceS  float64 `json:"avg_service_s"`
	Days         int     `json:"days"` // days with customers
}

// Slot is one weekday × time-of-day cell.
type Slot struct {
	Weekday        int     `json:"weekday"`
	Start          string  `json:"start"`
	Arrivals       int     `json:"arrivals"`
	ArrivalsPerDay float64 `json:"arrivals_per_day"`
	Called         int     `json:"called"`
	AvgWaitS       float64 `json:"avg_wait_s"`
	P90WaitS       int     `json:"p90_wait_s"`
}

// MonthDay is one day of the month (1–31).
type MonthDay struct {
	Day            int     `json:"day"`
	Arrivals       int     `json:"arrivals"`
	ArrivalsPerDay float64 `json:"arrivals_per_day"`
	Called         int     `json:"called"`
	AvgWaitS       float64 `json:"avg_wait_s"`
	P90WaitS       int     `json:"p90_wait_s"`
}

// QueuePoint is how many customers waited at a time of day: the mean over
// the days with customers, and the most on any day.
type QueuePoint struct {
	At  string  `json:"at"`
	Avg float64 `json:"avg"`
	Max int     `json:"max"`
}

// ServiceRow is one service's figures.
type ServiceRow struct {
	Service      string  `json:"service"`
	NameZH       string  `json:"name_zh"`
	NameEN       string  `json:"name_en"`
	TargetWaitS  int     `json:"target_wait_s"`
	Tickets      int     `json:"tickets"`
	Called       int     `json:"called"`
	AvgWaitS     float64 `json:"avg_wait_s"`
	P90WaitS     int     `json:"p90_wait_s"`
	ServiceLevel float64 `json:"service_level"`
	NoShowRate   float64 `json:"no_show_rate"`
	AvgServiceS  float64 `json:"avg_service_s"`
}

// Report is the peak-period wait report with staffing advice and the clerk,
// counter and case tables.
type Report struct {
	From        string       `json:"from"`
	To          string       `json:"to"`
	Service     string       `json:"service,omitempty"`
	SlotMinutes int          `json:"slot_minutes"`
	Goal        float64      `json:"goal"`
	Summary     Summary      `json:"summary"`
	Slots       []Slot       `json:"slots"`
	MonthDays   []MonthDay   `json:"month_days"`
	QueueLength []QueuePoint `json:"queue_length"`
	Services    []ServiceRow `json:"services"`
	Peaks       []Peak       `json:"peaks"`
	PeakText    string       `json:"peak_text"`
	PeakTextEN  string       `json:"peak_text_en"`
	Staffing    []StaffSlot  `json:"staffing"`
	Clerks      []ClerkRow   `json:"clerks"`
	Counters    []CounterRow `json:"counters"`
	Cases       *CaseTable   `json:"cases,omitempty"`
	// CalendarDays are the days of the range the hall's dated overrides
	// made unusual (调休 working days, holidays): their figures are in
	// their ISO weekday's row, and the pages flag them (calendar.go).
	CalendarDays []CalendarDay `json:"calendar_days"`
	weekdayDays  [8]int        // days with customers per weekday
	svcNames     map[byte][2]string
	peakAcc      *peakAcc
}

// Source is what a report reads: the store's rollups and the hall's records.
type Source interface {
	EachRollupDay(from, to string, fn func(d *store.RollupDay) error) error
	EachRecord(kind, start string, fn func(r queue.Record) bool) error
}

// cell gathers the customers of one report cell.
type cell struct {
	arrivals int
	waits    waitSet
}

func (c *cell) add(w int32, called bool) {
	c.arrivals++
	if called {
		c.waits.add(w)
	}
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }
func round4(x float64) float64 { return math.Round(x*10000) / 10000 }

// stats returns the mean (rounded to 0.1) and the nearest-rank 90th
// percentile of waits; it reorders waits.
func stats(waits []int32) (avg float64, p90 int) {
	if len(waits) == 0 {
		return 0, 0
	}
	var sum int64
	for _, w := range waits {
		sum += int64(w)
	}
	k := int(math.Ceil(0.9*float64(len(waits)))) - 1
	return round1(float64(sum) / float64(len(waits))), int(selectK(waits, k))
}

// selectK returns the k-th smallest element (0-based) of a, reordering it
// (Hoare's quickselect with a median-of-three pivot).
func selectK(a []int32, k int) int32 {
	lo, hi := 0, len(a)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		if a[mid] < a[lo] {
			a[mid], a[lo] = a[lo], a[mid]
		}
		if a[hi] < a[lo] {
			a[hi], a[lo] = a[lo], a[hi]
		}
		if a[hi] < a[mid] {
			a[hi], a[mid] = a[mid], a[hi]
		}
		pivot := a[mid]
		i, j := lo, hi
		for i <= j {
			for a[i] < pivot {
				i++
			}
			for a[j] > pivot {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return a[k]
		}
	}
	return a[k]
}

func clock(sec int) string { return fmt.Sprintf("%02d:%02d", sec/3600, sec/60%60) }

func isoWeekday(day string) (wd, dom int) {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return 0, 0
	}
	wd = int(t.Weekday())
	if wd == 0 {
		wd = 7
	}
	return wd, t.Day()
}

// acc gathers a range of days; Build runs one per core over parts of the
// range and merges them.
type acc struct {
	step, nslots int
	want         byte
	targets      *[256]int32
	slots        []cell
	mdays        [32]cell
	mdayDays     [32]int
	weekdayDays  [8]int
	all          waitSet
	within       int
	noShows      int
	cancelled    int
	days         int
	svc          [256]*svcAcc
	queueSum     []int64
	queueMax     []int
	queueDay     []int
	staff        *staffAcc
	people       *peopleAcc
	pk           *peakAcc
	items        *itemAcc
	serviceSum   int64
	served       int
}

func newAcc(step int, want byte, targets *[256]int32) *acc {
	n := 86400 / step
	return &acc{step: step, nslots: n, want: want, targets: targets, slots: make([]cell, 8*n),
		queueSum: make([]int64, n), queueMax: make([]int, n), queueDay: make([]int, n),
		staff: newStaffAcc(n), people: newPeopleAcc(), pk: newPeakAcc(n), items: &itemAcc{counts: map[string]*int{}}}
}

func (x *acc) day(d *store.RollupDay) error {
	wd, dom := isoWeekday(d.Day)
	if wd == 0 {
		return nil
	}
	customers := 0
	clear(x.queueDay)
	for i := range d.Tickets {
		f := &d.Tickets[i]
		if x.want != 0 && f.Service != x.want {
			continue
		}
		x.people.ticket(f)
		x.items.add(f)
		if f.Transfer {
			continue
		}
		customers++
		x.customer(f, wd, dom)
	}
	x.people.day(d)
	x.staff.counters(wd, d, x.step)
	if customers == 0 {
		return nil
	}
	x.days++
	x.weekdayDays[wd]++
	x.mdayDays[dom]++
	for k, n := range x.queueDay {
		x.queueSum[k] += int64(n)
		x.queueMax[k] = max(x.queueMax[k], n)
	}
	return nil
}

// customer counts one customer (a ticket not continuing a transfer) of a
// day with ISO weekday wd and day of month dom.
func (x *acc) customer(f *store.TicketFact, wd, dom int) {
	step, nslots := x.step, x.nslots
	slot := min(max(int(f.IssuedS)/step, 0), nslots-1)
	w, called := f.Wait()
	x.slots[wd*nslots+slot].add(w, called)
	x.mdays[dom].add(w, called)
	a := x.svc[f.Service]
	if a == nil {
		a = &svcAcc{}
		x.svc[f.Service] = a
	}
	a.tickets++
	x.staff.arrival(wd, slot, f.Service)
	if called {
		x.pk.add(f.Service, wd, slot, dom, w)
		x.all.add(w)
		a.waits.add(w)
		if w <= x.targets[f.Service] {
			x.within++
			a.within++
		}
	}
	switch f.Status {
	case queue.NoShow:
		x.noShows++
		a.noShows++
	case queue.Done:
		if f.StartedS >= 0 && f.FinishedS >= f.StartedS {
			d := int64(f.FinishedS - f.StartedS)
			x.serviceSum += d
			x.served++
			a.serviceSum += d
			a.served++
		}
	case queue.Cancelled:
		x.cancelled++
	}
	// Waiting from issue until the first call (or until leaving).
	end := int32(math.MaxInt32)
	switch {
	case called:
		end = f.IssuedS + w
	case f.FinishedS >= 0:
		end = f.IssuedS + f.FinishedS
	}
	for k := (int(f.IssuedS) + step - 1) / step; k < nslots && int32(k*step) < end; k++ {
		x.queueDay[k]++
	}
}

// merge adds o (a later part of the range) into x.
func (x *acc) merge(o *acc) {
	for i := range x.slots {
		x.slots[i].arrivals += o.slots[i].arrivals
		x.slots[i].waits.merge(&o.slots[i].waits)
	}
	for i := range x.mdays {
		x.mdays[i].arrivals += o.mdays[i].arrivals
		x.mdays[i].waits.merge(&o.mdays[i].waits)
		x.mdayDays[i] += o.mdayDays[i]
	}
	for i := range x.weekdayDays {
		x.weekdayDays[i] += o.weekdayDays[i]
	}
	x.all.merge(&o.all)
	x.within += o.within
	x.noShows += o.noShows
	x.cancelled += o.cancelled
	x.days += o.days
	x.serviceSum += o.serviceSum
	x.served += o.served
	for i, b := range o.svc {
		if b == nil {
			continue
		}
		if a := x.svc[i]; a == nil {
			x.svc[i] = b
		} else {
			a.merge(b)
		}
	}
	for k := range x.queueSum {
		x.queueSum[k] += o.queueSum[k]
		x.queueMax[k] = max(x.queueMax[k], o.queueMax[k])
	}
	x.staff.merge(o.staff)
	for name, b := range o.people.clerks {
		x.people.clerk([]byte(name)).addAll(b)
	}
	for n, b := range o.people.counters {
		if b != nil {
			x.people.counter(n).addAll(b)
		}
	}
	x.pk.merge(o.pk)
	x.items.merge(o.items)
}

// parts splits from…to into up to n ranges of whole days.
func parts(from, to string, n int) [][2]string {
	f, t := parseDay(from), parseDay(to)
	days := int(t.Sub(f).Hours()/24) + 1
	n = max(1, min(n, days/20))
	var out [][2]string
	for i := range n {
		lo := f.AddDate(0, 0, i*days/n)
		hi := f.AddDate(0, 0, (i+1)*days/n-1)
		out = append(out, [2]string{lo.Format(time.DateOnly), hi.Format(time.DateOnly)})
	}
	return out
}

// Build computes the report for p from src, with the hall's configuration
// (service names and targets, counters); now decides which work orders are
// overdue. p must be validated. Long ranges are read in parts, one per core.
func Build(src Source, cfg queue.Config, p Params, now time.Time) (*Report, error) {
	step := p.SlotMin * 60
	r := &Report{From: p.From, To: p.To, Service: p.Service, SlotMinutes: p.SlotMin, Goal: p.Goal,
		svcNames: map[byte][2]string{}, CalendarDays: calendarDays(cfg, p.From, p.To)}
	var targets [256]int32
	for _, s := range cfg.Services {
		t := s.TargetWaitS
		if t <= 0 {
			t = 600
		}
		targets[s.Prefix[0]] = int32(t)
		r.svcNames[s.Prefix[0]] = [2]string{s.NameZH, s.NameEN}
	}
	x, err := readRange(src, cfg, p, &targets)
	if err != nil {
		return nil, err
	}
	r.Summary.Days, r.Summary.Cancelled, r.weekdayDays = x.days, x.cancelled, x.weekdayDays
	r.summarize(x)
	r.slotTables(x)
	r.queueLength(x)
	r.Services = serviceRows(cfg, &x.svc, &targets)
	r.peakAcc = x.pk
	r.findPeaks()
	r.Staffing = x.staff.advice(r, cfg, p, step)
	r.Clerks, r.Counters = x.people.rows(cfg)
	r.Cases = caseTable(src, x.items, p, hallLocation(cfg), now)
	return r, nil
}

// readRange reads p's range from src in parts, one per core, and merges
// them in order.
func readRange(src Source, cfg queue.Config, p Params, targets *[256]int32) (*acc, error) {
	var want byte
	if p.Service != "" {
		want = p.Service[0]
	}
	ranges := parts(p.From, p.To, runtime.GOMAXPROCS(0))
	accs := make([]*acc, len(ranges))
	errs := make([]error, len(ranges))
	var wg sync.WaitGroup
	for i, rg := range ranges {
		accs[i] = newAcc(p.SlotMin*60, want, targets)
		accs[i].people.setServes(cfg)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = src.EachRollupDay(rg[0], rg[1], accs[i].day)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	x := accs[0]
	for _, o := range accs[1:] {
		x.merge(o)
	}
	return x, nil
}

// summarize fills the summary's figures from x (Days and Cancelled set).
func (r *Report) summarize(x *acc) {
	s := &r.Summary
	s.Called = x.all.n
	s.NoShows = x.noShows
	s.Served = x.served
	for i := range x.slots {
		s.Tickets += x.slots[i].arrivals
	}
	s.AvgWaitS, s.P90WaitS = x.all.stats()
	if x.all.n > 0 {
		s.MaxWaitS = max(0, int(x.all.max))
	}
	if s.Called > 0 {
		s.ServiceLevel = round4(float64(x.within) / float64(s.Called))
		s.NoShowRate = round4(float64(x.noShows) / float64(s.Called))
	}
	if x.served > 0 {
		s.AvgServiceS = round1(float64(x.serviceSum) / float64(x.served))
	}
}

// slotTables fills the weekday × slot and the day of month tables.
func (r *Report) slotTables(x *acc) {
	step, nslots := x.step, x.nslots
	r.Slots = []Slot{}
	for wd := 1; wd <= 7; wd++ {
		for k := 0; k < nslots; k++ {
			c := &x.slots[wd*nslots+k]
			if c.arrivals == 0 {
				continue
			}
			sl := Slot{Weekday: wd, Start: clock(k * step), Arrivals: c.arrivals, Called: c.waits.n}
			if n := r.weekdayDays[wd]; n > 0 {
				sl.ArrivalsPerDay = round1(float64(c.arrivals) / float64(n))
			}
			sl.AvgWaitS, sl.P90WaitS = c.waits.stats()
			r.Slots = append(r.Slots, sl)
		}
	}
	r.MonthDays = []MonthDay{}
	for dom := 1; dom <= 31; dom++ {
		c := &x.mdays[dom]
		if c.arrivals == 0 {
			continue
		}
		m := MonthDay{Day: dom, Arrivals: c.arrivals, Called: c.waits.n}
		if x.mdayDays[dom] > 0 {
			m.ArrivalsPerDay = round1(float64(c.arrivals) / float64(x.mdayDays[dom]))
		}
		m.AvgWaitS, m.P90WaitS = c.waits.stats()
		r.MonthDays = append(r.MonthDays, m)
	}
}

// queueLength fills the queue length per slot, averaged over the days with
// customers, from the first to the last slot anyone waited in.
func (r *Report) queueLength(x *acc) {
	r.QueueLength = []QueuePoint{}
	if r.Summary.Days == 0 {
		return
	}
	first, last := -1, -1
	for k := range x.queueMax {
		if x.queueMax[k] > 0 {
			if first < 0 {
				first = k
			}
			last = k
		}
	}
	for k := max(first, 0); k <= last; k++ {
		r.QueueLength = append(r.QueueLength, QueuePoint{At: clock(k * x.step),
			Avg: round1(float64(x.queueSum[k]) / float64(r.Summary.Days)), Max: x.queueMax[k]})
	}
}

// serviceRows is one row per configured service with customers.
func serviceRows(cfg queue.Config, svc *[256]*svcAcc, targets *[256]int32) []ServiceRow {
	rows := []ServiceRow{}
	for _, sv := range cfg.Services {
		a := svc[sv.Prefix[0]]
		if a == nil {
			continue
		}
		row := ServiceRow{Service: sv.Prefix, NameZH: sv.NameZH, NameEN: sv.NameEN, TargetWaitS: int(targets[sv.Prefix[0]]),
			Tickets: a.tickets, Called: a.waits.n}
		row.AvgWaitS, row.P90WaitS = a.waits.stats()
		if row.Called > 0 {
			row.ServiceLevel = round4(float64(a.within) / float64(row.Called))
			row.NoShowRate = round4(float64(a.noShows) / float64(row.Called))
		}
		if a.served > 0 {
			row.AvgServiceS = round1(float64(a.serviceSum) / float64(a.served))
		}
		rows = append(rows, row)
	}
	return rows
}

// hallLocation is the hall's time zone (the default one if unset or
// unknown).
func hallLocation(cfg queue.Config) *time.Location {
	loc, err := time.LoadLocation(cfg.TimeZone)
	if err != nil || cfg.TimeZone == "" {
		loc, _ = time.LoadLocation(queue.DefaultTimeZone)
	}
	return loc
}

type svcAcc struct {
	tickets, within, noShows, served int
	waits                            waitSet
	serviceSum                       int64
}

func (a *svcAcc) merge(b *svcAcc) {
	a.tickets += b.tickets
	a.within += b.within
	a.noShows += b.noShows
	a.served += b.served
	a.serviceSum += b.serviceSum
	a.waits.merge(&b.waits)
}
