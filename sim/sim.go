package sim

import (
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"hallq/casework"
	"hallq/hall"
	"hallq/hall/store"
	"hallq/i18n"
	"hallq/queue"
	"hallq/rating"
)

// Options configure Run.
type Options struct {
	Days    int
	Seed    uint64
	Profile string // "small" (default) or "large"
	// End is a moment of the first day not simulated: the history covers
	// the Days local days before it. Zero means now.
	End time.Time
	// NewHall is the hall created when the store has none yet (the small
	// profile uses it as it is; the large one adds counters: LargeConfig).
	NewHall queue.Config
	// Progress, when set, gets a line per simulated month.
	Progress io.Writer
	// Seal seals each simulated day once the next one is written, with the
	// store's own sealer (Store.SealBefore), as a running hall seals every
	// day before its committed day: the hot file holds one day at a time
	// instead of the whole history (years of history are built without
	// a hot file of gigabytes and a first start that seals them all). The
	// last simulated day stays hot, as yesterday does until today's roll.
	Seal bool
}

// Result sums up a run.
type Result struct {
	FirstDay, LastDay string
	Days              int
	Tickets           int // customers (tickets issued, transfers not counted)
	Events            int
	Elapsed           time.Duration
	// Notes say where the history differs from what the hall's hours ask
	// for (a day open around the clock is simulated as its staffed hours)
	// and why no customer was written, if none was.
	Notes []string
}

// The simulator models a staffed day: customers arrive and counters open
// between staffedOpen and staffedClose at the widest, so every day's
// events stay within the day.
const (
	staffedOpen  = 6 * 3600
	staffedClose = 22 * 3600
)

// Run writes opt.Days days of history into st, ending the day before
// opt.End, through the queue engine, one transaction per day. The store must
// hold nothing from those days on (simulate into a fresh data directory, or
// one whose history ends before); the error says so otherwise.
func Run(st *store.Store, opt Options) (Result, error) {
	start := time.Now()
	if opt.Days < 1 || opt.Days > 20*366 {
		return Result{}, queue.Err(queue.EINVALID, "err.sim.days_must_be_1")
	}
	if opt.Profile == "" {
		opt.Profile = "small"
	}
	prof, ok := Profiles[opt.Profile]
	if !ok {
		return Result{}, queue.Err(queue.EINVALID, "err.sim.unknown_profile_small_or", opt.Profile)
	}
	cfg, err := hallConfig(st, opt, prof)
	if err != nil {
		return Result{}, err
	}
	if opt.End.IsZero() {
		opt.End = time.Now()
	}
	eng, first, seq, err := startEngine(st, cfg, opt)
	if err != nil {
		return Result{}, err
	}
	s := &simulator{prof: prof, cfg: cfg, eng: eng, seed: opt.Seed, seq: seq,
		items: newItemPicker(serviceOrder(cfg))}
	res := Result{FirstDay: first.Format(time.DateOnly), Days: opt.Days, Notes: hoursNotes(cfg)}
	simErr, err := s.write(st, first, opt, &res)
	if err != nil {
		return res, fmt.Errorf("simulate: %w", err)
	}
	res.Elapsed = time.Since(start)
	if res.Tickets == 0 && simErr == nil {
		res.Notes = append(res.Notes, i18n.Bilingual("sim.note_no_customers",
			res.FirstDay, res.LastDay, res.FirstDay, res.LastDay))
	}
	return res, simErr
}

// hallConfig is the store's hall, or opt.NewHall (LargeConfig of it for the
// large profile) seeded into a store that has none; the hall must have
// three quarters of the profile's counters.
func hallConfig(st *store.Store, opt Options, prof Profile) (queue.Config, error) {
	var cfg queue.Config
	found, err := st.GetMeta("config", &cfg)
	if err != nil {
		return cfg, err
	}
	if !found {
		cfg = opt.NewHall
		if prof.Name == "large" {
			cfg = LargeConfig(cfg)
		}
		if err := cfg.Validate(); err != nil {
			return cfg, err
		}
		if _, err := st.Seed(cfg, cfg.Services, cfg.Counters); err != nil {
			return cfg, err
		}
	}
	if len(cfg.Counters) < prof.Counters*3/4 {
		return cfg, queue.Err(queue.EINVALID, "err.sim.profile_needs_at_least", prof.Name, prof.Counters*3/4, len(cfg.Counters))
	}
	return cfg, nil
}

// startEngine is the queue engine restored to the store's last day before
// the simulated ones, the first simulated (local) day, and the store's last
// event sequence. Errors: ECONFLICT if the store holds any of the days.
func startEngine(st *store.Store, cfg queue.Config, opt Options) (*queue.Engine, time.Time, uint64, error) {
	eng, err := queue.New(cfg, opt.End)
	if err != nil {
		return nil, time.Time{}, 0, err
	}
	loc := eng.Location()
	endDay, _ := time.ParseInLocation(time.DateOnly, eng.DayOf(opt.End), loc)
	first := endDay.AddDate(0, 0, -opt.Days)
	firstDay := first.Format(time.DateOnly)
	probe, err := st.Load(firstDay)
	if err != nil {
		return nil, time.Time{}, 0, err
	}
	if probe.LastDay >= firstDay {
		return nil, time.Time{}, 0, queue.Err(queue.ECONFLICT, "err.sim.the_data_directory_already", probe.LastDay)
	}
	day := firstDay
	if probe.LastDay != "" {
		day = probe.LastDay
		if probe, err = st.Load(day); err != nil {
			return nil, time.Time{}, 0, err
		}
	}
	eng.Restore(day, probe.Services, probe.Counters, probe.Tickets, probe.MaxID)
	return eng, first, probe.LastSeq, nil
}

// write simulates opt.Days days from first into st, committing day d while
// day d+1 is simulated, and counts them in res. simErr is the simulation's
// error (the days before it are written), err the store's.
func (s *simulator) write(st *store.Store, first time.Time, opt Options, res *Result) (simErr, err error) {
	type batch struct {
		day string
		evs []queue.Event
	}
	batches := make(chan batch, 1)
	done := make(chan error, 1)
	go func() {
		var first error
		for b := range batches {
			if first == nil {
				first = st.Commit(b.evs, nil)
			}
			if first == nil && opt.Seal {
				_, first = st.SealBefore(b.day)
			}
		}
		done <- first
	}()
	for i := range opt.Days {
		d := first.AddDate(0, 0, i)
		evs, n, err := s.day(d, i)
		if err != nil {
			simErr = err
			break
		}
		res.Tickets += n
		res.Events += len(evs)
		res.LastDay = d.Format(time.DateOnly)
		batches <- batch{day: res.LastDay, evs: evs}
		if opt.Progress != nil && (d.Day() == 1 || i == opt.Days-1) {
			fmt.Fprintf(opt.Progress, "%s  %d tickets, %d events so far\n", res.LastDay, res.Tickets, res.Events)
		}
	}
	close(batches)
	if err = <-done; err != nil || res.Events == 0 {
		return simErr, err
	}
	// The services' figures are running figures, learnt from the finished
	// tickets: store them (the estimate windows) as a hall does with each
	// commit. The figures of no day (Day "") restore nothing else: the
	// hall rebuilds the rest of its running state from the tickets.
	return simErr, st.Commit(nil, &queue.Running{Services: s.eng.Running().Services})
}

// hoursNotes explains the days the simulator cannot take as the hall's
// hours say: none at all (open around the clock, simulated as 08:30–17:30)
// or hours beyond the staffed day (simulated within 06:00–22:00).
func hoursNotes(cfg queue.Config) []string {
	if len(cfg.Hours) == 0 {
		return []string{i18n.Bilingual("sim.note_no_hours")}
	}
	var out []string
	for wd := 1; wd <= 7; wd++ {
		h, ok := cfg.Hours[strconv.Itoa(wd)]
		if !ok {
			continue
		}
		o, c, valid := clockRange(h)
		if !valid || (o >= staffedOpen && c <= staffedClose) {
			continue
		}
		o2, c2 := max(o, staffedOpen), min(c, staffedClose)
		out = append(out, i18n.Bilingual("sim.note_hours_beyond",
			wd, h.Open, h.Close, clock(o2), clock(c2), wd, h.Open, h.Close, clock(o2), clock(c2)))
	}
	return out
}

func clock(sec int32) string { return fmt.Sprintf("%02d:%02d", sec/3600, sec%3600/60) }

// clockRange reads opening hours in seconds after midnight ("24:00" is the
// end of the day); valid is false for a malformed or empty range.
func clockRange(h queue.Hours) (open, close int32, valid bool) {
	o, ok1 := parseClock(h.Open)
	c, ok2 := parseClock(h.Close)
	return o, c, ok1 && ok2 && o < c
}

func parseClock(s string) (int32, bool) {
	if s == "24:00" {
		return 24 * 3600, true
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, false
	}
	return int32(t.Hour()*3600 + t.Minute()*60), true
}

func serviceOrder(cfg queue.Config) []string {
	var out []string
	for _, s := range cfg.Services {
		out = append(out, s.Prefix)
	}
	return out
}

type simulator struct {
	prof  Profile
	cfg   queue.Config
	eng   *queue.Engine
	seed  uint64
	seq   uint64
	items itemPicker
}

// rngFor is the random source of day i, independent of the days before.
func (s *simulator) rngFor(i int, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(s.seed, uint64(i)<<8|stream))
}

// day simulates local day d (midnight), the i-th of the run, and returns its
// events with their sequence numbers.
func (s *simulator) day(d time.Time, i int) ([]queue.Event, int, error) {
	var evs []queue.Event
	emit := func(ev queue.Event, actor string) {
		s.seq++
		ev.Seq, ev.Actor = s.seq, actor
		// The clerk records the case with the finish, as the desk does
		// (hall.FinishCase): a case record of the item and its class.
		if ev.Type == queue.EvFinished && len(ev.Tickets) > 0 && ev.Tickets[0].Item != "" {
			t := ev.Tickets[0]
			if it, ok := s.items.item(t.Item); ok {
				r := hall.NewRecord(casework.KindCase, fmt.Sprintf("%s/%012d", t.Day, t.ID), casework.CaseRecord{Day: t.Day, Ticket: t.ID,
					Number: t.Number, Item: it.ID, ItemName: it.NameZH, Class: it.Class, Counter: t.Counter, Clerk: t.Clerk, At: ev.At})
				r.Rev = 1
				ev.Records = append(ev.Records, r)
			}
		}
		evs = append(evs, ev)
	}
	// The keypad rating a customer gives after the service (hall.Rate).
	rated := func(t queue.Ticket, a *arrival, at time.Time) {
		rt := rating.Rating{Ticket: t.ID, Number: t.Number, Day: t.Day, Score: a.rating, Clerk: t.Clerk, Counter: t.Counter,
			Service: t.Service, Item: t.Item, FinishedAt: at, At: at, Device: fmt.Sprintf("keypad-%d", t.Counter)}
		if it, ok := s.items.item(t.Item); ok {
			rt.Class = string(it.Class)
		}
		if rating.Low(a.rating) {
			rt.Reason = rating.Reasons[int(a.tracking[0])%len(rating.Reasons)]
		}
		r := hall.NewRecord(rating.Kind, rating.Key(t.ID), rt)
		r.Rev = 1
		emit(queue.Event{Type: rating.EvRated, At: at, Day: t.Day, Counter: t.Counter, Ticket: t.ID, Records: []queue.Record{r}}, fmt.Sprintf("keypad-%d", t.Counter))
	}
	if ev, ok := s.eng.Roll(d.Add(time.Minute)); ok {
		emit(ev, "system")
	}
	open, close, ok := hoursOf(s.cfg, d)
	if !ok {
		return evs, 0, nil
	}
	r := s.rngFor(i, 1)
	arr := s.arrivals(r, d, open, close)
	shifts := s.shifts(s.rngFor(i, 2), d, open, close)
	run := &dayRun{eng: s.eng, midnight: d, arrivals: arr, emit: emit, rated: rated}
	run.run(shifts)
	return evs, len(arr), nil
}

// hoursOf returns the opening hours of day d in seconds after midnight,
// within the staffed day; ok is false when the hall is closed (a holiday, a
// day without hours, or none of it within the staffed day).
func hoursOf(cfg queue.Config, d time.Time) (open, close int32, ok bool) {
	h, found := cfg.HoursOn(d) // overrides (调休), holidays, the week
	if !found {
		return 0, 0, false
	}
	if _, dated := cfg.Overrides[d.Format(time.DateOnly)]; !dated && len(cfg.Hours) == 0 {
		return 8*3600 + 1800, 17*3600 + 1800, true // open around the clock: the staffed day
	}
	o, c, valid := clockRange(h)
	if !valid {
		return 0, 0, false
	}
	// Beyond the staffed day (a hall open around the clock): the staffed
	// part, as Run's notes say.
	o, c = max(o, staffedOpen), min(c, staffedClose)
	return o, c, o < c
}

func isoWeekday(d time.Time) int {
	if wd := int(d.Weekday()); wd != 0 {
		return wd
	}
	return 7
}

// norm is the sum of the hour shape over an ordinary weekday's minutes, so
// that PerDay is the expected weekday total.
var norm = func() float64 {
	t := 0.0
	for m := 8*60 + 30; m < 17*60+30; m++ {
		t += shapeAt(m * 60)
	}
	return t
}()

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// arrivals draws the day's customers.
func (s *simulator) arrivals(r *rand.Rand, d time.Time, open, close int32) []arrival {
	wd, dom := isoWeekday(d), d.Day()
	all, pay := domFactor(dom)
	perMin := s.prof.PerDay * weekdayFactor[wd] * all / norm
	services := serviceOrder(s.cfg)
	var out []arrival
	for m := open / 60; m < close/60-5; m++ {
		sec := int(m) * 60
		n := poisson(r, perMin*shapeAt(sec))
		for range n {
			a := arrival{at: int32(sec) + int32(r.IntN(60)), priority: queue.Normal}
			// Service mix: payment takes the day-of-month peak and lunch.
			lunch := sec >= 12*3600 && sec < 13*3600+1800
			total := 0.0
			w := make([]float64, len(services))
			for j, p := range services {
				x := s.prof.Mix[p]
				if p == "A" || p == "G" {
					x *= pay / all
					if lunch {
						x *= 1.3
					}
				}
				w[j] = x
				total += x
			}
			x := r.Float64() * total
			a.service = services[len(services)-1]
			for j, p := range services {
				if x < w[j] {
					a.service = p
					break
				}
				x -= w[j]
			}
			mean := s.prof.ServiceS[a.service]
			if mean == 0 {
				mean = 300
			}
			a.serviceS = int32(min(max(logNormal(r, mean, s.prof.CV), 30), 3600))
			a.walkS = int32(15 + r.IntN(40))
			a.item = s.items.pick(r, a.service)
			switch x := r.Float64(); {
			case x < 0.04:
				a.priority = queue.Green
			}
			a.noShow = r.Float64() < 0.035
			if r.Float64() < 0.025 {
				others := []string{"D", "C", "E", "B"}
				if t := others[r.IntN(len(others))]; t != a.service && slices.Contains(services, t) {
					a.transfer = t
				}
			}
			if r.Float64() < 0.35 {
				a.patience = int32(min(max(logNormal(r, 2700, 0.5), 600), 3*3600))
			}
			if r.Float64() < 0.7 {
				a.rating = ratingDraw(r)
			}
			var code [5]byte
			binary.BigEndian.PutUint32(code[:], r.Uint32())
			code[4] = byte(r.Uint32())
			a.tracking = b32.EncodeToString(code[:])
			out = append(out, a)
		}
	}
	slices.SortStableFunc(out, func(a, b arrival) int { return int(a.at - b.at) })
	for i := range out {
		out[i].idx = i
	}
	return out
}

func ratingDraw(r *rand.Rand) int {
	switch x := r.Float64(); {
	case x < 0.72:
		return 5
	case x < 0.9:
		return 4
	case x < 0.96:
		return 3
	case x < 0.985:
		return 2
	}
	return 1
}

// shifts is the day's counter schedule: on weekdays most counters open all
// day and the rest join at the morning and early-afternoon peaks (all of
// them in the first five days of the month); weekends run a few counters.
// Clerks take a staggered lunch break and now and then a short pause.
func (s *simulator) shifts(r *rand.Rand, d time.Time, open, close int32) []shift {
	wd, dom := isoWeekday(d), d.Day()
	counters := s.eng.Counters()
	n := len(counters)
	weekend := wd >= 6
	base := n * 4 / 5
	if s.prof.Name == "small" {
		base = n
	}
	var out []shift
	for i, c := range counters {
		sh := shift{counter: c.Number, open: open - 300, close: close}
		switch {
		case weekend:
			// A few counters spread over the groups, so every service is served.
			if (s.prof.Name == "small" && i%2 != 0) || (s.prof.Name != "small" && i%5 >= 2) {
				continue
			}
		case i < base:
		case dom <= 5:
			sh.open, sh.close = 9*3600, 16*3600
		default:
			sh.open, sh.close = 9*3600+1800, 11*3600+1800
		}
		clerk := i + 1
		if r.Float64() < 0.08 { // a colleague stands in
			clerk = n + 1 + r.IntN(4)
		}
		sh.clerk = clerkOf(clerk)
		// Lunch: counters take turns between 11:30 and 13:30, so the lunch
		// peak meets fewer open counters.
		if sh.open < 11*3600 && sh.close > 14*3600 {
			at := int32(11*3600+1800) + int32(i%4)*1800
			sh.pauses = append(sh.pauses, pause{at: at, dur: int32(1500 + r.IntN(600)), reason: "午餐轮休"})
		}
		reasons := []string{"临时离开", "整理资料", "系统维护", "接听电话"}
		for range poisson(r, 0.8) {
			at := sh.open + 1800 + int32(r.IntN(int(max(sh.close-sh.open-3600, 1))))
			sh.pauses = append(sh.pauses, pause{at: at, dur: int32(180 + r.IntN(600)), reason: reasons[r.IntN(len(reasons))]})
		}
		slices.SortFunc(sh.pauses, func(a, b pause) int { return int(a.at - b.at) })
		out = append(out, sh)
	}
	return out
}
