package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"hallq/internal/livetest"
	"hallq/queue"
)

// drillDisplays is how many display screens follow the hall in TestCrash.
const drillDisplays = 4

// drillReplayWindow is the server's replay window (docs/websocket.md): a
// client that missed more gets a fresh snapshot without the events.
const drillReplayWindow = 1000

// freeAddr returns a loopback address with a port free now, below the
// usual ephemeral range (32768 and up on Linux): while the server is down
// between rounds, no outgoing connection or other ":0" listener is given
// its port by the kernel.
func freeAddr(t testing.TB) string {
	t.Helper()
	for range 100 {
		addr := fmt.Sprintf("127.0.0.1:%d", 20000+rand.IntN(12000))
		ln, err := net.Listen("tcp", addr)
		if err == nil {
			ln.Close()
			return addr
		}
	}
	t.Fatal("no free port between 20000 and 32000")
	return ""
}

// drillFrame is a server → client websocket frame (docs/websocket.md).
type drillFrame struct {
	Type  string `json:"type"`
	Seq   uint64 `json:"seq"`
	Event *struct {
		Seq  uint64 `json:"seq"`
		Type string `json:"type"`
	} `json:"event"`
	State  json.RawMessage `json:"state"`
	Replay bool            `json:"replay"`
}

// drillDisplay is a display screen's live connection as the page keeps it
// (assets/js/live.js): /ws?topic=display with the display's device token,
// reconnecting with back-off after the connection ends and resuming with
// since= the last sequence it saw. Its state is only what the frames said:
// a snapshot's state, then each event's. The back-off is shorter than the
// page's (20 ms doubling to 400 ms, not 1 s to 30 s) to keep the drill
// short.
type drillDisplay struct {
	id    int
	url   string
	token string

	stop chan struct{}
	done chan struct{}

	mu       sync.Mutex
	conn     *websocket.Conn
	closed   bool
	synced   bool            // a snapshot came
	seq      uint64          // the last sequence seen
	first    uint64          // the sequence of the first snapshot
	state    json.RawMessage // the state last received…
	stateSeq uint64          // …and its sequence
	seen     map[uint64]string
	skipped  [][2]uint64 // (from, to]: missed beyond the replay window
	conns    int
	frames   int
	errs     []string
}

func startDrillDisplay(id int, addr, token string) *drillDisplay {
	d := &drillDisplay{id: id, url: "ws://" + addr + "/ws?topic=display", token: token,
		stop: make(chan struct{}), done: make(chan struct{}), seen: map[uint64]string{}}
	go d.run()
	return d
}

// close ends the display and waits for it.
func (d *drillDisplay) close() {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		<-d.done
		return
	}
	d.closed = true
	close(d.stop)
	if d.conn != nil {
		d.conn.Close()
	}
	d.mu.Unlock()
	<-d.done
}

func (d *drillDisplay) fail(format string, args ...any) {
	d.errs = append(d.errs, fmt.Sprintf("display %d: ", d.id)+fmt.Sprintf(format, args...))
}

func (d *drillDisplay) run() {
	defer close(d.done)
	dialer := &websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	hdr := http.Header{"Authorization": {"Bearer " + d.token}}
	wait := 20 * time.Millisecond
	for {
		d.mu.Lock()
		since := d.seq
		d.mu.Unlock()
		u := d.url
		if since > 0 {
			u += fmt.Sprintf("&since=%d", since)
		}
		conn, res, err := dialer.Dial(u, hdr)
		if err == nil {
			d.mu.Lock()
			if d.closed {
				d.mu.Unlock()
				conn.Close()
				return
			}
			d.conn = conn
			d.conns++
			d.mu.Unlock()
			wait = 20 * time.Millisecond
			d.follow(conn, since)
			conn.Close()
		} else if res != nil && res.StatusCode != http.StatusSwitchingProtocols {
			d.mu.Lock()
			d.fail("refused with %d", res.StatusCode)
			d.mu.Unlock()
		}
		jitter := time.Duration(rand.Int64N(int64(wait) / 2))
		select {
		case <-d.stop:
			return
		case <-time.After(wait + jitter):
		}
		wait = min(2*wait, 400*time.Millisecond)
	}
}

// follow reads one connection's frames until it ends, checking the order:
// after since, the missed events one by one (replayed), then a snapshot,
// then each event once, in sequence.
func (d *drillDisplay) follow(conn *websocket.Conn, since uint64) {
	for {
		conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		_, msg, err := conn.ReadMessage()
		if err != nil {
			return
		}
		var f drillFrame
		if err := json.Unmarshal(msg, &f); err != nil {
			d.mu.Lock()
			d.fail("unreadable frame %.200s: %v", msg, err)
			d.mu.Unlock()
			return
		}
		if f.Type == "heartbeat" {
			continue // keepalive, no state
		}
		d.mu.Lock()
		d.frames++
		switch f.Type {
		case "snapshot":
			switch {
			case f.Seq < d.seq:
				d.fail("saw event %d, but the server's snapshot is at %d: a shown event was lost", d.seq, f.Seq)
			case !d.synced:
				d.first = f.Seq
			case f.Seq > d.seq && (since == 0 || f.Seq-since > drillReplayWindow):
				// Not resumed (since=0 is not sent) or too far behind:
				// the server rightly sends just the state.
				d.skipped = append(d.skipped, [2]uint64{d.seq, f.Seq})
			case f.Seq > d.seq:
				d.fail("resumed with since=%d; snapshot %d came after event %d without the events between", since, f.Seq, d.seq)
			}
			d.seq, d.state, d.stateSeq, d.synced = f.Seq, f.State, f.Seq, true
		case "event":
			switch {
			case f.Event == nil || f.Event.Seq != f.Seq:
				d.fail("event frame %d without its event: %.200s", f.Seq, msg)
			case !d.synced && !f.Replay:
				d.fail("event %d before any snapshot", f.Seq)
			case f.Seq <= d.seq:
				d.fail("event %d (%s) again after %d", f.Seq, f.Event.Type, d.seq)
			case f.Seq != d.seq+1:
				d.fail("event %d (%s) after %d: events missed", f.Seq, f.Event.Type, d.seq)
			}
			if f.Event != nil && f.Seq > d.seq {
				d.seen[f.Seq] = f.Event.Type
				d.seq = f.Seq
				if !f.Replay {
					// The state after it, from its delta (or its whole
					// state), as a display page rebuilds it.
					st, _, ok, err := livetest.Apply(d.state, d.stateSeq, msg)
					if err != nil || !ok {
						d.fail("live event %d does not apply to the state at %d (ok %v, %v)", f.Seq, d.stateSeq, ok, err)
					} else {
						d.state, d.stateSeq = st, f.Seq
					}
				}
			}
		default:
			d.fail("unknown frame type %q", f.Type)
		}
		d.mu.Unlock()
	}
}

// drillViewOf is what a display shows of a snapshot, without the figures
// that move with the clock (estimated and longest waits, open): the day,
// waiting per service, each counter with its clerk and ticket, the last
// calls.
func drillViewOf(s queue.Snapshot) string {
	var b strings.Builder
	fmt.Fprintf(&b, "day %s\n", s.Day)
	for _, sv := range s.Services {
		fmt.Fprintf(&b, "waiting %s %d\n", sv.Prefix, sv.Waiting)
	}
	for _, k := range s.Counters {
		tk := "-"
		if k.Ticket != nil {
			tk = k.Ticket.Number + " " + string(k.Ticket.Status)
		}
		fmt.Fprintf(&b, "counter %d %s %s served %d: %s\n", k.Number, k.State, k.ClerkName, k.ServedToday, tk)
	}
	for _, r := range s.Recent {
		fmt.Fprintf(&b, "recent %s %d %s\n", r.Number, r.Counter, r.Status)
	}
	return b.String()
}

// drillConverge waits until every display has reached the server's current
// sequence and checks that its state then equals the server's snapshot
// (GET /api/v1/queue with the display's token). It returns the view.
func drillConverge(t *testing.T, child *crashChild, displays []*drillDisplay, when string) string {
	t.Helper()
	api := newCrashClient(child.url, displays[0].token)
	deadline := time.Now().Add(20 * time.Second)
	for {
		status, body, err := api.get("/api/v1/queue")
		var q struct {
			Seq uint64 `json:"seq"`
			queue.Snapshot
		}
		if err != nil || status != http.StatusOK || json.Unmarshal(body, &q) != nil || q.Seq == 0 {
			t.Fatalf("%s: GET /api/v1/queue: %d %.300s %v", when, status, body, err)
		}
		want := drillViewOf(q.Snapshot)
		behind := ""
		for _, d := range displays {
			d.mu.Lock()
			seq, state, stateSeq, errs := d.seq, d.state, d.stateSeq, d.errs
			d.mu.Unlock()
			if len(errs) > 0 {
				t.Fatalf("%s: %s", when, strings.Join(errs, "\n"))
			}
			if seq != q.Seq || stateSeq != q.Seq {
				behind += fmt.Sprintf(" display %d at %d (state %d);", d.id, seq, stateSeq)
				continue
			}
			var snap queue.Snapshot
			if err := json.Unmarshal(state, &snap); err != nil {
				t.Fatalf("%s: display %d state %.300s: %v", when, d.id, state, err)
			}
			if got := drillViewOf(snap); got != want {
				t.Fatalf("%s: display %d at sequence %d shows\n%s\nbut the server's snapshot is\n%s", when, d.id, seq, got, want)
			}
		}
		if behind == "" {
			return want
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the server is at sequence %d; after 20 s%s", when, q.Seq, behind)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// drillCheckDisplays checks the events each (closed) display saw against
// the event log's types (index seq-1): from its first snapshot to the end of
// the log, every event once and of the log's type, except what it missed
// beyond the replay window.
func drillCheckDisplays(t *testing.T, displays []*drillDisplay, types []string) {
	t.Helper()
	for _, d := range displays {
		d.mu.Lock()
		for _, e := range d.errs {
			t.Error(e)
		}
		if d.seq != uint64(len(types)) {
			t.Errorf("display %d ended at sequence %d; the log at %d", d.id, d.seq, len(types))
		}
		missing := 0
		for seq := d.first + 1; seq <= uint64(len(types)); seq++ {
			typ, ok := d.seen[seq]
			if !ok {
				inSkip := false
				for _, s := range d.skipped {
					inSkip = inSkip || (seq > s[0] && seq <= s[1])
				}
				if !inSkip {
					missing++
				}
				continue
			}
			if typ != types[seq-1] {
				t.Errorf("display %d saw event %d as %s; the log has %s", d.id, seq, typ, types[seq-1])
			}
		}
		if missing > 0 {
			t.Errorf("display %d missed %d events between %d and %d", d.id, missing, d.first, len(types))
		}
		t.Logf("display %d: %d connections, %d frames, events %d–%d, %d skips past the replay window",
			d.id, d.conns, d.frames, d.first+1, d.seq, len(d.skipped))
		d.mu.Unlock()
	}
}
