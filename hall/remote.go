package hall

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"hallq/queue"
)

// RemoteRequest is a same-day ticket asked for from a customer's phone
// (扫码取号): the service, the phone number (required: the per-phone daily
// limit and the 即将叫到 notice go by it) and the business item picked in
// the pre-check, if any.
type RemoteRequest struct {
	Service string `json:"service"`
	Phone   string `json:"phone"`
	Item    string `json:"item"`
}

// IssueRemote takes a ticket for today from a phone. It goes through the
// kiosk's issue path (queue.Engine.Issue: opening hours with their dated
// overrides, the service's daily limit, the phone's daily limit, the
// business item) and is held until the customer's 到店签到 (Arrive).
// Refusals: ECLOSED when the hall has not switched phone tickets on (or is closed),
// EINVALID (no phone, bad phone, unknown service or item), ELIMIT.
func (h *Hall) IssueRemote(ctx context.Context, req RemoteRequest) (queue.Ticket, error) {
	if !h.Config().RemoteTickets {
		return queue.Ticket{}, queue.Err(queue.ECLOSED, "err.hall.this_hall_does_not")
	}
	if strings.TrimSpace(req.Service) == "" {
		return queue.Ticket{}, queue.Err(queue.EINVALID, "err.hall.choose_a_service")
	}
	if strings.TrimSpace(req.Phone) == "" {
		return queue.Ticket{}, queue.Err(queue.EINVALID, "err.hall.enter_your_mobile_number")
	}
	if err := h.checkItem(req.Item); err != nil { // casework.go
		return queue.Ticket{}, err
	}
	q := queue.IssueRequest{Service: req.Service, Priority: queue.Normal, Phone: req.Phone, Item: req.Item,
		Tracking: NewCode(12), Remote: true}
	ev, err := h.Exec("phone", func(tx *Tx) (queue.Event, error) { return tx.Engine().Issue(q, tx.Now()) })
	if err != nil {
		return queue.Ticket{}, fmt.Errorf("issue phone ticket %s: %w", req.Service, err)
	}
	return ev.Tickets[0], nil
}

// Arrive records the 到店签到 of the remote ticket with tracking code code,
// from the kiosk (typed or scanned) or the phone that scanned the door's QR
// (the caller checks the door key). changed is false when there was nothing
// to confirm (a walk-in ticket, or checked in already). Refusals:
// ENOTFOUND (no such ticket today), ECONFLICT (skipped or ended).
func (h *Hall) Arrive(ctx context.Context, actor, code string) (t queue.Ticket, changed bool, err error) {
	t, err = h.st.TicketByTracking(strings.TrimSpace(code))
	if err != nil {
		return t, false, err
	}
	id := t.ID
	ev, err := h.Exec(actor, func(tx *Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		ev, ch, err := e.Arrive(id, now)
		if err == nil && !ch {
			return ev, errNothing
		}
		return ev, err
	})
	switch {
	case err == errNothing:
		t, err = h.Track(code)
		return t, false, err
	case err != nil:
		return queue.Ticket{}, false, fmt.Errorf("check in %s: %w", t.Number, err)
	}
	return ev.Tickets[0], true, nil
}

// SkipUnconfirmed ends the remote tickets whose grace period passed without
// a check-in (queue.Engine.SkipUnconfirmed); the hall's ticker runs it.
func (h *Hall) SkipUnconfirmed(ctx context.Context) (int, error) {
	ev, err := h.Exec("system", func(tx *Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		ev, ok := e.SkipUnconfirmed(now)
		if !ok {
			return ev, errNothing
		}
		return ev, nil
	})
	if err == errNothing {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("skip unconfirmed phone tickets: %w", err)
	}
	return len(ev.Tickets), nil
}

const keyDoor = "door"

// doorKey is the secret in the hall's door QR (到店签到 by scanning it).
type doorKey struct {
	Key string `json:"key"`
}

// DoorKey returns the key printed in the QR at the hall's door; ok is false
// until phone tickets were first switched on (SaveSettings, or hall.json at
// start), which makes it. A phone that opens /arrive/KEY proves it is at the
// hall. Reading it never writes.
func (h *Hall) DoorKey() (key string, ok bool) {
	r, ok, err := h.st.Record(KindConfig, keyDoor)
	if err != nil || !ok {
		return "", false
	}
	var d doorKey
	if json.Unmarshal(r.Data, &d) != nil || d.Key == "" {
		return "", false
	}
	return d.Key, true
}

// makeDoorKey makes the door key at start when hall.json switched phone
// tickets on and none was made yet.
func (h *Hall) makeDoorKey() error {
	if !h.cfg.RemoteTickets {
		return nil
	}
	if _, ok := h.DoorKey(); ok {
		return nil
	}
	_, err := h.Exec("system", func(tx *Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		return queue.Event{Type: queue.EvConfig, At: now, Day: e.Day(), Reason: "door key",
			Records: []queue.Record{NewRecord(KindConfig, keyDoor, doorKey{Key: NewCode(16)})}}, nil
	})
	if err != nil {
		return fmt.Errorf("door key: %w", err)
	}
	return nil
}

// OpenNow reports whether the hall takes tickets now (its opening hours,
// dated overrides and holidays).
func (h *Hall) OpenNow() (open bool) {
	now := h.now()
	h.Read(func(v *queue.Engine, _ uint64) { open = v.OpenAt(now) })
	return open
}
