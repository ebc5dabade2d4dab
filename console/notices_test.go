package console_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"hallq/console"
	"hallq/hall"
	"hallq/internal/halltest"
	"hallq/queue"
)

var (
	ctx      = context.Background()
	monday10 = halltest.Monday10
)

type fixture struct {
	t     *testing.T
	clock *halltest.Clock
	h     *hall.Hall
	cs    *console.Service
}

// newFixture opens a hall without opening hours on a clock at monday10.
func newFixture(t *testing.T) *fixture {
	f := &fixture{t: t, clock: halltest.NewClock(monday10)}
	f.h = halltest.Open(t, hall.Options{Now: f.clock.Now, AlwaysOpen: true})
	f.cs = console.New(f.h, console.Options{})
	return f
}

func (f *fixture) manager() hall.Principal {
	f.t.Helper()
	return halltest.Manager(f.t, f.h)
}

func (f *fixture) seq() uint64 {
	_, s := f.h.Snapshot()
	return s
}

// TestNotices: active notices follow the clock; deleted ones are gone.
func TestNotices(t *testing.T) {
	f := newFixture(t)
	cs, boss := f.cs, f.manager()
	n1, err := cs.SaveNotice(ctx, boss, console.Notice{TextZH: "今日下午系统升级", Start: monday10.Add(-time.Hour), End: monday10.Add(time.Hour)})
	if err != nil || n1.ID == "" || n1.By != "user:boss" {
		t.Fatalf("notice %+v %v", n1, err)
	}
	n2, _ := cs.SaveNotice(ctx, boss, console.Notice{TextZH: "明日停电检修", Start: monday10.Add(2 * time.Hour), End: monday10.Add(5 * time.Hour)})
	active, _ := cs.Notices(true)
	if len(active) != 1 || active[0].ID != n1.ID {
		t.Errorf("active at 10:00: %+v", active)
	}
	f.clock.Add(3 * time.Hour)
	active, _ = cs.Notices(true)
	if len(active) != 1 || active[0].ID != n2.ID {
		t.Errorf("active at 13:00: %+v", active)
	}
	n2.TextZH = "明日 9:00–11:00 停电检修"
	if _, err := cs.SaveNotice(ctx, boss, n2); err != nil {
		t.Fatal(err)
	}
	if err := cs.DeleteNotice(ctx, boss, n1.ID); err != nil {
		t.Fatal(err)
	}
	if err := cs.DeleteNotice(ctx, boss, n1.ID); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Errorf("delete twice: %v", err)
	}
	all, _ := cs.Notices(false)
	if len(all) != 1 || all[0].TextZH != "明日 9:00–11:00 停电检修" {
		t.Errorf("notices %+v", all)
	}
	if _, err := cs.SaveNotice(ctx, boss, console.Notice{ID: "nope", TextZH: "x", Start: monday10, End: monday10.Add(time.Hour)}); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Errorf("change unknown notice: %v", err)
	}
}

// TestNoticeRefusals: bad notices change nothing (the notice cases of
// hall's TestConfigRefusals and TestTextRefusesControlCharacters).
func TestNoticeRefusals(t *testing.T) {
	f := newFixture(t)
	boss := f.manager()
	noon := time.Date(2026, 11, 23, 12, 0, 0, 0, monday10.Location())
	cases := []struct {
		name string
		n    console.Notice
		msg  string
	}{
		{"notice ending before it starts", console.Notice{TextZH: "系统升级", Start: noon, End: noon.Add(-time.Hour)}, "end after it starts"},
		{"notice without text", console.Notice{TextZH: " ", Start: noon, End: noon.Add(time.Hour)}, "needs a text"},
	}
	for name, s := range map[string]string{
		"right-to-left override": "王\u202e丽",
		"NUL":                    "王\x00丽",
		"CR LF":                  "王丽\r\n窗口",
		"left-to-right isolate":  "\u2066王丽",
	} {
		now := f.clock.Now()
		cases = append(cases, struct {
			name string
			n    console.Notice
			msg  string
		}{name, console.Notice{TextZH: s, Start: now, End: now.Add(time.Hour)}, ""})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := f.seq()
			_, err := f.cs.SaveNotice(ctx, boss, c.n)
			if queue.ErrorCode(err) != queue.EINVALID || !strings.Contains(queue.ErrorMessage(err), c.msg) {
				t.Fatalf("err = %v (%s), want %s with %q", err, queue.ErrorCode(err), queue.EINVALID, c.msg)
			}
			if after := f.seq(); after != before {
				t.Errorf("a refused change committed events %d → %d", before, after)
			}
		})
	}
}
