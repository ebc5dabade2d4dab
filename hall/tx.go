package hall

import (
	"encoding/json"
	"fmt"
	"time"

	"hallq/queue"
)

// Tx is one change of the hall's state in progress, handed to the function
// passed to Exec: the write model's engine, the hall's time for the change,
// and the hall's records (Get, Put). It is valid only during that call, which
// runs under the hall's write lock: it must not block on anything but the
// store, nor call Exec.
type Tx struct {
	h    *Hall
	eng  *queue.Engine
	now  time.Time
	puts []queue.Record
}

// Engine returns the write model: the queue as it is before this change.
// The event returned by Exec's function must come from it (or be the zero
// event with records only).
func (tx *Tx) Engine() *queue.Engine { return tx.eng }

// Now is the hall's time of this change (never before the last event).
func (tx *Tx) Now() time.Time { return tx.now }

// Record returns the write model's record kind/key (with what this change
// put), read from the store on first use; ok is false if there is none.
func (tx *Tx) Record(kind, key string) (queue.Record, bool) {
	for i := len(tx.puts) - 1; i >= 0; i-- {
		if r := tx.puts[i]; r.Kind == kind && r.Key == key {
			return r, true
		}
	}
	return tx.h.recordLocked(kind, key)
}

// Records returns every stored record of kind in key order (not those this
// change put). It reads the whole kind: for small kinds only.
func (tx *Tx) Records(kind string) []queue.Record { return tx.h.recordsLocked(kind) }

// Put records v (a plain data struct, stored as JSON) as kind/key with the
// change's event; the hall sets its revision when it commits. It is dropped
// when the function passed to Exec fails.
func (tx *Tx) Put(kind, key string, v any) { tx.puts = append(tx.puts, NewRecord(kind, key, v)) }

// Get returns the write model's record kind/key decoded into a T: ok is false
// when there is none, err when it does not decode.
func Get[T any](tx *Tx, kind, key string) (v T, ok bool, err error) {
	r, ok := tx.Record(kind, key)
	if !ok {
		return v, false, nil
	}
	v, err = Decode[T](r)
	return v, true, err
}

// Decode returns the data of r decoded into a T.
func Decode[T any](r queue.Record) (T, error) {
	var v T
	if err := json.Unmarshal(r.Data, &v); err != nil {
		return v, fmt.Errorf("record %s/%s: %w", r.Kind, r.Key, err)
	}
	return v, nil
}

// Load returns the committed record kind/key decoded into a T (the read side:
// no lock, what is durable); ok is false when there is none.
func Load[T any](h *Hall, kind, key string) (v T, ok bool, err error) {
	r, ok, err := h.st.Record(kind, key)
	if err != nil || !ok {
		return v, false, err
	}
	v, err = Decode[T](r)
	return v, true, err
}

// Exec changes the hall's state: fn decides the change on the write model
// (tx) and returns its event, which Exec commits — with a day rollover before
// it if the day changed, and with the records fn put — and publishes to the
// listeners, in sequence order. The event is returned only once it is durable.
// An error from fn changes nothing (fn must not have changed the engine when
// it fails: the engine's own commands do not); ErrNothing from fn tells that
// there was nothing to do. actor names who asked, in the event log
// (Principal.Actor, or "system").
func (h *Hall) Exec(actor string, fn func(tx *Tx) (queue.Event, error)) (queue.Event, error) {
	return h.exec(actor, func(e *queue.Engine, now time.Time) (queue.Event, error) {
		tx := &Tx{h: h, eng: e, now: now}
		ev, err := fn(tx)
		if err == nil {
			ev.Records = append(ev.Records, tx.puts...)
		}
		return ev, err
	})
}

// ErrNothing, returned by the function passed to Exec, says the command found
// nothing to do: nothing is committed and Exec returns it.
var ErrNothing = errNothing
