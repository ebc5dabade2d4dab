package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fasthttp/websocket"
	cws "github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"

	"hallq/hall"
	"hallq/privacy"
	"hallq/queue"
)

// Topic kinds.
const (
	topicDisplay = "display"
	topicCounter = "counter"
	topicKeypad  = "keypad"
	topicDesk    = "desk"
	topicMonitor = "monitor"
	topicTicket  = "ticket"
)

// Close codes the hub sends.
const (
	wsGoingAway = websocket.CloseGoingAway         // 1001: the server stops
	wsTryAgain  = websocket.CloseTryAgainLater     // 1013: too slow, reconnect
	wsInternal  = websocket.CloseInternalServerErr // 1011
	wsRevoked   = websocket.ClosePolicyViolation   // 1008: the credential ended (revoked, disabled, demoted)
)

// wsTopic is a parsed topic: display, counter/N, keypad/N, desk/N, monitor
// or ticket/CODE.
type wsTopic struct {
	Kind    string
	Counter int
	Code    string
}

func (t wsTopic) String() string {
	switch t.Kind {
	case topicCounter, topicKeypad, topicDesk:
		return fmt.Sprintf("%s/%d", t.Kind, t.Counter)
	case topicTicket:
		return topicTicket + "/" + t.Code
	}
	return t.Kind
}

// frameKey names the frame clients of the topic share: every device topic
// shows the same public frame.
func (t wsTopic) frameKey() string {
	switch t.Kind {
	case topicDisplay, topicCounter, topicKeypad:
		return "public"
	}
	return t.String()
}

// parseTopic reads a topic; an unknown one is ENOTFOUND.
func parseTopic(s string) (wsTopic, error) {
	kind, arg, hasArg := strings.Cut(s, "/")
	bad := queue.Err(queue.ENOTFOUND, "err.web.unknown_topic_display_counter_n", s, s)
	switch kind {
	case topicDisplay, topicMonitor:
		if hasArg {
			return wsTopic{}, bad
		}
		return wsTopic{Kind: kind}, nil
	case topicCounter, topicKeypad, topicDesk:
		n, err := strconv.Atoi(arg)
		if err != nil || n <= 0 || n > 9999 || strconv.Itoa(n) != arg {
			return wsTopic{}, bad
		}
		return wsTopic{Kind: kind, Counter: n}, nil
	case topicTicket:
		if arg == "" || len(arg) > 64 {
			return wsTopic{}, bad
		}
		return wsTopic{Kind: kind, Code: arg}, nil
	}
	return wsTopic{}, bad
}

// mayWatch checks that p may subscribe to t: ticket/CODE is public; display
// is for every paired device and person; counter/N and keypad/N for that
// counter's device and people; desk/N for whoever may operate counter N
// (its clerk, managers, admins); monitor for managers and admins.
func (s *Server) mayWatch(p hall.Principal, t wsTopic) error {
	if t.Kind == topicTicket {
		return nil
	}
	if p.Kind == "" {
		return queue.Err(queue.EUNAUTHORIZED, "err.web.sign_in_or_pair_this")
	}
	person := p.Kind == "user" && slices.Contains(People, p.Role)
	forbidden := queue.Err(queue.EFORBIDDEN, "err.web.you_may_not_watch", t, t)
	switch t.Kind {
	case topicDisplay:
		if person || (p.Kind == "device" && slices.Contains(Devices, p.Role)) {
			return nil
		}
	case topicCounter, topicKeypad:
		if person || (p.Kind == "device" && p.Role == t.Kind && p.Counter == t.Counter) {
			return nil
		}
	case topicDesk:
		if err := s.hall.MayOperate(p, t.Counter); err != nil {
			return err
		}
		return nil
	case topicMonitor:
		if p.Staff() {
			return nil
		}
	}
	return forbidden
}

// wsOriginOK accepts a websocket whose page came from this host (or one of
// Options.Origins). Browsers always send Origin on websockets and pages of
// other sites cannot forge it; clients that send none are not browsers and
// carry no ambient cookie of a victim.
func (s *Server) wsOriginOK(c *fiber.Ctx) bool {
	o := c.Get(fiber.HeaderOrigin)
	if o == "" {
		return true
	}
	if slices.Contains(s.opt.Origins, o) {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && strings.EqualFold(u.Host, c.Hostname())
}

const wsLocal = "hallq.ws"

// wsRequest is a checked subscription request, handed to the upgraded
// connection.
type wsRequest struct {
	topic  wsTopic
	since  uint64
	ticket queue.Ticket // ticket/CODE: the stored ticket of the code
	who    hall.Principal
	at     time.Time // when the request was authenticated
}

// ws: GET /ws?topic=TOPIC&since=SEQ&epoch=E upgrades to a websocket
// (docs/websocket.md). A since of another epoch than the store's replays
// nothing: the client gets the snapshot; every frame names the epoch.
// Refusals come before the upgrade, as JSON: 404 unknown topic or tracking code, 401 anonymous, 403 not allowed on the
// topic or another site's page, 422 bad since, 400 not a websocket request.
func (s *Server) ws(c *fiber.Ctx) error {
	t, err := parseTopic(c.Query("topic"))
	if err != nil {
		return err
	}
	if err := s.mayWatch(principal(c), t); err != nil {
		return err
	}
	since, err := parseSince(c)
	if err != nil {
		return err
	}
	if e := c.Query("epoch"); e != "" && e != s.hall.Epoch() {
		since = 0 // another history: nothing to replay, the snapshot is the truth
	}
	if !s.wsOriginOK(c) {
		return queue.Err(queue.EFORBIDDEN, "err.web.websocket_from_another_site_refused")
	}
	// The principal was authenticated a moment ago (a second is ample): a
	// revocation since then closes the connection as soon as it registers.
	req := &wsRequest{topic: t, since: since, who: principal(c), at: time.Now().Add(-time.Second)}
	if t.Kind == topicTicket {
		// A ticket's code, or the code of a work order or an approval
		// (which may have no ticket: the page then hears of its events).
		v, err := s.casework.TrackCase(t.Code)
		if err != nil {
			return err
		}
		if v.Ticket != nil {
			req.ticket = *v.Ticket
		}
	}
	if !cws.IsWebSocketUpgrade(c) {
		return queue.Err(queue.EBADREQUEST, "err.web.connect_with_a_websocket")
	}
	c.Locals(wsLocal, req)
	return s.hub.upgrade(c)
}

// upgrader is the contrib websocket handler. Origins stay "*" there: the
// allowed origin depends on the request's host, checked in ws before.
func (h *Hub) upgrader() fiber.Handler {
	return cws.New(func(conn *cws.Conn) {
		req, _ := conn.Locals(wsLocal).(*wsRequest)
		if req == nil {
			return
		}
		h.serve(conn.Conn, req)
	}, cws.Config{
		Origins:          []string{"*"},
		HandshakeTimeout: 10 * time.Second,
		RecoverHandler: func(conn *cws.Conn) {
			if r := recover(); r != nil {
				h.log.Error("websocket handler panic", "panic", r, "stack", string(debug.Stack()))
				conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(wsInternal, "internal error"), time.Now().Add(time.Second))
			}
		},
	})
}

// wsClient is one connection.
type wsClient struct {
	topic    wsTopic
	ticketID uint64
	who      hall.Principal // who connected; closed when its credential ends
	send     chan []byte
	// after is the sequence of the state the client started from; set
	// before the client is registered, read-only afterwards.
	after uint64
	// lastTrack is the ticket state last sent to a ticket/CODE client (hub
	// goroutine only after registration).
	lastTrack []byte

	quit    chan struct{}
	mu      sync.Mutex // guards the fields below and the conn's write deadline
	stopped bool
	code    int
	reason  string
	conn    *websocket.Conn // nil once the handler returned
}

// stop ends the client: its write loop sends a close frame (code, reason)
// and returns. A slow client's pending write is cut short at once.
func (c *wsClient) stop(code int, reason string, slow bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return
	}
	c.stopped, c.code, c.reason = true, code, reason
	close(c.quit)
	if slow && c.conn != nil {
		c.conn.NetConn().SetWriteDeadline(time.Now())
	}
}

// armWrite sets the write deadline for the next write unless the client was
// stopped (then false), so a stop's deadline is never overwritten.
func (c *wsClient) armWrite(ws *websocket.Conn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return false
	}
	ws.SetWriteDeadline(time.Now().Add(wsWriteWait))
	return true
}

// serve runs one connection for the life of the handler: it subscribes,
// writes the first frames, then the client's frames and pings, while a
// goroutine reads (pongs, close) until the connection ends.
func (h *Hub) serve(ws *websocket.Conn, req *wsRequest) {
	c := &wsClient{topic: req.topic, ticketID: req.ticket.ID, who: req.who, send: make(chan []byte, wsSendBuffer),
		quit: make(chan struct{}), conn: ws}
	defer func() {
		c.mu.Lock()
		c.conn = nil
		c.mu.Unlock()
	}()
	first, err := h.subscribe(c, req.since, req.ticket)
	if err != nil {
		ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(wsGoingAway, "server stopping"), time.Now().Add(time.Second))
		return
	}
	defer func() {
		h.remove(c)
		c.stop(websocket.CloseNormalClosure, "", false)
	}()
	// Authenticated before a revocation that came before it registered:
	// the revocation did not see it, so it ends here.
	if req.who.Kind != "" && h.revokedSince(req.who, req.at) {
		c.stop(wsRevoked, "credential revoked", false)
		ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(wsRevoked, "credential revoked"), time.Now().Add(time.Second))
		return
	}

	rd := readClient(ws, time.Duration(h.pongWait.Load()), time.Duration(h.hbWait.Load()))
	// The reader must be gone before the handler returns: the connection
	// is pooled and reused afterwards. (Close is a no-op on a hijacked
	// fasthttp connection, which fasthttp closes once the handler returns;
	// an expired deadline ends the read.)
	defer func() {
		ws.NetConn().SetReadDeadline(time.Now())
		<-rd.done
	}()

	for _, f := range first {
		if !c.armWrite(ws) || ws.WriteMessage(websocket.TextMessage, f) != nil {
			return
		}
	}
	h.write(c, ws, rd)
}

// wsReader reads a client's frames (pongs, heartbeats, close) in its own
// goroutine and keeps the read deadline: until the client sends its first
// heartbeat any frame, pongs included, shows it is alive; from then on only
// heartbeats do (a page whose script stopped still answers pings).
type wsReader struct {
	done   chan struct{} // closed when the reader has ended
	silent bool          // read once done: the client's heartbeats stopped
}

// readClient starts the reader of ws.
func readClient(ws *websocket.Conn, pongWait, hbWait time.Duration) *wsReader {
	rd := &wsReader{done: make(chan struct{})}
	ws.SetReadLimit(wsReadLimit)
	var heartbeats bool // the reader goroutine's (the pong handler runs in it)
	ws.SetReadDeadline(time.Now().Add(pongWait))
	ws.SetPongHandler(func(string) error {
		if heartbeats {
			return nil
		}
		return ws.SetReadDeadline(time.Now().Add(pongWait))
	})
	go func() {
		defer close(rd.done)
		for {
			typ, msg, err := ws.ReadMessage()
			if err != nil {
				rd.silent = heartbeats && isTimeout(err)
				return
			}
			switch {
			case typ == websocket.TextMessage && isHeartbeat(msg):
				heartbeats = true
				ws.SetReadDeadline(time.Now().Add(hbWait))
			case !heartbeats:
				ws.SetReadDeadline(time.Now().Add(pongWait))
			}
		}
	}()
	return rd
}

// write sends c's frames, pings and heartbeats on ws until c is stopped
// (with its close code), a write fails or times out (a slow client, dropped),
// or the reader ends (with a close frame if the heartbeats stopped).
func (h *Hub) write(c *wsClient, ws *websocket.Conn, rd *wsReader) {
	hbEvery := time.Duration(h.hbEvery.Load())
	ping := time.NewTicker(time.Duration(h.pingEvery.Load()))
	defer ping.Stop()
	beat := time.NewTicker(hbEvery)
	defer beat.Stop()
	heartbeat := []byte(fmt.Sprintf(`{"type":"heartbeat","interval_ms":%d}`, hbEvery.Milliseconds()))
	for {
		select {
		case msg := <-c.send:
			if !c.armWrite(ws) {
				return
			}
			if err := ws.WriteMessage(websocket.TextMessage, msg); err != nil {
				// A client that took no frame for wsWriteWait is as slow
				// as one whose buffer filled: count it so.
				var ne interface{ Timeout() bool }
				if errors.As(err, &ne) && ne.Timeout() && h.remove(c) {
					h.drops.Add(1)
					h.log.Info("websocket client dropped: too slow (write timed out)", "topic", c.topic.String())
				}
				return
			}
		case <-ping.C:
			if ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(wsWriteWait)) != nil {
				return
			}
		case <-beat.C:
			if !c.armWrite(ws) || ws.WriteMessage(websocket.TextMessage, heartbeat) != nil {
				return
			}
		case <-c.quit:
			c.mu.Lock()
			code, reason := c.code, c.reason
			c.mu.Unlock()
			ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
			return
		case <-rd.done:
			if rd.silent { // its heartbeats stopped: tell it, if it still listens
				ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(wsTryAgain, "heartbeat missed"), time.Now().Add(time.Second))
			}
			return
		}
	}
}

// isHeartbeat reports whether a client's text frame is a heartbeat,
// {"type":"heartbeat"}; clients send nothing else.
func isHeartbeat(msg []byte) bool {
	var f struct {
		Type string `json:"type"`
	}
	return json.Unmarshal(msg, &f) == nil && f.Type == "heartbeat"
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// subscribe registers c consistently with the hall's state: inside
// hall.Read it takes the state and its sequence S and joins the client set,
// so every event after S reaches c and none before. It returns the first
// frames: the events missed since `since` (when at most wsReplayWindow),
// then the snapshot.
func (h *Hub) subscribe(c *wsClient, since uint64, stored queue.Ticket) ([][]byte, error) {
	var (
		snap    queue.Snapshot
		waiting []queue.Ticket
		seq     uint64
		closed  bool
	)
	now := h.hall.Now()
	h.hall.Read(func(v *queue.Engine, s uint64) {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.closed {
			closed = true
			return
		}
		seq = s
		switch c.topic.Kind {
		case topicDesk:
			waiting = v.WaitingFor(c.topic.Counter, now)
			snap = v.Snapshot(now)
		case topicTicket:
			// Not in today's queue: the stored ticket as it ended.
			track, live := liveTicket(v, c.ticketID, now)
			if !live {
				track = stored
			}
			c.lastTrack, _ = json.Marshal(privacy.Ticket(track, privacy.Holder))
		default:
			snap = v.Snapshot(now)
		}
		c.after = seq
		h.clients[c] = struct{}{}
		h.count.Add(1)
		h.seen.note(c, 1)
		h.imu.Lock()
		switch c.topic.Kind {
		case topicDesk:
			h.desks[c.topic.Counter]++
		case topicTicket:
			h.tracked[c.ticketID]++
		}
		h.imu.Unlock()
	})
	if closed {
		return nil, queue.Err(queue.ECLOSED, "err.web.the_server_is_stopping")
	}

	var first [][]byte
	if since > 0 && since < seq && seq-since <= wsReplayWindow {
		first = h.replay(c, since, seq)
	}
	f := wsFrame{Type: "snapshot", Seq: seq}
	switch c.topic.Kind {
	case topicDesk:
		f.State = deskState{Snapshot: privacy.Snapshot(snap, privacy.Staff), Waiting: privacy.Tickets(waiting, privacy.Staff)}
	case topicMonitor:
		f.State = privacy.Snapshot(snap, privacy.Staff)
	case topicTicket:
		f.State = json.RawMessage(c.lastTrack)
	default:
		f.State = privacy.Snapshot(snap, privacy.Public)
	}
	b := h.encode(f)
	if b == nil {
		h.remove(c)
		return nil, queue.Errorf(queue.EINTERNAL, "snapshot")
	}
	return append(first, b), nil
}

// replay returns the frames of the events after since up to seq as c's
// topic sees them (a tracked ticket: only the events about it).
func (h *Hub) replay(c *wsClient, since, seq uint64) [][]byte {
	evs, err := h.hall.Events(since, int(seq-since))
	if err != nil {
		h.log.Error("websocket replay", "since", since, "err", err)
		return nil
	}
	var frames [][]byte
	for _, ev := range evs {
		if ev.Seq > seq {
			break
		}
		var f wsFrame
		switch c.topic.Kind {
		case topicTicket:
			if !eventAbout(ev, c.topic.Code) {
				continue
			}
			f = wsFrame{Type: "event", Seq: ev.Seq, Event: trackEventOf(ev), Replay: true}
		case topicDesk, topicMonitor:
			f = wsFrame{Type: "event", Seq: ev.Seq, Event: wsEvent(ev, false), Replay: true}
		default:
			f = wsFrame{Type: "event", Seq: ev.Seq, Event: wsEvent(ev, true), Replay: true}
		}
		if b := h.encode(f); b != nil {
			frames = append(frames, b)
		}
	}
	return frames
}

// remove takes c out of the client set and its interests; false if it was
// not in it.
func (h *Hub) remove(c *wsClient) bool {
	h.mu.Lock()
	_, ok := h.clients[c]
	if ok {
		delete(h.clients, c)
		h.count.Add(-1)
		h.seen.note(c, -1)
	}
	h.mu.Unlock()
	if !ok {
		return false
	}
	h.imu.Lock()
	switch c.topic.Kind {
	case topicDesk:
		if h.desks[c.topic.Counter]--; h.desks[c.topic.Counter] <= 0 {
			delete(h.desks, c.topic.Counter)
		}
	case topicTicket:
		if h.tracked[c.ticketID]--; h.tracked[c.ticketID] <= 0 {
			delete(h.tracked, c.ticketID)
		}
	}
	h.imu.Unlock()
	return true
}
