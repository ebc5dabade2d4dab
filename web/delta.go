package web

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"hallq/queue"
)

// Frames that carry what changed (docs/websocket.md): after the snapshot a
// client gets, for each event, the event itself (which holds every record it
// changed: tickets, counters, services) and a delta with the derived figures
// that moved — the services' waiting counts and waits, the order of the
// recent calls, whether the hall is open — so a display frame for one call
// is the same size on the day's 20,000th customer as on its first, whatever
// the hall's size. Events that change the hall's shape (a day's end, a
// configuration change, a service or counter added) carry the whole state.

// deltaEvent is an event as a delta frame carries it: its counters and
// services hold only the fields queue commands change (a counter's state,
// clerk, current ticket and count; a service's average service time), since
// names, services served and hours change only with the configuration, whose
// event carries the whole state.
type deltaEvent struct {
	queue.Event
	Counters []counterLive `json:"counters,omitempty"`
	Services []serviceLive `json:"services,omitempty"`
}

// counterLive is the part of a counter that queue commands change.
type counterLive struct {
	Number      int                `json:"number"`
	State       queue.CounterState `json:"state"`
	PauseReason string             `json:"pause_reason,omitempty"`
	PausedAt    *time.Time         `json:"paused_at,omitempty"`
	Clerk       string             `json:"clerk,omitempty"`
	ClerkName   string             `json:"clerk_name,omitempty"`
	StaffNo     string             `json:"staff_no,omitempty"`
	Current     uint64             `json:"current,omitempty"`
	ServedToday int                `json:"served_today"`
	GreenRun    int                `json:"green_run,omitempty"`
	Spoken      string             `json:"spoken,omitempty"` // what the display's voice says for it
	Rev         int                `json:"rev"`
}

// serviceLive is the part of a service that queue commands change.
type serviceLive struct {
	Prefix      string  `json:"prefix"`
	AvgServiceS float64 `json:"avg_service_s"`
	Rev         int     `json:"rev"`
}

// deltaEventOf slims ev (already masked for the topic) for a delta frame.
func deltaEventOf(ev queue.Event) deltaEvent {
	d := deltaEvent{Event: ev}
	for _, c := range ev.Counters {
		d.Counters = append(d.Counters, counterLive{Number: c.Number, State: c.State, PauseReason: c.PauseReason,
			PausedAt: c.PausedAt, Clerk: c.Clerk, ClerkName: c.ClerkName, StaffNo: c.StaffNo, Current: c.Current,
			ServedToday: c.ServedToday, GreenRun: c.GreenRun, Spoken: c.Spoken, Rev: c.Rev})
	}
	for _, s := range ev.Services {
		d.Services = append(d.Services, serviceLive{Prefix: s.Prefix, AvgServiceS: s.AvgServiceS, Rev: s.Rev})
	}
	return d
}

// queueCommands are the event types whose counter and service records
// change only what counterLive and serviceLive hold.
var queueCommands = map[string]bool{
	queue.EvIssued: true, queue.EvCalled: true, queue.EvRecalled: true, queue.EvStarted: true, queue.EvFinished: true,
	queue.EvNoShow: true, queue.EvTransferred: true, queue.EvPostponed: true, queue.EvCancelled: true, queue.EvReturned: true,
	queue.EvPaused: true, queue.EvResumed: true, queue.EvOpened: true, queue.EvClosed: true,
	queue.EvSignedIn: true, queue.EvSignedOut: true,
}

// wsDelta is what an event changed in the state beyond the records the event
// carries.
type wsDelta struct {
	Open bool `json:"open"`
	// Services are the figures of the services whose figures changed.
	Services []queue.ServiceFigures `json:"services,omitempty"`
	// Recent is the ids of the latest calls, newest first, when the list
	// changed; each ticket is in the event or already in the client's list.
	Recent []uint64 `json:"recent,omitempty"`
}

// deskDelta is a desk/N delta: the counter's waiting list is sent whole.
type deskDelta struct {
	wsDelta
	Waiting []queue.Ticket `json:"waiting"`
}

// same reports whether two figures agree on what an event can change: the
// longest wait grows with the clock alone, so it is sent with the others but
// does not by itself make a service changed.
func same(f, g queue.ServiceFigures) bool {
	return f.Waiting == g.Waiting && f.EstimatedWaitS == g.EstimatedWaitS && f.OpenCounters == g.OpenCounters
}

// deltaState is what the hub's listener remembers of the state after the
// last event it saw, to tell what the next one changed. It is used only by
// the listener, which the hall calls in sequence order.
type deltaState struct {
	valid    bool
	seq      uint64
	shape    string // services in order and counter numbers
	day      string
	services map[string]queue.ServiceFigures
	recent   []uint64
}

// shapeOf names the services and counters of f, in order.
func shapeOf(f *queue.Figures) string {
	b := make([]byte, 0, len(f.Services)+3*len(f.Counters)+1)
	for _, s := range f.Services {
		b = append(b, s.Prefix...)
	}
	b = append(b, '/')
	for _, n := range f.Counters {
		b = strconv.AppendInt(b, int64(n), 10)
		b = append(b, ',')
	}
	return string(b)
}

// next returns the delta of the event that led to the figures f (nil: send
// the whole state) and the sequence of the event before it, and remembers f.
func (d *deltaState) next(ev *queue.Event, f *queue.Figures) (*wsDelta, uint64) {
	prev := d.seq
	shape := shapeOf(f)
	full := !d.valid || shape != d.shape || f.Day != d.day || ev.Type == queue.EvDayRolled || ev.Type == queue.EvConfig ||
		(len(ev.Counters)+len(ev.Services) > 0 && !queueCommands[ev.Type])
	delta := &wsDelta{Open: f.Open}
	if d.services == nil || len(d.services) != len(f.Services) {
		d.services = make(map[string]queue.ServiceFigures, len(f.Services))
	}
	for _, s := range f.Services {
		if old, ok := d.services[s.Prefix]; !ok || !same(old, s) {
			delta.Services = append(delta.Services, s)
		}
		d.services[s.Prefix] = s
	}
	if !slices.Equal(f.Recent, d.recent) {
		delta.Recent = f.Recent
	}
	d.valid, d.seq, d.shape, d.day, d.recent = true, ev.Seq, shape, f.Day, f.Recent
	if full {
		return nil, prev
	}
	return delta, prev
}

// invalidate forgets the state: the next event carries the whole state.
func (d *deltaState) invalidate() { d.valid = false }

// ApplyFrame applies one server → client frame of a snapshot topic to state
// (the JSON of the state as of the client's last sequence seq, nil before
// the first snapshot) as assets/js/live.js does, and returns the new state
// and sequence. ok is false when the frame cannot be applied — it follows a
// frame the client missed, or names a ticket the client does not have — and
// the client must resync (reconnect with since=seq). Replayed events leave
// the state as it is (a snapshot follows them). Tests use it to read the
// state a page would show.
func ApplyFrame(state json.RawMessage, seq uint64, frame []byte) (json.RawMessage, uint64, bool, error) {
	var f struct {
		Type   string          `json:"type"`
		Seq    uint64          `json:"seq"`
		Prev   *uint64         `json:"prev"`
		Event  *deltaEventIn   `json:"event"`
		State  json.RawMessage `json:"state"`
		Delta  json.RawMessage `json:"delta"`
		Replay bool            `json:"replay"`
	}
	if err := json.Unmarshal(frame, &f); err != nil {
		return state, seq, false, err
	}
	switch {
	case f.Type == "snapshot" || (len(f.State) > 0 && string(f.State) != "null"):
		return f.State, f.Seq, true, nil
	case f.Type != "event" || f.Seq <= seq:
		return state, seq, true, nil
	case f.Replay:
		return state, f.Seq, true, nil
	case len(f.Delta) == 0 || f.Event == nil:
		return state, seq, false, fmt.Errorf("event frame %d without state or delta", f.Seq)
	case f.Prev == nil || *f.Prev > seq || state == nil:
		return state, seq, false, nil // missed one: resync
	}
	var st map[string]json.RawMessage
	if err := json.Unmarshal(state, &st); err != nil {
		return state, seq, false, err
	}
	var d struct {
		Open     bool                   `json:"open"`
		Services []queue.ServiceFigures `json:"services"`
		Recent   []uint64               `json:"recent"`
		Waiting  json.RawMessage        `json:"waiting"`
	}
	if err := json.Unmarshal(f.Delta, &d); err != nil {
		return state, seq, false, err
	}
	var services []queue.ServiceView
	var counters []queue.CounterView
	var recent []queue.Ticket
	if err := unmarshalAll(st, map[string]any{"services": &services, "counters": &counters, "recent": &recent}); err != nil {
		return state, seq, false, err
	}
	ev := f.Event
	tickets := map[uint64]queue.Ticket{}
	for _, t := range recent {
		tickets[t.ID] = t
	}
	for _, c := range counters {
		if c.Ticket != nil {
			tickets[c.Ticket.ID] = *c.Ticket
		}
	}
	for _, t := range ev.Tickets {
		tickets[t.ID] = t
	}
	for _, s := range ev.Services {
		for i := range services {
			if services[i].Prefix == s.Prefix {
				services[i].AvgServiceS, services[i].Rev = s.AvgServiceS, s.Rev
			}
		}
	}
	for _, g := range d.Services {
		for i := range services {
			if services[i].Prefix == g.Prefix {
				services[i].Waiting, services[i].EstimatedWaitS = g.Waiting, g.EstimatedWaitS
				services[i].LongestWaitS, services[i].OpenCounters = g.LongestWaitS, g.OpenCounters
			}
		}
	}
	for _, c := range ev.Counters {
		for i := range counters {
			if k := &counters[i]; k.Number == c.Number {
				k.State, k.PauseReason, k.PausedAt = c.State, c.PauseReason, c.PausedAt
				k.Clerk, k.ClerkName, k.StaffNo = c.Clerk, c.ClerkName, c.StaffNo
				k.Current, k.ServedToday, k.Rev = c.Current, c.ServedToday, c.Rev
			}
		}
	}
	for i := range counters {
		counters[i].Ticket = nil
		if cur := counters[i].Current; cur != 0 {
			t, ok := tickets[cur]
			if !ok {
				return state, seq, false, nil
			}
			counters[i].Ticket = &t
		}
	}
	ids := d.Recent
	if ids == nil {
		for _, t := range recent {
			ids = append(ids, t.ID)
		}
	}
	recent = recent[:0:0]
	for _, id := range ids {
		t, ok := tickets[id]
		if !ok {
			return state, seq, false, nil
		}
		recent = append(recent, t)
	}
	put := map[string]any{"open": d.Open, "services": services, "counters": counters, "recent": recent}
	if len(d.Waiting) > 0 {
		put["waiting"] = d.Waiting
	}
	for k, v := range put {
		b, err := json.Marshal(v)
		if err != nil {
			return state, seq, false, err
		}
		st[k] = b
	}
	out, err := json.Marshal(st)
	if err != nil {
		return state, seq, false, err
	}
	return out, f.Seq, true, nil
}

// deltaEventIn is a delta frame's event as a client reads it.
type deltaEventIn struct {
	Tickets  []queue.Ticket `json:"tickets"`
	Counters []counterLive  `json:"counters"`
	Services []serviceLive  `json:"services"`
}

func unmarshalAll(st map[string]json.RawMessage, into map[string]any) error {
	for k, v := range into {
		if raw, ok := st[k]; ok {
			if err := json.Unmarshal(raw, v); err != nil {
				return fmt.Errorf("state %s: %w", k, err)
			}
		}
	}
	return nil
}
