package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"hallq/queue"
)

// The live bucket is what lets a restart rebuild today's queue from the
// open tickets instead of every ticket of the day (docs/storage.md):
//
//	"o" DAY ID              open (not final) tickets, kept with every ticket write
//	"d" DAY FINISHED_NS ID  done tickets by the time they finished
//	"p" DAY PHONE           tickets issued per phone number (u64)
//	"core"                  the engine's running figures (queue.Running), with each commit of the hall
//	"s" PREFIX              a service's estimate windows (queue.ServiceRunning)
//	"index"                 present once the o/d/p keys cover every stored ticket
//
// It is not one of the buckets check requires: a store written before it
// existed is healthy, and gets it on its next open for writing.
var (
	bLive      = []byte("live")
	liveCore   = []byte("core")
	liveMarker = []byte("index")
)

// ticketHead is what the indexes need of a stored ticket.
type ticketHead struct {
	Rev    int          `json:"rev"`
	Status queue.Status `json:"status"`
}

// putTicket stores t under key unless the stored record has a newer
// revision (as putNewer), keeping the live indexes in step; written reports
// whether it stored t.
func putTicket(tb, lb *bolt.Bucket, key []byte, t *queue.Ticket, raw []byte) (written bool, err error) {
	var old *ticketHead
	if v := tb.Get(key); v != nil {
		var h ticketHead
		// A damaged old value is replaced by the new one.
		if p, _, err := unseal(v); err == nil && json.Unmarshal(p, &h) == nil {
			if h.Rev > t.Rev {
				return false, nil
			}
			old = &h
		}
	}
	if raw == nil {
		if raw, err = sealJSON(t); err != nil {
			return false, err
		}
	}
	if err := tb.Put(key, raw); err != nil {
		return false, err
	}
	return true, indexTicket(lb, key, old, t)
}

// indexTicket updates the live indexes for t (stored under key), which
// replaced old (nil: new, or unreadable).
func indexTicket(lb *bolt.Bucket, key []byte, old *ticketHead, t *queue.Ticket) error {
	if lb == nil {
		return nil
	}
	ok := append([]byte{'o'}, key...)
	if t.Status.Final() {
		if err := lb.Delete(ok); err != nil {
			return err
		}
	} else if err := lb.Put(ok, nil); err != nil {
		return err
	}
	if t.Status == queue.Done && t.FinishedAt != nil && (old == nil || old.Status != queue.Done) {
		k := append(append(append([]byte{'d'}, key[:8]...), u64(uint64(t.FinishedAt.UnixNano()))...), key[8:]...)
		if err := lb.Put(k, nil); err != nil {
			return err
		}
	}
	if old == nil && t.Phone != "" && t.TransferredFrom == 0 {
		k := append(append([]byte{'p'}, key[:8]...), t.Phone...)
		n := uint64(0)
		if v := lb.Get(k); len(v) == 8 {
			n = binary.BigEndian.Uint64(v)
		}
		if err := lb.Put(k, u64(n+1)); err != nil {
			return err
		}
	}
	return nil
}

// initLive creates the live bucket and, once, indexes every stored ticket.
func initLive(tx *bolt.Tx) error {
	lb, err := tx.CreateBucketIfNotExists(bLive)
	if err != nil {
		return err
	}
	if lb.Get(liveMarker) != nil {
		return nil
	}
	err = tx.Bucket(bTickets).ForEach(func(k, v []byte) error {
		var t queue.Ticket
		if len(k) != 16 {
			return nil
		}
		if p, _, err := unseal(v); err != nil || json.Unmarshal(p, &t) != nil {
			return nil // check reports it; the full rebuild reads it
		}
		return indexTicket(lb, k, nil, &t)
	})
	if err != nil {
		return err
	}
	return lb.Put(liveMarker, []byte{1})
}

// putRunning stores the hall's running figures: the core, and the windows
// of the services r carries (the others are unchanged).
func putRunning(tx *bolt.Tx, r *queue.Running) error {
	lb := tx.Bucket(bLive)
	if r == nil || lb == nil {
		return nil
	}
	core := *r
	core.Services = nil
	raw, err := sealJSON(&core)
	if err != nil {
		return err
	}
	if err := lb.Put(liveCore, raw); err != nil {
		return err
	}
	for p, s := range r.Services {
		raw, err := sealJSON(&s)
		if err != nil {
			return err
		}
		if err := lb.Put(append([]byte{'s'}, p...), raw); err != nil {
			return err
		}
	}
	return nil
}

// runningFigures puts into services the service-time figure the running
// figures hold (live "s" PREFIX, queue.ServiceRunning.AvgServiceS): since a
// finish no longer rewrites its service's record, the record keeps the figure
// of its last configuration. Windows written before the figure was kept there
// (0) leave the record's figure, which their hall kept up to date.
func runningFigures(tx *bolt.Tx, services []queue.Service) error {
	lb := tx.Bucket(bLive)
	if lb == nil {
		return nil
	}
	for i := range services {
		k := append([]byte{'s'}, services[i].Prefix...)
		v := lb.Get(k)
		if v == nil {
			continue
		}
		var sr queue.ServiceRunning
		if err := decode("live", printable(k), v, &sr); err != nil {
			return err
		}
		if sr.AvgServiceS > 0 {
			services[i].AvgServiceS = sr.AvgServiceS
		}
	}
	return nil
}

// LiveState is State for a restart from the open tickets (LoadLive).
type LiveState struct {
	State
	// Running is nil when the store holds no running figures matching its
	// last event: Tickets are then every ticket of the day, as Load reads.
	Running *queue.Running
	Phones  map[string]int // tickets issued per phone today
	Done    []uint64       // done tickets finished since doneSince, in that order
}

// LoadLive reads what a restart needs for day: with running figures that
// match the last stored event, the open tickets, the tickets the figures
// name (latest calls, each counter's last finished one) and those finished
// since doneSince, the figures and the per-phone counts — the cost grows
// with the open tickets, not the day's. Otherwise it reads as Load does
// (every ticket of the day) and Running is nil.
func (s *Store) LoadLive(day string, doneSince time.Time) (LiveState, error) {
	var ls LiveState
	err := s.view(func(tx *bolt.Tx) error {
		st, err := loadTx(tx, day, false)
		if err != nil {
			return err
		}
		ls.State = st
		lb := tx.Bucket(bLive)
		if lb == nil || lb.Get(liveMarker) == nil {
			return s.fullInto(tx, day, &ls)
		}
		var r queue.Running
		if v := lb.Get(liveCore); v == nil || decode("live", "core", v, &r) != nil || r.Day != day || r.Seq != st.LastSeq {
			return s.fullInto(tx, day, &ls)
		}
		r.Services = map[string]queue.ServiceRunning{}
		c := lb.Cursor()
		for k, v := c.Seek([]byte{'s'}); k != nil && k[0] == 's'; k, v = c.Next() {
			var sr queue.ServiceRunning
			if err := decode("live", printable(k), v, &sr); err != nil {
				return err
			}
			r.Services[string(k[1:])] = sr
		}
		dk := dayKey(day)
		want := map[uint64]bool{}
		var ids []uint64
		add := func(id uint64) {
			if !want[id] {
				want[id] = true
				ids = append(ids, id)
			}
		}
		for k, _ := c.Seek(append([]byte{'o'}, dk...)); len(k) == 17 && k[0] == 'o' && bytes.Equal(k[1:9], dk); k, _ = c.Next() {
			add(binary.BigEndian.Uint64(k[9:]))
		}
		for _, id := range r.NeededIDs() {
			add(id)
		}
		from := append(append([]byte{'d'}, dk...), u64(uint64(max(0, doneSince.UnixNano())))...)
		for k, _ := c.Seek(from); len(k) == 25 && k[0] == 'd' && bytes.Equal(k[1:9], dk); k, _ = c.Next() {
			id := binary.BigEndian.Uint64(k[17:])
			ls.Done = append(ls.Done, id)
			add(id)
		}
		ls.Phones = map[string]int{}
		pp := append([]byte{'p'}, dk...)
		for k, v := c.Seek(pp); k != nil && bytes.HasPrefix(k, pp); k, v = c.Next() {
			if len(v) == 8 {
				ls.Phones[string(k[9:])] = int(binary.BigEndian.Uint64(v))
			}
		}
		tb := tx.Bucket(bTickets)
		ls.Tickets = make([]queue.Ticket, 0, len(ids))
		for _, id := range ids {
			key := append(append([]byte(nil), dk...), u64(id)...)
			v := tb.Get(key)
			if v == nil {
				continue
			}
			var t queue.Ticket
			if err := decode("tickets", ticketName(key), v, &t); err != nil {
				return err
			}
			ls.Tickets = append(ls.Tickets, t)
		}
		if ls.Tickets, err = withCarried(tx, day, ls.Tickets, ls.Counters); err != nil {
			return err
		}
		ls.Running = &r
		return nil
	})
	return ls, err
}

func (s *Store) fullInto(tx *bolt.Tx, day string, ls *LiveState) (err error) {
	if ls.Tickets, err = ticketsOf(tx, day, day); err != nil {
		return err
	}
	ls.Tickets, err = withCarried(tx, day, ls.Tickets, ls.Counters)
	return err
}

// TicketOf returns the stored ticket id of day (finished tickets that a
// restart left out of the live queue).
func (s *Store) TicketOf(day string, id uint64) (t queue.Ticket, ok bool, err error) {
	key := append(dayKey(day), u64(id)...)
	view := s.viewOwn // the tree's image is the newest unless a pending frame carries one
	if s.pendingTicket(key) {
		view = s.view
	}
	err = view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bTickets).Get(key)
		if v == nil {
			return nil
		}
		ok = true
		return decode("tickets", ticketName(key), v, &t)
	})
	return t, ok, err
}
