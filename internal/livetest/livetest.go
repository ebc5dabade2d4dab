// Package livetest follows a hall's live websocket topics as a page does:
// it applies the server's snapshot and delta frames to the state a display
// holds, the Go twin of assets/js/live.js (HallLive.apply). Only tests
// import it: web's websocket tests and cmd/hallq's crash drill read the
// state a page would show through it (docs/websocket.md).
package livetest

import (
	"encoding/json"
	"fmt"
	"time"

	"hallq/queue"
)

// Apply applies one server → client frame of a snapshot topic to state
// (the JSON of the state as of the client's last sequence seq, nil before
// the first snapshot) as assets/js/live.js does, and returns the new state
// and sequence. ok is false when the frame cannot be applied — it follows a
// frame the client missed, or names a ticket the client does not have — and
// the client must resync (reconnect with since=seq). Replayed events leave
// the state as it is (a snapshot follows them). Tests use it to read the
// state a page would show; it decodes the frames as a client does, from
// their JSON alone (eventIn, not web's own types).
func Apply(state json.RawMessage, seq uint64, frame []byte) (json.RawMessage, uint64, bool, error) {
	var f struct {
		Type   string          `json:"type"`
		Seq    uint64          `json:"seq"`
		Prev   *uint64         `json:"prev"`
		Event  *eventIn        `json:"event"`
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

// eventIn is a delta frame's event as a client reads it: the tickets it
// changed, and the live parts of the counters and services it changed.
type eventIn struct {
	Tickets  []queue.Ticket `json:"tickets"`
	Counters []counterIn    `json:"counters"`
	Services []serviceIn    `json:"services"`
}

// counterIn is the part of a counter that an event frame carries.
type counterIn struct {
	Number      int                `json:"number"`
	State       queue.CounterState `json:"state"`
	PauseReason string             `json:"pause_reason,omitempty"`
	PausedAt    *time.Time         `json:"paused_at,omitempty"`
	Clerk       string             `json:"clerk,omitempty"`
	ClerkName   string             `json:"clerk_name,omitempty"`
	StaffNo     string             `json:"staff_no,omitempty"`
	Current     uint64             `json:"current,omitempty"`
	ServedToday int                `json:"served_today"`
	Rev         int                `json:"rev"`
}

// serviceIn is the part of a service that an event frame carries.
type serviceIn struct {
	Prefix      string  `json:"prefix"`
	AvgServiceS float64 `json:"avg_service_s"`
	Rev         int     `json:"rev"`
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
