package console_test

import (
	"strings"
	"testing"

	"hallq/console"
	"hallq/hall"
	"hallq/internal/halltest"
	"hallq/queue"
)

// TestVoice: the display's voice is the default until a manager saves one,
// which is one config_changed event "voice" with its actor and survives a
// restart; bad values and non-managers change nothing. (Moved from hall's
// TestConfigChangesLive and TestConfigRefusals.)
func TestVoice(t *testing.T) {
	dir := t.TempDir()
	clock := halltest.NewClock(monday10)
	h := halltest.Open(t, hall.Options{Dir: dir, Now: clock.Now, AlwaysOpen: true})
	cs := console.New(h, console.Options{})
	boss := halltest.Manager(t, h)
	if v := cs.Voice(); v != console.DefaultVoice {
		t.Errorf("voice before any change: %+v, want %+v", v, console.DefaultVoice)
	}

	refusals := []struct {
		name string
		p    hall.Principal
		v    console.Voice
		code string
		msg  string
	}{
		{"repeat 0", boss, console.Voice{Repeat: 0, Volume: 50, Lang: "zh"}, queue.EINVALID, "repeat"},
		{"volume 101", boss, console.Voice{Repeat: 1, Volume: 101, Lang: "zh"}, queue.EINVALID, "volume"},
		{"language", boss, console.Voice{Repeat: 1, Volume: 50, Lang: "fr"}, queue.EINVALID, "language"},
		{"a kiosk", kiosk, console.Voice{Repeat: 1, Volume: 50, Lang: "zh"}, queue.EFORBIDDEN, ""},
	}
	for _, c := range refusals {
		t.Run(c.name, func(t *testing.T) {
			_, before := h.Snapshot()
			_, err := cs.SaveVoice(ctx, c.p, c.v)
			if queue.ErrorCode(err) != c.code || !strings.Contains(queue.ErrorMessage(err), c.msg) {
				t.Fatalf("err = %v (%s), want %s with %q", err, queue.ErrorCode(err), c.code, c.msg)
			}
			if _, after := h.Snapshot(); after != before {
				t.Errorf("a refused change committed events %d → %d", before, after)
			}
		})
	}

	want := console.Voice{Repeat: 3, Volume: 60, Lang: "zh+en"}
	_, before := h.Snapshot()
	if v, err := cs.SaveVoice(ctx, boss, console.Voice{Repeat: 3, Volume: 60, Lang: " zh+en "}); err != nil || v != want {
		t.Fatalf("save voice: %+v %v, want %+v", v, err, want)
	}
	evs, err := h.Events(before, 10)
	if err != nil || len(evs) != 1 || evs[0].Type != queue.EvConfig || evs[0].Reason != "voice" || evs[0].Actor != boss.Actor() {
		t.Errorf("events of the change: %+v %v, want one config_changed \"voice\" by %s", evs, err, boss.Actor())
	}

	halltest.CheckClose(t, h)
	h = halltest.Open(t, hall.Options{Dir: dir, Now: clock.Now, AlwaysOpen: true})
	if v := console.New(h, console.Options{}).Voice(); v != want {
		t.Errorf("voice after restart: %+v, want %+v", v, want)
	}
}
