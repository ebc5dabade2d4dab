package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"hallq/history"
	"hallq/internal/killpoint"
	"hallq/queue"
)

// Sealed history (docs/storage.md): the days before today leave the hot
// file for one immutable segment per day in DATA/history (package history).
//
//	meta     "sealed_through" → sealMark JSON: the last sealed day, and the
//	         sequence and time of its last event. A day is read from exactly
//	         one place: days up to it from their segments, later days from
//	         the hot file.
//	personal day ("20261204") + ticket id (uint64 BE) → Personal JSON: the
//	         phone and 户号 the segment of that day does not hold; retention
//	         deletes them by key range (Anonymise).
//
// A sealed day's tickets are the last image of each ticket in the day's
// events, but for those that changed after their day's last event (the
// day's rollover cancels the tickets still waiting, in the next day's first
// event): their final image is in the segment's records, kind
// recordTicket. A ticket a counter still holds when its day is sealed stays
// in the hot tickets bucket, whose image wins over the segment's.
var (
	bPersonal  = []byte("personal")
	metaSealed = []byte("sealed_through")
	// bSealed lists every sealed day: day → first and last sequence and
	// the count of its events (3 × uint64 BE), so a segment that went
	// missing is named by the reads that need it and by the check, never
	// skipped.
	bSealed = []byte("sealed")
)

// missingSegments returns the sealed days after since (by their last
// sequence; every day when since is 0) whose segment the index lacks.
func (s *Store) missingSegments(tx *bolt.Tx, ix *history.Index, since uint64) []string {
	b := tx.Bucket(bSealed)
	if b == nil {
		return nil
	}
	var out []string
	b.ForEach(func(k, v []byte) error {
		if len(v) == 24 && binary.BigEndian.Uint64(v[8:]) <= since {
			return nil
		}
		if _, ok := ix.Find(string(k)); !ok {
			out = append(out, string(k))
		}
		return nil
	})
	return out
}

func (s *Store) errMissing(day string) error {
	return &history.DamagedError{Path: history.PathFor(s.hist.dir, day), Block: -1, Err: errors.New("the segment is missing")}
}

// packTracking is the tracking value of a sealed ticket: 0x00, then the
// day (days since 1970-01-01), the ticket id and the sequence of the event
// that holds its final image, each a uvarint — 11 bytes for a large hall,
// where the tickets key and the sequence took 24. A tickets key starts with
// the day's first digit, never 0x00. unpackTracking reads both this form and the
// 24-byte one of earlier sealers (tickets key + sequence, uint64 BE).
func packTracking(day string, id, seq uint64) []byte {
	d, _ := time.Parse(time.DateOnly, day)
	v := binary.AppendUvarint([]byte{0}, uint64(d.Unix()/86400))
	v = binary.AppendUvarint(v, id)
	return binary.AppendUvarint(v, seq)
}

// unpackTracking returns the tickets key and the sequence of a sealed
// ticket's tracking value; ok is false for a hot ticket's (the tickets key
// alone) or a value that is neither.
func unpackTracking(v []byte) (key []byte, seq uint64, ok bool) {
	if len(v) == 24 {
		return v[:16], binary.BigEndian.Uint64(v[16:]), true
	}
	if len(v) == 0 || v[0] != 0 {
		return nil, 0, false
	}
	var n [3]uint64
	rest := v[1:]
	for i := range n {
		x, l := binary.Uvarint(rest)
		if l <= 0 {
			return nil, 0, false
		}
		n[i], rest = x, rest[l:]
	}
	if len(rest) != 0 || n[0] > 1<<20 {
		return nil, 0, false
	}
	day := time.Unix(int64(n[0])*86400, 0).UTC().Format(time.DateOnly)
	return append(dayKey(day), u64(n[1])...), n[2], true
}

// recordTicket is the kind of a segment record holding a ticket's final
// image (without personal fields), keyed by its id.
const recordTicket = "ticket"

type sealedMark struct {
	Day string    `json:"day"`
	Seq uint64    `json:"seq"`
	At  time.Time `json:"at"`
}

type personalJSON struct {
	Phone   string `json:"phone,omitempty"`
	Account string `json:"account,omitempty"`
}

// sealed is the store's view of its history directory.
type sealed struct {
	dir    string
	mu     sync.Mutex
	ix     *history.Index
	cache  []cachedDay  // segTickets
	rcache []cachedRecs // segRecords
	// damaged are the segments found damaged (path → the DamagedError's
	// text), by the verifier, a check or a read.
	damaged map[string]string
}

func openSealed(dir string, clean bool) (*sealed, error) {
	ix, err := history.Scan(dir)
	if err != nil {
		return nil, err
	}
	if clean {
		if err := ix.Clean(); err != nil {
			return nil, err
		}
	}
	return &sealed{dir: dir, ix: ix}, nil
}

// index returns a copy of the index, safe to read while the sealer adds.
func (h *sealed) index() *history.Index {
	h.mu.Lock()
	defer h.mu.Unlock()
	return &history.Index{Dir: h.ix.Dir, Segments: slices.Clone(h.ix.Segments)}
}

func (h *sealed) add(e history.Entry) {
	h.mu.Lock()
	h.ix.Add(e)
	h.mu.Unlock()
}

func readSealMark(tx *bolt.Tx) (m sealedMark) {
	if raw := tx.Bucket(bMeta).Get(metaSealed); raw != nil {
		_ = decode("meta", string(metaSealed), raw, &m) // check reports a damaged mark
	}
	return m
}

// SealedThrough returns the last sealed day ("" when none).
func (s *Store) SealedThrough() (day string, err error) {
	err = s.view(func(tx *bolt.Tx) error { day = readSealMark(tx).Day; return nil })
	return day, err
}

// History returns a snapshot of the sealed segments' index (hallq check,
// the verifier, backups).
func (s *Store) History() *history.Index { return s.hist.index() }

func dayOfKey(k []byte) string {
	return string(k[0:4]) + "-" + string(k[4:6]) + "-" + string(k[6:8])
}

// personalOf reads the personal fields kept for the segment of day.
func personalOf(tx *bolt.Tx, day string) (map[uint64]history.Personal, error) {
	pb := tx.Bucket(bPersonal)
	if pb == nil {
		return nil, nil
	}
	out := map[uint64]history.Personal{}
	dk := dayKey(day)
	c := pb.Cursor()
	for k, v := c.Seek(dk); len(k) == 16 && bytes.Equal(k[:8], dk); k, v = c.Next() {
		var p personalJSON
		if err := decode("personal", ticketName(k), v, &p); err != nil {
			return nil, err
		}
		id := binary.BigEndian.Uint64(k[8:])
		out[id] = history.Personal{Ticket: id, Phone: p.Phone, Account: p.Account}
	}
	return out, nil
}

var errEnough = errors.New("enough")

// eachSealedEvent calls fn with the sealed events after since (up to the
// mark tx holds), personal fields restored when personal.
func (s *Store) eachSealedEvent(tx *bolt.Tx, since uint64, personal bool, fn func(ev *queue.Event) error) error {
	mark := readSealMark(tx)
	if since >= mark.Seq {
		return nil
	}
	ix := s.hist.index()
	ix.Segments = ix.Range("", mark.Day)
	if miss := s.missingSegments(tx, ix, since); len(miss) > 0 {
		err := s.errMissing(miss[0])
		s.noteRead(err)
		return err
	}
	var day string
	var pers map[uint64]history.Personal
	err := ix.EachSealedSince(since, func(seg *history.Segment, ev *queue.Event) error {
		if ev.Seq > mark.Seq {
			return errEnough
		}
		if personal {
			if seg.Day() != day {
				var err error
				if pers, err = personalOf(tx, seg.Day()); err != nil {
					return err
				}
				day = seg.Day()
			}
			history.Restore(ev, pers)
		}
		return fn(ev)
	})
	if errors.Is(err, errEnough) {
		return nil
	}
	s.noteRead(err)
	return err
}

// noteRead remembers the segment a read found damaged.
func (s *Store) noteRead(err error) {
	var de *history.DamagedError
	if errors.As(err, &de) {
		s.hist.noteDamaged(de.Path, de)
	}
}

// sealedTickets returns the final image of every ticket of the sealed day,
// in id order: the segment's, the final images among its records, and the
// tickets the hot file still holds for the day.
func (s *Store) sealedTickets(tx *bolt.Tx, day string) ([]queue.Ticket, error) {
	byID := map[uint64]queue.Ticket{}
	e, ok := s.hist.index().Find(day)
	if b := tx.Bucket(bSealed); !ok && b != nil && b.Get([]byte(day)) != nil {
		err := s.errMissing(day)
		s.noteRead(err)
		return nil, err
	}
	if ok {
		seg, err := s.hist.segTickets(e.Path, day)
		if err != nil {
			s.noteRead(err)
			return nil, err
		}
		for _, t := range seg {
			byID[t.ID] = t
		}
		pers, err := personalOf(tx, day)
		if err != nil {
			return nil, err
		}
		for id, p := range pers {
			if t, ok := byID[id]; ok {
				t.Phone, t.Account = p.Phone, p.Account
				byID[id] = t
			}
		}
	}
	hot, err := ticketsOf(tx, day, day)
	if err != nil {
		return nil, err
	}
	for _, t := range hot {
		if old, ok := byID[t.ID]; !ok || t.Rev >= old.Rev {
			byID[t.ID] = t
		}
	}
	out := make([]queue.Ticket, 0, len(byID))
	for _, t := range byID {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b queue.Ticket) int { return cmpU64(a.ID, b.ID) })
	return out, nil
}

// sealedTicketAt reads ticket id of the sealed day from the event seq of its
// segment (the block that holds it only), personal fields restored.
func (s *Store) sealedTicketAt(tx *bolt.Tx, day string, id, seq uint64) (t queue.Ticket, ok bool, err error) {
	e, found := s.hist.index().Find(day)
	if !found {
		err = s.errMissing(day)
		s.noteRead(err)
		return t, false, err
	}
	seg, err := history.Open(e.Path)
	if err == nil {
		err = seg.EachEvent(seq-1, func(ev *queue.Event) error {
			for i := range ev.Tickets {
				if ev.Tickets[i].ID == id {
					t, ok = ev.Tickets[i], true
				}
			}
			return errEnough
		})
		if errors.Is(err, errEnough) {
			err = nil
		}
	}
	if err != nil {
		s.noteRead(err)
		return t, false, err
	}
	if ok {
		pers, err := personalOf(tx, day)
		if err != nil {
			return t, false, err
		}
		if p, has := pers[id]; has {
			t.Phone, t.Account = p.Phone, p.Account
		}
	}
	return t, ok, nil
}

// segTickets returns the final ticket images of the segment of day at path
// (without personal fields). The last few days read are kept, each under
// the file's size and time, so looking up tracking codes of one day reads
// it once, and a file changed since is read (and checked) again.
func (h *sealed) segTickets(path, day string) ([]queue.Ticket, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read history segment: %w", err)
	}
	stamp := fmt.Sprint(fi.Size(), fi.ModTime().UnixNano())
	h.mu.Lock()
	for _, c := range h.cache {
		if c.path == path && c.stamp == stamp {
			h.mu.Unlock()
			return c.tickets, nil
		}
	}
	h.mu.Unlock()
	byID := map[uint64]queue.Ticket{}
	{
		e := history.Entry{Path: path}
		seg, err := history.Open(e.Path)
		if err != nil {
			return nil, err
		}
		if err := seg.EachTicket(func(t *queue.Ticket, _ uint64) error {
			if t.Day == day {
				byID[t.ID] = *t
			}
			return nil
		}); err != nil {
			return nil, err
		}
		if err := seg.EachRecord(func(r *queue.Record) error {
			if r.Kind != recordTicket {
				return nil
			}
			var t queue.Ticket
			if err := json.Unmarshal(r.Data, &t); err != nil {
				return &history.DamagedError{Path: e.Path, Block: -1, Err: fmt.Errorf("ticket record %s: %v", r.Key, err)}
			}
			if old, ok := byID[t.ID]; !ok || t.Rev >= old.Rev {
				byID[t.ID] = t
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}
	out := make([]queue.Ticket, 0, len(byID))
	for _, id := range sortedIDs(byID) {
		out = append(out, byID[id])
	}
	h.mu.Lock()
	h.cache = append(h.cache, cachedDay{path: path, stamp: stamp, tickets: out})
	if len(h.cache) > 4 {
		h.cache = h.cache[1:]
	}
	h.mu.Unlock()
	return out, nil
}

type cachedDay struct {
	path, stamp string
	tickets     []queue.Ticket // never changed once cached: readers copy
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// sealedDays lists the sealed days from..to that may hold tickets: those
// sealed, those with a segment and those the hot file keeps tickets of.
func (s *Store) sealedDays(tx *bolt.Tx, from, to string) []string {
	var days []string
	for _, e := range s.hist.index().Range(from, to) {
		days = append(days, e.Day)
	}
	if b := tx.Bucket(bSealed); b != nil {
		c := b.Cursor()
		for k, _ := c.Seek([]byte(from)); k != nil && string(k) <= to; k, _ = c.Next() {
			days = append(days, string(k))
		}
	}
	c := tx.Bucket(bTickets).Cursor()
	hi := dayKey(to)
	for k, _ := c.Seek(dayKey(from)); len(k) == 16 && bytes.Compare(k[:8], hi) <= 0; {
		days = append(days, dayOfKey(k))
		k, _ = c.Seek(append(append([]byte(nil), k[:8]...), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))
	}
	slices.Sort(days)
	return slices.Compact(days)
}

// eachTicketTx is EachTicket in tx: sealed days from their segments, later
// days from the hot file.
func (s *Store) eachTicketTx(tx *bolt.Tx, from, to string, fn func(t *queue.Ticket) error) error {
	mark := readSealMark(tx)
	if mark.Day != "" && from <= mark.Day {
		for _, day := range s.sealedDays(tx, from, min(to, mark.Day)) {
			ts, err := s.sealedTickets(tx, day)
			if err != nil {
				return err
			}
			for i := range ts {
				if err := fn(&ts[i]); err != nil {
					return err
				}
			}
		}
	}
	lo := dayKey(from)
	if mark.Day != "" && from <= mark.Day {
		lo = append(dayKey(mark.Day), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
	}
	hi := dayKey(to)
	c := tx.Bucket(bTickets).Cursor()
	var t queue.Ticket
	for k, v := c.Seek(lo); k != nil && bytes.Compare(k[:8], hi) <= 0; k, v = c.Next() {
		t = queue.Ticket{}
		if err := decode("tickets", ticketName(k), v, &t); err != nil {
			return err
		}
		if err := fn(&t); err != nil {
			return err
		}
	}
	return nil
}

// SealBefore seals, oldest first, every day before today (YYYY-MM-DD) whose
// events are still in the hot file, and returns the days it sealed. A day
// is sealed in three steps: its segment is written (history.WriteFile: a
// temporary file, synced, renamed), opened and verified against the hot
// file's events, then one transaction removes the day from the hot file,
// keeps its personal fields and moves the mark. A crash between the steps
// leaves the day hot, and the next run finds the segment and checks it
// (docs/storage.md, crash safety). A store written before sealing existed
// has all its history hot: its first run seals every old day.
func (s *Store) SealBefore(today string) (days []string, err error) {
	for {
		day, err := s.SealOldest(today)
		if err != nil || day == "" {
			return days, err
		}
		days = append(days, day)
	}
}

// SealOldest seals the oldest day before today still in the hot file (see
// SealBefore) and returns it, "" when there is none.
func (s *Store) SealOldest(today string) (string, error) {
	if s.db.IsReadOnly() {
		return "", errors.New("seal history: the store is open read-only")
	}
	day, err := s.nextSealDay(today)
	if err != nil {
		return "", err
	}
	if day != "" {
		if err := s.sealDay(day); err != nil {
			return "", fmt.Errorf("seal %s: %w", day, err)
		}
	}
	// The months sealed to their end leave the hot file (facts.go): at
	// once after their last day, or, for a store whose months were sealed
	// before this existed, one month at each run.
	if _, err := s.closeMonth(); err != nil {
		return day, err
	}
	return day, nil
}

func nextDay(day string) string {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return d.AddDate(0, 0, 1).Format(time.DateOnly)
}

// nextSealDay is the oldest day before today that the hot file's events
// still hold ("" when none).
func (s *Store) nextSealDay(today string) (day string, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		k, v := tx.Bucket(bEvents).Cursor().First()
		if k == nil {
			return nil
		}
		var ev struct {
			Day string `json:"day"`
		}
		if err := decode("events", seqName(k), v, &ev); err != nil {
			return err
		}
		day = ev.Day
		if m := readSealMark(tx); m.Day != "" && day <= m.Day {
			day = nextDay(m.Day) // events of a sealed day after a clock step go with the next
		}
		if _, err := time.Parse(time.DateOnly, day); err != nil || day >= today {
			day = ""
		}
		return nil
	})
	return day, err
}

// beforeHotTx is called between a verified segment and the transaction that
// removes its day from the hot file (crash tests stop the process there).
var beforeHotTx = func(path string) {}

// sealDay seals day: see SealBefore.
func (s *Store) sealDay(day string) error {
	var (
		d      = history.Day{Day: day}
		hot    = map[uint64]queue.Ticket{}
		hotRev = map[uint64]int{}
		held   = map[uint64]bool{}
		moved  []queue.Record // closed records (sealed_records.go)
	)
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bEvents).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var ev queue.Event
			if err := decode("events", seqName(k), v, &ev); err != nil {
				return err
			}
			if ev.Day > day {
				break
			}
			d.Events = append(d.Events, ev)
		}
		var err error
		if moved, err = s.closedRecords(tx, d.Events); err != nil {
			return err
		}
		ts, err := ticketsOf(tx, day, day)
		if err != nil {
			return err
		}
		for _, t := range ts {
			hot[t.ID], hotRev[t.ID] = t, t.Rev
		}
		return nil
	})
	if err != nil || len(d.Events) == 0 {
		return err
	}
	// Tickets whose final image is not their last in the day's events.
	last := map[uint64]int{}
	lastAtSeq := map[uint64]uint64{} // the event that holds a ticket's last image
	for i := range d.Events {
		for _, t := range d.Events[i].Tickets {
			if r, ok := last[t.ID]; t.Day == day && (!ok || t.Rev >= r) {
				last[t.ID], lastAtSeq[t.ID] = t.Rev, d.Events[i].Seq
			}
		}
	}
	extra := map[uint64]history.Personal{}
	for _, id := range sortedIDs(hot) {
		t := hot[id]
		if r, ok := last[id]; ok && r == t.Rev {
			continue
		}
		if t.Phone != "" || t.Account != "" {
			extra[id] = history.Personal{Ticket: id, Phone: t.Phone, Account: t.Account}
		}
		t.Phone, t.Account = "", ""
		raw, err := json.Marshal(t)
		if err != nil {
			return err
		}
		d.Records = append(d.Records, queue.Record{Kind: recordTicket, Key: strconv.FormatUint(id, 10), Rev: t.Rev, Data: raw})
	}
	d.Records = append(d.Records, recordsNotInEvents(d.Events, moved)...)
	path := history.PathFor(s.hist.dir, day)
	w, err := writeSegment(path, &d)
	if err != nil {
		return err
	}
	pers := map[uint64]history.Personal{}
	for _, p := range w.Personal {
		pers[p.Ticket] = p
	}
	for id, p := range extra {
		pers[id] = p
	}
	seg, err := checkSegment(path, &d, pers)
	if err != nil {
		return err
	}
	first, lastSeq := seg.Seqs()
	lastAt := d.Events[len(d.Events)-1].At
	beforeHotTx(path)
	killpoint.At("seal-hot-tx") // the crash drill: segment in place, day still hot
	err = s.update(func(tx *bolt.Tx) error {
		if m := readSealMark(tx); m.Day >= day {
			return nil // sealed meanwhile
		}
		for _, c := range mustCounters(tx) {
			held[c.Current] = true
		}
		eb := tx.Bucket(bEvents)
		if k, _ := eb.Cursor().First(); k == nil || binary.BigEndian.Uint64(k) != first {
			return fmt.Errorf("the hot file's first event is no longer %d", first)
		}
		mb := tx.Bucket(bMeta)
		if err := mb.Put(metaTicketID, u64(maxTicketID(tx))); err != nil {
			return err
		}
		floor := lastSeq
		if raw := mb.Get(metaSeqFloor); len(raw) == 8 {
			floor = max(floor, binary.BigEndian.Uint64(raw))
		}
		if err := mb.Put(metaSeqFloor, u64(floor)); err != nil {
			return err
		}
		for i := range d.Events {
			if err := eb.Delete(u64(d.Events[i].Seq)); err != nil {
				return err
			}
		}
		tb, lb := tx.Bucket(bTickets), tx.Bucket(bLive)
		for id, rev := range hotRev {
			key := append(dayKey(day), u64(id)...)
			var h ticketHead
			if held[id] || decode("tickets", ticketName(key), tb.Get(key), &h) != nil || h.Rev != rev {
				continue // held, or changed since it was read: stays hot, its image wins
			}
			if err := tb.Delete(key); err != nil {
				return err
			}
			// The ticket's tracking code now names the event that holds its
			// final image: a lookup reads one block, not the day.
			if code := hot[id].Tracking; code != "" && last[id] == rev {
				tr := tx.Bucket(bTracking)
				if bytes.Equal(tr.Get([]byte(code)), key) {
					if err := tr.Put([]byte(code), packTracking(day, id, lastAtSeq[id])); err != nil {
						return err
					}
				}
			}
			if lb != nil {
				if err := lb.Delete(append([]byte{'o'}, key...)); err != nil {
					return err
				}
			}
		}
		if lb != nil {
			for _, p := range []byte{'d', 'p'} {
				pre := append([]byte{p}, dayKey(day)...)
				c := lb.Cursor()
				for k, _ := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, _ = c.Seek(pre) {
					if err := lb.Delete(k); err != nil {
						return err
					}
				}
			}
		}
		if err := moveClosedRecords(tx, day, moved); err != nil {
			return err
		}
		keep := map[uint64]bool{} // the day's tickets that stay hot
		dk := dayKey(day)
		tc := tb.Cursor()
		for k, _ := tc.Seek(dk); len(k) == 16 && bytes.Equal(k[:8], dk); k, _ = tc.Next() {
			keep[binary.BigEndian.Uint64(k[8:])] = true
		}
		if err := packRollupDay(tx, day, keep); err != nil {
			return err
		}
		pb, err := tx.CreateBucketIfNotExists(bPersonal)
		if err != nil {
			return err
		}
		for _, id := range sortedIDs(pers) {
			p := pers[id]
			raw, err := sealJSON(personalJSON{Phone: p.Phone, Account: p.Account})
			if err != nil {
				return err
			}
			if err := pb.Put(append(dayKey(day), u64(id)...), raw); err != nil {
				return err
			}
		}
		sb, err := tx.CreateBucketIfNotExists(bSealed)
		if err != nil {
			return err
		}
		if err := sb.Put([]byte(day), append(append(u64(first), u64(lastSeq)...), u64(uint64(len(d.Events)))...)); err != nil {
			return err
		}
		raw, err := sealJSON(sealedMark{Day: day, Seq: lastSeq, At: lastAt})
		if err != nil {
			return err
		}
		return mb.Put(metaSealed, raw)
	})
	if err != nil {
		return err
	}
	s.hist.add(history.Entry{Day: day, Path: path, Size: seg.Size()})
	return nil
}

func sortedIDs[V any](m map[uint64]V) []uint64 {
	ids := make([]uint64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func mustCounters(tx *bolt.Tx) []queue.Counter {
	var out []queue.Counter
	tx.Bucket(bCounters).ForEach(func(k, v []byte) error {
		var c queue.Counter
		if decode("counters", seqName(k), v, &c) == nil {
			out = append(out, c)
		}
		return nil
	})
	return out
}

// writeSegment writes the segment of d, or keeps the one a crash left when
// it holds the same events; one that does not is moved aside (.bad) and
// written again.
func writeSegment(path string, d *history.Day) (history.Written, error) {
	if _, err := os.Lstat(path); err == nil {
		_, w, err := history.Encode(d, history.WriteOptions{})
		if err != nil {
			return w, err
		}
		if seg, err := history.Open(path); err == nil {
			first, last := seg.Seqs()
			ne, nr := seg.Len()
			if ne == len(d.Events) && nr == len(d.Records) && first == d.Events[0].Seq && last == d.Events[len(d.Events)-1].Seq {
				return w, nil
			}
		}
		if err := os.Rename(path, path+".bad"); err != nil {
			return w, err
		}
	}
	return history.WriteFile(path, d, history.WriteOptions{})
}

// checkSegment verifies the segment at path and that it gives back d's
// events exactly (their JSON, personal fields restored) and its records.
func checkSegment(path string, d *history.Day, pers map[uint64]history.Personal) (*history.Segment, error) {
	seg, err := history.Open(path)
	if err != nil {
		return nil, err
	}
	if err := seg.Verify(); err != nil {
		return nil, err
	}
	i := 0
	err = seg.EachEvent(0, func(ev *queue.Event) error {
		history.Restore(ev, pers)
		if i >= len(d.Events) {
			return fmt.Errorf("the segment holds more events than the day (%d)", len(d.Events))
		}
		a, err1 := json.Marshal(ev)
		b, err2 := json.Marshal(&d.Events[i])
		if err := errors.Join(err1, err2); err != nil {
			return err
		}
		if !bytes.Equal(a, b) {
			return fmt.Errorf("event %d reads back different from the hot file's", ev.Seq)
		}
		i++
		return nil
	})
	if err == nil && i != len(d.Events) {
		err = fmt.Errorf("the segment holds %d events, the day %d", i, len(d.Events))
	}
	if _, nr := seg.Len(); err == nil && nr != len(d.Records) {
		err = fmt.Errorf("the segment holds %d records, the day %d", nr, len(d.Records))
	}
	if err == nil {
		j := 0
		err = seg.EachRecord(func(r *queue.Record) error {
			w := &d.Records[j]
			j++
			if r.Kind != w.Kind || r.Key != w.Key || r.Rev != w.Rev || !bytes.Equal(r.Data, w.Data) {
				return fmt.Errorf("record %s/%s reads back different from the hot file's", w.Kind, w.Key)
			}
			return nil
		})
	}
	if err != nil {
		return nil, fmt.Errorf("segment %s: %w", path, err)
	}
	return seg, nil
}

// The background verifier (docs/storage.md, start is O(today)): every
// segment is read whole (history.Segment.Verify: each block's checksum and
// a full decode) once a week, a few at a time, and the outcome kept in the
// bucket verified (day → verifiedSeg), so a restart does not verify years
// again; a segment whose size or time changed is verified anew. Reads check
// each block's checksum whether or not the verifier has been there.
var bVerified = []byte("verified")

// VerifyAge is how long a segment's verification holds.
const VerifyAge = 7 * 24 * time.Hour

type verifiedSeg struct {
	Size int64     `json:"size"`
	Mod  int64     `json:"mod"` // the file's modification time, ns
	At   time.Time `json:"at"`
}

func (v verifiedSeg) holds(fi os.FileInfo, now time.Time) bool {
	return v.Size == fi.Size() && v.Mod == fi.ModTime().UnixNano() && now.Sub(v.At) < VerifyAge
}

// noteDamaged remembers (err a *history.DamagedError) or forgets (err nil)
// the damage of the segment at path, for /healthz and the check.
func (h *sealed) noteDamaged(path string, err error) {
	var de *history.DamagedError
	if err != nil && !errors.As(err, &de) {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.damaged == nil {
		h.damaged = map[string]string{}
	}
	if err == nil {
		delete(h.damaged, path)
	} else {
		h.damaged[path] = de.Error()
	}
}

// HistoryProblems returns what is known to be damaged in the history (by
// the verifier or a read), one line per segment with the way out.
func (s *Store) HistoryProblems() []string {
	s.hist.mu.Lock()
	defer s.hist.mu.Unlock()
	out := make([]string, 0, len(s.hist.damaged))
	for _, msg := range s.hist.damaged {
		out = append(out, msg)
	}
	slices.Sort(out)
	return out
}

func (s *Store) verifiedOf() map[string]verifiedSeg {
	out := map[string]verifiedSeg{}
	s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bVerified)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var vs verifiedSeg
			if decode("verified", string(k), v, &vs) == nil {
				out[string(k)] = vs
			}
			return nil
		})
	})
	return out
}

// VerifyHistory verifies at most limit segments whose last verification
// no longer holds (the oldest days first), and returns how many it read and
// the damage it found (each a *history.DamagedError naming the way out).
func (s *Store) VerifyHistory(ctx context.Context, now time.Time, limit int) (checked int, damaged []error, err error) {
	done := s.verifiedOf()
	for _, e := range s.hist.index().Segments {
		if checked >= limit || ctx.Err() != nil {
			break
		}
		fi, err := os.Stat(e.Path)
		if err != nil {
			continue // moved away since the index was made
		}
		if v, ok := done[e.Day]; ok && v.holds(fi, now) {
			continue
		}
		checked++
		verr := verifySegment(e.Path)
		s.hist.noteDamaged(e.Path, verr)
		if verr != nil {
			damaged = append(damaged, verr)
		}
		if s.db.IsReadOnly() {
			continue
		}
		if err := s.noteVerified(e.Day, fi, verr, now); err != nil {
			return checked, damaged, err
		}
	}
	return s.verifyMonths(ctx, now, limit, checked, damaged, done)
}

// verifyMonths is VerifyHistory for the closed months' facts files (the
// verified bucket keys them by month, YYYY-MM, beside the days).
func (s *Store) verifyMonths(ctx context.Context, now time.Time, limit, checked int, damaged []error, done map[string]verifiedSeg) (int, []error, error) {
	var months []string
	var entries []factsEntry
	if err := s.view(func(tx *bolt.Tx) (err error) { months, entries, err = closedMonths(tx); return err }); err != nil {
		return checked, damaged, err
	}
	for i, m := range months {
		if checked >= limit || ctx.Err() != nil {
			break
		}
		path := history.FactsPathFor(s.hist.dir, m)
		fi, err := os.Stat(path)
		if v, ok := done[m]; err == nil && ok && v.holds(fi, now) {
			continue
		}
		checked++
		verr := s.verifyFacts(m, entries[i])
		s.hist.noteDamaged(path, verr)
		if verr != nil {
			damaged = append(damaged, verr)
		}
		if s.db.IsReadOnly() || err != nil {
			continue
		}
		if err := s.noteVerified(m, fi, verr, now); err != nil {
			return checked, damaged, err
		}
	}
	return checked, damaged, nil
}

// noteVerified records in the bucket verified that the file of key (a day's
// segment, a month's facts file) as fi describes it verified at now, or
// forgets it when verr says it did not.
func (s *Store) noteVerified(key string, fi os.FileInfo, verr error, now time.Time) error {
	return s.update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bVerified)
		if err != nil {
			return err
		}
		if verr != nil {
			return b.Delete([]byte(key))
		}
		raw, err := sealJSON(verifiedSeg{Size: fi.Size(), Mod: fi.ModTime().UnixNano(), At: now})
		if err != nil {
			return err
		}
		return b.Put([]byte(key), raw)
	})
}

func verifySegment(path string) error {
	seg, err := history.Open(path)
	if err == nil {
		err = seg.Verify()
	}
	return err
}

// checkHistory adds to a check the segments that are damaged: those whose
// verification no longer holds are read whole now.
func (c *checker) history(s *Store, now time.Time) {
	s.view(func(tx *bolt.Tx) error {
		for _, day := range s.missingSegments(tx, s.hist.index(), 0) {
			c.damage("history", day, RuleSegment, "%v", s.errMissing(day))
		}
		return nil
	})
	done := s.verifiedOf()
	var months []string
	var entries []factsEntry
	s.view(func(tx *bolt.Tx) (err error) {
		if months, entries, err = closedMonths(tx); err != nil {
			c.damage("facts", "", RuleSegment, "%v", err)
		}
		return nil
	})
	for i, m := range months {
		path := history.FactsPathFor(s.hist.dir, m)
		if fi, err := os.Stat(path); err == nil {
			if v, ok := done[m]; ok && v.holds(fi, now) {
				continue
			}
		}
		err := s.verifyFacts(m, entries[i])
		s.hist.noteDamaged(path, err)
		if err != nil {
			c.damage("history", m, RuleSegment, "%v", err)
		}
	}
	for _, e := range s.hist.index().Segments {
		c.sum.Segments++
		fi, err := os.Stat(e.Path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // gone since the scan: missingSegments above names it if its day was sealed
		}
		if err != nil {
			c.damage("history", e.Day, RuleSegment, "%v", err)
			continue
		}
		if v, ok := done[e.Day]; ok && v.holds(fi, now) {
			continue
		}
		err = verifySegment(e.Path)
		s.hist.noteDamaged(e.Path, err)
		if err != nil {
			c.damage("history", e.Day, RuleSegment, "%v", err)
		}
	}
}
