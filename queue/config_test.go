package queue_test

import (
	"reflect"
	"strings"
	"testing"

	"hallq/queue"
)

func newConfigEngine(t *testing.T) *queue.Engine {
	t.Helper()
	e, err := queue.New(testConfig(), t0)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestSaveServiceValidation: every refusal names the fault, has the right
// code and changes nothing.
func TestSaveServiceValidation(t *testing.T) {
	cases := []struct {
		name   string
		svc    queue.Service
		create bool
		code   string
		msg    string
	}{
		{"lower-case prefix", queue.Service{Prefix: "d", NameZH: "新业务"}, true, queue.EINVALID, "one letter"},
		{"two-letter prefix", queue.Service{Prefix: "DD", NameZH: "新业务"}, true, queue.EINVALID, "one letter"},
		{"empty prefix", queue.Service{Prefix: "", NameZH: "新业务"}, true, queue.EINVALID, "one letter"},
		{"duplicate prefix", queue.Service{Prefix: "A", NameZH: "新业务"}, true, queue.EINVALID, "duplicate service prefix"},
		{"no name", queue.Service{Prefix: "D", NameZH: "  "}, true, queue.EINVALID, "has no name"},
		{"negative target", queue.Service{Prefix: "D", NameZH: "新业务", TargetWaitS: -1}, true, queue.EINVALID, "negative"},
		{"negative limit", queue.Service{Prefix: "D", NameZH: "新业务", DailyLimit: -5}, true, queue.EINVALID, "negative"},
		{"name too long", queue.Service{Prefix: "D", NameZH: strings.Repeat("长", 21)}, true, queue.EINVALID, "too long"},
		{"change unknown", queue.Service{Prefix: "Z", NameZH: "新业务"}, false, queue.ENOTFOUND, "no service Z"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newConfigEngine(t)
			before := e.Services()
			_, err := e.SaveService(c.svc, c.create, t0)
			if queue.ErrorCode(err) != c.code || !strings.Contains(queue.ErrorMessage(err), c.msg) {
				t.Fatalf("err = %v (code %s), want %s containing %q", err, queue.ErrorCode(err), c.code, c.msg)
			}
			if !reflect.DeepEqual(e.Services(), before) {
				t.Errorf("services changed by a refused save")
			}
		})
	}
}

func TestSaveServiceAddsAndChanges(t *testing.T) {
	e := newConfigEngine(t)
	ev, err := e.SaveService(queue.Service{Prefix: "D", NameZH: " 光伏并网 ", NameEN: "Solar", TargetWaitS: 900, DailyLimit: 10,
		Documents: []string{"身份证", " ", "房产证明 "}}, true, t0)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Type != queue.EvConfig || ev.Reason != "service D" || len(ev.Services) != 1 {
		t.Fatalf("event %+v", ev)
	}
	got, ok := e.Service("D")
	want := queue.Service{Prefix: "D", NameZH: "光伏并网", NameEN: "Solar", TargetWaitS: 900, DailyLimit: 10, Documents: []string{"身份证", "房产证明"}, Rev: 1}
	if !ok || !reflect.DeepEqual(got, want) {
		t.Fatalf("service D = %+v, want %+v", got, want)
	}
	if s := e.Services(); s[len(s)-1].Prefix != "D" {
		t.Errorf("the new service is not last: %v", s)
	}
	// Tickets can be issued at once.
	if _, err := e.Issue(queue.IssueRequest{Service: "D", Priority: queue.Normal, Tracking: "x1"}, t0); err != nil {
		t.Fatalf("issue D: %v", err)
	}
	// A change keeps the moving average.
	a, _ := e.Service("A")
	if _, err := e.SaveService(queue.Service{Prefix: "A", NameZH: "电费缴纳（含预存）", TargetWaitS: 300, AvgServiceS: 1}, false, t0); err != nil {
		t.Fatal(err)
	}
	a2, _ := e.Service("A")
	if a2.AvgServiceS != a.AvgServiceS || a2.TargetWaitS != 300 || a2.NameZH != "电费缴纳（含预存）" || a2.Rev != a.Rev+1 {
		t.Errorf("A after change = %+v (before %+v)", a2, a)
	}
}

func TestSaveCounterValidation(t *testing.T) {
	cases := []struct {
		name   string
		k      queue.CounterConfig
		create bool
		code   string
		msg    string
	}{
		{"duplicate number", queue.CounterConfig{Number: 2, Services: []string{"A"}}, true, queue.EINVALID, "duplicate counter number"},
		{"number zero", queue.CounterConfig{Number: 0, Services: []string{"A"}}, true, queue.EINVALID, "1–99"},
		{"number 100", queue.CounterConfig{Number: 100, Services: []string{"A"}}, true, queue.EINVALID, "1–99"},
		{"no service", queue.CounterConfig{Number: 7}, true, queue.EINVALID, "serves no service"},
		{"unknown service", queue.CounterConfig{Number: 7, Services: []string{"A", "Q"}}, true, queue.EINVALID, "unknown service"},
		{"service twice", queue.CounterConfig{Number: 7, Services: []string{"A", "A"}}, true, queue.EINVALID, "twice"},
		{"hours reversed", queue.CounterConfig{Number: 7, Services: []string{"A"}, Hours: &queue.Hours{Open: "17:00", Close: "09:00"}}, true, queue.EINVALID, "open hours"},
		{"hours garbage", queue.CounterConfig{Number: 7, Services: []string{"A"}, Hours: &queue.Hours{Open: "9am", Close: "17:00"}}, true, queue.EINVALID, "open hours"},
		{"change unknown", queue.CounterConfig{Number: 9, Services: []string{"A"}}, false, queue.ENOTFOUND, "no counter 9"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newConfigEngine(t)
			before := e.Counters()
			_, err := e.SaveCounter(c.k, c.create, t0)
			if queue.ErrorCode(err) != c.code || !strings.Contains(queue.ErrorMessage(err), c.msg) {
				t.Fatalf("err = %v (code %s), want %s containing %q", err, queue.ErrorCode(err), c.code, c.msg)
			}
			if !reflect.DeepEqual(e.Counters(), before) {
				t.Errorf("counters changed by a refused save")
			}
		})
	}
}

func TestSaveCounterKeepsLiveState(t *testing.T) {
	f := newFx(t, testConfig(), t0)
	f.signIn(1)
	f.issue("A", queue.Normal)
	if _, found, err := f.e.CallNext(1, "clerk1", f.now); err != nil || !found {
		t.Fatalf("call: %v %v", found, err)
	}
	before, _ := f.e.Counter(1)
	ev, err := f.e.SaveCounter(queue.CounterConfig{Number: 1, NameZH: "1号综合窗口", Services: []string{"C", "A"}, Hours: &queue.Hours{Open: "08:30", Close: "17:00"}}, false, f.now)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := f.e.Counter(1)
	if got.State != before.State || got.Clerk != before.Clerk || got.Current != before.Current || got.Current == 0 {
		t.Errorf("live state lost: before %+v after %+v", before, got)
	}
	if !reflect.DeepEqual(got.Services, []string{"C", "A"}) || got.NameZH != "1号综合窗口" || got.NameEN != "Counter 1" || got.Hours == nil || got.Hours.Open != "08:30" {
		t.Errorf("counter 1 = %+v", got)
	}
	if ev.Counter != 1 || len(ev.Counters) != 1 || ev.Counters[0].Rev != before.Rev+1 {
		t.Errorf("event %+v", ev)
	}
	// A new counter starts closed and can be opened and called at.
	if _, err := f.e.SaveCounter(queue.CounterConfig{Number: 8, Services: []string{"B"}}, true, f.now); err != nil {
		t.Fatal(err)
	}
	k, _ := f.e.Counter(8)
	if k.State != queue.Closed || k.NameZH != "8号窗口" {
		t.Errorf("new counter %+v", k)
	}
}

func TestSetSettings(t *testing.T) {
	cases := []struct {
		name string
		s    func(s *queue.Settings)
		msg  string // "" for success
	}{
		{"ok", func(s *queue.Settings) {
			s.Hours = map[string]queue.Hours{"1": {Open: "08:30", Close: "17:30"}}
			s.Holidays = []string{"2027-01-01", " ", "2026-12-31", "2027-01-01"}
		}, ""},
		{"no name", func(s *queue.Settings) { s.NameZH = " " }, "needs a name"},
		{"bad weekday", func(s *queue.Settings) { s.Hours = map[string]queue.Hours{"8": {Open: "08:00", Close: "17:00"}} }, "weekday"},
		{"close before open", func(s *queue.Settings) { s.Hours = map[string]queue.Hours{"2": {Open: "17:00", Close: "08:00"}} }, "invalid"},
		{"bad holiday", func(s *queue.Settings) { s.Holidays = []string{"2027-13-01"} }, "YYYY-MM-DD"},
		{"negative", func(s *queue.Settings) { s.PhoneDailyLimit = -1 }, "negative"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newConfigEngine(t)
			view := newConfigEngine(t)
			before := e.Settings()
			s := e.Settings()
			c.s(&s)
			ev, err := e.SetSettings(s, t0)
			if c.msg != "" {
				if queue.ErrorCode(err) != queue.EINVALID || !strings.Contains(queue.ErrorMessage(err), c.msg) {
					t.Fatalf("err = %v, want EINVALID containing %q", err, c.msg)
				}
				if !reflect.DeepEqual(e.Settings(), before) {
					t.Errorf("settings changed by a refused save")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := e.Settings()
			if !reflect.DeepEqual(got.Holidays, []string{"2026-12-31", "2027-01-01"}) || got.Hours["1"].Close != "17:30" || len(got.Hours) != 1 {
				t.Errorf("settings = %+v", got)
			}
			// Monday 2026-11-23 10:00 is within the new hours; Tuesday has none.
			if !e.OpenAt(t0) || e.OpenAt(t0.AddDate(0, 0, 1)) {
				t.Errorf("OpenAt does not follow the new hours")
			}
			// A replica applying the event follows, services untouched.
			view.Apply(ev)
			if !reflect.DeepEqual(view.Settings(), got) || len(view.Services()) != 3 || view.Config().TimeZone != e.Config().TimeZone {
				t.Errorf("replica settings %+v, want %+v", view.Settings(), got)
			}
			if ev.Config.Services != nil || ev.Config.Counters != nil {
				t.Errorf("the event's config carries services or counters")
			}
		})
	}
}
