// Package remote takes same-day tickets from a customer's phone (扫码取号)
// before the customer arrives: the ticket is held until its 到店签到 (Arrive,
// at the kiosk or by scanning the door's QR, whose key it keeps), and one not
// checked in within the grace period is skipped.
//
// It is a feature of the hall kernel (docs/architecture.md): the commands are
// the queue's (Engine.Issue with Remote, Arrive, SkipUnconfirmed) through
// Hall.Exec; New registers the job "skip unconfirmed" (Hall.Every) and the
// door key's making with the switch that needs it (Hall.OnSettings).
package remote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"hallq/hall"
	"hallq/queue"
)

// Service is the phone tickets of one hall.
type Service struct{ h *hall.Hall }

// New returns the phone tickets of h: it registers on h the job that skips
// the unconfirmed ones (at the hall's tick) and the door key's making when a
// manager switches phone tickets on, and makes the key now if hall.json
// switched them on and none was made yet.
func New(h *hall.Hall) *Service {
	s := &Service{h: h}
	h.Every("skip unconfirmed", 0, func(ctx context.Context) error {
		_, err := s.SkipUnconfirmed(ctx)
		return err
	})
	h.OnSettings(s.settingsSaved)
	if err := s.makeDoorKey(); err != nil {
		h.Log().Error("door key", "err", err)
	}
	return s
}

// Request is a same-day ticket asked for from a customer's phone
// (扫码取号): the service, the phone number (required: the per-phone daily
// limit and the 即将叫到 notice go by it) and the business item picked in
// the pre-check, if any.
type Request struct {
	Service string `json:"service"`
	Phone   string `json:"phone"`
	Item    string `json:"item"`
}

// Issue takes a ticket for today from a phone. It goes through the
// kiosk's issue path (queue.Engine.Issue: opening hours with their dated
// overrides, the service's daily limit, the phone's daily limit, the
// business item) and is held until the customer's 到店签到 (Arrive).
// Refusals: ECLOSED when the hall has not switched phone tickets on (or is closed),
// EINVALID (no phone, bad phone, unknown service or item), ELIMIT.
func (s *Service) Issue(ctx context.Context, req Request) (queue.Ticket, error) {
	if !s.h.Config().RemoteTickets {
		return queue.Ticket{}, queue.Err(queue.ECLOSED, "err.hall.this_hall_does_not")
	}
	if strings.TrimSpace(req.Service) == "" {
		return queue.Ticket{}, queue.Err(queue.EINVALID, "err.hall.choose_a_service")
	}
	if strings.TrimSpace(req.Phone) == "" {
		return queue.Ticket{}, queue.Err(queue.EINVALID, "err.hall.enter_your_mobile_number")
	}
	if err := s.h.ValidItem(req.Item); err != nil { // CheckItem (casework: the catalog must know it)
		return queue.Ticket{}, err
	}
	q := queue.IssueRequest{Service: req.Service, Priority: queue.Normal, Phone: req.Phone, Item: req.Item,
		Tracking: hall.NewCode(12), Remote: true}
	ev, err := s.h.Exec("phone", func(tx *hall.Tx) (queue.Event, error) { return tx.Engine().Issue(q, tx.Now()) })
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
func (s *Service) Arrive(ctx context.Context, actor, code string) (t queue.Ticket, changed bool, err error) {
	t, err = s.h.Store().TicketByTracking(strings.TrimSpace(code))
	if err != nil {
		return t, false, err
	}
	id := t.ID
	ev, err := s.h.Exec(actor, func(tx *hall.Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		ev, ch, err := e.Arrive(id, now)
		if err == nil && !ch {
			return ev, hall.ErrNothing
		}
		return ev, err
	})
	switch {
	case errors.Is(err, hall.ErrNothing):
		t, err = s.h.Track(code)
		return t, false, err
	case err != nil:
		return queue.Ticket{}, false, fmt.Errorf("check in %s: %w", t.Number, err)
	}
	return ev.Tickets[0], true, nil
}

// SkipUnconfirmed ends the remote tickets whose grace period passed without
// a check-in (queue.Engine.SkipUnconfirmed); a job at the hall's tick runs
// it.
func (s *Service) SkipUnconfirmed(ctx context.Context) (int, error) {
	ev, err := s.h.Exec("system", func(tx *hall.Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		ev, ok := e.SkipUnconfirmed(now)
		if !ok {
			return ev, hall.ErrNothing
		}
		return ev, nil
	})
	if errors.Is(err, hall.ErrNothing) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("skip unconfirmed phone tickets: %w", err)
	}
	return len(ev.Tickets), nil
}

// keyDoor is the door key's record: kind "config" (hall.KindConfig), key
// "door" (stored data: never change them).
const keyDoor = "door"

// doorKey is the secret in the hall's door QR (到店签到 by scanning it).
type doorKey struct {
	Key string `json:"key"`
}

// DoorKey returns the key printed in the QR at the hall's door; ok is false
// until phone tickets were first switched on (Hall.SaveSettings, or
// hall.json at start), which makes it. A phone that opens /arrive/KEY proves it is at the
// hall. Reading it never writes.
func (s *Service) DoorKey() (key string, ok bool) {
	r, ok, err := s.h.Record(hall.KindConfig, keyDoor)
	if err != nil || !ok {
		return "", false
	}
	var d doorKey
	if json.Unmarshal(r.Data, &d) != nil || d.Key == "" {
		return "", false
	}
	return d.Key, true
}

// settingsSaved makes the door QR's key with the switch that needs it (a
// customer's scan and the poster only read it), inside the settings' change.
func (s *Service) settingsSaved(tx *hall.Tx, ns queue.Settings) {
	if !ns.RemoteTickets {
		return
	}
	if _, made := tx.Record(hall.KindConfig, keyDoor); !made {
		tx.Put(hall.KindConfig, keyDoor, doorKey{Key: hall.NewCode(16)})
	}
}

// makeDoorKey makes the door key at start when hall.json switched phone
// tickets on and none was made yet.
func (s *Service) makeDoorKey() error {
	if !s.h.Config().RemoteTickets {
		return nil
	}
	if _, ok := s.DoorKey(); ok {
		return nil
	}
	_, err := s.h.Exec("system", func(tx *hall.Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		return queue.Event{Type: queue.EvConfig, At: now, Day: e.Day(), Reason: "door key",
			Records: []queue.Record{hall.NewRecord(hall.KindConfig, keyDoor, doorKey{Key: hall.NewCode(16)})}}, nil
	})
	if err != nil {
		return fmt.Errorf("door key: %w", err)
	}
	return nil
}
