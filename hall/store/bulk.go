package store

import (
	"errors"
	"fmt"
	"runtime"
	"sync"

	bolt "go.etcd.io/bbolt"

	"hallq/queue"
)

// CommitBulk writes many events in one transaction, for the simulator: the
// same buckets, bytes and rollups as CommitMany, but the events are encoded
// on every core before the transaction starts, and each ticket, counter,
// service and record is written once, at its newest revision, instead of
// once per event that touched it.
func (s *Store) CommitBulk(evs []queue.Event) error {
	if len(evs) == 0 {
		return nil
	}
	raws := make([][]byte, len(evs))
	if err := parallel(len(evs), func(i int) (err error) {
		if evs[i].Seq == 0 {
			return errors.New("event has no sequence number")
		}
		raws[i], err = sealJSON(&evs[i])
		return err
	}); err != nil {
		return fmt.Errorf("commit bulk: %w", err)
	}

	// The newest revision of every record the events carry, in first-seen
	// order (later duplicates of a revision do not replace the first).
	type ticketAt struct{ ev, i int }
	tickets, tOrder := map[string]ticketAt{}, []string{}
	counters, services, records := map[int]*queue.Counter{}, map[string]*queue.Service{}, map[string]*queue.Record{}
	var cOrder []int
	var sOrder, rOrder []string
	for e := range evs {
		ev := &evs[e]
		for i := range ev.Tickets {
			t := &ev.Tickets[i]
			k := string(ticketKey(t))
			old, seen := tickets[k]
			if !seen {
				tOrder = append(tOrder, k)
			}
			if !seen || t.Rev > evs[old.ev].Tickets[old.i].Rev {
				tickets[k] = ticketAt{e, i}
			}
		}
		for i := range ev.Counters {
			c := &ev.Counters[i]
			if old, seen := counters[c.Number]; !seen || c.Rev > old.Rev {
				if !seen {
					cOrder = append(cOrder, c.Number)
				}
				counters[c.Number] = c
			}
		}
		for i := range ev.Services {
			sv := &ev.Services[i]
			if old, seen := services[sv.Prefix]; !seen || sv.Rev > old.Rev {
				if !seen {
					sOrder = append(sOrder, sv.Prefix)
				}
				services[sv.Prefix] = sv
			}
		}
		for i := range ev.Records {
			r := &ev.Records[i]
			if r.Kind == "" || r.Key == "" {
				return fmt.Errorf("commit bulk: event %d: record without kind or key", ev.Seq)
			}
			k := r.Kind + "\x00" + r.Key
			if old, seen := records[k]; !seen || r.Rev > old.Rev {
				if !seen {
					rOrder = append(rOrder, k)
				}
				records[k] = r
			}
		}
	}
	traw := make([][]byte, len(tOrder))
	if err := parallel(len(tOrder), func(i int) (err error) {
		at := tickets[tOrder[i]]
		traw[i], err = sealJSON(&evs[at.ev].Tickets[at.i])
		return err
	}); err != nil {
		return fmt.Errorf("commit bulk: %w", err)
	}

	return s.db.Update(func(tx *bolt.Tx) error {
		eb, tb, tr := tx.Bucket(bEvents), tx.Bucket(bTickets), tx.Bucket(bTracking)
		// Events and tickets are appended in key order: fill their pages
		// instead of splitting them half-empty (bbolt's default for random
		// inserts), which halves the file.
		eb.FillPercent, tb.FillPercent = appendFill, appendFill
		if err := noteTicketIDs(tx, evs); err != nil {
			return err
		}
		for i := range evs {
			if err := eb.Put(u64(evs[i].Seq), raws[i]); err != nil {
				return err
			}
		}
		for i, k := range tOrder {
			at := tickets[k]
			t := &evs[at.ev].Tickets[at.i]
			written, err := putTicket(tb, tx.Bucket(bLive), []byte(k), t, traw[i])
			if err != nil {
				return err
			}
			if !written {
				continue
			}
			if t.Tracking != "" && t.TransferredTo == 0 {
				if err := tr.Put([]byte(t.Tracking), []byte(k)); err != nil {
					return err
				}
			}
		}
		for _, n := range cOrder {
			c := counters[n]
			if _, err := putNewer(tx.Bucket(bCounters), u32(uint32(c.Number)), c.Rev, c); err != nil {
				return err
			}
		}
		for _, p := range sOrder {
			sv := services[p]
			if _, err := putNewer(tx.Bucket(bServices), []byte(sv.Prefix), sv.Rev, sv); err != nil {
				return err
			}
		}
		for _, k := range rOrder {
			r := records[k]
			kb, err := tx.Bucket(bRecords).CreateBucketIfNotExists([]byte(r.Kind))
			if err != nil {
				return err
			}
			kb.FillPercent = recordFill
			if _, err := putNewer(kb, []byte(r.Key), r.Rev, r); err != nil {
				return err
			}
		}
		return rollupEvents(tx, evs)
	})
}

// parallel runs fn(0..n-1) on every core and returns the first error.
func parallel(n int, fn func(i int) error) error {
	workers := min(runtime.GOMAXPROCS(0), max(n/64, 1))
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
