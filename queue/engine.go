package queue

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// Engine holds one hall's live state for the current local day. It is not
// safe for concurrent use: the caller serialises commands.
//
// Every command validates first and changes nothing when it fails; when it
// succeeds it returns the Event it applied.
type Engine struct {
	cfg      Config
	loc      *time.Location
	day      string
	services map[string]*Service
	order    []string // service prefixes in configured order
	counters map[int]*Counter
	numbers  []int // counter numbers, sorted
	tickets  map[uint64]*Ticket
	waiting  map[uint64]*Ticket
	// waitingBy is waiting by service: counting the people ahead of a ticket
	// looks at its own service only.
	waitingBy map[string]map[uint64]*Ticket
	serial    map[string]int // last serial per prefix today
	issued    map[string]int // tickets issued per service today (not transfers)
	phones    map[string]int // tickets issued per phone today
	nextID    uint64
	// last is the latest time the state records (an event's time, a
	// ticket's or counter's timestamp): commands never record an earlier
	// one, so a wall clock stepped back cannot make a duration negative
	// nor move the day back (see At).
	last time.Time
	// repairs says what Restore had to mend in the stored state (Repairs).
	repairs []string
	// carried are tickets of an earlier day that were at a counter when the
	// day rolled over and have ended since: out of today's queue, still
	// found by Ticket (the keypad rates them).
	carried map[uint64]*Ticket
	live    live           // kept per installed ticket (live.go)
	openBy  map[string]int // open counters serving each service (live.go)
	// recent are the latest service times per service (serviceFigure),
	// kept across days, rebuilt by Restore from today's finished tickets.
	recent map[string][]float64
	// arrivals are the latest issue times per service (arrivalRate).
	arrivals map[string][]time.Time
	// dirty are the services whose windows (recent, arrivals) changed
	// since Running took them last.
	dirty map[string]bool
	// lookup reads a ticket of the day the engine does not hold (SetLookup).
	lookup func(day string, id uint64) (Ticket, bool)
}

var prefixRE = regexp.MustCompile(`^[A-Z]$`)

// DefaultTimeZone is the hall's time zone unless the config names another.
const DefaultTimeZone = "Asia/Shanghai"

// New returns an engine for cfg with no tickets; day is the local day of now.
// Services and counters in cfg are its initial records.
func New(cfg Config, now time.Time) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	e := &Engine{cfg: cfg, nextID: 1}
	e.loc, _ = time.LoadLocation(cfg.zone())
	e.reset(e.DayOf(now))
	e.services = map[string]*Service{}
	e.counters, e.openBy = map[int]*Counter{}, map[string]int{}
	for _, s := range cfg.Services {
		s := s
		e.services[s.Prefix] = &s
		e.order = append(e.order, s.Prefix)
	}
	for _, c := range cfg.Counters {
		c := c
		c.Services = slices.Clone(c.Services)
		if c.State == "" {
			c.State = Closed
		}
		e.putCounter(&c)
		e.numbers = append(e.numbers, c.Number)
	}
	sort.Ints(e.numbers)
	e.markAllDirty()
	return e, nil
}

func (c Config) zone() string {
	if c.TimeZone == "" {
		return DefaultTimeZone
	}
	return c.TimeZone
}

// Validate checks the configuration; the error names what is wrong.
func (c Config) Validate() error {
	if _, err := time.LoadLocation(c.zone()); err != nil {
		return Err(EINVALID, "err.queue.unknown_time_zone", c.TimeZone)
	}
	if len(c.Services) == 0 {
		return Err(EINVALID, "err.queue.at_least_one_service")
	}
	seen := map[string]bool{}
	for _, s := range c.Services {
		if !prefixRE.MatchString(s.Prefix) {
			return Err(EINVALID, "err.queue.service_prefix_must_be", s.Prefix)
		}
		if seen[s.Prefix] {
			return Err(EINVALID, "err.queue.duplicate_service_prefix", s.Prefix)
		}
		if strings.TrimSpace(s.NameZH) == "" {
			return Err(EINVALID, "err.queue.service_has_no_name", s.Prefix)
		}
		if s.TargetWaitS < 0 || s.DailyLimit < 0 || s.AvgServiceS < 0 || s.ReturnPlaces < 0 {
			return Err(EINVALID, "err.queue.service_has_a_negative", s.Prefix)
		}
		seen[s.Prefix] = true
	}
	nums := map[int]bool{}
	for _, k := range c.Counters {
		if k.Number < 1 || k.Number > 99 {
			return Err(EINVALID, "err.queue.counter_number_must_be", k.Number)
		}
		if nums[k.Number] {
			return Err(EINVALID, "err.queue.duplicate_counter_number", k.Number)
		}
		nums[k.Number] = true
		if len(k.Services) == 0 {
			return Err(EINVALID, "err.queue.counter_serves_no_service", k.Number)
		}
		for _, p := range k.Services {
			if !seen[p] {
				return Err(EINVALID, "err.queue.counter_names_unknown_service", k.Number, p)
			}
		}
	}
	for d, h := range c.Hours {
		if len(d) != 1 || d < "1" || d > "7" {
			return Err(EINVALID, "err.queue.weekday_must_be_1", d)
		}
		o, err1 := parseClock(h.Open)
		cl, err2 := parseClock(h.Close)
		if err1 != nil || err2 != nil || o >= cl {
			return Err(EINVALID, "err.queue.opening_hours_of_weekday", d)
		}
	}
	for _, h := range c.Holidays {
		if _, err := time.Parse(time.DateOnly, h); err != nil {
			return Err(EINVALID, "err.queue.holiday_is_not_yyyy", h)
		}
	}
	if err := c.validateOverrides(); err != nil { // calendar.go
		return err
	}
	if c.StarveAfterS < 0 || c.RecallsBeforeNoShow < 0 || c.PhoneDailyLimit < 0 || c.RemoteGraceS < 0 ||
		c.GreenBurst < 0 || c.GreenOvertakeS < 0 || c.ReturnWindowS < 0 || c.ReturnLimit < -1 {
		return Err(EINVALID, "err.queue.configuration_figures_must_not")
	}
	if c.NumberWidth != 0 && (c.NumberWidth < 2 || c.NumberWidth > 6) {
		return Err(EINVALID, "err.queue.number_width_must_be")
	}
	return nil
}

func parseClock(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		if s == "24:00" {
			return 24 * time.Hour, nil
		}
		return 0, err
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// Config returns the configuration the engine was built with.
func (e *Engine) Config() Config { return e.cfg }

// Location returns the hall's time zone.
func (e *Engine) Location() *time.Location { return e.loc }

// Day returns the local day the live state belongs to.
func (e *Engine) Day() string { return e.day }

// DayOf returns the hall-local date of t as YYYY-MM-DD.
func (e *Engine) DayOf(t time.Time) string { return t.In(e.loc).Format(time.DateOnly) }

// OpenAt reports whether the hall is open for new tickets at t.
func (e *Engine) OpenAt(t time.Time) bool {
	lt := t.In(e.loc)
	h, ok := e.cfg.HoursOn(lt) // calendar.go: overrides, holidays, the week
	if !ok {
		return false
	}
	if h == AllDay {
		return true
	}
	o, _ := parseClock(h.Open)
	c, _ := parseClock(h.Close)
	since := time.Duration(lt.Hour())*time.Hour + time.Duration(lt.Minute())*time.Minute
	return since >= o && since < c
}

func (e *Engine) reset(day string) {
	e.day = day
	e.tickets = map[uint64]*Ticket{}
	e.waiting = map[uint64]*Ticket{}
	e.waitingBy = map[string]map[uint64]*Ticket{}
	e.serial = map[string]int{}
	e.issued = map[string]int{}
	e.phones = map[string]int{}
	e.carried = map[uint64]*Ticket{}
	e.live = newLive()
	// The arrival rate is the day's: a restart rebuilds it from the day's
	// tickets, so the running engine starts each day afresh too.
	e.arrivals = nil
	e.markAllDirty()
}

// Apply installs the records an event carries. It is how commands change the
// state, how a replica follows committed events, and how a restart restores.
func (e *Engine) Apply(ev Event) {
	e.see(ev.At)
	if ev.Type == EvDayRolled {
		// A customer at a counter at midnight stays there (Roll): keep the
		// active tickets the event does not end.
		ending := map[uint64]bool{}
		for _, t := range ev.Tickets {
			ending[t.ID] = true
		}
		var keep []Ticket
		for _, id := range e.sortedIDs() {
			if t := e.tickets[id]; t.Status.Active() && !ending[id] {
				keep = append(keep, *t)
			}
		}
		e.reset(ev.Day)
		for _, t := range keep {
			e.install(t)
		}
	}
	if ev.Config != nil {
		e.applySettings(*ev.Config)
	}
	if ev.Type == EvFinished {
		e.learn(&ev)
	}
	// Install copies: the event goes on to listeners and replicas, and a
	// change to its slices must not reach into the engine.
	for _, s := range ev.Services {
		s := s
		s.Documents = slices.Clone(s.Documents)
		if _, ok := e.services[s.Prefix]; !ok {
			e.order = append(e.order, s.Prefix)
		}
		e.services[s.Prefix] = &s
		e.markDirty(s.Prefix) // the running figures carry its figure (Running)
	}
	for _, c := range ev.Counters {
		c := c
		c.Services = slices.Clone(c.Services)
		if c.State == "" {
			c.State = Closed
		}
		if _, ok := e.counters[c.Number]; !ok {
			e.numbers = append(e.numbers, c.Number)
			sort.Ints(e.numbers)
		}
		if c.PausedAt != nil {
			e.see(*c.PausedAt)
		}
		e.putCounter(&c)
	}
	for _, t := range ev.Tickets {
		e.install(t)
	}

}

// learn updates the service-time figure (Service.AvgServiceS, a running
// figure: Running carries it, the service's record keeps its configuration)
// of each ticket of today that ev finishes, before the ticket is installed
// (serviceFigure looks at the service times before it). A service the event
// carries an image of (an event written before the figure left the
// service's record) takes the image's figure instead.
func (e *Engine) learn(ev *Event) {
	for i := range ev.Tickets {
		t := &ev.Tickets[i]
		old, seen := e.tickets[t.ID]
		svc := e.services[t.Service]
		if t.Status != Done || t.Day != e.day || t.StartedAt == nil || t.FinishedAt == nil || svc == nil ||
			seen && (old.Status == Done || old.Rev > t.Rev) ||
			slices.ContainsFunc(ev.Services, func(s Service) bool { return s.Prefix == t.Service }) {
			continue
		}
		s := *svc
		s.AvgServiceS = e.serviceFigure(t.Service, s.AvgServiceS, t.FinishedAt.Sub(*t.StartedAt).Seconds())
		e.services[t.Service] = &s
		e.markDirty(t.Service)
	}
}

func (e *Engine) install(t Ticket) {
	if t.ID >= e.nextID {
		e.nextID = t.ID + 1
	}
	e.see(t.IssuedAt)
	for _, at := range []*time.Time{t.CalledAt, t.LastCalledAt, t.StartedAt, t.FinishedAt} {
		if at != nil {
			e.see(*at)
		}
	}
	old, seen := e.tickets[t.ID]
	if seen && old.Rev > t.Rev {
		return
	}
	if t.Day != e.day {
		// A ticket of an earlier day is live only while it is at a counter
		// (called or served over midnight, see Roll); once it ends it
		// leaves today's queue. Any other is history, not live state.
		switch {
		case t.Status.Active():
			e.tickets[t.ID] = &t
		case seen:
			delete(e.tickets, t.ID)
			delete(e.waiting, t.ID)
			e.carried[t.ID] = &t
		}
		return
	}
	p := &t
	e.tickets[t.ID] = p
	// What estimates learn from: a new customer, a service just finished.
	if !seen {
		e.noteArrival(t)
	}
	if t.Status == Done && (!seen || old.Status != Done) {
		e.noteService(t)
	}
	if seen {
		delete(e.waitingBy[old.Service], t.ID)
		e.track(old, p)
	} else {
		e.track(nil, p)
	}
	if t.Status == Waiting {
		e.waiting[t.ID] = p
		by := e.waitingBy[t.Service]
		if by == nil {
			by = map[uint64]*Ticket{}
			e.waitingBy[t.Service] = by
		}
		by[t.ID] = p
	} else {
		delete(e.waiting, t.ID)
	}
	if pre := t.Number[:1]; t.Serial > e.serial[pre] {
		e.serial[pre] = t.Serial
	}
	if !seen && t.TransferredFrom == 0 {
		e.issued[t.Service]++
		if t.Phone != "" {
			e.phones[t.Phone]++
		}
	}
}

// Restore rebuilds the live state from stored records: the services and
// counters, today's tickets, and the highest ticket id ever issued.
func (e *Engine) Restore(day string, services []Service, counters []Counter, tickets []Ticket, maxID uint64) {
	e.reset(day)
	e.recent, e.arrivals = nil, nil
	e.services, e.order = map[string]*Service{}, nil
	e.counters, e.numbers, e.openBy = map[int]*Counter{}, nil, map[string]int{}
	slices.SortFunc(tickets, func(a, b Ticket) int { return cmp.Compare(a.ID, b.ID) })
	e.Apply(Event{Services: services, Counters: counters, Tickets: tickets})

	if maxID >= e.nextID {
		e.nextID = maxID + 1
	}
	// A counter must hold an active ticket of its own or none. A stored
	// state that breaks this (written by an older version after a clock
	// step) would refuse every command at the counter: free the counter.
	e.repairs = nil
	for _, n := range e.numbers {
		c := e.counters[n]
		if c.Current == 0 {
			continue
		}
		if t := e.tickets[c.Current]; t == nil || !t.Status.Active() || t.Counter != n {
			e.repairs = append(e.repairs, fmt.Sprintf("counter %d held ticket %d, which is not active there; the counter was freed", n, c.Current))
			c.Current = 0
		}
	}
	// Keep the configured service order; services added later go last.
	var order []string
	for _, s := range e.cfg.Services {
		if _, ok := e.services[s.Prefix]; ok {
			order = append(order, s.Prefix)
		}
	}
	for _, p := range e.order {
		if !slices.Contains(order, p) {
			order = append(order, p)
		}
	}
	e.order = order
	e.markAllDirty()
}

// Repairs says what the last Restore had to mend in the stored state (a
// counter holding a ticket that is not active there); nil when nothing.
func (e *Engine) Repairs() []string { return e.repairs }

// At is the time the engine records for a command at wall-clock time now:
// now, or the latest time the state already records when now is earlier (a
// clock stepped back). Every command takes its time through At.
func (e *Engine) At(now time.Time) time.Time {
	if now.Before(e.last) {
		return e.last
	}
	return now
}

// Last is the latest time the state records.
func (e *Engine) Last() time.Time { return e.last }

func (e *Engine) see(t time.Time) {
	if t.After(e.last) {
		e.last = t
	}
}

// Roll moves the engine to the local day of now when it has changed, as the
// running hall does at midnight; ok is false when the day has not changed
// (or now is earlier: the day never goes back). Waiting tickets of the old
// day are cancelled and numbering restarts. When the new day is the next
// one, a customer called or being served stays at the counter and finishes
// normally (counted on the day they were served), the counter keeps its
// clerk, and so do the other counters when the hall is open across
// midnight; otherwise (a gap of days, a hall closed at midnight) counters
// are cleared and closed, as RollClosed does for everything.
func (e *Engine) Roll(now time.Time) (ev Event, ok bool) { return e.roll(now, true) }

// RollClosed is Roll for a hall that was not running at midnight (it rolls
// on start): every ticket of the old day still open is cancelled, every
// counter is cleared and closed.
func (e *Engine) RollClosed(now time.Time) (ev Event, ok bool) { return e.roll(now, false) }

func (e *Engine) roll(now time.Time, live bool) (ev Event, ok bool) {
	now = e.At(now)
	day := e.DayOf(now)
	if day <= e.day { // YYYY-MM-DD: the day never goes back
		return Event{}, false
	}
	carry, across := false, false
	if start, err := time.ParseInLocation(time.DateOnly, day, e.loc); err == nil && live {
		old, _ := time.ParseInLocation(time.DateOnly, e.day, e.loc)
		carry = e.DayOf(old.AddDate(0, 0, 1)) == day
		across = carry && e.OpenAt(start.Add(-time.Second)) && e.OpenAt(start)
	}
	ev = Event{Type: EvDayRolled, At: now, Day: day, Reason: "day_end"}
	for _, id := range e.sortedIDs() {
		t := *e.tickets[id]
		if t.Status.Final() || carry && t.Status.Active() {
			continue
		}
		t.Status, t.FinishedAt, t.Note = Cancelled, ptr(now), "营业日结束 / day ended"
		t.Rev++
		ev.Tickets = append(ev.Tickets, t)
	}
	// The event carries the counters the roll changes, not every counter: a
	// counter closed yesterday with no one served stays as it is.
	for _, n := range e.numbers {
		c := *e.counters[n]
		c.Services = slices.Clone(c.Services)
		if carry && c.Current != 0 || across && c.State != Closed {
			c.ServedToday = 0 // the clerk stays signed in
		} else {
			c.State, c.PauseReason, c.PausedAt = Closed, "", nil
			c.Clerk, c.ClerkName, c.StaffNo, c.Current, c.ServedToday = "", "", "", 0, 0
		}
		if !rollChanged(e.counters[n], &c) {
			continue
		}
		c.Rev++
		ev.Counters = append(ev.Counters, c)
	}
	// Install the cancellations under the old day, then reset to the new one.
	e.Apply(Event{Tickets: ev.Tickets})
	e.Apply(Event{Type: EvDayRolled, At: now, Day: day, Counters: ev.Counters})
	return ev, true
}

// rollChanged reports whether the roll changed counter c into k (the
// fields roll sets).
func rollChanged(c, k *Counter) bool {
	return c.State != k.State || c.PauseReason != k.PauseReason || (c.PausedAt == nil) != (k.PausedAt == nil) ||
		c.PausedAt != nil && !c.PausedAt.Equal(*k.PausedAt) || c.Clerk != k.Clerk || c.ClerkName != k.ClerkName ||
		c.StaffNo != k.StaffNo || c.Current != k.Current || c.ServedToday != k.ServedToday
}

func ptr[T any](v T) *T { return &v }

func (e *Engine) sortedIDs() []uint64 {
	ids := make([]uint64, 0, len(e.tickets))
	for id := range e.tickets {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// commit stamps an event and applies it.
func (e *Engine) commit(ev Event, now time.Time) Event {
	ev.At, ev.Day = now, e.day
	for i := range ev.Tickets {
		ev.Tickets[i].Rev++
	}
	for i := range ev.Counters {
		ev.Counters[i].Rev++
	}
	for i := range ev.Services {
		ev.Services[i].Rev++
	}
	e.Apply(ev)
	return ev
}

var phoneRE = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
var accountRE = regexp.MustCompile(`^[0-9]{6,20}$`)

var phoneJunk = strings.NewReplacer(" ", "", "-", "", "(", "", ")", "")

// NormalizePhone strips spaces, dashes and a +86 prefix; "" stays "".
func NormalizePhone(s string) string {
	s = phoneJunk.Replace(strings.TrimSpace(s))
	s = strings.TrimPrefix(strings.TrimPrefix(s, "+86"), "0086")
	return s
}

// Issue takes a new ticket. Refusals: EINVALID (unknown service, bad
// priority, phone or account), ECLOSED (hall closed), ELIMIT (daily limit of
// the service or of the phone number reached).
func (e *Engine) Issue(req IssueRequest, now time.Time) (Event, error) {
	now = e.At(now)
	svc, ok := e.services[req.Service]
	if !ok {
		return Event{}, Err(EINVALID, "err.queue.unknown_service", req.Service)
	}
	if req.Priority == "" {
		req.Priority = Normal
	}
	if !req.Priority.Valid() {
		return Event{}, Err(EINVALID, "err.queue.priority_must_be_normal")
	}
	req.Phone = NormalizePhone(req.Phone)
	if req.Phone != "" && !phoneRE.MatchString(req.Phone) {
		return Event{}, Err(EINVALID, "err.queue.the_phone_number_must")
	}
	req.Account = strings.TrimSpace(req.Account)
	if req.Account != "" && !accountRE.MatchString(req.Account) {
		return Event{}, Err(EINVALID, "err.queue.the_account_number_must")
	}
	if !e.OpenAt(now) {
		return Event{}, Err(ECLOSED, "err.queue.the_hall_is_closed")
	}
	if svc.DailyLimit > 0 && e.issued[svc.Prefix] >= svc.DailyLimit {
		return Event{}, Err(ELIMIT, "err.queue.today_s_tickets_for", svc.NameZH, svc.NameEN)
	}
	if lim := e.cfg.PhoneDailyLimit; lim > 0 && req.Phone != "" && e.phones[req.Phone] >= lim {
		return Event{}, Err(ELIMIT, "err.queue.this_phone_number_has", lim)
	}
	serial := e.serial[svc.Prefix] + 1
	t := Ticket{
		ID: e.nextID, Day: e.day, Serial: serial, Number: e.number(svc.Prefix, serial),
		Service: svc.Prefix, Priority: req.Priority, Status: Waiting,
		Phone: req.Phone, Account: req.Account, Item: req.Item,
		IssuedAt: now, DueAt: req.DueAt, Tracking: req.Tracking, Remote: req.Remote,
	}
	t.Ahead = e.aheadOf(&t, now)
	t.EstimatedWaitS = e.estimate(svc.Prefix, t.Ahead, now)
	return e.commit(Event{Type: EvIssued, Ticket: t.ID, Tickets: []Ticket{t}}, now), nil
}

// DefaultNumberWidth is the digits of a ticket number unless the config
// says otherwise (Config.NumberWidth).
const DefaultNumberWidth = 3

// number is the ticket number of a serial: the prefix and the serial with at
// least the configured digits (A023); past the last number of that width
// the serial simply has more digits (A1000), so numbers never run out.
func (e *Engine) number(prefix string, serial int) string {
	w := e.cfg.NumberWidth
	if w <= 0 {
		w = DefaultNumberWidth
	}
	return fmt.Sprintf("%s%0*d", prefix, w, serial)
}

// aheadOf counts the waiting tickets of t's service that the policy would
// call before t.
func (e *Engine) aheadOf(t *Ticket, now time.Time) int {
	// A normal ticket taken now, newer than every ticket of the day, comes
	// after every waiting ticket of its service: no need to compare.
	if t.Priority == Normal && t.IssuedAt.Equal(now) && e.tickets[t.ID] == nil && t.ID >= e.nextID &&
		!e.live.lastIssued.After(now) && e.tier(t, now) == 3 {
		return e.live.queuedCount(t.Service)
	}
	n := 0
	for _, w := range e.waitingBy[t.Service] {
		if w.ID != t.ID && w.Service == t.Service && !w.Postponed && e.before(w, t, -1, now) {
			n++
		}
	}
	return n
}

// tier orders tickets across services: green channel, due appointments,
// tickets waiting past the starvation limit, then everything else.
func (e *Engine) tier(t *Ticket, now time.Time) int {
	switch {
	case t.Priority == Green || e.overtaken(t, now):
		return 0
	case t.Priority == Appointment && (t.DueAt == nil || !t.DueAt.After(now)):
		return 1
	case e.cfg.StarveAfterS > 0 && now.Sub(t.queuedAt()) >= time.Duration(e.cfg.StarveAfterS)*time.Second:
		return 2
	}
	return 3
}

// overtaken reports whether t has waited past the cap on being overtaken by
// the green channel (Config.GreenOvertakeS): it is then called as if green.
func (e *Engine) overtaken(t *Ticket, now time.Time) bool {
	return t.Priority != Green && e.cfg.GreenOvertakeS > 0 &&
		now.Sub(t.queuedAt()) >= time.Duration(e.cfg.GreenOvertakeS)*time.Second
}

// queuedAt is where t sorts among the waiting: its issue time, or where it
// rejoined the queue after a no-show (Return).
func (t *Ticket) orderID() uint64 {
	if t.RejoinAt != nil {
		return t.RejoinAfter
	}
	return t.ID
}

func (t *Ticket) queuedAt() time.Time {
	if t.RejoinAt != nil {
		return *t.RejoinAt
	}
	return t.IssuedAt
}

// before reports whether a is called before b at counter c (-1: by service
// alone, as for wait estimates).
func (e *Engine) before(a, b *Ticket, c int, now time.Time) bool {
	ta, tb := e.tier(a, now), e.tier(b, now)
	if ta != tb {
		return ta < tb
	}
	if ta == 3 && c >= 0 {
		k := e.counters[c]
		ra, rb := k.rank(a.Service), k.rank(b.Service)
		if a.TargetCounter == c {
			ra = -1
		}
		if b.TargetCounter == c {
			rb = -1
		}
		if ra != rb {
			return ra < rb
		}
	}
	if qa, qb := a.queuedAt(), b.queuedAt(); !qa.Equal(qb) {
		return qa.Before(qb)
	}
	// A returned ticket comes just after the one it follows (RejoinAfter).
	if oa, ob := a.orderID(), b.orderID(); oa != ob {
		return oa < ob
	}
	if ra, rb := a.RejoinAt != nil, b.RejoinAt != nil; ra != rb {
		return rb
	}
	return a.ID < b.ID
}

func (e *Engine) eligible(t *Ticket, c *Counter) bool {
	if t.Status != Waiting || t.Postponed || t.Held() { // Held: remote.go
		return false
	}
	if t.TargetCounter != 0 {
		return t.TargetCounter == c.Number
	}
	return c.Serves(t.Service)
}

// Next returns the ticket the policy would call next at counter n, if any.
func (e *Engine) Next(n int, now time.Time) (Ticket, bool) {
	now = e.At(now)
	c := e.counters[n]
	if c == nil {
		return Ticket{}, false
	}
	// best is the policy's first; other its first that is not a green
	// call, for a counter that has made its run of green calls.
	var best, other *Ticket
	limit := e.cfg.GreenBurst > 0 && c.GreenRun >= e.cfg.GreenBurst
	for _, t := range e.waiting {
		if !e.eligible(t, c) {
			continue
		}
		if best == nil || e.before(t, best, n, now) {
			best = t
		}
		if limit && !e.greenCall(t, now) && (other == nil || e.before(t, other, n, now)) {
			other = t
		}
	}
	if best == nil {
		return Ticket{}, false
	}
	if other != nil && e.greenCall(best, now) {
		return *other, true
	}
	return *best, true
}

// greenCall reports whether calling t now is a call of the green channel
// (a green ticket, not one called first for having waited past the cap).
func (e *Engine) greenCall(t *Ticket, now time.Time) bool {
	return t.Priority == Green
}

func (e *Engine) counter(n int) (*Counter, error) {
	c := e.counters[n]
	if c == nil {
		return nil, Err(ENOTFOUND, "err.queue.there_is_no_counter", n)
	}
	return c, nil
}

// ready checks that counter n may take a new ticket.
func (e *Engine) ready(n int) (*Counter, error) {
	c, err := e.counter(n)
	if err != nil {
		return nil, err
	}
	switch c.State {
	case Closed:
		return nil, Err(ECLOSED, "err.queue.counter_is_closed_sign", n)
	case Paused:
		return nil, Err(ECONFLICT, "err.queue.counter_is_paused_resume", n)
	}
	if c.Current != 0 {
		t := e.tickets[c.Current]
		if t == nil {
			return nil, Err(ECONFLICT, "err.queue.counter_holds_ticket_id", n, c.Current)
		}
		return nil, Err(ECONFLICT, "err.queue.counter_still_has_finish", n, t.Number)
	}
	return c, nil
}

// active returns counter n and its active ticket.
func (e *Engine) active(n int) (*Counter, *Ticket, error) {
	c, err := e.counter(n)
	if err != nil {
		return nil, nil, err
	}
	if c.Current == 0 {
		return nil, nil, Err(ECONFLICT, "err.queue.counter_has_no_current", n)
	}
	// Refuse a state that cannot be, rather than act on it.
	t := e.tickets[c.Current]
	if t == nil {
		return nil, nil, Err(ECONFLICT, "err.queue.counter_holds_ticket_id", n, c.Current)
	}
	if !t.Status.Active() || t.Counter != n {
		return nil, nil, Err(ECONFLICT, "err.queue.is_not_at_counter", t.Number, n, t.Status, t.Counter)
	}
	return c, t, nil
}

// today refuses to queue again a ticket of an earlier day (one served over
// midnight): it can only be finished or marked a no-show.
func (e *Engine) today(t *Ticket) error {
	if t.Day != e.day {
		return Err(ECONFLICT, "err.queue.is_a_ticket_of", t.Number, t.Day)
	}
	return nil
}

func cloneCounter(c *Counter) Counter {
	k := *c
	k.Services = slices.Clone(c.Services)
	return k
}

func (e *Engine) call(c *Counter, t *Ticket, clerk string, now time.Time) Event {
	k, u := cloneCounter(c), *t
	u.Status, u.Counter, u.Clerk, u.Postponed, u.TargetCounter = Called, c.Number, clerk, false, 0
	if u.CalledAt == nil {
		u.CalledAt = ptr(now)
	}
	u.LastCalledAt = ptr(now)
	k.Current = u.ID
	if e.greenCall(t, now) {
		k.GreenRun++
	} else {
		k.GreenRun = 0
	}
	return e.commit(Event{Type: EvCalled, Counter: c.Number, Ticket: u.ID, Tickets: []Ticket{u}, Counters: []Counter{k}}, now)
}

// CallNext calls the next ticket for counter n by the calling policy. found is
// false when no one waits. Refusals: ENOTFOUND, ECLOSED, ECONFLICT.
func (e *Engine) CallNext(n int, clerk string, now time.Time) (ev Event, found bool, err error) {
	now = e.At(now)
	c, err := e.ready(n)
	if err != nil {
		return Event{}, false, err
	}
	t, ok := e.Next(n, now)
	if !ok {
		return Event{}, false, nil
	}
	return e.call(c, e.tickets[t.ID], clerk, now), true, nil
}

// Find returns today's ticket with the number (A023) that is not yet final, or
// the latest one with that number.
func (e *Engine) Find(number string) (Ticket, bool) {
	number = strings.ToUpper(strings.TrimSpace(number))
	best := e.tickets[e.live.byNumber[number]]
	if best == nil {
		return Ticket{}, false
	}
	return *best, true
}

// CallTicket calls a named waiting ticket out of order (指呼), or calls back a
// postponed one. Refusals: ENOTFOUND, ECLOSED, ECONFLICT.
func (e *Engine) CallTicket(n int, id uint64, clerk string, now time.Time) (Event, error) {
	now = e.At(now)
	c, err := e.ready(n)
	if err != nil {
		return Event{}, err
	}
	t := e.tickets[id]
	if t == nil {
		return Event{}, Err(ENOTFOUND, "err.queue.no_such_ticket_today")
	}
	if t.Status != Waiting {
		return Event{}, Err(ECONFLICT, "err.queue.is_not_waiting_status", t.Number, t.Status)
	}
	if t.TargetCounter != 0 && t.TargetCounter != n {
		return Event{}, Err(ECONFLICT, "err.queue.was_transferred_to_counter", t.Number, t.TargetCounter)
	}
	return e.call(c, t, clerk, now), nil
}

// Recall calls the current ticket of counter n again (重呼).
func (e *Engine) Recall(n int, clerk string, now time.Time) (Event, error) {
	now = e.At(now)
	c, t, err := e.active(n)
	if err != nil {
		return Event{}, err
	}
	if t.Status != Called {
		return Event{}, Err(ECONFLICT, "err.queue.recall_already_served", t.Number)
	}
	u := *t
	u.Recalls++
	u.LastCalledAt = ptr(now)
	return e.commit(Event{Type: EvRecalled, Counter: c.Number, Ticket: u.ID, Tickets: []Ticket{u}}, now), nil
}

// Start marks that the called customer arrived and service began.
func (e *Engine) Start(n int, clerk string, now time.Time) (Event, error) {
	now = e.At(now)
	c, t, err := e.active(n)
	if err != nil {
		return Event{}, err
	}
	if t.Status != Called {
		return Event{}, Err(ECONFLICT, "err.queue.is_already_being_served", t.Number)
	}
	u := *t
	u.Status, u.StartedAt, u.Clerk = Serving, ptr(now), clerk
	return e.commit(Event{Type: EvStarted, Counter: c.Number, Ticket: u.ID, Tickets: []Ticket{u}}, now), nil
}

// Finish ends the service of counter n's current ticket (from called or
// serving); applying the event updates the service's service-time figure
// (learn).
func (e *Engine) Finish(n int, clerk string, item string, now time.Time) (Event, error) {
	now = e.At(now)
	c, t, err := e.active(n)
	if err != nil {
		return Event{}, err
	}
	u, k := *t, cloneCounter(c)
	if u.StartedAt == nil {
		u.StartedAt = u.LastCalledAt
	}
	if u.StartedAt == nil {
		u.StartedAt = u.CalledAt
	}
	if u.StartedAt == nil {
		u.StartedAt = ptr(now)
	}
	u.Status, u.FinishedAt = Done, ptr(now)
	if item != "" {
		u.Item = item
	}
	k.Current = 0
	if u.Day == e.day { // a customer served over midnight counts on their day
		k.ServedToday++
	}
	// The service's figure follows from the finished ticket (Apply, learn):
	// the event carries no image of the service.
	return e.commit(Event{Type: EvFinished, Counter: c.Number, Ticket: u.ID, Tickets: []Ticket{u}, Counters: []Counter{k}}, now), nil
}

// NoShow marks counter n's called ticket as not having come (过号), after the
// configured number of recalls.
func (e *Engine) NoShow(n int, clerk string, now time.Time) (Event, error) {
	now = e.At(now)
	c, t, err := e.active(n)
	if err != nil {
		return Event{}, err
	}
	if t.Status != Called {
		return Event{}, Err(ECONFLICT, "err.queue.is_being_served_it", t.Number)
	}
	if need := e.cfg.RecallsBeforeNoShow; t.Recalls < need {
		return Event{}, Err(ECONFLICT, "err.queue.recall_times_before_a", need, t.Recalls)
	}
	u, k := *t, cloneCounter(c)
	u.Status, u.FinishedAt = NoShow, ptr(now)
	k.Current = 0
	return e.commit(Event{Type: EvNoShow, Counter: c.Number, Ticket: u.ID, Tickets: []Ticket{u}, Counters: []Counter{k}}, now), nil
}

// Transfer ends counter n's current ticket and queues the customer, with the
// same number and original issue time, for another service and/or counter.
func (e *Engine) Transfer(n int, req TransferRequest, clerk string, now time.Time) (Event, error) {
	now = e.At(now)
	c, t, err := e.active(n)
	if err != nil {
		return Event{}, err
	}
	if err := e.today(t); err != nil {
		return Event{}, err
	}
	return e.transfer(c, t, req, now)
}

// Move transfers a waiting ticket to another service and/or counter (a
// manager's action).
func (e *Engine) Move(id uint64, req TransferRequest, now time.Time) (Event, error) {
	now = e.At(now)
	t := e.tickets[id]
	if t == nil {
		return Event{}, Err(ENOTFOUND, "err.queue.no_such_ticket_today")
	}
	if t.Status != Waiting {
		return Event{}, Err(ECONFLICT, "err.queue.is_not_waiting", t.Number)
	}
	return e.transfer(nil, t, req, now)
}

func (e *Engine) transfer(c *Counter, t *Ticket, req TransferRequest, now time.Time) (Event, error) {
	if req.Service == "" && req.Counter == 0 {
		return Event{}, Err(EINVALID, "err.queue.name_the_service_or")
	}
	svc := t.Service
	if req.Service != "" {
		if _, ok := e.services[req.Service]; !ok {
			return Event{}, Err(EINVALID, "err.queue.unknown_service", req.Service)
		}
		svc = req.Service
	}
	if req.Counter != 0 {
		to := e.counters[req.Counter]
		if to == nil {
			return Event{}, Err(EINVALID, "err.queue.there_is_no_counter", req.Counter)
		}
		if c != nil && to.Number == c.Number {
			return Event{}, Err(EINVALID, "err.queue.transfer_to_another_counter")
		}
	} else if svc == t.Service && c == nil {
		return Event{}, Err(EINVALID, "err.queue.already_waits_for_that", t.Number)
	}
	old, nt := *t, *t
	old.Status, old.FinishedAt, old.TransferredTo = Transferred, ptr(now), e.nextID
	nt.ID, nt.Service, nt.TargetCounter, nt.Status = e.nextID, svc, req.Counter, Waiting
	nt.TransferredFrom, nt.TransferredTo, nt.Rev = t.ID, 0, 0
	nt.CalledAt, nt.LastCalledAt, nt.StartedAt, nt.FinishedAt = nil, nil, nil, nil
	nt.Counter, nt.Clerk, nt.Recalls, nt.Postponed = 0, "", 0, false
	ev := Event{Type: EvTransferred, Ticket: nt.ID, Tickets: []Ticket{old, nt}, Reason: fmt.Sprintf("%s→%s/%d", t.Service, svc, req.Counter)}
	if c != nil {
		k := cloneCounter(c)
		k.Current = 0
		ev.Counter, ev.Counters = c.Number, []Counter{k}
	}
	ev = e.commit(ev, now)
	// Estimate the new place with the new ticket installed.
	nt2 := e.tickets[nt.ID]
	nt2.Ahead = e.aheadOf(nt2, now)
	nt2.EstimatedWaitS = e.estimate(svc, nt2.Ahead, now)
	ev.Tickets[1] = *nt2
	return ev, nil
}

// Defaults of 过号顺延 (Return) when the config leaves them 0.
const (
	DefaultReturnPlaces  = 3
	DefaultReturnLimit   = 1
	DefaultReturnWindowS = 30 * 60
)

// ReturnRule is how a missed ticket of a service may come back: behind
// Places others, at most Limit times (0: never), within Window of the
// no-show.
type ReturnRule struct {
	Places int           `json:"places"`
	Limit  int           `json:"limit"`
	Window time.Duration `json:"window_ns"`
}

// ReturnRule returns the rule for tickets of the service.
func (e *Engine) ReturnRule(service string) ReturnRule {
	r := ReturnRule{Places: DefaultReturnPlaces, Limit: DefaultReturnLimit, Window: DefaultReturnWindowS * time.Second}
	if s := e.services[service]; s != nil && s.ReturnPlaces > 0 {
		r.Places = s.ReturnPlaces
	}
	switch l := e.cfg.ReturnLimit; {
	case l < 0:
		r.Limit = 0
	case l > 0:
		r.Limit = l
	}
	if w := e.cfg.ReturnWindowS; w > 0 {
		r.Window = time.Duration(w) * time.Second
	}
	return r
}

// Return puts a missed ticket (no_show) back in the queue (过号顺延): it
// waits again, behind the first ReturnRule.Places tickets of its service
// that the policy would call (at the end when fewer wait). The customer
// keeps the number; the wait figures keep the first call. Refusals:
// ENOTFOUND (no such ticket today), ECONFLICT (the ticket is not a no-show,
// is of an earlier day, has come back as often as allowed, or the window
// has passed).
func (e *Engine) Return(id uint64, now time.Time) (Event, error) {
	now = e.At(now)
	t := e.tickets[id]
	if t == nil {
		return Event{}, Err(ENOTFOUND, "err.queue.no_such_ticket_today")
	}
	if t.Status != NoShow {
		return Event{}, Err(ECONFLICT, "err.queue.is_not_a_missed", t.Number, t.Status)
	}
	if err := e.today(t); err != nil {
		return Event{}, err
	}
	r := e.ReturnRule(t.Service)
	if t.Returns >= r.Limit {
		return Event{}, Err(ECONFLICT, "err.queue.has_come_back_times", t.Number, t.Returns)
	}
	if t.FinishedAt != nil && now.Sub(*t.FinishedAt) > r.Window {
		m := int(r.Window / time.Minute)
		return Event{}, Err(ECONFLICT, "err.queue.was_missed_more_than", t.Number, m)
	}
	u := *t
	u.Status, u.FinishedAt, u.Counter, u.Clerk, u.Recalls = Waiting, nil, 0, "", 0
	u.Postponed, u.TargetCounter = false, 0
	u.Returns++
	e.rejoin(&u, r.Places, now)
	ev := e.commit(Event{Type: EvReturned, Ticket: u.ID, Reason: fmt.Sprintf("places %d", r.Places), Tickets: []Ticket{u}}, now)
	in := e.tickets[u.ID]
	in.Ahead = e.aheadOf(in, now)
	in.EstimatedWaitS = e.estimate(in.Service, in.Ahead, now)
	ev.Tickets[0].Ahead, ev.Tickets[0].EstimatedWaitS = in.Ahead, in.EstimatedWaitS
	return ev, nil
}

// rejoin places t behind the first places tickets of its service in
// calling order: just after the places-th, or after every ticket when fewer
// wait.
func (e *Engine) rejoin(t *Ticket, places int, now time.Time) {
	var list []*Ticket
	for _, w := range e.waitingBy[t.Service] {
		if w.ID != t.ID && !w.Postponed && w.TargetCounter == 0 {
			list = append(list, w)
		}
	}
	if len(list) < places {
		t.RejoinAt, t.RejoinAfter = ptr(now), e.nextID-1
		return
	}
	slices.SortFunc(list, func(a, b *Ticket) int {
		if e.before(a, b, -1, now) {
			return -1
		}
		return 1
	})
	x := list[places-1]
	t.RejoinAt, t.RejoinAfter = ptr(x.queuedAt()), x.orderID()
}

// Postpone puts counter n's current customer aside (挂起) while they fetch a
// document; the ticket waits, out of the normal order, until a clerk calls it
// back with CallTicket.
func (e *Engine) Postpone(n int, clerk string, now time.Time) (Event, error) {
	now = e.At(now)
	c, t, err := e.active(n)
	if err != nil {
		return Event{}, err
	}
	if err := e.today(t); err != nil {
		return Event{}, err
	}
	u, k := *t, cloneCounter(c)
	u.Status, u.Postponed, u.TargetCounter = Waiting, true, c.Number
	k.Current = 0
	return e.commit(Event{Type: EvPostponed, Counter: c.Number, Ticket: u.ID, Tickets: []Ticket{u}, Counters: []Counter{k}}, now), nil
}

// Cancel cancels a waiting ticket (a manager's action, or the customer left).
func (e *Engine) Cancel(id uint64, reason string, now time.Time) (Event, error) {
	now = e.At(now)
	t := e.tickets[id]
	if t == nil {
		return Event{}, Err(ENOTFOUND, "err.queue.no_such_ticket_today")
	}
	if t.Status != Waiting {
		return Event{}, Err(ECONFLICT, "err.queue.is_not_waiting", t.Number)
	}
	u := *t
	u.Status, u.FinishedAt, u.Note = Cancelled, ptr(now), reason
	return e.commit(Event{Type: EvCancelled, Ticket: u.ID, Reason: reason, Tickets: []Ticket{u}}, now), nil
}

// Pause pauses counter n with a reason (暂停服务).
func (e *Engine) Pause(n int, reason string, now time.Time) (Event, error) {
	now = e.At(now)
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Event{}, Err(EINVALID, "err.queue.give_a_reason_for")
	}
	if len([]rune(reason)) > 60 {
		return Event{}, Err(EINVALID, "err.queue.the_reason_may_have")
	}
	c, err := e.ready(n)
	if err != nil {
		return Event{}, err
	}
	k := cloneCounter(c)
	k.State, k.PauseReason, k.PausedAt = Paused, reason, ptr(now)
	return e.commit(Event{Type: EvPaused, Counter: n, Reason: reason, Counters: []Counter{k}}, now), nil
}

// Resume reopens a paused counter.
func (e *Engine) Resume(n int, now time.Time) (Event, error) {
	now = e.At(now)
	c, err := e.counter(n)
	if err != nil {
		return Event{}, err
	}
	if c.State != Paused {
		return Event{}, Err(ECONFLICT, "err.queue.counter_is_not_paused", n)
	}
	k := cloneCounter(c)
	k.State, k.PauseReason, k.PausedAt = Open, "", nil
	return e.commit(Event{Type: EvResumed, Counter: n, Counters: []Counter{k}}, now), nil
}

// SignIn seats a clerk at counter n and opens it if it was closed.
func (e *Engine) SignIn(n int, clerk Clerk, now time.Time) (Event, error) {
	now = e.At(now)
	c, err := e.counter(n)
	if err != nil {
		return Event{}, err
	}
	k := cloneCounter(c)
	k.Clerk, k.ClerkName, k.StaffNo = clerk.User, clerk.Name, clerk.StaffNo
	if k.State == Closed {
		k.State = Open
	}
	return e.commit(Event{Type: EvSignedIn, Counter: n, Counters: []Counter{k}}, now), nil
}

// SignOut closes counter n; its active ticket must be finished first.
func (e *Engine) SignOut(n int, now time.Time) (Event, error) {
	now = e.At(now)
	c, err := e.counter(n)
	if err != nil {
		return Event{}, err
	}
	if c.Current != 0 {
		return Event{}, Err(ECONFLICT, "err.queue.counter_still_has_a", n)
	}
	k := cloneCounter(c)
	k.State, k.Clerk, k.ClerkName, k.StaffNo, k.PauseReason, k.PausedAt = Closed, "", "", "", "", nil
	return e.commit(Event{Type: EvSignedOut, Counter: n, Counters: []Counter{k}}, now), nil
}

// SetOpen opens or closes counter n (a manager's action).
func (e *Engine) SetOpen(n int, open bool, now time.Time) (Event, error) {
	now = e.At(now)
	c, err := e.counter(n)
	if err != nil {
		return Event{}, err
	}
	k := cloneCounter(c)
	typ := EvOpened
	if open {
		if c.State == Open {
			return Event{}, Err(ECONFLICT, "err.queue.counter_is_already_open", n)
		}
		k.State, k.PauseReason, k.PausedAt = Open, "", nil
	} else {
		if c.Current != 0 {
			return Event{}, Err(ECONFLICT, "err.queue.counter_still_has_a", n)
		}
		// A closed counter is not paused: a later SignIn must not open it
		// with a stale pause reason.
		k.State, k.PauseReason, k.PausedAt, typ = Closed, "", nil, EvClosed
	}
	return e.commit(Event{Type: typ, Counter: n, Counters: []Counter{k}}, now), nil
}
