package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"hallq/queue"
)

// Customer is one observed customer to replay: when they took a ticket,
// for what, how long the counter needed, and whether they came when called
// or left before.
type Customer struct {
	IssuedS  int32 // seconds after local midnight
	Service  string
	Green    bool
	WalkS    int32 // call → start of service; ≤ 0: 20 s
	ServiceS int32 // start → finish; ≤ 0: drawn from the service's mean
	NoShow   bool
	LeftS    int32 // gave up after waiting this long without a call (0: stayed)
}

// ReplayDay is one day of customers.
type ReplayDay struct {
	Day       string // YYYY-MM-DD
	Customers []Customer
}

// Shift is one counter's hours in a what-if schedule; Weekdays (ISO) limits
// it to those days (empty: every day).
type Shift struct {
	Counter  int    `json:"counter"`
	Open     string `json:"open"`  // HH:MM
	Close    string `json:"close"` // HH:MM
	Weekdays []int  `json:"weekdays,omitempty"`
}

// ValidateShifts checks a what-if schedule against the hall's counters;
// errors are EINVALID with the offending counter named.
func ValidateShifts(cfg queue.Config, shifts []Shift) error {
	if len(shifts) == 0 {
		return queue.Err(queue.EINVALID, "err.sim.the_schedule_is_empty")
	}
	if len(shifts) > 500 {
		return queue.Err(queue.EINVALID, "err.sim.the_schedule_may_have")
	}
	for _, s := range shifts {
		if !slices.ContainsFunc(cfg.Counters, func(c queue.Counter) bool { return c.Number == s.Counter }) {
			return queue.Err(queue.EINVALID, "err.sim.there_is_no_counter", s.Counter)
		}
		o, err1 := clockOf(s.Open)
		c, err2 := clockOf(s.Close)
		if err1 != nil || err2 != nil || o >= c {
			return queue.Err(queue.EINVALID, "err.sim.counter_open_and_close", s.Counter)
		}
		for _, wd := range s.Weekdays {
			if wd < 1 || wd > 7 {
				return queue.Err(queue.EINVALID, "err.sim.weekdays_must_be_1")
			}
		}
	}
	return nil
}

func clockOf(s string) (int32, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		if s == "24:00" {
			return 86400, nil
		}
		return 0, err
	}
	return int32(t.Hour()*3600 + t.Minute()*60), nil
}

// Replay runs each day's observed customers through a fresh queue engine of
// the hall's configuration with the counters opened by shifts, and returns
// every customer's predicted wait (first call − issue, seconds; -1 if never
// called), by day and customer. seed makes the drawn service times
// repeatable.
func Replay(cfg queue.Config, days []ReplayDay, shifts []Shift, seed uint64) ([][]int32, error) {
	if err := ValidateShifts(cfg, shifts); err != nil {
		return nil, err
	}
	cfg.Hours, cfg.Holidays, cfg.PhoneDailyLimit = nil, nil, 0
	cfg.Services = slices.Clone(cfg.Services)
	mean := map[string]float64{}
	for i := range cfg.Services {
		cfg.Services[i].DailyLimit = 0
		mean[cfg.Services[i].Prefix] = max(cfg.Services[i].AvgServiceS, 60)
	}
	counters := slices.Clone(cfg.Counters)
	for i := range counters {
		counters[i].State, counters[i].Clerk, counters[i].Current = queue.Closed, "", 0
	}
	cfg.Counters = counters
	loc, err := time.LoadLocation(cfg.TimeZone)
	if err != nil || cfg.TimeZone == "" {
		loc, _ = time.LoadLocation(queue.DefaultTimeZone)
	}
	out := make([][]int32, len(days))
	for di, day := range days {
		midnight, err := time.ParseInLocation(time.DateOnly, day.Day, loc)
		if err != nil {
			return nil, fmt.Errorf("replay %s: %w", day.Day, err)
		}
		eng, err := queue.New(cfg, midnight)
		if err != nil {
			return nil, err
		}
		r := rand.New(rand.NewPCG(seed, uint64(di)))
		wd := isoWeekday(midnight)
		var sh []shift
		for _, s := range shifts {
			if len(s.Weekdays) > 0 && !slices.Contains(s.Weekdays, wd) {
				continue
			}
			o, _ := clockOf(s.Open)
			c, _ := clockOf(s.Close)
			sh = append(sh, shift{counter: s.Counter, clerk: clerkOf(s.Counter), open: o, close: c})
		}
		arr := make([]arrival, len(day.Customers))
		for i, c := range day.Customers {
			a := arrival{at: c.IssuedS, service: c.Service, priority: queue.Normal, noShow: c.NoShow,
				walkS: c.WalkS, serviceS: c.ServiceS, patience: c.LeftS, idx: i}
			if c.Green {
				a.priority = queue.Green
			}
			if a.walkS <= 0 {
				a.walkS = 20
			}
			if a.serviceS <= 0 {
				a.serviceS = int32(min(max(logNormal(r, mean[c.Service], 0.6), 30), 3600))
			}
			arr[i] = a
		}
		slices.SortStableFunc(arr, func(a, b arrival) int { return int(a.at - b.at) })
		waits := make([]int32, len(day.Customers))
		for i := range waits {
			waits[i] = -1
		}
		run := &dayRun{eng: eng, midnight: midnight, arrivals: arr,
			called: func(a *arrival, w int32) {
				if waits[a.idx] < 0 {
					waits[a.idx] = w
				}
			}}
		run.run(sh)
		out[di] = waits
	}
	return out, nil
}
