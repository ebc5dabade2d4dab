package store

// Rollups: compact per-day facts for the manager's reports, written by
// writeEvents in the same transaction as the events they come from, so a
// report over years reads a few megabytes instead of decoding every event.
//
//	rollups  'T' + day ("20261123") + slot (1 byte: the 15-minute slot of the
//	         local issue time, 0–95) + chunk (4 bytes: ticket id / factChunk)
//	         → the ticket facts of the tickets issued in that slot whose ids
//	         fall in the chunk, concatenated in id order (see TicketFact)
//	         'R' + day + chunk (4 bytes: ticket id / factChunk) → the day's
//	         keypad ratings (records of kind "rating") of those tickets, in
//	         ticket order (see RatingFact)
//	         'C' + day → the day's counter changes (sign-in/out, open/close,
//	         pause/resume, the day's rollover), in time order (see CounterChange)
//	meta     "rollups" → uint64 rollup format version; absent when the store
//	         holds events written before rollups existed (EnsureRollups then
//	         rebuilds them from the event log once)
//
// A ticket's fact is keyed by its issue time, which never changes, and keeps
// the newest revision, exactly like the tickets bucket; RebuildRollups
// recomputes the whole bucket from the event log and gives identical bytes
// (but that the sealer joins a sealed day's T and R chunks into few values,
// packRollupDay in sealed_records.go: the same facts in the same order).
// Chunks keep each commit's rewrite small (at most factChunk facts) however
// busy a slot or a day is, while a report still reads a day in a few values.

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"hallq/queue"
)

// RollupVersion is the rollup format this code writes.
const RollupVersion = 2

// factChunk is how many consecutive ticket ids share a rollup value.
const factChunk = 32

var (
	bRollups     = []byte("rollups")
	metaRollups  = []byte("rollups")
	statusCodes  = []queue.Status{queue.Waiting, queue.Called, queue.Serving, queue.Done, queue.NoShow, queue.Transferred, queue.Cancelled}
	counterTypes = map[string]bool{queue.EvPaused: true, queue.EvResumed: true, queue.EvOpened: true, queue.EvClosed: true,
		queue.EvSignedIn: true, queue.EvSignedOut: true, queue.EvDayRolled: true, queue.EvConfig: true}
)

// TicketFact is what the reports need of one ticket. Times are whole seconds:
// IssuedS since the local midnight of the ticket's day, the others after
// IssuedAt (floor of the difference), -1 when the ticket never got there.
// Clerk and Item point into the database and are valid only during the
// callback that received them.
type TicketFact struct {
	ID        uint64
	Rev       uint32
	Service   byte // the service prefix letter
	Status    queue.Status
	Priority  byte // 'n'ormal, 'g'reen, 'a'ppointment
	Counter   uint8
	Transfer  bool  // the ticket continues a transferred one (not a new arrival)
	Returned  bool  // the ticket came back after a no-show (过号顺延): its first call is not its last
	IssuedS   int32 // seconds after local midnight
	CalledS   int32 // first call − issue
	StartedS  int32
	FinishedS int32
	Clerk     []byte
	Item      []byte
}

// Wait is the ticket's wait in seconds (first call − issue); ok is false if
// it was never called.
func (f *TicketFact) Wait() (s int32, ok bool) { return f.CalledS, f.CalledS >= 0 }

// CounterChange is one change of a counter's state: at AtS seconds after the
// local midnight of the day, counter Counter became State ('o' open, 'p'
// paused, 'c' closed) with Clerk at it.
type CounterChange struct {
	AtS     int32
	Counter uint8
	Rev     uint32
	State   byte
	Clerk   []byte
}

const factHeader = 8 + 4 + 5 + 16

// RatingFact is one keypad rating: Score 1–5, 0 for 未评价 (no answer).
type RatingFact struct {
	Ticket  uint64
	Rev     uint32
	Score   uint8
	Counter uint8
	Clerk   []byte
}

func appendRating(b []byte, r *RatingFact) []byte {
	b = binary.BigEndian.AppendUint64(b, r.Ticket)
	b = binary.BigEndian.AppendUint32(b, r.Rev)
	b = append(b, r.Score, r.Counter, byte(len(r.Clerk)))
	return append(b, r.Clerk...)
}

func decodeRatings(dst []RatingFact, b []byte) ([]RatingFact, error) {
	for len(b) > 0 {
		if len(b) < 15 || len(b) < 15+int(b[14]) {
			return dst, errors.New("rollup: short rating")
		}
		n := int(b[14])
		dst = append(dst, RatingFact{Ticket: binary.BigEndian.Uint64(b), Rev: binary.BigEndian.Uint32(b[8:]),
			Score: b[12], Counter: b[13], Clerk: b[15 : 15+n : 15+n]})
		b = b[15+n:]
	}
	return dst, nil
}

func statusCode(s queue.Status) byte {
	if i := slices.Index(statusCodes, s); i >= 0 {
		return byte(i)
	}
	return 0
}

func offset(from time.Time, t *time.Time) int32 {
	if t == nil {
		return -1
	}
	d := t.Sub(from) / time.Second
	if d < 0 {
		d = 0
	}
	return int32(d)
}

func short(s string) []byte {
	if len(s) > 255 {
		s = s[:255]
	}
	return []byte(s)
}

func factOf(t *queue.Ticket, midnight time.Time) TicketFact {
	f := TicketFact{ID: t.ID, Rev: uint32(t.Rev), Status: t.Status, Counter: uint8(min(max(t.Counter, 0), 255)),
		Transfer: t.TransferredFrom != 0, Returned: t.Returns > 0, IssuedS: int32(t.IssuedAt.Sub(midnight) / time.Second),
		CalledS: offset(t.IssuedAt, t.CalledAt), StartedS: offset(t.IssuedAt, t.StartedAt), FinishedS: offset(t.IssuedAt, t.FinishedAt),
		Clerk: short(t.Clerk), Item: short(t.Item), Priority: 'n'}
	if t.Service != "" {
		f.Service = t.Service[0]
	}
	switch t.Priority {
	case queue.Green:
		f.Priority = 'g'
	case queue.Appointment:
		f.Priority = 'a'
	}
	return f
}

func appendFact(b []byte, f *TicketFact) []byte {
	b = binary.BigEndian.AppendUint64(b, f.ID)
	b = binary.BigEndian.AppendUint32(b, f.Rev)
	flags := byte(0)
	if f.Transfer {
		flags = 1
	}
	if f.Returned {
		flags |= 2
	}
	b = append(b, f.Service, statusCode(f.Status), f.Priority, f.Counter, flags)
	for _, v := range [4]int32{f.IssuedS, f.CalledS, f.StartedS, f.FinishedS} {
		b = binary.BigEndian.AppendUint32(b, uint32(v))
	}
	b = append(b, byte(len(f.Clerk)))
	b = append(b, f.Clerk...)
	b = append(b, byte(len(f.Item)))
	return append(b, f.Item...)
}

// decodeFact reads one fact from b and returns the rest.
func decodeFact(b []byte, f *TicketFact) ([]byte, error) {
	if len(b) < factHeader+2 {
		return nil, errors.New("rollup: short ticket fact")
	}
	f.ID = binary.BigEndian.Uint64(b)
	f.Rev = binary.BigEndian.Uint32(b[8:])
	f.Service, f.Priority, f.Counter, f.Transfer, f.Returned = b[12], b[14], b[15], b[16]&1 != 0, b[16]&2 != 0
	if int(b[13]) < len(statusCodes) {
		f.Status = statusCodes[b[13]]
	}
	f.IssuedS = int32(binary.BigEndian.Uint32(b[17:]))
	f.CalledS = int32(binary.BigEndian.Uint32(b[21:]))
	f.StartedS = int32(binary.BigEndian.Uint32(b[25:]))
	f.FinishedS = int32(binary.BigEndian.Uint32(b[29:]))
	b = b[factHeader:]
	n := int(b[0])
	if len(b) < 1+n+1 {
		return nil, errors.New("rollup: short clerk")
	}
	f.Clerk = b[1 : 1+n : 1+n]
	b = b[1+n:]
	n = int(b[0])
	if len(b) < 1+n {
		return nil, errors.New("rollup: short item")
	}
	f.Item = b[1 : 1+n : 1+n]
	return b[1+n:], nil
}

func appendChange(b []byte, c *CounterChange) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(c.AtS))
	b = append(b, c.Counter)
	b = binary.BigEndian.AppendUint32(b, c.Rev)
	b = append(b, c.State, byte(len(c.Clerk)))
	return append(b, c.Clerk...)
}

func decodeChange(b []byte, c *CounterChange) ([]byte, error) {
	if len(b) < 11 {
		return nil, errors.New("rollup: short counter change")
	}
	c.AtS = int32(binary.BigEndian.Uint32(b))
	c.Counter = b[4]
	c.Rev = binary.BigEndian.Uint32(b[5:])
	c.State = b[9]
	n := int(b[10])
	if len(b) < 11+n {
		return nil, errors.New("rollup: short counter change clerk")
	}
	c.Clerk = b[11 : 11+n : 11+n]
	return b[11+n:], nil
}

// DecodeFacts appends the facts of a rollup value to dst.
func decodeFacts(dst []TicketFact, b []byte) ([]TicketFact, error) {
	for len(b) > 0 {
		var f TicketFact
		var err error
		if b, err = decodeFact(b, &f); err != nil {
			return dst, err
		}
		dst = append(dst, f)
	}
	return dst, nil
}

func decodeChanges(dst []CounterChange, b []byte) ([]CounterChange, error) {
	for len(b) > 0 {
		var c CounterChange
		var err error
		if b, err = decodeChange(b, &c); err != nil {
			return dst, err
		}
		dst = append(dst, c)
	}
	return dst, nil
}

// zoneCache remembers the time zone of the last hall config seen, so a
// commit does not parse the config.
var zoneCache struct {
	sync.Mutex
	raw []byte
	loc *time.Location
}

func hallZone(tx *bolt.Tx) *time.Location {
	raw := tx.Bucket(bMeta).Get([]byte("config"))
	zoneCache.Lock()
	defer zoneCache.Unlock()
	if zoneCache.loc != nil && bytes.Equal(raw, zoneCache.raw) {
		return zoneCache.loc
	}
	var c struct {
		TimeZone string `json:"timezone"`
	}
	if p, _, err := unseal(raw); err == nil {
		_ = json.Unmarshal(p, &c)
	}
	if c.TimeZone == "" {
		c.TimeZone = queue.DefaultTimeZone
	}
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		loc, _ = time.LoadLocation(queue.DefaultTimeZone)
	}
	zoneCache.raw, zoneCache.loc = append([]byte(nil), raw...), loc
	return loc
}

type midnights struct {
	loc  *time.Location
	days map[string]time.Time
}

func (m *midnights) of(day string) (time.Time, bool) {
	if t, ok := m.days[day]; ok {
		return t, true
	}
	d, err := time.ParseInLocation(time.DateOnly, day, m.loc)
	if err != nil {
		return time.Time{}, false
	}
	m.days[day] = d
	return d, true
}

func factKey(day string, slot int, id uint64) []byte {
	k := append([]byte{'T'}, dayKey(day)...)
	k = append(k, byte(slot))
	return binary.BigEndian.AppendUint32(k, uint32(id/factChunk))
}

func ratingKey(day []byte, ticket uint64) []byte {
	k := append([]byte{'R'}, day...)
	return binary.BigEndian.AppendUint32(k, uint32(ticket/factChunk))
}

func changeKey(day string) []byte { return append([]byte{'C'}, dayKey(day)...) }

// rollupEvents folds the tickets and counter changes of evs into the
// rollups, in the transaction that writes the events.
func rollupEvents(tx *bolt.Tx, evs []queue.Event) error {
	if len(evs) == 0 {
		return nil
	}
	rb := tx.Bucket(bRollups)
	if rb == nil {
		var err error
		if rb, err = tx.CreateBucket(bRollups); err != nil {
			return err
		}
		// A new bucket is complete only if no event came before these.
		lo := evs[0].Seq
		for i := range evs {
			lo = min(lo, evs[i].Seq)
		}
		if k, _ := tx.Bucket(bEvents).Cursor().First(); k == nil || binary.BigEndian.Uint64(k) >= lo {
			if err := tx.Bucket(bMeta).Put(metaRollups, u64(RollupVersion)); err != nil {
				return err
			}
		}
	}
	// Keys grow in time order at three ends (T, R, C of today): pages split
	// full, not in halves that stay half empty (docs/storage.md).
	rb.FillPercent = appendFill
	mid := midnights{loc: hallZone(tx), days: map[string]time.Time{}}
	facts := map[string][]TicketFact{}
	changes := map[string][]CounterChange{}
	ratings := map[string][]RatingFact{}
	for i := range evs {
		ev := &evs[i]
		for j := range ev.Records {
			r := &ev.Records[j]
			if r.Kind != "rating" {
				continue
			}
			var v struct {
				Ticket  uint64 `json:"ticket"`
				Day     string `json:"day"`
				Score   int    `json:"score"`
				Clerk   string `json:"clerk"`
				Counter int    `json:"counter"`
			}
			if json.Unmarshal(r.Data, &v) != nil || len(v.Day) != 10 {
				continue
			}
			k := string(ratingKey(dayKey(v.Day), v.Ticket))
			ratings[k] = append(ratings[k], RatingFact{Ticket: v.Ticket, Rev: uint32(r.Rev), Score: uint8(min(max(v.Score, 0), 5)),
				Counter: uint8(min(max(v.Counter, 0), 255)), Clerk: short(v.Clerk)})
		}
		for j := range ev.Tickets {
			t := &ev.Tickets[j]
			m, ok := mid.of(t.Day)
			if !ok {
				continue
			}
			f := factOf(t, m)
			slot := min(max(int(f.IssuedS)/900, 0), 95)
			k := string(factKey(t.Day, slot, t.ID))
			facts[k] = append(facts[k], f)
		}
		if counterTypes[ev.Type] && len(ev.Counters) > 0 {
			m, ok := mid.of(ev.Day)
			if !ok {
				continue
			}
			k := string(changeKey(ev.Day))
			for j := range ev.Counters {
				c := &ev.Counters[j]
				st := byte('c')
				switch c.State {
				case queue.Open:
					st = 'o'
				case queue.Paused:
					st = 'p'
				}
				changes[k] = append(changes[k], CounterChange{AtS: int32(ev.At.Sub(m) / time.Second),
					Counter: uint8(min(max(c.Number, 0), 255)), Rev: uint32(c.Rev), State: st, Clerk: short(c.Clerk)})
			}
		}
	}
	for _, k := range sortedKeys(facts) {
		if err := mergeByTicket(rb, []byte(k), facts[k], ticketFacts); err != nil {
			return err
		}
	}
	for _, k := range sortedKeys(changes) {
		if err := mergeChanges(rb, []byte(k), changes[k]); err != nil {
			return err
		}
	}
	for _, k := range sortedKeys(ratings) {
		if err := mergeByTicket(rb, []byte(k), ratings[k], ratingFacts); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// byTicket is how mergeByTicket reads and writes a rollup value of facts
// kept one per ticket in ticket order (TicketFact, RatingFact).
type byTicket[F any] struct {
	decode func(dst []F, b []byte) ([]F, error)
	append func(b []byte, f *F) []byte
	ticket func(f *F) uint64
	rev    func(f *F) uint32
}

var (
	ticketFacts = byTicket[TicketFact]{decodeFacts, appendFact,
		func(f *TicketFact) uint64 { return f.ID }, func(f *TicketFact) uint32 { return f.Rev }}
	ratingFacts = byTicket[RatingFact]{decodeRatings, appendRating,
		func(r *RatingFact) uint64 { return r.Ticket }, func(r *RatingFact) uint32 { return r.Rev }}
)

// mergeByTicket merges add into the facts stored under key: the fact of a
// ticket not there yet is inserted in ticket order, one there is replaced by
// a revision as new or newer (an older one, landing late, is dropped).
func mergeByTicket[F any](rb *bolt.Bucket, key []byte, add []F, c byTicket[F]) error {
	old, err := c.decode(nil, rb.Get(key))
	if err != nil {
		return fmt.Errorf("rollup %x: %w", key, err)
	}
	for i := range add {
		f := &add[i]
		j, found := slices.BinarySearchFunc(old, c.ticket(f), func(a F, id uint64) int { return cmp.Compare(c.ticket(&a), id) })
		switch {
		case !found:
			old = slices.Insert(old, j, *f)
		case c.rev(f) >= c.rev(&old[j]):
			old[j] = *f
		}
	}
	var b []byte
	for i := range old {
		b = c.append(b, &old[i])
	}
	return rb.Put(key, b)
}

func mergeChanges(rb *bolt.Bucket, key []byte, add []CounterChange) error {
	old, err := decodeChanges(nil, rb.Get(key))
	if err != nil {
		return fmt.Errorf("rollup %x: %w", key, err)
	}
	for _, c := range add {
		dup := slices.ContainsFunc(old, func(o CounterChange) bool { return o.Counter == c.Counter && o.Rev == c.Rev })
		if !dup {
			old = append(old, c)
		}
	}
	slices.SortStableFunc(old, func(a, b CounterChange) int {
		if a.AtS != b.AtS {
			return int(a.AtS - b.AtS)
		}
		if a.Counter != b.Counter {
			return int(a.Counter) - int(b.Counter)
		}
		return int(a.Rev) - int(b.Rev)
	})
	var b []byte
	for i := range old {
		b = appendChange(b, &old[i])
	}
	return rb.Put(key, b)
}

// RollupsCurrent reports whether the rollups cover every stored event.
func (s *Store) RollupsCurrent() (bool, error) {
	var ok bool
	err := s.view(func(tx *bolt.Tx) error {
		if tx.Bucket(bEvents).Stats().KeyN == 0 {
			ok = true
			return nil
		}
		v := tx.Bucket(bMeta).Get(metaRollups)
		ok = v != nil && binary.BigEndian.Uint64(v) == RollupVersion && tx.Bucket(bRollups) != nil
		return nil
	})
	return ok, err
}

// EnsureRollups rebuilds the rollups from the event log when they do not
// cover it (a store written before rollups existed, or an older format).
func (s *Store) EnsureRollups() error {
	ok, err := s.RollupsCurrent()
	if err != nil || ok {
		return err
	}
	return s.RebuildRollups()
}

// RebuildRollups drops the rollups and recomputes them from the event log,
// in one transaction.
func (s *Store) RebuildRollups() error {
	return s.update(func(tx *bolt.Tx) error {
		if tx.Bucket(bRollups) != nil {
			if err := tx.DeleteBucket(bRollups); err != nil {
				return err
			}
		}
		if _, err := tx.CreateBucket(bRollups); err != nil {
			return err
		}
		c := tx.Bucket(bEvents).Cursor()
		var batch []queue.Event
		flush := func() error {
			err := rollupEvents(tx, batch)
			batch = batch[:0]
			return err
		}
		// The sealed days first (their segments), then the hot file's.
		if err := s.eachSealedEvent(tx, 0, false, func(ev *queue.Event) error {
			batch = append(batch, *ev)
			if len(batch) == 20000 {
				return flush()
			}
			return nil
		}); err != nil {
			return err
		}
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var ev queue.Event
			if err := decode("events", seqName(k), v, &ev); err != nil {
				return err
			}
			batch = append(batch, ev)
			if len(batch) == 20000 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := flush(); err != nil {
			return err
		}
		if err := dropClosedRollups(tx); err != nil {
			return err
		}
		return tx.Bucket(bMeta).Put(metaRollups, u64(RollupVersion))
	})
}

// RollupDay is one day of rollups as EachRollupDay hands it out. Its slices
// are reused for the next day and their byte fields point into the database:
// copy what you keep.
type RollupDay struct {
	Day      string // YYYY-MM-DD
	Tickets  []TicketFact
	Counters []CounterChange
	Ratings  []RatingFact
}

// EachRollupDay calls fn for every day from day from to day to (YYYY-MM-DD,
// inclusive) that has tickets or counter changes, in day order, within one
// read transaction: the days of closed months from their facts files (one
// month in memory at a time, facts.go), the later ones from the hot file.
func (s *Store) EachRollupDay(from, to string, fn func(d *RollupDay) error) error {
	return s.view(func(tx *bolt.Tx) error {
		lo, hi := dayKey(from), dayKey(to)
		d := &RollupDay{}
		if ft := readFactsMark(tx); ft != "" && bytes.Compare(lo, monthEnd(ft)) <= 0 {
			months, entries, err := closedMonths(tx)
			if err != nil {
				return err
			}
			for i, m := range months {
				mlo, mhi := dayKey(m+"-01"), monthEnd(m)
				if bytes.Compare(mhi, lo) < 0 || bytes.Compare(mlo, hi) > 0 || m > ft {
					continue
				}
				kvs, err := s.monthRollups(m, entries[i])
				if err != nil {
					return err
				}
				err = eachRollupDayIn(&memCursor{kvs: kvs}, &memCursor{kvs: kvs}, &memCursor{kvs: kvs},
					maxBytes(lo, mlo), minBytes(hi, mhi), d, fn)
				if err != nil {
					return err
				}
			}
			lo = maxBytes(lo, dayKey(nextDay(dayOfKey(monthEnd(ft)))))
		}
		rb := tx.Bucket(bRollups)
		if rb == nil {
			return nil
		}
		return eachRollupDayIn(rb.Cursor(), rb.Cursor(), rb.Cursor(), lo, hi, d, fn)
	})
}

func maxBytes(a, b []byte) []byte {
	if bytes.Compare(a, b) >= 0 {
		return a
	}
	return b
}

func minBytes(a, b []byte) []byte {
	if bytes.Compare(a, b) <= 0 {
		return a
	}
	return b
}

// kvCursor is what eachRollupDayIn reads: a *bolt.Cursor or a memCursor.
type kvCursor interface {
	Seek(k []byte) ([]byte, []byte)
	Next() ([]byte, []byte)
}

// eachRollupDayIn calls fn for every day with rollups in [lo, hi] (day keys)
// that the cursors (three over the same keys) read, reusing d.
func eachRollupDayIn(tc, cc, rc kvCursor, lo, hi []byte, d *RollupDay, fn func(d *RollupDay) error) error {
	tk, tv := tc.Seek(append([]byte{'T'}, lo...))
	ck, cv := cc.Seek(append([]byte{'C'}, lo...))
	inT := func() bool { return tk != nil && tk[0] == 'T' && bytes.Compare(tk[1:9], hi) <= 0 }
	inC := func() bool { return ck != nil && ck[0] == 'C' && bytes.Compare(ck[1:9], hi) <= 0 }
	for inT() || inC() {
		var day []byte
		switch {
		case inT() && inC():
			day = tk[1:9]
			if bytes.Compare(ck[1:9], day) < 0 {
				day = ck[1:9]
			}
		case inT():
			day = tk[1:9]
		default:
			day = ck[1:9]
		}
		day = append([]byte(nil), day...)
		d.Day = string(day[:4]) + "-" + string(day[4:6]) + "-" + string(day[6:8])
		d.Tickets, d.Counters = d.Tickets[:0], d.Counters[:0]
		var err error
		for ; inT() && bytes.Equal(tk[1:9], day); tk, tv = tc.Next() {
			if d.Tickets, err = decodeFacts(d.Tickets, tv); err != nil {
				return fmt.Errorf("rollup %s: %w", d.Day, err)
			}
		}
		if inC() && bytes.Equal(ck[1:9], day) {
			if d.Counters, err = decodeChanges(d.Counters, cv); err != nil {
				return fmt.Errorf("rollup %s: %w", d.Day, err)
			}
			ck, cv = cc.Next()
		}
		d.Ratings = d.Ratings[:0]
		rp := append([]byte{'R'}, day...)
		for k, v := rc.Seek(rp); k != nil && bytes.HasPrefix(k, rp); k, v = rc.Next() {
			if d.Ratings, err = decodeRatings(d.Ratings, v); err != nil {
				return fmt.Errorf("rollup %s: %w", d.Day, err)
			}
		}
		if err := fn(d); err != nil {
			return err
		}
	}
	return nil
}
