package hall_test

import (
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
	if v, err := f.h.SaveVoice(ctx, boss, hall.Voice{Repeat: 3, Volume: 60, Lang: "zh+en"}); err != nil || v.Repeat != 3 {
		t.Fatalf("voice: %+v %v", v, err)
	}

	evs, _ := rec.get()
	var cfg []queue.Event
	for _, ev := range evs {
		if ev.Type == queue.EvConfig {
			cfg = append(cfg, ev)
		}
	}
	wantReasons := []string{"service G", "counter 9", "settings", "voice"}
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
	if v := f.h.Voice(); v != (hall.Voice{Repeat: 3, Volume: 60, Lang: "zh+en"}) {
		t.Errorf("voice after restart: %+v", v)
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
		{"voice repeat 0", func() error {
			_, err := f.h.SaveVoice(ctx, boss, hall.Voice{Repeat: 0, Volume: 50, Lang: "zh"})
			return err
		}, queue.EINVALID, "repeat"},
		{"voice language", func() error {
			_, err := f.h.SaveVoice(ctx, boss, hall.Voice{Repeat: 1, Volume: 50, Lang: "fr"})
			return err
		}, queue.EINVALID, "language"},
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

// TestMonitorAndAudit: the monitor's totals and alerts, the manager's
// actions, and the audit search over them.
func TestMonitorAndAudit(t *testing.T) {
	f := newFixture(t, monday10, true)
	boss := f.manager()
	c1 := f.clerk("clerk1", 1)
	a1 := f.issue("A")
	a2 := f.issue("A")
	a3 := f.issue("A")
	f.op(c1, 1, "call")
	f.op(c1, 1, "start")
	if _, err := f.h.CancelTicket(ctx, boss, a3.ID, "客户离开"); err != nil {
		t.Fatal(err)
	}
	moved, err := f.h.MoveTicket(ctx, boss, a2.ID, queue.TransferRequest{Service: "C"})
	if err != nil || moved.Service != "C" || moved.Number != a2.Number || moved.Status != queue.Waiting {
		t.Fatalf("move: %+v %v", moved, err)
	}
	if _, err := f.h.SetCounterOpen(ctx, boss, 2, true); err != nil {
		t.Fatal(err)
	}
	// An hour later A001 is still being served and C waits past its target.
	f.clock.Add(time.Hour)
	m, err := f.h.Monitor(boss)
	if err != nil {
		t.Fatal(err)
	}
	if m.Totals != (hall.Totals{Issued: 3, Waiting: 1, Cancelled: 1}) {
		t.Errorf("totals %+v", m.Totals)
	}
	kinds := map[string]int{}
	for _, a := range m.Alerts {
		kinds[a.Kind]++
	}
	if kinds["serving"] != 1 || kinds["wait"] != 1 {
		t.Errorf("alerts %+v", m.Alerts)
	}
	if _, err := f.h.Monitor(c1); queue.ErrorCode(err) != queue.EFORBIDDEN {
		t.Errorf("a clerk's monitor: %v", err)
	}
	_ = a1

	all, err := f.h.Audit(boss, hall.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var cats []string
	for _, e := range all {
		cats = append(cats, e.Category)
	}
	// Newest first: open counter 2, the move, the cancel, the two logins.
	want := []string{"counter", "move", "cancel", "login", "login"}
	if !slices.Equal(cats, want) {
		t.Errorf("audit categories %v, want %v", cats, want)
	}
	found, _ := f.h.Audit(boss, hall.AuditQuery{Q: "客户离开"})
	if len(found) != 1 || found[0].Category != "cancel" || found[0].Actor != "user:boss" || !strings.Contains(found[0].What, a3.Number) {
		t.Errorf("search: %+v", found)
	}
	if got, _ := f.h.Audit(boss, hall.AuditQuery{From: "2026-11-24", To: "2026-11-30"}); len(got) != 0 {
		t.Errorf("a later range found %d", len(got))
	}
	if _, err := f.h.Audit(boss, hall.AuditQuery{From: "2026-11-30", To: "2026-11-01"}); queue.ErrorCode(err) != queue.EINVALID {
		t.Errorf("reversed range: %v", err)
	}
}
