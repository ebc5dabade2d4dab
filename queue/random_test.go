package queue_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"hallq/queue"
)

// randomConfig is a busier hall than testConfig: four services, two of them
// limited, five counters with overlapping service orders.
func randomConfig(hours bool) queue.Config {
	c := queue.Config{
		NameZH: "随机营业厅", StarveAfterS: 1200, RecallsBeforeNoShow: 1, PhoneDailyLimit: 3,
		Services: []queue.Service{
			{Prefix: "A", NameZH: "缴费", AvgServiceS: 120},
			{Prefix: "B", NameZH: "报装", DailyLimit: 25, AvgServiceS: 600},
			{Prefix: "C", NameZH: "变更", DailyLimit: 40, AvgServiceS: 300, Documents: []string{"身份证"}},
			{Prefix: "D", NameZH: "咨询"},
		},
		Counters: []queue.Counter{
			{Number: 1, NameZH: "1", Services: []string{"A", "B"}},
			{Number: 2, NameZH: "2", Services: []string{"B", "A"}},
			{Number: 3, NameZH: "3", Services: []string{"C", "D", "A"}},
			{Number: 4, NameZH: "4", Services: []string{"D"}},
			{Number: 5, NameZH: "5", Services: []string{"A", "B", "C", "D"}},
		},
	}
	if hours {
		wd := queue.Hours{Open: "08:00", Close: "20:00"}
		c.Hours = map[string]queue.Hours{"1": wd, "2": wd, "3": wd, "4": wd, "5": wd, "6": {Open: "09:00", Close: "12:00"}}
		c.Holidays = []string{"2026-11-25"}
	}
	return c
}

// sim is one random command sequence: the engine under test, a replica that
// applies its events, and what the invariants need to remember.
type sim struct {
	t       *testing.T
	r       *rand.Rand
	cfg     queue.Config
	e       *queue.Engine
	replica *queue.Engine
	// wall is the wall clock the commands are given: it steps back and
	// forward now and then (an RTC battery, an NTP step); now is the time the
	// engine records for it (Engine.At), which the checks expect.
	wall   time.Time
	now    time.Time
	maxID  uint64
	oldIDs []uint64                // ids of earlier days
	finals map[uint64]queue.Ticket // today's tickets in a final status
	where  string                  // seed and step, for failures
	stats  map[string]int
	// Across days, whatever the clock did: each id is one ticket, each
	// day's number belongs to one customer, and a ticket ends once.
	ids     map[uint64]string       // id → day/number it was issued as
	numbers map[string]uint64       // day/number → id of the first ticket
	ended   map[uint64]queue.Ticket // every ticket that reached a final status
	lastAt  time.Time               // the latest event's time
}

var (
	phones   = []string{"", "", "", "", "13800000001", "13800000002", "+86 138 0000 0003"}
	services = []string{"A", "A", "A", "B", "B", "C", "C", "D"}
	prios    = []queue.Priority{queue.Normal, queue.Normal, queue.Normal, queue.Normal, queue.Green, queue.Appointment, ""}
	reasons  = []string{"午休", "break", "", " ", "设备故障，请稍候"}
)

// step advances the clock, rolls the day over if it changed (as the hall
// does before every command), runs one random command and checks everything.
func (s *sim) step() {
	s.advance()
	s.now = s.e.At(s.wall)
	if s.now.Before(s.wall) || s.now.Before(s.lastAt) {
		s.t.Fatalf("%s: the engine records %v for wall clock %v after an event at %v", s.where, s.now, s.wall, s.lastAt)
	}
	before := capture(s.e, s.now)
	if ev, ok := s.e.Roll(s.wall); ok {
		checkRoll(s.t, before, s.e, ev, s.now)
		s.applied(ev)
		for _, tk := range before.Tickets {
			s.oldIDs = append(s.oldIDs, tk.ID)
		}
		s.finals = map[uint64]queue.Ticket{}
		s.stats["roll"]++
		before = capture(s.e, s.now)
	}
	name, ev, err, nothing := s.command()
	after := capture(s.e, s.now)
	switch {
	case err != nil:
		switch code := queue.ErrorCode(err); code {
		case queue.EINVALID, queue.ECLOSED, queue.ELIMIT, queue.ECONFLICT, queue.ENOTFOUND:
			s.stats[name+" "+code]++
		default:
			s.t.Fatalf("%s: %s: unexpected error %v", s.where, name, err)
		}
		if !reflect.DeepEqual(before, after) {
			s.t.Fatalf("%s: failed %s (%v) changed the state:\n%s", s.where, name, err, diffState(before, after))
		}
	case nothing:
		s.stats[name+" none"]++
		if !reflect.DeepEqual(before, after) || !reflect.DeepEqual(ev, queue.Event{}) {
			s.t.Fatalf("%s: %s found nothing but changed the state", s.where, name)
		}
	default:
		s.stats[name]++
		if len(ev.Tickets) > 0 && ev.Tickets[0].Day < ev.Day {
			s.stats[name+" over midnight"]++
		}
		checkEvent(s.t, before, after, ev, s.now)
		if s.t.Failed() {
			s.t.FailNow()
		}
		s.applied(ev)
	}
	s.invariants(after)
	if s.t.Failed() {
		s.t.Fatalf("%s: after %s", s.where, name)
	}
	checkLive(s.t, s.where+" after "+name, s.e, s.now)
	checkLive(s.t, s.where+" after "+name+" (replica)", s.replica, s.now)
}

func (s *sim) applied(ev queue.Event) {
	s.replica.Apply(ev)
	if ev.At.Before(s.lastAt) {
		s.t.Errorf("%s: %s at %v, before the previous event at %v", s.where, ev.Type, ev.At, s.lastAt)
	}
	s.lastAt = ev.At
	for _, tk := range ev.Tickets {
		s.maxID = max(s.maxID, tk.ID)
		s.history(ev, tk)
	}
}

// history checks a ticket an event carries against every ticket of every
// earlier day: ids unique, numbers unique per day, a ticket ends once, no
// negative duration.
func (s *sim) history(ev queue.Event, tk queue.Ticket) {
	t := s.t
	key := tk.Day + "/" + tk.Number
	if tk.Rev == 1 {
		if was, dup := s.ids[tk.ID]; dup {
			t.Errorf("%s: %s issued id %d again (was %s, now %s)", s.where, ev.Type, tk.ID, was, key)
		}
		s.ids[tk.ID] = key
		if tk.TransferredFrom == 0 {
			if id, dup := s.numbers[key]; dup {
				t.Errorf("%s: number %s issued twice (ids %d and %d)", s.where, key, id, tk.ID)
			}
			s.numbers[key] = tk.ID
		} else if s.numbers[key] == 0 {
			t.Errorf("%s: ticket %d transferred with number %s that was never issued", s.where, tk.ID, key)
		}
	} else if s.ids[tk.ID] != key {
		t.Errorf("%s: ticket %d is %s, was issued as %s", s.where, tk.ID, key, s.ids[tk.ID])
	}
	if was, ok := s.ended[tk.ID]; ok && was.Status == queue.NoShow && ev.Type == queue.EvReturned && tk.Returns == was.Returns+1 {
		delete(s.ended, tk.ID) // 过号顺延: the one way back from a final status
	} else if ok {
		t.Errorf("%s: ticket %d ended as %s and changed again in %s: %+v", s.where, tk.ID, was.Status, ev.Type, tk)
	}
	if tk.Status.Final() {
		s.ended[tk.ID] = tk
	}
	// Each step of a ticket's life comes after the one before.
	steps := []*time.Time{&tk.IssuedAt, tk.CalledAt, tk.LastCalledAt, tk.FinishedAt}
	if tk.StartedAt != nil && tk.CalledAt != nil {
		steps = []*time.Time{&tk.IssuedAt, tk.CalledAt, tk.StartedAt, tk.FinishedAt}
	}
	var prev time.Time
	for _, at := range steps {
		if at == nil {
			continue
		}
		if at.Before(prev) {
			t.Errorf("%s: ticket %d has a negative duration: %+v", s.where, tk.ID, tk)
			break
		}
		prev = *at
	}
	if at := tk.FinishedAt; at != nil && !at.Equal(ev.At) {
		t.Errorf("%s: ticket %d finished at %v in an event at %v", s.where, tk.ID, at, ev.At)
	}
}

func (s *sim) advance() {
	switch x := s.r.IntN(200); {
	case x < 2: // to just before midnight
		lt := s.wall.In(s.e.Location())
		end := time.Date(lt.Year(), lt.Month(), lt.Day(), 23, 59, 59-s.r.IntN(90), 0, s.e.Location())
		if end.After(s.wall) {
			s.wall = end
		}
	case x < 4:
		s.wall = s.wall.Add(time.Duration(6+s.r.IntN(6)) * time.Hour)
	case x < 5: // the clock steps a day back (an RTC battery) …
		s.wall = s.wall.AddDate(0, 0, -1)
	case x < 6: // … or forward (its correction)
		s.wall = s.wall.AddDate(0, 0, 1)
	case x < 8: // an NTP step back of a few minutes or an hour
		s.wall = s.wall.Add(-time.Duration(1+s.r.IntN(3600)) * time.Second)
	case x < 30:
		// the same instant as the last command
	default:
		s.wall = s.wall.Add(time.Duration(s.r.IntN(180)) * time.Second)
	}
}

func (s *sim) counter() int {
	if s.r.IntN(30) == 0 {
		return []int{0, 6, 42}[s.r.IntN(3)]
	}
	return 1 + s.r.IntN(5)
}

func (s *sim) ticketID() uint64 {
	ts := s.e.Tickets()
	switch x := s.r.IntN(40); {
	case x == 0:
		return 1_000_000
	case x == 1 && len(s.oldIDs) > 0:
		return s.oldIDs[s.r.IntN(len(s.oldIDs))]
	case len(ts) == 0:
		return 1
	}
	// Prefer waiting tickets: most id commands need one.
	var waiting []uint64
	for _, t := range ts {
		if t.Status == queue.Waiting {
			waiting = append(waiting, t.ID)
		}
	}
	if len(waiting) > 0 && s.r.IntN(4) > 0 {
		return waiting[s.r.IntN(len(waiting))]
	}
	return ts[s.r.IntN(len(ts))].ID
}

// missedID is mostly a missed ticket (no_show) of today.
func (s *sim) missedID() uint64 {
	var missed []uint64
	for _, t := range s.e.Tickets() {
		if t.Status == queue.NoShow {
			missed = append(missed, t.ID)
		}
	}
	if len(missed) > 0 && s.r.IntN(5) > 0 {
		return missed[s.r.IntN(len(missed))]
	}
	return s.ticketID()
}

func (s *sim) transferRequest() queue.TransferRequest {
	var req queue.TransferRequest
	if s.r.IntN(3) > 0 {
		req.Service = services[s.r.IntN(len(services))]
	}
	if s.r.IntN(3) == 0 {
		req.Counter = s.counter()
	}
	return req
}

// command runs one random command. nothing reports a CallNext that found no
// one to call.
func (s *sim) command() (name string, ev queue.Event, err error, nothing bool) {
	n, clerk := s.counter(), "u"+strconv.Itoa(s.r.IntN(3))
	switch x := s.r.IntN(100); {
	case x < 26:
		req := queue.IssueRequest{
			Service: services[s.r.IntN(len(services))], Priority: prios[s.r.IntN(len(prios))],
			Phone: phones[s.r.IntN(len(phones))], Tracking: strconv.Itoa(s.r.IntN(1e6)),
		}
		switch s.r.IntN(40) { // now and then, something invalid
		case 0:
			req.Service = []string{"Z", "", "a"}[s.r.IntN(3)]
		case 1:
			req.Priority = "vip"
		case 2:
			req.Phone = "1380000000"
		case 3:
			req.Account = "12ab"
		case 4:
			req.Account = "12345678"
		}
		if req.Priority == queue.Appointment && s.r.IntN(5) > 0 {
			req.DueAt = ptr(s.wall.Add(time.Duration(s.r.IntN(60)-15) * time.Minute))
		}
		ev, err = s.e.Issue(req, s.wall)
		return "Issue", ev, err, false
	case x < 44:
		var found bool
		want, wantOK := s.e.Next(n, s.wall)
		ev, found, err = s.e.CallNext(n, clerk, s.wall)
		if err == nil && found != wantOK || found && ev.Ticket != want.ID {
			s.t.Fatalf("%s: CallNext(%d) called %d (%v), Next said %d (%v)", s.where, n, ev.Ticket, found, want.ID, wantOK)
		}
		return "CallNext", ev, err, err == nil && !found
	case x < 48:
		ev, err = s.e.CallTicket(n, s.ticketID(), clerk, s.wall)
		return "CallTicket", ev, err, false
	case x < 54:
		ev, err = s.e.Recall(n, clerk, s.wall)
		return "Recall", ev, err, false
	case x < 61:
		ev, err = s.e.Start(n, clerk, s.wall)
		return "Start", ev, err, false
	case x < 72:
		ev, err = s.e.Finish(n, clerk, []string{"", "item"}[s.r.IntN(2)], s.wall)
		return "Finish", ev, err, false
	case x < 76:
		ev, err = s.e.NoShow(n, clerk, s.wall)
		return "NoShow", ev, err, false
	case x < 79:
		ev, err = s.e.Transfer(n, s.transferRequest(), clerk, s.wall)
		return "Transfer", ev, err, false
	case x < 82:
		ev, err = s.e.Postpone(n, clerk, s.wall)
		return "Postpone", ev, err, false
	case x < 84:
		ev, err = s.e.Move(s.ticketID(), s.transferRequest(), s.wall)
		return "Move", ev, err, false
	case x < 86:
		ev, err = s.e.Cancel(s.ticketID(), "left", s.wall)
		return "Cancel", ev, err, false
	case x < 88:
		ev, err = s.e.Pause(n, reasons[s.r.IntN(len(reasons))], s.wall)
		return "Pause", ev, err, false
	case x < 90:
		ev, err = s.e.Resume(n, s.wall)
		return "Resume", ev, err, false
	case x < 93:
		ev, err = s.e.Return(s.missedID(), s.wall)
		return "Return", ev, err, false
	case x < 97:
		// Mostly seat someone where no one is.
		for _, c := range s.e.Counters() {
			if c.State == queue.Closed && s.r.IntN(2) == 0 {
				n = c.Number
				break
			}
		}
		ev, err = s.e.SignIn(n, queue.Clerk{User: clerk, Name: clerk}, s.wall)
		return "SignIn", ev, err, false
	case x < 98:
		ev, err = s.e.SignOut(n, s.wall)
		return "SignOut", ev, err, false
	default:
		ev, err = s.e.SetOpen(n, s.r.IntN(2) == 0, s.wall)
		return "SetOpen", ev, err, false
	}
}

// invariants checks what must hold after every step.
func (s *sim) invariants(st state) {
	t := s.t
	e := s.e
	tickets, counters := st.Tickets, st.Counters
	byID := ticketMap(tickets)

	// No ticket in two places: each counter's current ticket is active and
	// names that counter; each active ticket is current at its counter.
	current := map[uint64]int{}
	for _, c := range counters {
		if c.Current == 0 {
			continue
		}
		if other, dup := current[c.Current]; dup {
			t.Errorf("ticket %d is current at counters %d and %d", c.Current, other, c.Number)
		}
		current[c.Current] = c.Number
		tk, ok := byID[c.Current]
		if !ok || !tk.Status.Active() || tk.Counter != c.Number {
			t.Errorf("counter %d has current %d: %+v", c.Number, c.Current, tk)
		}
		if c.State != queue.Open {
			t.Errorf("counter %d is %s with ticket %d", c.Number, c.State, c.Current)
		}
	}
	// People ahead, counted through the per-service index, equal a count
	// over every waiting ticket.
	for _, tk := range tickets {
		if tk.Status != queue.Waiting {
			continue
		}
		want, _ := e.AheadByScan(tk.ID, s.now)
		if got, _, ok := e.Position(tk.ID, s.now); !ok || got != want {
			t.Errorf("%s: %d ahead (ok %v), a full scan counts %d", tk.Number, got, ok, want)
		}
	}
	for _, c := range counters {
		if (c.State == queue.Paused) != (c.PauseReason != "") || (c.State == queue.Paused) != (c.PausedAt != nil) {
			t.Errorf("counter %d: state %s, pause reason %q, paused at %v", c.Number, c.State, c.PauseReason, c.PausedAt)
		}
	}

	roots := map[string][]int{}   // prefix → serials of first tickets
	open := map[string]int{}      // number → tickets not transferred
	issued := map[string]int{}    // service → tickets issued today
	byPhone := map[string]int{}   // phone → tickets issued today
	served := map[int]int{}       // counter → done tickets
	waitingOf := map[string]int{} // service → waiting, not postponed
	for _, tk := range tickets {
		if tk.Day < e.Day() && tk.Status.Active() && current[tk.ID] == tk.Counter && tk.Rev > 1 {
			continue // called or served over midnight: still at its counter
		}
		if tk.Day != e.Day() || tk.Rev < 1 {
			t.Errorf("ticket %d: day %s rev %d %s", tk.ID, tk.Day, tk.Rev, tk.Status)
		}
		if tk.Status.Active() && current[tk.ID] != tk.Counter {
			t.Errorf("ticket %d is %s at counter %d but not its current ticket", tk.ID, tk.Status, tk.Counter)
		}
		if tk.Status.Final() != (tk.FinishedAt != nil) {
			t.Errorf("ticket %d: %s with finished at %v", tk.ID, tk.Status, tk.FinishedAt)
		}
		if tk.Postponed && !tk.Status.Final() && (tk.Status != queue.Waiting || tk.TargetCounter == 0 || tk.Counter != tk.TargetCounter) {
			t.Errorf("postponed ticket %d: %+v", tk.ID, tk)
		}
		if tk.Status == queue.Waiting && !tk.Postponed && (tk.Counter != 0 || (tk.CalledAt != nil) != (tk.Returns > 0) || tk.Recalls != 0) {
			t.Errorf("waiting ticket %d was called: %+v", tk.ID, tk)
		}
		if tk.Status.Active() && (tk.Postponed || tk.TargetCounter != 0) {
			t.Errorf("ticket %d is %s but postponed %v / target %d", tk.ID, tk.Status, tk.Postponed, tk.TargetCounter)
		}
		if tk.Status == queue.Done {
			served[tk.Counter]++
		}
		if tk.Status == queue.Waiting && !tk.Postponed {
			waitingOf[tk.Service]++
		}
		// Numbers: a transfer keeps the number and ends the old ticket.
		if tk.Status != queue.Transferred {
			open[tk.Number]++
		}
		if tk.Number != fmt.Sprintf("%s%0*d", tk.Number[:1], max(3, s.cfg.NumberWidth), tk.Serial) {
			t.Errorf("ticket %d: number %s serial %d", tk.ID, tk.Number, tk.Serial)
		}
		if tk.TransferredFrom == 0 {
			if tk.Number[:1] != tk.Service {
				t.Errorf("ticket %d: number %s in service %s", tk.ID, tk.Number, tk.Service)
			}
			roots[tk.Service] = append(roots[tk.Service], tk.Serial)
			issued[tk.Service]++
			if tk.Phone != "" {
				byPhone[tk.Phone]++
			}
		} else if from, ok := byID[tk.TransferredFrom]; !ok || from.TransferredTo != tk.ID || from.Number != tk.Number ||
			from.Status != queue.Transferred || !from.IssuedAt.Equal(tk.IssuedAt) || from.Priority != tk.Priority || from.Phone != tk.Phone {
			t.Errorf("ticket %d transferred from %d: %+v", tk.ID, tk.TransferredFrom, from)
		}
		if (tk.Status == queue.Transferred) != (tk.TransferredTo != 0) {
			t.Errorf("ticket %d: %s, transferred to %d", tk.ID, tk.Status, tk.TransferredTo)
		}
		// Every ticket ends once: a final ticket never changes again.
		if was, ok := s.finals[tk.ID]; ok && was.Status == queue.NoShow && tk.Returns > was.Returns {
			delete(s.finals, tk.ID) // came back (过号顺延)
		}
		if tk.Status.Final() {
			if was, ok := s.finals[tk.ID]; ok && !reflect.DeepEqual(was, tk) {
				t.Errorf("final ticket %d changed:\n  %+v\n→ %+v", tk.ID, was, tk)
			}
			s.finals[tk.ID] = tk
		} else if _, ok := s.finals[tk.ID]; ok {
			t.Errorf("ticket %d ended and came back as %s", tk.ID, tk.Status)
		}
	}
	for id := range s.finals {
		if _, ok := byID[id]; !ok {
			t.Errorf("final ticket %d disappeared during the day", id)
		}
	}
	for num, k := range open {
		if k != 1 {
			t.Errorf("number %s has %d tickets that are not transferred", num, k)
		}
	}
	for p, serials := range roots {
		slices.Sort(serials)
		for i, sr := range serials {
			if sr != i+1 {
				t.Errorf("service %s numbers %v do not run 1…%d", p, serials, len(serials))
				break
			}
		}
	}
	for _, sv := range s.cfg.Services {
		if sv.DailyLimit > 0 && issued[sv.Prefix] > sv.DailyLimit {
			t.Errorf("service %s issued %d over its limit %d", sv.Prefix, issued[sv.Prefix], sv.DailyLimit)
		}
	}
	for p, k := range byPhone {
		if k > s.cfg.PhoneDailyLimit {
			t.Errorf("phone %s took %d tickets", p, k)
		}
	}
	for _, c := range counters {
		if c.ServedToday != served[c.Number] {
			t.Errorf("counter %d served %d, done tickets %d", c.Number, c.ServedToday, served[c.Number])
		}
	}

	// The waiting set: what each counter sees is exactly the waiting tickets
	// it may call, in the policy's order, then those postponed there.
	for _, c := range counters {
		var want, held []queue.Ticket
		for _, tk := range tickets {
			switch {
			case tk.Status != queue.Waiting:
			case tk.Postponed:
				if tk.TargetCounter == c.Number {
					held = append(held, tk)
				}
			case tk.TargetCounter == c.Number, tk.TargetCounter == 0 && c.Serves(tk.Service):
				want = append(want, tk)
			}
		}
		slices.SortStableFunc(want, func(a, b queue.Ticket) int { return policyCmp(a, b, c, s.now, s.cfg) })
		want = fairOracle(want, c.GreenRun, s.cfg.GreenBurst)
		want = append(want, held...)
		if got := e.WaitingFor(c.Number, s.now); !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("WaitingFor(%d) = %v, want %v", c.Number, numbers(got), numbers(want))
		}
	}
	snap := st.Snapshot
	for _, v := range snap.Services {
		if v.Waiting != waitingOf[v.Prefix] {
			t.Errorf("snapshot: %d waiting for %s, want %d", v.Waiting, v.Prefix, waitingOf[v.Prefix])
		}
	}
	for i, v := range snap.Counters {
		if !reflect.DeepEqual(v.Counter, counters[i]) || (v.Ticket == nil) != (v.Current == 0) ||
			v.Ticket != nil && !reflect.DeepEqual(*v.Ticket, byID[v.Current]) {
			t.Errorf("snapshot counter %d: %+v", v.Number, v)
		}
	}

	// The replica follows.
	// The replica follows. Its snapshot is derived from these records and
	// compared less often, to keep the test fast.
	r := state{Day: s.replica.Day(), Tickets: s.replica.Tickets(), Counters: s.replica.Counters(), Services: s.replica.Services()}
	if s.r.IntN(10) == 0 {
		r.Snapshot = s.replica.Snapshot(s.now)
	} else {
		r.Snapshot = st.Snapshot
	}
	if !reflect.DeepEqual(st, r) {
		t.Errorf("replica differs:\n%s", diffState(st, r))
	}
}

// policyCmp is the calling policy as the issue states it, written apart from
// the engine: green channel, then due appointments, then tickets waiting past
// the starvation limit, then the counter's service order (a ticket
// transferred to the counter first); within each, longest waiting first.
func policyCmp(a, b queue.Ticket, c queue.Counter, now time.Time, cfg queue.Config) int {
	starveS := cfg.StarveAfterS
	// A returned ticket (过号顺延) sorts by where it rejoined.
	at := func(t queue.Ticket) time.Time {
		if t.RejoinAt != nil {
			return *t.RejoinAt
		}
		return t.IssuedAt
	}
	tier := func(t queue.Ticket) int {
		switch {
		case t.Priority == queue.Green:
			return 0
		case cfg.GreenOvertakeS > 0 && now.Sub(at(t)) >= time.Duration(cfg.GreenOvertakeS)*time.Second:
			return 0 // waited past the cap on being overtaken
		case t.Priority == queue.Appointment && (t.DueAt == nil || !now.Before(*t.DueAt)):
			return 1
		case starveS > 0 && now.Sub(at(t)) >= time.Duration(starveS)*time.Second:
			return 2
		}
		return 3
	}
	rank := func(t queue.Ticket) int {
		if t.TargetCounter == c.Number {
			return -1
		}
		return slices.Index(c.Services, t.Service)
	}
	if ta, tb := tier(a), tier(b); ta != tb {
		return ta - tb
	} else if ta == 3 && rank(a) != rank(b) {
		return rank(a) - rank(b)
	}
	if !at(a).Equal(at(b)) {
		return at(a).Compare(at(b))
	}
	// … and just after the ticket it follows.
	after := func(t queue.Ticket) (uint64, int) {
		if t.RejoinAt != nil {
			return t.RejoinAfter, 1
		}
		return t.ID, 0
	}
	ia, sa := after(a)
	ib, sb := after(b)
	if ia != ib {
		return cmp.Compare(ia, ib)
	}
	if sa != sb {
		return sa - sb
	}
	return int(a.ID) - int(b.ID)
}

// fairOracle is the fair green channel as the issue states it, apart from
// the engine: from a list in policy order, a counter that made burst green
// calls in a row (run so far) calls the first ticket that is not green.
func fairOracle(list []queue.Ticket, run, burst int) []queue.Ticket {
	if burst <= 0 {
		return list
	}
	rest := slices.Clone(list)
	var out []queue.Ticket
	for len(rest) > 0 {
		i := 0
		if run >= burst {
			if j := slices.IndexFunc(rest, func(t queue.Ticket) bool { return t.Priority != queue.Green }); j >= 0 {
				i = j
			}
		}
		if rest[i].Priority == queue.Green {
			run++
		} else {
			run = 0
		}
		out = append(out, rest[i])
		rest = slices.Delete(rest, i, i+1)
	}
	return out
}

// restoreCheck rebuilds the engine from its records, as a restart does, and
// compares it with the running one.
func (s *sim) restoreCheck() {
	r, err := queue.New(s.cfg, s.now)
	if err != nil {
		s.t.Fatal(err)
	}
	r.Restore(s.e.Day(), s.e.Services(), s.e.Counters(), s.e.Tickets(), s.maxID)
	checkLive(s.t, s.where+" restored", r, s.now)
	if a, b := capture(s.e, s.now), capture(r, s.now); !reflect.DeepEqual(a, b) {
		s.t.Fatalf("%s: restored engine differs:\n%s", s.where, diffState(a, b))
	}
	o := s.restoreRunning()
	for _, p := range []string{"A", "B", "C", "D"} {
		e1, err1 := s.e.Issue(queue.IssueRequest{Service: p}, s.now)
		e2, err2 := r.Issue(queue.IssueRequest{Service: p}, s.now)
		if queue.ErrorCode(err1) != queue.ErrorCode(err2) || !reflect.DeepEqual(e1, e2) {
			s.t.Fatalf("%s: next %s ticket differs after restore:\n%+v %v\n%+v %v", s.where, p, e1, err1, e2, err2)
		}
		e3, err3 := o.Issue(queue.IssueRequest{Service: p}, s.now)
		if queue.ErrorCode(err1) != queue.ErrorCode(err3) || !reflect.DeepEqual(e1, e3) {
			s.t.Fatalf("%s: next %s ticket differs after a restore from the open tickets:\n%+v %v\n%+v %v", s.where, p, e1, err1, e3, err3)
		}
		if err1 == nil {
			s.applied(e1)
		}
	}
	// A finish teaches the service-time figure from the kept windows.
	for _, c := range s.e.Counters() {
		if c.Current == 0 {
			continue
		}
		e1, err1 := s.e.Finish(c.Number, c.Clerk, "", s.now)
		e3, err3 := o.Finish(c.Number, c.Clerk, "", s.now)
		if queue.ErrorCode(err1) != queue.ErrorCode(err3) || !reflect.DeepEqual(e1, e3) {
			s.t.Fatalf("%s: finish at %d differs after a restore from the open tickets:\n%+v %v\n%+v %v", s.where, c.Number, e1, err1, e3, err3)
		}
		if err1 == nil {
			s.applied(e1)
		}
	}
}

// restoreRunning rebuilds the engine as a restart from the open tickets
// does (queue.Engine.RestoreRunning: the open tickets, those the running
// figures name, the done ones in their rating window — here all of them —
// and the figures), checks that it shows what the running engine shows,
// and returns it.
func (s *sim) restoreRunning() *queue.Engine {
	run := s.e.RunningAll()
	done := s.e.DoneFrom(0)
	want := map[uint64]bool{}
	for _, id := range append(run.NeededIDs(), done...) {
		want[id] = true
	}
	var tickets []queue.Ticket
	for _, t := range s.e.Tickets() {
		if !t.Status.Final() || want[t.ID] {
			tickets = append(tickets, t)
		}
	}
	o, err := queue.New(s.cfg, s.now)
	if err != nil {
		s.t.Fatal(err)
	}
	o.RestoreRunning(s.e.Day(), s.e.Services(), s.e.Counters(), tickets, s.maxID, run, s.e.PhoneCounts(), done)
	type shown struct {
		Snapshot queue.Snapshot
		Waiting  [][]queue.Ticket
		Statuses map[queue.Status]int
		Issued   int
		Last     []queue.Ticket
		Done     []uint64
		Running  queue.Running
	}
	show := func(e *queue.Engine) shown {
		v := shown{Snapshot: e.Snapshot(s.now), Statuses: e.StatusCounts(), Issued: e.Issued(), Done: e.DoneFrom(0), Running: e.RunningAll()}
		for _, c := range e.Counters() {
			v.Waiting = append(v.Waiting, e.WaitingFor(c.Number, s.now))
			t, _ := e.LastFinished(c.Number)
			v.Last = append(v.Last, t)
		}
		return v
	}
	if a, b := show(s.e), show(o); !reflect.DeepEqual(a, b) {
		s.t.Fatalf("%s: engine restored from the open tickets differs:\n%+v\n%+v", s.where, a, b)
	}
	return o
}

func TestRandomSequences(t *testing.T) {
	seqs, steps := 200, 200
	if raceEnabled || testing.Short() {
		seqs = 80
	}
	stats := map[string]int{}
	for seed := range uint64(seqs) {
		r := rand.New(rand.NewPCG(seed, 0x5eed))
		cfg := randomConfig(seed%2 == 1)
		if seed%3 == 0 { // the fair green channel and a wider number
			cfg.GreenBurst, cfg.GreenOvertakeS, cfg.NumberWidth = 1+int(seed%2), 900, 4
		}
		if seed%5 == 0 {
			cfg.ReturnLimit = 2
		}
		// Start on a random day of the week, at a random time of the morning.
		start := time.Date(2026, 11, 22+r.IntN(7), 7, r.IntN(120), 0, 0, shanghai)
		e, err := queue.New(cfg, start)
		if err != nil {
			t.Fatal(err)
		}
		replica, _ := queue.New(cfg, start)
		s := &sim{t: t, r: r, cfg: cfg, e: e, replica: replica, wall: start, now: start, finals: map[uint64]queue.Ticket{}, stats: stats,
			ids: map[uint64]string{}, numbers: map[string]uint64{}, ended: map[uint64]queue.Ticket{}}
		for i := range steps {
			s.where = fmt.Sprintf("seed %d step %d at %s (wall clock %s)", seed, i, s.now.In(shanghai).Format(time.DateTime), s.wall.In(shanghai).Format(time.DateTime))
			s.step()
			if i%50 == 49 {
				s.restoreCheck()
				s.invariants(capture(s.e, s.now))
			}
		}
	}
	// The sequences must reach every command's success and its refusals.
	for _, k := range []string{
		"roll", "Issue", "Issue invalid", "Issue closed", "Issue limit", "CallNext", "CallNext conflict", "CallNext closed",
		"CallNext not_found", "CallNext none", "CallTicket", "CallTicket not_found", "CallTicket conflict", "Recall", "Start", "Finish", "NoShow", "NoShow conflict",
		"Transfer", "Transfer invalid", "Postpone", "Move", "Move invalid", "Move conflict", "Cancel", "Cancel conflict",
		"Cancel not_found", "Pause", "Pause invalid", "Resume", "Return", "Return conflict", "Return not_found", "SignIn", "SignOut", "SetOpen", "SetOpen conflict",
		"Finish over midnight", "Start over midnight",
	} {
		if stats[k] == 0 {
			t.Errorf("no %q in %d sequences", k, seqs)
		}
	}
	if testing.Verbose() {
		t.Logf("%v", stats)
	}
}
