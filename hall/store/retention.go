package store

import (
	"encoding/binary"

	bolt "go.etcd.io/bbolt"

	"hallq/queue"
)

// metaAnonSeq records how far Anonymise has gone through the event log, so
// each run reads only the events added since.
const metaAnonSeq = "anonymised_seq"

// Anonymise clears the personal fields (phone, account number) of every
// ticket of a day before beforeDay ("YYYY-MM-DD"), in the tickets bucket and
// in the events that carry them, keeping everything the reports count. It
// works in transactions of at most batch records and returns how many
// records it changed.
func (s *Store) Anonymise(beforeDay string, batch int) (changed int, err error) {
	if batch <= 0 {
		batch = 5000
	}
	end := dayKey(beforeDay)
	// Sealed days: their personal fields are kept apart, so erasing them is
	// a range delete; no segment is rewritten.
	if err := s.update(func(tx *bolt.Tx) error {
		pb := tx.Bucket(bPersonal)
		if pb == nil {
			return nil
		}
		c := pb.Cursor()
		for k, _ := c.First(); k != nil && string(k[:min(8, len(k))]) < string(end); k, _ = c.First() {
			if err := pb.Delete(k); err != nil {
				return err
			}
			changed++
		}
		return nil
	}); err != nil {
		return changed, err
	}
	// Tickets: days before the cutoff. Only tickets that still carry a
	// personal field are rewritten, so a second run changes nothing.
	// Each batch is read in a read-only transaction and written, only if it
	// changes something, in a write transaction: a hall with nothing left to
	// erase writes nothing. Old tickets and events never change otherwise,
	// so nothing can slip in between.
	for start := []byte{}; start != nil; {
		var puts []kv
		err := s.view(func(tx *bolt.Tx) error {
			c := tx.Bucket(bTickets).Cursor()
			n := 0
			k, v := c.Seek(start)
			for ; k != nil && string(k[:8]) < string(end) && n < batch; k, v = c.Next() {
				var t queue.Ticket
				if err := decode("tickets", ticketName(k), v, &t); err != nil {
					return err
				}
				n++
				if t.Phone == "" && t.Account == "" {
					continue
				}
				t.Phone, t.Account = "", ""
				raw, err := sealJSON(t)
				if err != nil {
					return err
				}
				puts = append(puts, kv{append([]byte(nil), k...), raw})
			}
			if k == nil || string(k[:8]) >= string(end) {
				start = nil
			} else {
				start = append([]byte(nil), k...)
			}
			return nil
		})
		if err == nil && len(puts) > 0 {
			err = s.update(func(tx *bolt.Tx) error { return putAll(tx.Bucket(bTickets), puts, &changed) })
		}
		if err != nil {
			return changed, err
		}
	}
	// Events: from where the last run stopped, while their day is before
	// the cutoff (days only grow along the log).
	for done := false; !done; {
		var puts []kv
		var from, last uint64
		err := s.view(func(tx *bolt.Tx) error {
			if raw := tx.Bucket(bMeta).Get([]byte(metaAnonSeq)); len(raw) == 8 {
				from = binary.BigEndian.Uint64(raw)
			}
			c := tx.Bucket(bEvents).Cursor()
			n := 0
			last = from
			k, v := c.Seek(u64(from + 1))
			for ; k != nil && n < batch; k, v = c.Next() {
				var ev queue.Event
				if err := decode("events", seqName(k), v, &ev); err != nil {
					return err
				}
				if ev.Day >= beforeDay && !allBefore(ev.Tickets, beforeDay) {
					// A day's first event (the rollover) carries the tickets
					// the day before left open, so it may still be old
					// enough; anything else of a recent day ends the run.
					done = true
					break
				}
				n++
				last = ev.Seq
				dirty := false
				for i := range ev.Tickets {
					if ev.Tickets[i].Day < beforeDay && (ev.Tickets[i].Phone != "" || ev.Tickets[i].Account != "") {
						ev.Tickets[i].Phone, ev.Tickets[i].Account = "", ""
						dirty = true
					}
				}
				if !dirty {
					continue
				}
				raw, err := sealJSON(ev)
				if err != nil {
					return err
				}
				puts = append(puts, kv{append([]byte(nil), k...), raw})
			}
			if k == nil {
				done = true
			}
			return nil
		})
		if err == nil && last != from {
			err = s.update(func(tx *bolt.Tx) error {
				if err := putAll(tx.Bucket(bEvents), puts, &changed); err != nil {
					return err
				}
				return tx.Bucket(bMeta).Put([]byte(metaAnonSeq), u64(last))
			})
		}
		if err != nil {
			return changed, err
		}
	}
	return changed, nil
}

type kv struct{ k, v []byte }

func putAll(b *bolt.Bucket, puts []kv, n *int) error {
	for _, p := range puts {
		if err := b.Put(p.k, p.v); err != nil {
			return err
		}
		*n++
	}
	return nil
}

// allBefore reports whether there are tickets and all are of days before day.
func allBefore(ts []queue.Ticket, day string) bool {
	for _, t := range ts {
		if t.Day >= day {
			return false
		}
	}
	return len(ts) > 0
}
