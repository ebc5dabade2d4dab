package queue

import (
	"cmp"
	"slices"
	"time"
)

// DefaultRemoteGraceS is how long a ticket taken from a phone waits for its
// 到店签到 unless the hall sets another grace period: 30 minutes.
const DefaultRemoteGraceS = 1800

// Held reports whether t is a remote ticket (扫码取号) whose customer has not
// checked in at the hall yet: it keeps its place in the queue but is not
// called until the check-in.
func (t *Ticket) Held() bool { return t.Remote && t.ArrivedAt == nil }

// RemoteGrace is how long a remote ticket may stay unconfirmed.
func (c Config) RemoteGrace() time.Duration {
	if c.RemoteGraceS <= 0 {
		return DefaultRemoteGraceS * time.Second
	}
	return time.Duration(c.RemoteGraceS) * time.Second
}

// CheckDue returns the time by which remote ticket t must be checked in.
func (c Config) CheckDue(t Ticket) time.Time { return t.IssuedAt.Add(c.RemoteGrace()) }

// Arrive records the 到店签到 of remote ticket id: from now on it is called
// in its place. changed is false (and ev empty) when the ticket is not a
// remote one or was checked in already: there is nothing to confirm.
// Refusals: ENOTFOUND (not today's ticket), ECONFLICT (it was skipped,
// cancelled or has ended: take a new ticket).
func (e *Engine) Arrive(id uint64, now time.Time) (ev Event, changed bool, err error) {
	now = e.At(now)
	t := e.tickets[id]
	if t == nil || t.Day != e.day {
		return Event{}, false, Err(ENOTFOUND, "err.queue.no_such_ticket_today_remote")
	}
	if !t.Held() {
		return Event{}, false, nil
	}
	if t.Status != Waiting {
		return Event{}, false, Err(ECONFLICT, "err.queue.was_not_checked_in", t.Number)
	}
	u := *t
	u.ArrivedAt = ptr(now)
	return e.commit(Event{Type: EvArrived, Ticket: u.ID, Tickets: []Ticket{u}}, now), true, nil
}

// SkipUnconfirmed ends, as no-shows, the remote tickets still waiting for
// their check-in when their grace period has passed (the hall runs it every
// tick; replay and replicas follow the event). ok is false when there are
// none.
func (e *Engine) SkipUnconfirmed(now time.Time) (ev Event, ok bool) {
	now = e.At(now)
	grace := e.cfg.RemoteGrace()
	var due []Ticket
	for _, t := range e.waiting {
		if t.Held() && !now.Before(t.IssuedAt.Add(grace)) {
			u := *t
			u.Status, u.FinishedAt = NoShow, ptr(now)
			u.Note = "未在时限内到店签到 / not checked in in time"
			due = append(due, u)
		}
	}
	if len(due) == 0 {
		return Event{}, false
	}
	slices.SortFunc(due, func(a, b Ticket) int { return cmp.Compare(a.ID, b.ID) })
	return e.commit(Event{Type: EvRemoteSkip, Reason: "remote_unconfirmed", Tickets: due}, now), true
}
