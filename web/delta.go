package web

import (
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
