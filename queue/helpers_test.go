package queue_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the host's zoneinfo

	"hallq/queue"
)

var shanghai = mustLoc("Asia/Shanghai")

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// t0 is Monday 2026-11-23 10:00 in the hall's time zone.
var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, shanghai)

// testConfig is a small hall: A (no limit), B (limit 3), C (limit 0), and
// three counters with different service orders.
func testConfig() queue.Config {
	return queue.Config{
		NameZH:              "测试营业厅",
		NameEN:              "Test hall",
		StarveAfterS:        1800,
		RecallsBeforeNoShow: 1,
		PhoneDailyLimit:     2,
		Services: []queue.Service{
			{Prefix: "A", NameZH: "电费缴纳", NameEN: "Bill payment", TargetWaitS: 600, AvgServiceS: 180, Documents: []string{"户号"}},
			{Prefix: "B", NameZH: "业扩报装", NameEN: "New connection", TargetWaitS: 1200, DailyLimit: 3, AvgServiceS: 900},
			{Prefix: "C", NameZH: "变更用电", NameEN: "Account changes", TargetWaitS: 1200, AvgServiceS: 600},
		},
		Counters: []queue.Counter{
			{Number: 1, NameZH: "1号窗口", NameEN: "Counter 1", Services: []string{"A", "B"}},
			{Number: 2, NameZH: "2号窗口", NameEN: "Counter 2", Services: []string{"B", "A"}},
			{Number: 3, NameZH: "3号窗口", NameEN: "Counter 3", Services: []string{"C"}},
		},
	}
}

// fx is an engine with a clock and a record of every event it returned.
type fx struct {
	t   testing.TB
	e   *queue.Engine
	now time.Time
	evs []queue.Event
	// hook, if set, sees each recorded event after the engine applied it.
	hook func(queue.Event)
}

func (f *fx) record(ev queue.Event) {
	f.evs = append(f.evs, ev)
	if f.hook != nil {
		f.hook(ev)
	}
}

func newFx(t testing.TB, cfg queue.Config, now time.Time) *fx {
	t.Helper()
	e, err := queue.New(cfg, now)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &fx{t: t, e: e, now: now}
}

func (f *fx) tick(d time.Duration) { f.now = f.now.Add(d) }

// ok fails the test unless the command succeeded, checks that its event
// carries every changed record, and records it.
func (f *fx) ok(do func() (queue.Event, error)) queue.Event {
	f.t.Helper()
	before := capture(f.e, f.now)
	ev, err := do()
	if err != nil {
		f.t.Fatalf("command failed: %v", err)
	}
	after := capture(f.e, f.now)
	checkEvent(f.t, before, after, ev, f.now)
	f.record(ev)
	return ev
}

// refused fails the test unless the command fails with code and leaves
// everything as it was.
func (f *fx) refused(code string, do func() error) {
	f.t.Helper()
	before := capture(f.e, f.now)
	err := do()
	if got := queue.ErrorCode(err); got != code {
		f.t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
	if queue.ErrorMessage(err) == "" {
		f.t.Fatalf("refusal %q has no message", code)
	}
	if after := capture(f.e, f.now); !reflect.DeepEqual(before, after) {
		f.t.Fatalf("a failed command changed the state:\n%s", diffState(before, after))
	}
}

func (f *fx) issue(svc string, pri queue.Priority) queue.Ticket {
	f.t.Helper()
	ev := f.ok(func() (queue.Event, error) {
		return f.e.Issue(queue.IssueRequest{Service: svc, Priority: pri, Tracking: fmt.Sprintf("trk-%d", len(f.evs))}, f.now)
	})
	return ev.Tickets[0]
}

func (f *fx) issueReq(req queue.IssueRequest) queue.Ticket {
	f.t.Helper()
	return f.ok(func() (queue.Event, error) { return f.e.Issue(req, f.now) }).Tickets[0]
}

func (f *fx) signIn(n int) {
	f.t.Helper()
	f.ok(func() (queue.Event, error) { return f.e.SignIn(n, clerkOf(n), f.now) })
}

func clerkOf(n int) queue.Clerk {
	return queue.Clerk{User: fmt.Sprintf("clerk%d", n), Name: fmt.Sprintf("柜员%d", n), StaffNo: fmt.Sprintf("G%03d", n)}
}

func (f *fx) callNext(n int) queue.Ticket {
	f.t.Helper()
	var found bool
	ev := f.ok(func() (queue.Event, error) {
		ev, ok, err := f.e.CallNext(n, clerkOf(n).User, f.now)
		found = ok
		if err == nil && !ok {
			return ev, fmt.Errorf("counter %d found no one", n)
		}
		return ev, err
	})
	if !found {
		f.t.Fatalf("counter %d found no one", n)
	}
	return ev.Tickets[0]
}

func (f *fx) callTicket(n int, id uint64) queue.Ticket {
	f.t.Helper()
	return f.ok(func() (queue.Event, error) { return f.e.CallTicket(n, id, clerkOf(n).User, f.now) }).Tickets[0]
}

func (f *fx) ticket(id uint64) queue.Ticket {
	f.t.Helper()
	t, ok := f.e.Ticket(id)
	if !ok {
		f.t.Fatalf("no ticket %d", id)
	}
	return t
}

func (f *fx) counter(n int) queue.Counter {
	f.t.Helper()
	c, ok := f.e.Counter(n)
	if !ok {
		f.t.Fatalf("no counter %d", n)
	}
	return c
}

func (f *fx) service(p string) queue.Service {
	f.t.Helper()
	s, ok := f.e.Service(p)
	if !ok {
		f.t.Fatalf("no service %s", p)
	}
	return s
}

// nextNumber is the number the policy would call next at counter n, or "".
func (f *fx) nextNumber(n int) string {
	t, ok := f.e.Next(n, f.now)
	if !ok {
		return ""
	}
	return t.Number
}

func ptr[T any](v T) *T { return &v }

// state is everything observable about an engine at one moment.
type state struct {
	Day      string
	Snapshot queue.Snapshot
	Tickets  []queue.Ticket
	Counters []queue.Counter
	Services []queue.Service
}

func capture(e *queue.Engine, now time.Time) state {
	return state{Day: e.Day(), Snapshot: e.Snapshot(now), Tickets: e.Tickets(), Counters: e.Counters(), Services: e.Services()}
}

func diffState(a, b state) string {
	s := ""
	if a.Day != b.Day {
		s += fmt.Sprintf("day %s → %s\n", a.Day, b.Day)
	}
	if !reflect.DeepEqual(a.Tickets, b.Tickets) {
		s += fmt.Sprintf("tickets:\n  %+v\n→ %+v\n", a.Tickets, b.Tickets)
	}
	if !reflect.DeepEqual(a.Counters, b.Counters) {
		s += fmt.Sprintf("counters:\n  %+v\n→ %+v\n", a.Counters, b.Counters)
	}
	if !reflect.DeepEqual(a.Services, b.Services) {
		s += fmt.Sprintf("services:\n  %+v\n→ %+v\n", a.Services, b.Services)
	}
	if !reflect.DeepEqual(a.Snapshot, b.Snapshot) {
		s += fmt.Sprintf("snapshot:\n  %+v\n→ %+v\n", a.Snapshot, b.Snapshot)
	}
	return s
}

// checkEvent checks that ev carries exactly the records that changed between
// before and after, as they are after, each with its revision increased by
// one, and that it is stamped with now and the engine's day.
func checkEvent(t testing.TB, before, after state, ev queue.Event, now time.Time) {
	t.Helper()
	if !ev.At.Equal(now) {
		t.Errorf("%s: event at %v, want %v", ev.Type, ev.At, now)
	}
	if ev.Day != after.Day {
		t.Errorf("%s: event day %q, want %q", ev.Type, ev.Day, after.Day)
	}
	if ev.Type == "" {
		t.Errorf("event has no type")
	}
	oldT, newT := ticketMap(before.Tickets), ticketMap(after.Tickets)
	inEv := map[uint64]bool{}
	for _, tk := range ev.Tickets {
		if inEv[tk.ID] {
			t.Errorf("%s: ticket %d twice in the event", ev.Type, tk.ID)
		}
		inEv[tk.ID] = true
		got, ok := newT[tk.ID]
		if !ok && tk.Day < after.Day && tk.Status.Final() {
			// A customer served over midnight leaves the queue as they end.
			if old, was := oldT[tk.ID]; !was || tk.Rev != old.Rev+1 {
				t.Errorf("%s: ticket %d of %s ended with rev %d", ev.Type, tk.ID, tk.Day, tk.Rev)
			}
			continue
		} else if !ok {
			t.Errorf("%s: event ticket %d is not in the engine", ev.Type, tk.ID)
			continue
		}
		if !reflect.DeepEqual(got, tk) {
			t.Errorf("%s: event ticket %d\n  %+v\nengine has\n  %+v", ev.Type, tk.ID, tk, got)
		}
		if old, ok := oldT[tk.ID]; ok {
			if tk.Rev != old.Rev+1 {
				t.Errorf("%s: ticket %d rev %d → %d", ev.Type, tk.ID, old.Rev, tk.Rev)
			}
		} else if tk.Rev != 1 {
			t.Errorf("%s: new ticket %d has rev %d", ev.Type, tk.ID, tk.Rev)
		}
	}
	for id, tk := range newT {
		if !inEv[id] && !reflect.DeepEqual(tk, oldT[id]) {
			t.Errorf("%s: ticket %d changed but is not in the event", ev.Type, id)
		}
	}
	for id := range oldT {
		if _, ok := newT[id]; !ok && !inEv[id] {
			t.Errorf("%s: ticket %d disappeared", ev.Type, id)
		}
	}
	oldC, newC := counterMap(before.Counters), counterMap(after.Counters)
	inEvC := map[int]bool{}
	for _, c := range ev.Counters {
		inEvC[c.Number] = true
		if got := newC[c.Number]; !reflect.DeepEqual(got, c) {
			t.Errorf("%s: event counter %d\n  %+v\nengine has\n  %+v", ev.Type, c.Number, c, got)
		}
		if c.Rev != oldC[c.Number].Rev+1 {
			t.Errorf("%s: counter %d rev %d → %d", ev.Type, c.Number, oldC[c.Number].Rev, c.Rev)
		}
	}
	for n, c := range newC {
		if !inEvC[n] && !reflect.DeepEqual(c, oldC[n]) {
			t.Errorf("%s: counter %d changed but is not in the event", ev.Type, n)
		}
	}
	oldS, newS := serviceMap(before.Services), serviceMap(after.Services)
	inEvS := map[string]bool{}
	for _, s := range ev.Services {
		inEvS[s.Prefix] = true
		if got := newS[s.Prefix]; !reflect.DeepEqual(got, s) {
			t.Errorf("%s: event service %s\n  %+v\nengine has\n  %+v", ev.Type, s.Prefix, s, got)
		}
		if s.Rev != oldS[s.Prefix].Rev+1 {
			t.Errorf("%s: service %s rev %d → %d", ev.Type, s.Prefix, oldS[s.Prefix].Rev, s.Rev)
		}
	}
	for p, s := range newS {
		if inEvS[p] {
			continue
		}
		// A finish moves its service's figure (a running figure, learnt
		// from the finished ticket), nothing else of the service.
		if ev.Type == queue.EvFinished && len(ev.Tickets) == 1 && ev.Tickets[0].Service == p {
			s.AvgServiceS = oldS[p].AvgServiceS
		}
		if !reflect.DeepEqual(s, oldS[p]) {
			t.Errorf("%s: service %s changed but is not in the event", ev.Type, p)
		}
	}
}

func ticketMap(ts []queue.Ticket) map[uint64]queue.Ticket {
	m := make(map[uint64]queue.Ticket, len(ts))
	for _, t := range ts {
		m[t.ID] = t
	}
	return m
}

func counterMap(cs []queue.Counter) map[int]queue.Counter {
	m := make(map[int]queue.Counter, len(cs))
	for _, c := range cs {
		m[c.Number] = c
	}
	return m
}

func serviceMap(ss []queue.Service) map[string]queue.Service {
	m := make(map[string]queue.Service, len(ss))
	for _, s := range ss {
		m[s.Prefix] = s
	}
	return m
}
