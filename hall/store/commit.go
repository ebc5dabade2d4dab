package store

import (
	"errors"
	"fmt"
	"runtime"
	"sync"

	bolt "go.etcd.io/bbolt"

	"hallq/queue"
)

// Commit writes evs, each carrying its sequence number, in one transaction
// of its own, started at once: the events appended, the records they carry
// stored, the report rollups folded in (rollup.go) and, when run is not nil,
// the hall's running figures after evs (live.go). It is the one way events
// are written: the hall's committer gathers concurrent commands into one
// call in sequence order (hall/commit.go), the simulator hands it a day of
// events at a time.
//
// The events are checked and encoded before the transaction starts (on
// every core when they are many), and each ticket, counter, service and
// record is written once, at its newest revision, however many of the
// events carry it; a stored record with a newer revision is kept. A failed
// commit writes nothing.
//
// A commit of at most walMaxEvents events is one frame of the write-ahead
// log instead (wal.go): durable when Commit returns, in the tree with the
// next flush, which every other transaction of the store makes first. A
// larger one (a simulated day) goes to the tree after a flush.
func (s *Store) Commit(evs []queue.Event, run *queue.Running) error {
	b, err := prepare(evs)
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if len(evs) <= walMaxEvents {
		if done, err := s.logCommit(b, run); done {
			return err
		}
	}
	return s.update(func(tx *bolt.Tx) error {
		if err := b.write(tx); err != nil {
			return err
		}
		return putRunning(tx, run)
	})
}

// batch is a commit's events made ready for its transaction.
type batch struct {
	evs      []queue.Event
	raws     [][]byte // evs, encoded
	tickets  newest[queue.Ticket]
	traws    [][]byte // tickets.list, encoded
	counters newest[queue.Counter]
	services newest[queue.Service]
	records  newest[queue.Record]
}

// newest keeps the newest revision of each key, in the order the keys were
// first seen; a later equal revision replaces an earlier one, as a later
// write would.
type newest[T any] struct {
	at   map[string]int
	list []*T
}

func (n *newest[T]) add(key string, v *T, rev func(*T) int) {
	if i, seen := n.at[key]; seen {
		if rev(v) >= rev(n.list[i]) {
			n.list[i] = v
		}
		return
	}
	if n.at == nil {
		n.at = map[string]int{}
	}
	n.at[key] = len(n.list)
	n.list = append(n.list, v)
}

func prepare(evs []queue.Event) (*batch, error) {
	b := &batch{evs: evs, raws: make([][]byte, len(evs))}
	if err := parallel(len(evs), func(i int) (err error) {
		if evs[i].Seq == 0 {
			return errors.New("event has no sequence number")
		}
		b.raws[i], err = sealJSON(&evs[i])
		return err
	}); err != nil {
		return nil, err
	}
	for e := range evs {
		ev := &evs[e]
		for i := range ev.Tickets {
			b.tickets.add(string(ticketKey(&ev.Tickets[i])), &ev.Tickets[i], func(t *queue.Ticket) int { return t.Rev })
		}
		for i := range ev.Counters {
			b.counters.add(string(u32(uint32(ev.Counters[i].Number))), &ev.Counters[i], func(c *queue.Counter) int { return c.Rev })
		}
		for i := range ev.Services {
			b.services.add(ev.Services[i].Prefix, &ev.Services[i], func(s *queue.Service) int { return s.Rev })
		}
		for i := range ev.Records {
			r := &ev.Records[i]
			if r.Kind == "" || r.Key == "" {
				return nil, fmt.Errorf("event %d (%s): record without kind or key", ev.Seq, ev.Type)
			}
			b.records.add(r.Kind+"\x00"+r.Key, r, func(r *queue.Record) int { return r.Rev })
		}
	}
	b.traws = make([][]byte, len(b.tickets.list))
	if err := parallel(len(b.traws), func(i int) (err error) {
		b.traws[i], err = sealJSON(b.tickets.list[i])
		return err
	}); err != nil {
		return nil, err
	}
	return b, nil
}

// write writes the batch in tx.
func (b *batch) write(tx *bolt.Tx) error {
	if err := noteTicketIDs(tx, b.evs); err != nil {
		return err
	}
	// Events and tickets are appended in key order: fill their pages instead
	// of splitting them half-empty (bbolt's default for random inserts),
	// which halves the file.
	eb, tb, tr := tx.Bucket(bEvents), tx.Bucket(bTickets), tx.Bucket(bTracking)
	eb.FillPercent, tb.FillPercent = appendFill, appendFill
	for i := range b.evs {
		if err := eb.Put(u64(b.evs[i].Seq), b.raws[i]); err != nil {
			return err
		}
	}
	for i, t := range b.tickets.list {
		key := ticketKey(t)
		written, err := putTicket(tb, tx.Bucket(bLive), key, t, b.traws[i])
		if err != nil {
			return err
		}
		// Point the code at the last ticket of a transfer chain; a stale
		// revision (a newer one is stored) must not move it back.
		if written && t.Tracking != "" && t.TransferredTo == 0 {
			if err := tr.Put([]byte(t.Tracking), key); err != nil {
				return err
			}
		}
	}
	for _, c := range b.counters.list {
		if _, err := putNewer(tx.Bucket(bCounters), u32(uint32(c.Number)), c.Rev, c); err != nil {
			return err
		}
	}
	for _, sv := range b.services.list {
		if _, err := putNewer(tx.Bucket(bServices), []byte(sv.Prefix), sv.Rev, sv); err != nil {
			return err
		}
	}
	for _, r := range b.records.list {
		kb, err := tx.Bucket(bRecords).CreateBucketIfNotExists([]byte(r.Kind))
		if err != nil {
			return err
		}
		kb.FillPercent = recordFill
		if _, err := putNewer(kb, []byte(r.Key), r.Rev, r); err != nil {
			return err
		}
	}
	return rollupEvents(tx, b.evs) // rollup.go: report facts, same transaction
}

// appendFill is the page fill of buckets written in key order; recordFill
// that of the records, mostly added in key order (ids, dates) and sometimes
// rewritten.
const (
	appendFill = 0.95
	recordFill = 0.9
)

// parallel runs fn(0..n-1) on every core and returns the first error; a
// small n runs on the caller's goroutine.
func parallel(n int, fn func(i int) error) error {
	workers := min(runtime.GOMAXPROCS(0), max(n/64, 1))
	if workers == 1 {
		for i := range n {
			if err := fn(i); err != nil {
				return err
			}
		}
		return nil
	}
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				if err := fn(i); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
