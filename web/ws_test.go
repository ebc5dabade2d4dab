package web_test

// Websocket tests against a real server on 127.0.0.1 with a real websocket
// client (fasthttp/websocket, which gofiber/contrib/websocket builds on).
// Helper names start with "ws".

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"hallq/hall"
	"hallq/internal/livetest"
	"hallq/queue"
	"hallq/web"
)

// wsFrame is a server message as a client decodes it.
type wsFrame struct {
	Type   string          `json:"type"`
	Seq    uint64          `json:"seq"`
	Event  json.RawMessage `json:"event"`
	State  json.RawMessage `json:"state"`
	Replay bool            `json:"replay"`
	Epoch  string          `json:"epoch"`
	raw    []byte
}

// wsEnv is a listening hall for websocket tests.
func wsEnv(t *testing.T) *apiEnv {
	t.Helper()
	return apiNewServerWith(t, apiSetup{Listen: true, Config: func(c *queue.Config) {
		for i := range c.Services {
			c.Services[i].DailyLimit = 0 // the tests issue thousands
		}
	}})
}

// wsURL is the websocket address of a topic (since 0: none).
func (e *apiEnv) wsURL(topic string, since uint64) string {
	u := "ws" + strings.TrimPrefix(e.url, "http") + "/ws?topic=" + url.QueryEscape(topic)
	if since > 0 {
		u += fmt.Sprintf("&since=%d", since)
	}
	return u
}

// wsHeader carries a credential (and an Origin when not empty).
func wsHeader(cred apiCred, origin string) http.Header {
	h := http.Header{}
	if cred.Bearer != "" {
		h.Set("Authorization", "Bearer "+cred.Bearer)
	}
	var cookies []string
	if cred.Session != "" {
		cookies = append(cookies, web.SessionCookie+"="+cred.Session)
	}
	if cred.DeviceCookie != "" {
		cookies = append(cookies, web.DeviceCookie+"="+cred.DeviceCookie)
	}
	if len(cookies) > 0 {
		h.Set("Cookie", strings.Join(cookies, "; "))
	}
	if origin != "" {
		h.Set("Origin", origin)
	}
	return h
}

// wsTryDial dials a topic and returns the connection or the refusal.
func (e *apiEnv) wsTryDial(d *websocket.Dialer, topic string, since uint64, cred apiCred, origin string) (*websocket.Conn, int, error) {
	e.t.Helper()
	if d == nil {
		d = &websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	}
	conn, res, err := d.Dial(e.wsURL(topic, since), wsHeader(cred, origin))
	status := 0
	if res != nil {
		status = res.StatusCode
		res.Body.Close()
	}
	return conn, status, err
}

// wsDial dials a topic and fails the test unless it upgrades.
func (e *apiEnv) wsDial(topic string, since uint64, cred apiCred) *websocket.Conn {
	e.t.Helper()
	conn, status, err := e.wsTryDial(nil, topic, since, cred, "")
	if err != nil {
		e.t.Fatalf("dial %s as %s: %v (HTTP %d)", topic, cred.Name, err, status)
	}
	e.t.Cleanup(func() { conn.Close() })
	return conn
}

// wsRead reads one frame; the deadline only keeps a broken test from
// hanging.
func wsRead(t *testing.T, conn *websocket.Conn) wsFrame {
	t.Helper()
	f, err := wsTryRead(conn)
	if err != nil {
		t.Fatalf("read frame: %v", err)
	}
	return f
}

// wsTryRead reads the next snapshot or event frame (heartbeats skipped).
func wsTryRead(conn *websocket.Conn) (wsFrame, error) {
	for {
		f, err := wsTryReadAny(conn)
		if err != nil || f.Type != "heartbeat" {
			return f, err
		}
	}
}

// wsTryReadAny reads the next frame, heartbeats included.
func wsTryReadAny(conn *websocket.Conn) (wsFrame, error) {
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	typ, b, err := conn.ReadMessage()
	if err != nil {
		return wsFrame{}, err
	}
	if typ != websocket.TextMessage {
		return wsFrame{}, fmt.Errorf("frame type %d, want text", typ)
	}
	var f wsFrame
	if err := json.Unmarshal(b, &f); err != nil {
		return wsFrame{}, fmt.Errorf("frame is not JSON (%v): %s", err, b)
	}
	f.raw = b
	// Follow the state as a page does (livetest.Apply): an event frame's
	// State is the state after it, rebuilt from the delta it carries.
	v, _ := wsStates.LoadOrStore(conn, &wsFollow{})
	fl := v.(*wsFollow)
	if f.Type == "snapshot" || f.Type == "event" {
		st, seq, ok, err := livetest.Apply(fl.state, fl.seq, b)
		if err != nil || !ok {
			return f, fmt.Errorf("frame %d does not apply to the state at %d (ok %v, %v): %s", f.Seq, fl.seq, ok, err, b)
		}
		fl.state, fl.seq = st, seq
		if f.Type == "event" && !f.Replay && len(f.State) == 0 {
			f.State = st
		}
	}
	return f, nil
}

// wsFollow is the state a test's connection has followed so far.
type wsFollow struct {
	state json.RawMessage
	seq   uint64
}

var wsStates sync.Map // *websocket.Conn → *wsFollow

// wsManager is the manager as a hall principal, for commands made straight
// on the hall (no kiosk rate limit).
var wsManager = hall.Principal{Kind: "user", Name: "manager", Role: hall.RoleManager}

// wsIssue issues n tickets with personal data and returns them.
func (e *apiEnv) wsIssue(n int) []queue.Ticket {
	e.t.Helper()
	var out []queue.Ticket
	for i := 0; i < n; i++ {
		tk, err := e.hall.Issue(context.Background(), wsManager, hall.IssueRequest{Service: "A", Priority: "normal",
			Phone: wsPhone(), Account: "0101234567"})
		if err != nil {
			e.t.Fatalf("issue: %v", err)
		}
		out = append(out, tk)
	}
	return out
}

// wsIssueMany issues n tickets from 8 goroutines (batched commits).
func (e *apiEnv) wsIssueMany(n int) {
	e.t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += 8 {
				svc := string(rune('A' + i%6)) // A–F: 999 numbers each a day
				if _, err := e.hall.Issue(context.Background(), wsManager, hall.IssueRequest{Service: svc, Priority: "normal", Phone: wsPhone()}); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		e.t.Fatalf("issue: %v", err)
	}
}

// wsStoreSeqs lists the committed sequences after since, from the store.
func (e *apiEnv) wsStoreSeqs(since uint64) []uint64 {
	e.t.Helper()
	evs, err := e.hall.Events(since, 1<<20)
	if err != nil {
		e.t.Fatal(err)
	}
	var seqs []uint64
	for _, ev := range evs {
		seqs = append(seqs, ev.Seq)
	}
	return seqs
}

// wsPhones numbers the phone numbers of issued tickets: one a ticket, as
// the hall limits tickets per phone and day.
var wsPhones atomic.Int64

func wsPhone() string { return fmt.Sprintf("139%08d", wsPhones.Add(1)) }

// wsPersonalRE matches a phone number or the test account number in the
// clear.
var wsPersonalRE = regexp.MustCompile(`"1[3-9][0-9]{9}"|0101234567`)

// wsNoPersonal fails when a frame shows a phone number, an account number
// or (for device topics) a tracking code in the clear.
func wsNoPersonal(t *testing.T, f wsFrame, tracking []string) {
	t.Helper()
	s := string(f.raw)
	if m := wsPersonalRE.FindString(s); m != "" {
		t.Fatalf("frame %d shows %s: %s", f.Seq, m, s)
	}
	for _, secret := range tracking {
		if secret != "" && strings.Contains(s, secret) {
			t.Fatalf("frame %d shows %q: %s", f.Seq, secret, s)
		}
	}
}

func trackingOf(ts []queue.Ticket) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Tracking)
	}
	return out
}

// TestWSSnapshotThenEvents: a display gets the snapshot, then every
// committed event in sequence order, each with the state after it, with
// personal data masked and tracking codes left out.
func TestWSSnapshotThenEvents(t *testing.T) {
	e := wsEnv(t)
	before := e.wsIssue(2)
	conn := e.wsDial("display", 0, e.device(hall.KindDisplay, 0))
	snap := wsRead(t, conn)
	_, seq0 := e.hall.Snapshot()
	if snap.Type != "snapshot" || snap.Seq != seq0 {
		t.Fatalf("first frame %s seq %d, want snapshot seq %d", snap.Type, snap.Seq, seq0)
	}
	var st queue.Snapshot
	if err := json.Unmarshal(snap.State, &st); err != nil {
		t.Fatal(err)
	}
	waitingA := -1
	for _, s := range st.Services {
		if s.Prefix == "A" {
			waitingA = s.Waiting
		}
	}
	if waitingA != 2 {
		t.Errorf("snapshot shows %d waiting for A, want 2", waitingA)
	}
	wsNoPersonal(t, snap, trackingOf(before))

	after := e.wsIssue(3)
	clerk := e.login("clerk1", 1)
	called := e.actTicket(clerk, 1, "call", nil)
	want := e.wsStoreSeqs(seq0)
	if len(want) < 4 {
		t.Fatalf("store has %d events after %d, want at least 4", len(want), seq0)
	}
	evs, _ := e.hall.Events(seq0, 100)
	for i, ws := range want {
		f := wsRead(t, conn)
		if f.Type != "event" || f.Seq != ws || f.Replay {
			t.Fatalf("frame %d: %s seq %d replay %v, want event seq %d", i, f.Type, f.Seq, f.Replay, ws)
		}
		var ev queue.Event
		if err := json.Unmarshal(f.Event, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Seq != ws || ev.Type != evs[i].Type {
			t.Errorf("frame %d carries event %d %s, want %d %s", i, ev.Seq, ev.Type, ws, evs[i].Type)
		}
		if len(f.State) == 0 || string(f.State) == "null" {
			t.Errorf("event %d has no state", ws)
		}
		wsNoPersonal(t, f, trackingOf(append(before, after...)))
		if i == len(want)-1 {
			var last queue.Snapshot
			if err := json.Unmarshal(f.State, &last); err != nil {
				t.Fatal(err)
			}
			if len(last.Recent) == 0 || last.Recent[0].Number != called.Number || last.Recent[0].Counter != 1 {
				t.Errorf("state after the call shows recent %+v, want %s at counter 1", last.Recent, called.Number)
			}
			if p := last.Recent[0].Phone; p != "" {
				t.Errorf("recent call's phone %q on the display, want none", p)
			}
		}
	}
}

// TestWSResume: a client that resumes from sequence S gets exactly the
// events committed after S (as in the store), marked as replayed, then a
// snapshot at the latest sequence; one that missed more than the replay
// window gets only a fresh snapshot.
func TestWSResume(t *testing.T) {
	e := wsEnv(t)
	display := e.device(hall.KindDisplay, 0)
	e.wsIssue(1)
	conn := e.wsDial("display", 0, display)
	s := wsRead(t, conn).Seq
	conn.Close()
	if s == 0 {
		t.Fatal("snapshot at sequence 0")
	}

	e.wsIssue(4)
	clerk := e.login("clerk2", 2)
	e.actTicket(clerk, 2, "call", nil)
	e.act(clerk, 2, "recall", nil, http.StatusOK)
	e.act(clerk, 2, "no-show", nil, http.StatusOK)
	e.act(clerk, 2, "pause", map[string]string{"reason": "午休"}, http.StatusOK)
	want := e.wsStoreSeqs(s)
	_, latest := e.hall.Snapshot()

	t.Run("missed events replayed", func(t *testing.T) {
		c := e.wsDial("display", s, display)
		for i, ws := range want {
			f := wsRead(t, c)
			if f.Type != "event" || !f.Replay || f.Seq != ws {
				t.Fatalf("replay frame %d: %s seq %d replay %v, want replayed event %d", i, f.Type, f.Seq, f.Replay, ws)
			}
			if len(f.State) != 0 {
				t.Errorf("replayed event %d carries a state", ws)
			}
			wsNoPersonal(t, f, nil)
		}
		f := wsRead(t, c)
		if f.Type != "snapshot" || f.Seq != latest {
			t.Fatalf("after the replay: %s seq %d, want snapshot %d", f.Type, f.Seq, latest)
		}
		var st queue.Snapshot
		if err := json.Unmarshal(f.State, &st); err != nil {
			t.Fatal(err)
		}
		paused := false
		for _, k := range st.Counters {
			if k.Number == 2 {
				paused = k.State == queue.Paused && k.PauseReason == "午休"
			}
		}
		if !paused {
			t.Errorf("the snapshot does not show counter 2 paused for 午休: %s", f.State)
		}
		// Live events follow the snapshot.
		e.wsIssue(1)
		if f := wsRead(t, c); f.Type != "event" || f.Replay || f.Seq != latest+1 {
			t.Errorf("live frame: %s seq %d replay %v, want event %d", f.Type, f.Seq, f.Replay, latest+1)
		}
	})

	t.Run("nothing missed", func(t *testing.T) {
		_, now := e.hall.Snapshot()
		c := e.wsDial("display", now, display)
		if f := wsRead(t, c); f.Type != "snapshot" || f.Seq != now {
			t.Errorf("first frame %s seq %d, want snapshot %d", f.Type, f.Seq, now)
		}
	})

	t.Run("too far behind", func(t *testing.T) {
		_, from := e.hall.Snapshot()
		e.wsIssueMany(1001)
		_, now := e.hall.Snapshot()
		if now-from <= 1000 {
			t.Fatalf("only %d events committed", now-from)
		}
		c := e.wsDial("display", from, display)
		if f := wsRead(t, c); f.Type != "snapshot" || f.Seq != now {
			t.Errorf("first frame %s seq %d, want snapshot %d", f.Type, f.Seq, now)
		}
	})

	t.Run("ahead of the server", func(t *testing.T) {
		_, now := e.hall.Snapshot()
		c := e.wsDial("display", now+50, display)
		if f := wsRead(t, c); f.Type != "snapshot" || f.Seq != now {
			t.Errorf("first frame %s seq %d, want snapshot %d", f.Type, f.Seq, now)
		}
	})
}

// TestWSSlowClientDropped: a client that never reads is dropped once its
// buffer is full, while the hall's commands all complete and a display that
// reads gets every event in order.
func TestWSSlowClientDropped(t *testing.T) {
	e := wsEnv(t)
	display := e.device(hall.KindDisplay, 0)
	// The slow client watches desk/1, whose frames carry the counter's whole
	// waiting list: with a few hundred tickets waiting, the socket buffers
	// fill after a few dozen frames and the hub's send buffer soon after.
	e.wsIssueMany(600)
	manager := e.login("manager", 0)
	slowDialer := &websocket.Dialer{HandshakeTimeout: 10 * time.Second,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			var d net.Dialer
			c, err := d.DialContext(ctx, network, addr)
			if err == nil {
				c.(*net.TCPConn).SetReadBuffer(16 << 10)
			}
			return c, err
		}}
	slow, status, err := e.wsTryDial(slowDialer, "desk/1", 0, manager, "")
	if err != nil {
		t.Fatalf("slow client: %v (%d)", err, status)
	}
	defer slow.Close()
	// It reads its snapshot (so it is subscribed) and nothing more.
	if f := wsRead(t, slow); f.Type != "snapshot" {
		t.Fatalf("slow client's first frame %s, want snapshot", f.Type)
	}
	fast := e.wsDial("display", 0, display)
	start := wsRead(t, fast).Seq

	// The fast client reads all the time.
	var mu sync.Mutex
	var seqs []uint64
	var fastErr error
	go func() {
		for {
			f, err := wsTryRead(fast)
			mu.Lock()
			if err != nil {
				fastErr = err
				mu.Unlock()
				return
			}
			seqs = append(seqs, f.Seq)
			mu.Unlock()
		}
	}()

	if n := e.srv.Hub().Clients(); n != 2 {
		t.Fatalf("hub has %d clients, want 2", n)
	}
	// fastAt waits until the fast client has read sequence seq: the hub
	// dispatches in order, so every client was offered every event up to
	// seq by then (the deadline only keeps a broken test from hanging).
	fastAt := func(seq uint64) {
		for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			mu.Lock()
			done := fastErr != nil || (len(seqs) > 0 && seqs[len(seqs)-1] >= seq)
			mu.Unlock()
			if done {
				return
			}
		}
	}
	issued := 0
	t0 := time.Now()
	// The slow client goes either way a stuck client goes: its send buffer
	// fills (Dropped), or its socket write passes the write deadline first
	// (which a loaded machine reaches sooner). Either way only the fast
	// client is left.
	for e.srv.Hub().Clients() > 1 && issued < 5000 {
		e.wsIssueMany(200)
		issued += 200
		_, at := e.hall.Snapshot()
		fastAt(at)
	}
	// The hub may still be working through the frames of those commands (a
	// loaded machine under -race): wait for it, bounded only as a hang guard.
	for deadline := time.Now().Add(3 * time.Minute); e.srv.Hub().Clients() > 1 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("the slow client was dropped after %d commands", issued)
	if n := e.srv.Hub().Clients(); n != 1 {
		t.Fatalf("after %d commands the hub has %d clients (dropped %d), want only the fast one", issued, n, e.srv.Hub().Dropped())
	}
	t.Logf("dropped at %v", time.Since(t0))
	// More commands after the drop still complete and reach the fast client.
	e.wsIssueMany(50)
	_, last := e.hall.Snapshot()
	want := e.wsStoreSeqs(start)
	if len(want) == 0 || want[len(want)-1] != last {
		t.Fatalf("store ends at %v, want %d", tail(want), last)
	}
	// Wait until the fast client has read the last event (the deadline only
	// keeps a broken test from hanging).
	deadline := time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		done := fastErr != nil || (len(seqs) > 0 && seqs[len(seqs)-1] >= last)
		mu.Unlock()
		if done || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("fast client caught up at %v", time.Since(t0))
	mu.Lock()
	got, err := slices.Clone(seqs), fastErr
	mu.Unlock()
	if err != nil {
		t.Fatalf("the fast client lost its connection: %v", err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("the fast client got %d events (%v … %v), want the %d in the store", len(got), head(got), tail(got), len(want))
	}
	if n := e.srv.Hub().Clients(); n != 1 {
		t.Errorf("hub has %d clients after the drop, want 1", n)
	}
	// /metrics shows the hub's count of clients dropped for being slow.
	if v, ok := e.metrics()["hallq_websocket_dropped_total"]; !ok || v != float64(e.srv.Hub().Dropped()) {
		t.Errorf("/metrics hallq_websocket_dropped_total %v (present %v), the hub dropped %d", v, ok, e.srv.Hub().Dropped())
	}

	// The slow client now reads what the network held (with a normal
	// buffer again), then the close.
	slow.NetConn().(*net.TCPConn).SetReadBuffer(4 << 20)
	got = nil
	var closeErr error
	for {
		f, err := wsTryRead(slow)
		if err != nil {
			closeErr = err
			break
		}
		got = append(got, f.Seq)
	}
	t.Logf("slow client read %d frames by %v", len(got), time.Since(t0))
	if len(got) == 0 || got[len(got)-1] >= last || got[0] <= start {
		t.Errorf("the slow client read %d frames up to %v, want fewer than all (last %d)", len(got), tail(got), last)
	}
	var ce *websocket.CloseError
	if errors.As(closeErr, &ce) {
		// 1013 when the close frame got through, 1006 when the stuck
		// write was cut off first.
		if ce.Code != websocket.CloseTryAgainLater && ce.Code != websocket.CloseAbnormalClosure {
			t.Errorf("slow client closed with %d, want %d (try again later) or 1006", ce.Code, websocket.CloseTryAgainLater)
		}
	} else if !strings.Contains(closeErr.Error(), "EOF") && !strings.Contains(closeErr.Error(), "reset") {
		t.Errorf("slow client ended with %v, want a close or EOF", closeErr)
	}
}

func head(s []uint64) []uint64 {
	if len(s) > 5 {
		return s[:5]
	}
	return s
}

func tail(s []uint64) []uint64 {
	if len(s) > 3 {
		return s[len(s)-3:]
	}
	return s
}

// TestWSOrigin: a page of another site may not open the socket; the hall's
// own page may, and so may a client that sends no Origin.
func TestWSOrigin(t *testing.T) {
	e := wsEnv(t)
	display := e.device(hall.KindDisplay, 0)
	for _, tc := range []struct {
		name, origin string
		ok           bool
	}{
		{"other site", "http://evil.example", false},
		{"other port", "http://127.0.0.1:1", false},
		{"same host", e.url, true},
		{"no origin", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, status, err := e.wsTryDial(nil, "display", 0, display, tc.origin)
			if tc.ok {
				if err != nil {
					t.Fatalf("refused: %v (%d)", err, status)
				}
				defer conn.Close()
				if f := wsRead(t, conn); f.Type != "snapshot" {
					t.Errorf("first frame %s, want snapshot", f.Type)
				}
				return
			}
			if err == nil {
				conn.Close()
				t.Fatal("upgraded, want 403")
			}
			if status != http.StatusForbidden {
				t.Errorf("status %d, want 403", status)
			}
		})
	}
}

// TestWSTopicRoles subscribes every principal to every topic: allowed ones
// upgrade and get a snapshot; others are refused before the upgrade.
func TestWSTopicRoles(t *testing.T) {
	e := wsEnv(t)
	tk := e.wsIssue(1)[0]
	type who struct {
		name string
		cred apiCred
	}
	people := map[string]apiCred{
		"clerk at 1": e.login("clerk1", 1), "clerk at 2": e.login("clerk2", 2),
		"manager": e.login("manager", 0), "admin": e.login("admin", 0),
	}
	devices := map[string]apiCred{
		"display": e.device(hall.KindDisplay, 0), "kiosk": e.kiosk(),
		"counter screen 1": e.device(hall.KindCounter, 1), "keypad 1": e.device(hall.KindKeypad, 1),
		"display by cookie": {Name: "display cookie", DeviceCookie: e.device(hall.KindDisplay, 0).Bearer},
	}
	all := map[string]apiCred{"anonymous": apiAnon}
	for k, v := range people {
		all[k] = v
	}
	for k, v := range devices {
		all[k] = v
	}
	const ok = http.StatusSwitchingProtocols
	// allowed[topic] lists who may subscribe; everyone else gets 401
	// (anonymous) or 403.
	allowed := map[string][]string{
		"display":   {"clerk at 1", "clerk at 2", "manager", "admin", "display", "kiosk", "counter screen 1", "keypad 1", "display by cookie"},
		"counter/1": {"clerk at 1", "clerk at 2", "manager", "admin", "counter screen 1"},
		"counter/2": {"clerk at 1", "clerk at 2", "manager", "admin"},
		"keypad/1":  {"clerk at 1", "clerk at 2", "manager", "admin", "keypad 1"},
		"desk/1":    {"clerk at 1", "manager", "admin"},
		"desk/2":    {"clerk at 2", "manager", "admin"},
		"monitor":   {"manager", "admin"},
		"ticket/" + tk.Tracking: {"anonymous", "clerk at 1", "clerk at 2", "manager", "admin", "display", "kiosk",
			"counter screen 1", "keypad 1", "display by cookie"},
	}
	for topic, names := range allowed {
		for name, cred := range all {
			want := http.StatusForbidden
			if name == "anonymous" {
				want = http.StatusUnauthorized
			}
			for _, n := range names {
				if n == name {
					want = ok
				}
			}
			t.Run(topic+" as "+name, func(t *testing.T) {
				conn, status, err := e.wsTryDial(nil, topic, 0, cred, "")
				if want == ok {
					if err != nil {
						t.Fatalf("refused with %d (%v), want allowed", status, err)
					}
					defer conn.Close()
					f := wsRead(t, conn)
					if f.Type != "snapshot" {
						t.Fatalf("first frame %s, want snapshot", f.Type)
					}
					if !strings.HasPrefix(topic, "desk/") && topic != "monitor" && !strings.HasPrefix(topic, "ticket/") {
						wsNoPersonal(t, f, []string{tk.Tracking})
					}
					return
				}
				if err == nil {
					conn.Close()
					t.Fatalf("upgraded, want %d", want)
				}
				if status != want {
					t.Errorf("status %d, want %d", status, want)
				}
			})
		}
	}
	for _, topic := range []string{"", "nope", "counter/0", "counter/x", "desk/", "monitor/1", "ticket/NOSUCHCODE"} {
		t.Run("unknown "+topic, func(t *testing.T) {
			_, status, err := e.wsTryDial(nil, topic, 0, people["manager"], "")
			if err == nil || status != http.StatusNotFound {
				t.Errorf("topic %q: status %d (%v), want 404", topic, status, err)
			}
		})
	}
	t.Run("bad since", func(t *testing.T) {
		u := e.wsURL("display", 0) + "&since=-1"
		_, res, err := websocket.DefaultDialer.Dial(u, wsHeader(devices["display"], ""))
		if err == nil || res == nil || res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("since=-1: %v, want 422", err)
		}
	})
}

// TestWSDeskAndTicketTopics: a desk gets its counter's waiting list; a
// ticket's tracking page gets only its own ticket, without personal data,
// and events only about it.
func TestWSDeskAndTicketTopics(t *testing.T) {
	e := wsEnv(t)
	tks := e.wsIssue(3)
	mine := tks[2]
	clerk := e.login("clerk1", 1)
	desk := e.wsDial("desk/1", 0, clerk)
	f := wsRead(t, desk)
	var ds struct {
		Waiting []queue.Ticket `json:"waiting"`
	}
	if err := json.Unmarshal(f.State, &ds); err != nil {
		t.Fatal(err)
	}
	if len(ds.Waiting) != 3 || ds.Waiting[0].ID != tks[0].ID || !strings.HasPrefix(ds.Waiting[0].Phone, "139****") || ds.Waiting[0].Account != "******4567" {
		t.Fatalf("desk waiting list %+v, want the 3 tickets in order, masked", ds.Waiting)
	}

	track := e.wsDial("ticket/"+mine.Tracking, 0, apiAnon)
	f = wsRead(t, track)
	var tt queue.Ticket
	if err := json.Unmarshal(f.State, &tt); err != nil {
		t.Fatal(err)
	}
	if f.Type != "snapshot" || tt.ID != mine.ID || tt.Ahead != 2 || tt.Phone != "" || tt.Account != "" {
		t.Fatalf("tracking snapshot %s %+v, want ticket %d with 2 ahead and nothing personal", f.Type, tt, mine.ID)
	}

	e.actTicket(clerk, 1, "call", nil) // the first ticket: mine moves up
	f = wsRead(t, desk)
	if err := json.Unmarshal(f.State, &ds); err != nil || len(ds.Waiting) != 2 {
		t.Fatalf("desk after the call: %v %s", err, f.State)
	}
	f = wsRead(t, track)
	if err := json.Unmarshal(f.State, &tt); err != nil {
		t.Fatal(err)
	}
	if len(f.Event) != 0 || tt.Ahead != 1 {
		t.Errorf("tracking after another's call: event %s, ahead %d; want no event, 1 ahead", f.Event, tt.Ahead)
	}
	e.act(clerk, 1, "recall", nil, http.StatusOK)
	e.act(clerk, 1, "no-show", nil, http.StatusOK)
	e.actTicket(clerk, 1, "call", nil)
	e.act(clerk, 1, "recall", nil, http.StatusOK)
	e.act(clerk, 1, "no-show", nil, http.StatusOK)
	// Frames follow the place and the estimate (a recall restarts the
	// counter's clock): read on until ahead 0.
	for tt.Ahead != 0 {
		f = wsRead(t, track)
		if err := json.Unmarshal(f.State, &tt); err != nil || len(f.Event) != 0 {
			t.Fatalf("tracking: %v, event %s while others are called", err, f.Event)
		}
	}
	called := e.actTicket(clerk, 1, "call", nil)
	if called.ID != mine.ID {
		t.Fatalf("called %d, want %d", called.ID, mine.ID)
	}
	// (Frames of the estimate may come first.)
	for f = wsRead(t, track); len(f.Event) == 0 && strings.Contains(string(f.State), `"status":"waiting"`); f = wsRead(t, track) {
	}
	var ev map[string]any
	if err := json.Unmarshal(f.Event, &ev); err != nil {
		t.Fatalf("the call of my ticket has no event: %s", f.raw)
	}
	if ev["type"] != queue.EvCalled || ev["counter"] != float64(1) || ev["actor"] != nil || ev["tickets"] != nil {
		t.Errorf("tracking event %v, want ticket_called at counter 1 without actor or tickets", ev)
	}
	if err := json.Unmarshal(f.State, &tt); err != nil || tt.Status != queue.Called || tt.Clerk != "" {
		t.Errorf("tracking state %+v, want called without the clerk's account", tt)
	}
	for _, other := range tks[:2] {
		if strings.Contains(string(f.raw), other.Number) && other.Number != mine.Number {
			t.Errorf("tracking frame shows another ticket %s: %s", other.Number, f.raw)
		}
	}
	wsNoPersonal(t, f, nil)
}

// TestWSKeepalive: the server pings; a client that answers stays, one that
// never answers is dropped after the pong deadline.
func TestWSKeepalive(t *testing.T) {
	e := wsEnv(t)
	e.srv.Hub().SetKeepalive(50*time.Millisecond, 400*time.Millisecond)
	display := e.device(hall.KindDisplay, 0)

	good := e.wsDial("display", 0, display)
	pings := make(chan struct{}, 100)
	good.SetPingHandler(func(data string) error {
		select {
		case pings <- struct{}{}:
		default:
		}
		return good.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	mute := e.wsDial("display", 0, display)
	mute.SetPingHandler(func(string) error { return nil }) // never pongs

	muteErr := make(chan error, 1)
	go func() {
		for {
			if _, err := wsTryRead(mute); err != nil {
				muteErr <- err
				return
			}
		}
	}()
	goodErr := make(chan error, 1)
	go func() {
		for {
			if _, err := wsTryRead(good); err != nil {
				goodErr <- err
				return
			}
		}
	}()
	select {
	case err := <-muteErr:
		if strings.Contains(err.Error(), "timeout") {
			t.Fatalf("the mute client was not dropped: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the mute client was not dropped")
	}
	n := 0
	for n < 10 {
		select {
		case <-pings:
			n++
		case err := <-goodErr:
			t.Fatalf("the answering client lost its connection: %v", err)
		case <-time.After(15 * time.Second):
			t.Fatalf("only %d pings", n)
		}
	}
	if c := e.srv.Hub().Clients(); c != 1 {
		t.Errorf("hub has %d clients, want the answering one", c)
	}
}

// TestWSHeartbeat: the server sends application-level heartbeat frames
// (which page scripts see, unlike pings); a client that heartbeats and then
// falls silent is dropped with 1013 "heartbeat missed" although it still
// answers pings; a client that keeps answering stays.
func TestWSHeartbeat(t *testing.T) {
	e := wsEnv(t)
	display := e.device(hall.KindDisplay, 0)
	beat := func(c *websocket.Conn) error {
		return c.WriteMessage(websocket.TextMessage, []byte(`{"type":"heartbeat"}`))
	}

	t.Run("sent", func(t *testing.T) {
		e.srv.Hub().SetHeartbeat(30*time.Millisecond, time.Minute)
		c := e.wsDial("display", 0, display)
		if f := wsRead(t, c); f.Type != "snapshot" {
			t.Fatalf("first frame %s, want snapshot", f.Type)
		}
		for n := 0; n < 3; {
			f, err := wsTryReadAny(c)
			if err != nil {
				t.Fatalf("after %d heartbeats: %v", n, err)
			}
			if f.Type != "heartbeat" {
				continue // an event
			}
			var hb struct {
				IntervalMS int `json:"interval_ms"`
			}
			if err := json.Unmarshal(f.raw, &hb); err != nil || hb.IntervalMS != 30 {
				t.Fatalf("heartbeat %s: interval_ms %d, want 30 (%v)", f.raw, hb.IntervalMS, err)
			}
			n++
		}
	})

	t.Run("silent client dropped", func(t *testing.T) {
		// Pings every 10 ms, answered by the client's reads: only the
		// missing heartbeats can end it.
		e.srv.Hub().SetKeepalive(10*time.Millisecond, time.Minute)
		e.srv.Hub().SetHeartbeat(20*time.Millisecond, 300*time.Millisecond)
		t.Cleanup(func() { e.srv.Hub().SetKeepalive(20*time.Second, time.Minute) })
		c := e.wsDial("display", 0, display)
		if err := beat(c); err != nil {
			t.Fatal(err)
		}
		for {
			_, err := wsTryReadAny(c)
			if err == nil {
				continue
			}
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != websocket.CloseTryAgainLater || ce.Text != "heartbeat missed" {
				t.Fatalf("the silent client ended with %v, want close 1013 \"heartbeat missed\"", err)
			}
			return
		}
	})

	t.Run("answering client stays", func(t *testing.T) {
		e.srv.Hub().SetHeartbeat(10*time.Millisecond, time.Second)
		c := e.wsDial("display", 0, display)
		for n := 0; n < 300; { // three times the wait
			f, err := wsTryReadAny(c)
			if err != nil {
				t.Fatalf("the answering client lost its link after %d heartbeats: %v", n, err)
			}
			if f.Type == "heartbeat" {
				n++
				if err := beat(c); err != nil {
					t.Fatalf("heartbeat %d: %v", n, err)
				}
			}
		}
	})
}
