package hall_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"hallq/hall"
	"hallq/queue"
)

// TestConfigChangesLive: each kind of change is applied to the live hall at
// once (a new service takes tickets, a counter serves it, new hours close
// the kiosk), is recorded with its actor, and survives a restart.
func TestConfigChangesLive(t *testing.T) {
	f := newFixture(t, monday10, false)
	boss := f.manager()
	rec := &recorder{}
	defer rec.listen(f.h)()

	svc, err := f.h.SaveService(ctx, boss, queue.Service{Prefix: "G", NameZH: "充电桩报装", NameEN: "EV charger", TargetWaitS: 900, Documents: []string{"身份证"}}, true)
	if err != nil || svc.Rev != 1 {
		t.Fatalf("add service: %+v %v", svc, err)
	}
	g := f.issue("G")
	if g.Number != "G001" {
		t.Errorf("first ticket of the new service: %s", g.Number)
	}
	if _, err := f.h.SaveCounter(ctx, boss, queue.CounterConfig{Number: 9, NameZH: "9号窗口 充电桩", Services: []string{"G"}}, true); err != nil {
		t.Fatal(err)
	}
	clerk := f.clerk("clerk9", 9)
	if got := f.op(clerk, 9, "call"); got.ID != g.ID {
		t.Errorf("counter 9 called %s, want G001", got.Number)
	}

	// Hours that close the hall now refuse tickets at once.
	s := f.h.Settings()
	s.Hours = map[string]queue.Hours{"1": {Open: "13:00", Close: "17:00"}}
	s.Holidays = []string{"2026-12-25"}
	if _, err := f.h.SaveSettings(ctx, boss, s); err != nil {
		t.Fatal(err)
	}
	if _, err := f.h.Issue(ctx, kiosk, hall.IssueRequest{Service: "A"}); queue.ErrorCode(err) != queue.ECLOSED {
		t.Errorf("issue after closing hours: %v, want %s", err, queue.ECLOSED)
	}

	evs, _ := rec.get()
	var cfg []queue.Event
	for _, ev := range evs {
		if ev.Type == queue.EvConfig {
			cfg = append(cfg, ev)
		}
	}
	wantReasons := []string{"service G", "counter 9", "settings"} // the voice: console's TestVoice
	if len(cfg) != len(wantReasons) {
		t.Fatalf("config events %v", types(cfg))
	}
	for i, ev := range cfg {
		if ev.Reason != wantReasons[i] || ev.Actor != "user:boss" {
			t.Errorf("config event %d: %q by %q, want %q by user:boss", i, ev.Reason, ev.Actor, wantReasons[i])
		}
	}

	f.restart()
	if sv, ok := serviceOf(f.h, "G"); !ok || sv.NameZH != "充电桩报装" || !slices.Equal(sv.Documents, []string{"身份证"}) {
		t.Errorf("service G after restart: %+v", sv)
	}
	if c, ok := counterOf(f.h, 9); !ok || !slices.Equal(c.Services, []string{"G"}) {
		t.Errorf("counter 9 after restart: %+v", c)
	}
	got := f.h.Settings()
	if got.Hours["1"].Open != "13:00" || len(got.Hours) != 1 || !slices.Equal(got.Holidays, []string{"2026-12-25"}) {
		t.Errorf("settings after restart: %+v", got)
	}
	if f.h.Config().Hours["1"].Open != "13:00" {
		t.Errorf("Config() after restart: %+v", f.h.Config().Hours)
	}
	if _, err := f.h.Issue(ctx, kiosk, hall.IssueRequest{Service: "A"}); queue.ErrorCode(err) != queue.ECLOSED {
		t.Errorf("issue after restart outside the new hours: %v", err)
	}
}

func serviceOf(h *hall.Hall, p string) (s queue.Service, ok bool) {
	h.Read(func(v *queue.Engine, _ uint64) { s, ok = v.Service(p) })
	return s, ok
}

// TestConfigRefusals: bad input and the wrong people change nothing.
func TestConfigRefusals(t *testing.T) {
	f := newFixture(t, monday10, true)
	boss := f.manager()
	clerk := f.clerk("clerk1", 1)
	cases := []struct {
		name string
		do   func() error
		code string
		msg  string
	}{
		{"bad prefix", func() error {
			_, err := f.h.SaveService(ctx, boss, queue.Service{Prefix: "1", NameZH: "x"}, true)
			return err
		}, queue.EINVALID, "one letter"},
		{"duplicate counter", func() error {
			_, err := f.h.SaveCounter(ctx, boss, queue.CounterConfig{Number: 1, Services: []string{"A"}}, true)
			return err
		}, queue.EINVALID, "duplicate counter number"},
		{"counter with no service", func() error {
			_, err := f.h.SaveCounter(ctx, boss, queue.CounterConfig{Number: 20}, true)
			return err
		}, queue.EINVALID, "serves no service"},
		{"closing before opening", func() error {
			s := f.h.Settings()
			s.Hours = map[string]queue.Hours{"3": {Open: "18:00", Close: "09:00"}}
			_, err := f.h.SaveSettings(ctx, boss, s)
			return err
		}, queue.EINVALID, "weekday 3"},
		{"clerk adds a service", func() error {
			_, err := f.h.SaveService(ctx, clerk, queue.Service{Prefix: "H", NameZH: "x"}, true)
			return err
		}, queue.EFORBIDDEN, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, before := f.h.Snapshot()
			err := c.do()
			if queue.ErrorCode(err) != c.code || !strings.Contains(queue.ErrorMessage(err), c.msg) {
				t.Fatalf("err = %v (%s), want %s with %q", err, queue.ErrorCode(err), c.code, c.msg)
			}
			if _, after := f.h.Snapshot(); after != before {
				t.Errorf("a refused change committed events %d → %d", before, after)
			}
		})
	}
}

// TestLocationWhileSavingSettings: the hall's time zone is read by jobs and
// handlers outside the write lock (the daily health check, reports) while a
// manager saves the settings; under -race this failed when Location read
// the config SaveSettings replaces. The zone stays the hall's.
func TestLocationWhileSavingSettings(t *testing.T) {
	f := newFixture(t, time.Date(2026, 12, 5, 10, 0, 0, 0, shanghai), true)
	boss := f.manager()
	done := make(chan string)
	go func() {
		name := ""
		for range 200 {
			name = f.h.Location().String()
		}
		done <- name
	}()
	for i := range 5 {
		s := f.h.Settings()
		s.NameEN = fmt.Sprintf("Demo hall %d", i)
		if _, err := f.h.SaveSettings(ctx, boss, s); err != nil {
			t.Fatal(err)
		}
	}
	if name := <-done; name != "Asia/Shanghai" {
		t.Errorf("the hall's time zone read while saving settings: %q", name)
	}
}
