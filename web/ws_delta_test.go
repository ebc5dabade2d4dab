package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"testing"

	"github.com/fasthttp/websocket"

	"hallq/hall"
	"hallq/queue"
)

// wsBigEnv is a hall of 26 services (A–Z) and 30 counters, each serving
// every service in a rotated order.
func wsBigEnv(t *testing.T) *apiEnv {
	t.Helper()
	return apiNewServerWith(t, apiSetup{Listen: true, Config: func(c *queue.Config) {
		c.PhoneDailyLimit = 0
		c.Services, c.Counters = nil, nil
		var prefixes []string
		for r := 'A'; r <= 'Z'; r++ {
			p := string(r)
			prefixes = append(prefixes, p)
			c.Services = append(c.Services, queue.Service{Prefix: p, NameZH: "业务" + p, NameEN: "Service " + p, TargetWaitS: 600, AvgServiceS: 180})
		}
		for n := 1; n <= 30; n++ {
			k := n % len(prefixes)
			c.Counters = append(c.Counters, queue.Counter{Number: n, NameZH: fmt.Sprintf("%d号窗口", n), NameEN: fmt.Sprintf("Counter %d", n),
				Services: append(slices.Clone(prefixes[k:]), prefixes[:k]...)})
		}
	}})
}

// wsReadUntil reads frames of conn until one has sequence seq and returns
// them all.
func wsReadUntil(t *testing.T, conn *websocket.Conn, seq uint64) []wsFrame {
	t.Helper()
	var out []wsFrame
	for {
		f := wsRead(t, conn)
		out = append(out, f)
		if f.Seq >= seq {
			return out
		}
	}
}

// wsSameState fails unless two states are equal as JSON values.
func wsSameState(t *testing.T, what string, got, want json.RawMessage) {
	t.Helper()
	var a, b any
	if err := json.Unmarshal(got, &a); err != nil {
		t.Fatalf("%s: followed state: %v", what, err)
	}
	if err := json.Unmarshal(want, &b); err != nil {
		t.Fatalf("%s: snapshot: %v", what, err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("%s: the state followed through deltas differs from a fresh snapshot:\n  followed %s\n  snapshot %s", what, got, want)
	}
}

// TestWSDeltaFollowsState: a display, a desk and the monitor that apply
// every event frame's delta to the snapshot they started from hold, after a
// day's mix of commands, exactly the state a fresh subscription gets; and
// every event frame after the first carries a delta, not the whole state.
func TestWSDeltaFollowsState(t *testing.T) {
	e := wsBigEnv(t)
	clerk1, clerk2 := e.login("clerk1", 1), e.login("clerk2", 2)
	manager := e.login("manager", 0)
	topics := []struct {
		topic string
		cred  apiCred
	}{{"display", e.device(hall.KindDisplay, 0)}, {"desk/1", clerk1}, {"monitor", manager}, {"counter/2", e.device(hall.KindCounter, 2)}}
	conns := make([]*websocket.Conn, len(topics))
	for i, tp := range topics {
		conns[i] = e.wsDial(tp.topic, 0, tp.cred)
		if f := wsRead(t, conns[i]); f.Type != "snapshot" {
			t.Fatalf("%s: first frame %s", tp.topic, f.Type)
		}
	}
	e.wsIssue(3)
	e.issue("B", "green", "")
	e.issue("C", "normal", "")
	e.actTicket(clerk1, 1, "call", nil)
	e.act(clerk1, 1, "recall", nil, http.StatusOK)
	e.act(clerk1, 1, "start", nil, http.StatusOK)
	e.act(clerk1, 1, "finish", nil, http.StatusOK)
	e.actTicket(clerk2, 2, "call", nil)
	e.act(clerk2, 2, "transfer", map[string]any{"service": "C"}, http.StatusOK)
	e.actTicket(clerk1, 1, "call", nil)
	e.act(clerk1, 1, "recall", nil, http.StatusOK)
	e.act(clerk1, 1, "no-show", nil, http.StatusOK)
	e.act(clerk2, 2, "pause", map[string]string{"reason": "午休"}, http.StatusOK)
	e.wsIssue(2)
	e.act(clerk2, 2, "resume", nil, http.StatusOK)
	e.actTicket(clerk2, 2, "call", nil)
	e.actTicket(clerk1, 1, "call", nil)
	_, latest := e.hall.Snapshot()
	for i, tp := range topics {
		frames := wsReadUntil(t, conns[i], latest)
		deltas := 0
		for _, f := range frames {
			if f.Type == "event" && len(f.State) > 0 && !json.Valid(f.State) {
				t.Fatalf("%s: bad state", tp.topic)
			}
			var raw struct {
				Delta json.RawMessage `json:"delta"`
				State json.RawMessage `json:"state"`
			}
			json.Unmarshal(f.raw, &raw)
			if len(raw.Delta) > 0 && len(raw.State) == 0 {
				deltas++
			}
		}
		if deltas < len(frames)-1 {
			t.Errorf("%s: %d of %d event frames carry a delta, want all but the first", tp.topic, deltas, len(frames))
		}
		v, _ := wsStates.Load(conns[i])
		followed := v.(*wsFollow)
		fresh := e.wsDial(tp.topic, 0, tp.cred)
		snap := wsRead(t, fresh)
		if snap.Type != "snapshot" || snap.Seq != latest || followed.seq != latest {
			t.Fatalf("%s: snapshot %s at %d, followed to %d, want %d", tp.topic, snap.Type, snap.Seq, followed.seq, latest)
		}
		wsSameState(t, tp.topic, followed.state, snap.State)
	}
}

// TestWSDisplayFrameSmall: in a hall of 26 services and 30 counters with a
// day under way, the display frame of one call is well under 1 KB (the
// whole state was about 28 KB), and so is the frame of one issue.
func TestWSDisplayFrameSmall(t *testing.T) {
	e := wsBigEnv(t)
	e.wsIssueMany(300)
	clerks := []apiCred{}
	for n := 1; n <= 6; n++ {
		c := e.login(fmt.Sprintf("clerk%d", n), n)
		clerks = append(clerks, c)
		e.actTicket(c, n, "call", nil)
	}
	conn := e.wsDial("display", 0, e.device(hall.KindDisplay, 0))
	if f := wsRead(t, conn); f.Type != "snapshot" || len(f.raw) < 10000 {
		t.Fatalf("first frame %s of %d bytes: want the whole state, over 10 KB in this hall", f.Type, len(f.raw))
	}
	// The first event after a subscription may carry the whole state: a
	// pause sets the listener going.
	e.act(clerks[5], 6, "finish", nil, http.StatusOK)
	wsRead(t, conn)
	for round := range 3 {
		e.act(clerks[0], 1, "finish", nil, http.StatusOK)
		wsRead(t, conn)
		call := e.actTicket(clerks[0], 1, "call", nil)
		f := wsRead(t, conn)
		var ev queue.Event
		if err := json.Unmarshal(f.Event, &ev); err != nil || ev.Type != queue.EvCalled || ev.Ticket != call.ID {
			t.Fatalf("round %d: frame %s, want the call of %s (%v)", round, f.Event, call.Number, err)
		}
		t.Logf("round %d: call frame %d bytes: %s", round, len(f.raw), f.raw)
		if len(f.raw) >= 1024 {
			t.Errorf("round %d: the display frame of one call is %d bytes, want under 1 KB: %s", round, len(f.raw), f.raw)
		}
		e.wsIssue(1)
		if f := wsRead(t, conn); len(f.raw) >= 1024 {
			t.Errorf("round %d: the display frame of one issue is %d bytes, want under 1 KB: %s", round, len(f.raw), f.raw)
		}
	}
}
