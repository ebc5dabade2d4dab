package web

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"hallq/account"
	"hallq/casework"
	"hallq/privacy"

	"hallq/hall"
	"hallq/queue"
)

// Websocket tuning (docs/websocket.md).
const (
	// wsSendBuffer is how many frames a client may have queued; one more and
	// it is dropped (it reconnects and resyncs).
	wsSendBuffer = 256
	// wsReplayWindow is how many missed events a resume replays; a client
	// further behind gets a fresh snapshot.
	wsReplayWindow = 1000
	wsPingEvery    = 20 * time.Second
	wsPongWait     = 60 * time.Second
	wsWriteWait    = 10 * time.Second
	wsReadLimit    = 1 << 10
	// wsHeartbeat is how often the server sends an application-level
	// heartbeat frame, which page scripts see (pings they do not): a page
	// that hears nothing for three intervals counts the link as dead,
	// shows it and reconnects, well within 10 s. A client that answers
	// heartbeats must go on answering: one silent for wsHeartbeatWait is
	// dropped.
	wsHeartbeat     = 2 * time.Second
	wsHeartbeatWait = 5 * wsHeartbeat
)

// publicRecordKinds are the record kinds devices and the public may see in
// events (hall settings and voice, notices); other records may hold contact
// details and reach people's topics only.
var publicRecordKinds = map[string]bool{hall.KindConfig: true, "notice": true}

// Hub fans committed events out to websocket clients, after the gorilla chat
// hub: one goroutine (Run) dispatches, every client has a bounded send
// buffer, and a client whose buffer is full is dropped, never waited for.
//
// The hall tells the hub of every committed event in sequence order with the
// read model locked; the hub's listener only copies what the topics need
// (the snapshot, desks' waiting lists, tracked tickets) onto an unbounded
// queue and returns, so a slow client can never hold up the hall.
type Hub struct {
	hall     *hall.Hall
	log      *slog.Logger
	upgrade  fiber.Handler
	unlisten func()
	unrevoke func()

	// rmu guards the recent revocations, which a connection authenticated
	// before a revocation but registered after it is checked against.
	rmu     sync.Mutex
	revokes []revocation

	// mu guards the client set. Clients register inside hall.Read, so a
	// client's snapshot sequence and its place in the event stream agree.
	mu      sync.Mutex
	clients map[*wsClient]struct{}
	closed  bool
	count   atomic.Int64
	seen    presences // devices' connections (presence.go)

	// imu guards the interests the listener computes for: counters with a
	// desk subscriber, tickets with a tracking subscriber (counts).
	imu     sync.Mutex
	desks   map[int]int
	tracked map[uint64]int

	// The listener's queue, drained by Run.
	qmu   sync.Mutex
	queue []wsItem
	wake  chan struct{}

	drops atomic.Int64

	// delta is what the listener remembers to tell what each event
	// changed (delta.go); only the listener touches it.
	delta deltaState

	// Keepalive: a ping every pingEvery; a client silent (no pong, no
	// frame) for pongWait is dropped.
	pingEvery, pongWait atomic.Int64 // time.Duration
	// Application-level heartbeat (docs/websocket.md): a heartbeat frame
	// every hbEvery; a client that sent one heartbeat and then none for
	// hbWait is dropped.
	hbEvery, hbWait atomic.Int64 // time.Duration
}

// wsItem is one committed event with what the topics show after it.
type wsItem struct {
	ev      queue.Event
	prev    uint64                  // the event before, as the listener saw it
	delta   *wsDelta                // what ev changed; nil: send snap whole
	snap    queue.Snapshot          // only when delta is nil
	waiting map[int][]queue.Ticket  // desk counter → its waiting list
	tracks  map[uint64]queue.Ticket // tracked ticket id → the ticket now
}

// wsFrame is one server → client message (docs/websocket.md).
type wsFrame struct {
	Type   string  `json:"type"`
	Seq    uint64  `json:"seq"`
	Prev   *uint64 `json:"prev,omitempty"` // with a delta: the event it follows
	Event  any     `json:"event,omitempty"`
	State  any     `json:"state,omitempty"`
	Delta  any     `json:"delta,omitempty"`
	Replay bool    `json:"replay,omitempty"`
	// Epoch is the store's epoch (hall.Epoch); a client that sees another
	// than the one it resumed in resyncs from a snapshot.
	Epoch string `json:"epoch,omitempty"`
}

// deskState is the state of a desk/N topic: the hall plus counter N's list.
type deskState struct {
	queue.Snapshot
	Waiting []queue.Ticket `json:"waiting"`
}

// trackEvent is what a ticket/CODE topic learns of an event about its
// ticket: no actor, no reason, no other tickets.
type trackEvent struct {
	Seq     uint64    `json:"seq"`
	Type    string    `json:"type"`
	At      time.Time `json:"at"`
	Counter int       `json:"counter,omitempty"`
	Ticket  uint64    `json:"ticket,omitempty"`
}

// NewHub returns a hub for the hall. It listens to the hall at once; Run
// dispatches.
func NewHub(h *hall.Hall, acc *account.Service, log *slog.Logger) *Hub {
	hub := &Hub{hall: h, log: log, clients: map[*wsClient]struct{}{},
		desks: map[int]int{}, tracked: map[uint64]int{}, wake: make(chan struct{}, 1)}
	hub.pingEvery.Store(int64(wsPingEvery))
	hub.pongWait.Store(int64(wsPongWait))
	hub.SetHeartbeat(0, 0)
	hub.upgrade = hub.upgrader()
	hub.unlisten = h.Listen(hub.listen)
	hub.unrevoke = acc.OnRevoke(hub.revoke)
	return hub
}

// revoke closes every connection of a principal whose credential ended
// (a revoked device; a disabled or demoted user, or one whose password was
// reset), at once: the client may reconnect and is judged afresh.
func (h *Hub) revoke(r account.Revoked) {
	now := time.Now()
	h.rmu.Lock()
	keep := h.revokes[:0]
	for _, x := range h.revokes {
		if now.Sub(x.at) < time.Minute {
			keep = append(keep, x)
		}
	}
	h.revokes = append(keep, revocation{r, now})
	h.rmu.Unlock()
	h.mu.Lock()
	cs := h.snapshotClients()
	h.mu.Unlock()
	for _, c := range cs {
		w := c.who
		if (revocation{Revoked: r}).matches(w) {
			if h.remove(c) {
				h.log.Info("websocket closed: credential ended", "topic", c.topic.String(), "actor", w.Actor())
			}
			c.stop(wsRevoked, "credential revoked", true)
		}
	}
}

// revocation is a revoked credential and when.
type revocation struct {
	account.Revoked
	at time.Time
}

// matches reports whether r ends the credential of p.
func (r revocation) matches(p hall.Principal) bool {
	return (r.User != "" && p.Kind == "user" && p.Name == r.User) || (r.Device != "" && p.Kind == "device" && p.ID == r.Device)
}

// revokedSince reports whether p's credential was revoked at or after t.
func (h *Hub) revokedSince(p hall.Principal, t time.Time) bool {
	h.rmu.Lock()
	defer h.rmu.Unlock()
	for _, r := range h.revokes {
		if !r.at.Before(t) && r.matches(p) {
			return true
		}
	}
	return false
}

// SetHeartbeat sets the application-level heartbeat for connections made
// afterwards: a heartbeat frame every `every` (0: wsHeartbeat), and a client
// that heartbeats is dropped after `wait` without one (0: five intervals).
func (h *Hub) SetHeartbeat(every, wait time.Duration) {
	if every <= 0 {
		every = wsHeartbeat
	}
	if wait <= 0 {
		wait = 5 * every
	}
	h.hbEvery.Store(int64(every))
	h.hbWait.Store(int64(wait))
}

// Run dispatches events until ctx ends, then closes every client and
// refuses new ones.
func (h *Hub) Run(ctx context.Context) {
	defer h.unlisten()
	defer h.unrevoke()
	for {
		select {
		case <-ctx.Done():
			h.mu.Lock()
			h.closed = true
			cs := h.snapshotClients()
			h.mu.Unlock()
			for _, c := range cs {
				h.remove(c)
				c.stop(wsGoingAway, "server stopping", false)
			}
			return
		case <-h.wake:
		}
		h.qmu.Lock()
		items := h.queue
		h.queue = nil
		h.qmu.Unlock()
		for i := range items {
			h.dispatchSafe(&items[i])
		}
	}
}

// dispatchSafe dispatches one queued item; a panic in it is logged with its
// stack and the hub goes on (it runs in its own goroutine, where a panic
// would end the process).
func (h *Hub) dispatchSafe(it *wsItem) {
	defer func() {
		if r := recover(); r != nil {
			h.log.Error("websocket hub panicked; the item is skipped", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	h.dispatch(it)
}

// Clients returns the number of connected clients.
func (h *Hub) Clients() int { return int(h.count.Load()) }

// Dropped returns how many clients were dropped for not keeping up.
func (h *Hub) Dropped() int { return int(h.drops.Load()) }

// Broadcast queues frame, as it is, to every client of topic (and drops
// those that cannot take it), and returns how many clients it reached. It
// bypasses the hall: the websocket benchmark measures the bare fan-out with
// it, as the baseline of the event path.
func (h *Hub) Broadcast(topic string, frame []byte) int {
	h.mu.Lock()
	cs := h.snapshotClients()
	h.mu.Unlock()
	n := 0
	for _, c := range cs {
		if c.topic.String() != topic {
			continue
		}
		if h.offer(c, frame) {
			n++
		}
	}
	return n
}

// listen runs in the hall's publish with the read model locked: copy what
// the topics need and return.
func (h *Hub) listen(ev queue.Event, view *queue.Engine) {
	// Clients register under the hall's read lock, which excludes this
	// call: with none registered now, no one can want this event.
	if h.count.Load() == 0 {
		h.delta.invalidate()
		return
	}
	now := h.hall.Now()
	it := wsItem{ev: ev}
	figs := view.Figures(now)
	if it.delta, it.prev = h.delta.next(&it.ev, &figs); it.delta == nil {
		it.snap = view.Snapshot(now) // sent whole: take it
	}
	h.imu.Lock()
	if len(h.desks) > 0 {
		it.waiting = make(map[int][]queue.Ticket, len(h.desks))
		for n := range h.desks {
			it.waiting[n] = view.WaitingFor(n, now)
		}
	}
	if len(h.tracked) > 0 {
		it.tracks = make(map[uint64]queue.Ticket, len(h.tracked))
		for id := range h.tracked {
			if t, ok := liveTicket(view, id, now); ok {
				it.tracks[id] = t
			}
		}
	}
	h.imu.Unlock()
	h.qmu.Lock()
	h.queue = append(h.queue, it)
	h.qmu.Unlock()
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// liveTicket returns ticket id as the read model has it now, following
// transfers to the ticket that carries on, with its place in the queue.
func liveTicket(view *queue.Engine, id uint64, now time.Time) (queue.Ticket, bool) {
	t, ok := view.Ticket(id)
	for hops := 0; ok && t.TransferredTo != 0 && hops < 16; hops++ {
		next, found := view.Ticket(t.TransferredTo)
		if !found {
			break
		}
		t = next
	}
	if !ok {
		return t, false
	}
	if a, w, found := view.Position(t.ID, now); found {
		t.Ahead, t.EstimatedWaitS = a, w
	}
	return t, true
}

// snapshotClients copies the client set; the caller holds mu.
func (h *Hub) snapshotClients() []*wsClient {
	cs := make([]*wsClient, 0, len(h.clients))
	for c := range h.clients {
		cs = append(cs, c)
	}
	return cs
}

// dispatch sends one event to every client that has not seen it, encoding
// each topic's frame once.
func (h *Hub) dispatch(it *wsItem) {
	h.mu.Lock()
	cs := h.snapshotClients()
	h.mu.Unlock()
	frames := map[string][]byte{}
	for _, c := range cs {
		if it.ev.Seq <= c.after {
			continue // in the snapshot the client started from
		}
		msg := h.frameFor(c, it, frames)
		if msg != nil {
			h.offer(c, msg)
		}
	}
}

// offer queues msg for c without waiting; a full buffer drops the client.
func (h *Hub) offer(c *wsClient, msg []byte) bool {
	select {
	case c.send <- msg:
		return true
	default:
		if h.remove(c) {
			h.drops.Add(1)
			h.log.Info("websocket client dropped: too slow", "topic", c.topic.String())
		}
		c.stop(wsTryAgain, "too slow", true)
		return false
	}
}

// frameFor returns c's frame of the event (nil: nothing for c), caching the
// frames shared by a topic in frames.
func (h *Hub) frameFor(c *wsClient, it *wsItem, frames map[string][]byte) []byte {
	key := c.topic.frameKey()
	if c.topic.Kind == topicTicket {
		return h.trackFrame(c, it, frames)
	}
	if b, ok := frames[key]; ok {
		return b
	}
	var f wsFrame
	if d := it.delta; d != nil {
		prev := it.prev
		switch c.topic.Kind {
		case topicDesk:
			f = wsFrame{Type: "event", Seq: it.ev.Seq, Prev: &prev, Event: deltaEventOf(wsEvent(it.ev, false)),
				Delta: deskDelta{wsDelta: *d, Waiting: privacy.Tickets(it.waiting[c.topic.Counter], privacy.Staff)}}
		case topicMonitor:
			f = wsFrame{Type: "event", Seq: it.ev.Seq, Prev: &prev, Event: deltaEventOf(wsEvent(it.ev, false)), Delta: d}
		default:
			f = wsFrame{Type: "event", Seq: it.ev.Seq, Prev: &prev, Event: deltaEventOf(wsEvent(it.ev, true)), Delta: d}
		}
		b := h.encode(f)
		frames[key] = b
		return b
	}
	switch c.topic.Kind {
	case topicDesk:
		f = wsFrame{Type: "event", Seq: it.ev.Seq, Event: wsEvent(it.ev, false),
			State: deskState{Snapshot: privacy.Snapshot(it.snap, privacy.Staff), Waiting: privacy.Tickets(it.waiting[c.topic.Counter], privacy.Staff)}}
	case topicMonitor:
		f = wsFrame{Type: "event", Seq: it.ev.Seq, Event: wsEvent(it.ev, false), State: privacy.Snapshot(it.snap, privacy.Staff)}
	default:
		f = wsFrame{Type: "event", Seq: it.ev.Seq, Event: wsEvent(it.ev, true), State: privacy.Snapshot(it.snap, privacy.Public)}
	}
	b := h.encode(f)
	frames[key] = b
	return b
}

// trackFrame is the frame of a ticket/CODE client: sent when the event is
// about its ticket or the ticket's state (place, wait) changed.
func (h *Hub) trackFrame(c *wsClient, it *wsItem, frames map[string][]byte) []byte {
	t, live := it.tracks[c.ticketID]
	about := eventAbout(it.ev, c.topic.Code)
	if !live && !about {
		return nil
	}
	if !live {
		for _, x := range it.ev.Tickets {
			if x.Tracking == c.topic.Code {
				t = x
			}
		}
	}
	state := privacy.Ticket(t, privacy.Holder)
	sb, err := json.Marshal(state)
	if err != nil {
		return nil
	}
	if !about && string(sb) == string(c.lastTrack) {
		return nil
	}
	c.lastTrack = sb
	f := wsFrame{Type: "event", Seq: it.ev.Seq, State: json.RawMessage(sb)}
	if about {
		f.Event = trackEventOf(it.ev)
	}
	return h.encode(f)
}

func (h *Hub) encode(f wsFrame) []byte {
	f.Epoch = h.hall.Epoch()
	b, err := json.Marshal(f)
	if err != nil {
		h.log.Error("websocket frame", "type", f.Type, "seq", f.Seq, "err", err)
		return nil
	}
	return b
}

// eventAbout reports whether ev concerns the tracking code: a ticket with
// it, or a work order or approval record whose code (or ticket's code) it is.
func eventAbout(ev queue.Event, code string) bool {
	for _, t := range ev.Tickets {
		if t.Tracking == code {
			return true
		}
	}
	for _, r := range ev.Records {
		if r.Kind != casework.KindWorkOrder && r.Kind != casework.KindApproval {
			continue
		}
		var ref struct {
			Code       string `json:"code"`
			TicketCode string `json:"ticket_code"`
		}
		if json.Unmarshal(r.Data, &ref) == nil && (ref.Code == code || ref.TicketCode == code) {
			return true
		}
	}
	return false
}

func trackEventOf(ev queue.Event) trackEvent {
	return trackEvent{Seq: ev.Seq, Type: ev.Type, At: ev.At, Counter: ev.Counter, Ticket: ev.Ticket}
}

// audienceOf is who a topic's frames are for: devices (and public
// topics) see what a shared screen shows, people what staff see.
func audienceOf(device bool) privacy.Audience {
	if device {
		return privacy.Public
	}
	return privacy.Staff
}

// wsEvent is an event as a topic sees it: tickets masked, and for devices
// only public records.
func wsEvent(ev queue.Event, device bool) queue.Event {
	if len(ev.Tickets) > 0 {
		ev.Tickets = privacy.Tickets(ev.Tickets, audienceOf(device))
	}
	if device && len(ev.Records) > 0 {
		var keep []queue.Record
		for _, r := range ev.Records {
			if publicRecordKinds[r.Kind] {
				keep = append(keep, r)
			}
		}
		ev.Records = keep
	}
	return ev
}
