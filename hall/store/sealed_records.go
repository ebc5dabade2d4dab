package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"

	bolt "go.etcd.io/bbolt"

	"hallq/history"
	"hallq/queue"
)

// Records closed on a day (docs/storage.md): a record kind that a feature
// names closed once written (a rating, a case record) leaves the hot file
// with the day whose event wrote its last image, into that day's segment,
// in the transaction that removes the day. Open records (work orders,
// approvals, bookings, call-backs) stay hot until closed.
//
//	sealed_records  kind + 0x00 + day → the first and last key of the
//	                kind's records in the day's segment and their count
//	                (uvarint count, uvarint len(first), first, last), so a
//	                key is looked up in the few days whose range holds it.
//
// A record is read from the hot file when it is there (a record written
// again after its day was sealed), else from the sealed day with its
// highest revision; EachRecord merges both in key order.
var bSealedRecs = []byte("sealed_records")

// closedKinds are the record kinds the sealer moves into segments.
type closedKinds struct {
	mu    sync.Mutex
	kinds map[string]bool
}

func (c *closedKinds) has(kind string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.kinds[kind]
}

// SealRecords names kinds whose records are final once written (ratings,
// case records): when the day whose event wrote a record's last image is
// sealed, the record leaves the hot file for that day's segment. Record and
// EachRecord read them across the hot file and the segments alike. A record
// of such a kind written again later is kept hot, and its newer image wins.
func (s *Store) SealRecords(kinds ...string) {
	s.closed.mu.Lock()
	defer s.closed.mu.Unlock()
	if s.closed.kinds == nil {
		s.closed.kinds = map[string]bool{}
	}
	for _, k := range kinds {
		if k != "" && k != recordTicket {
			s.closed.kinds[k] = true
		}
	}
}

// recSpan is one sealed day's range of keys of a kind.
type recSpan struct {
	day         string
	first, last string
	n           int
}

func recSpanKey(kind, day string) []byte {
	return append(append([]byte(kind), 0), day...)
}

func encodeSpan(sp recSpan) []byte {
	b := binary.AppendUvarint(nil, uint64(sp.n))
	b = binary.AppendUvarint(b, uint64(len(sp.first)))
	return append(append(b, sp.first...), sp.last...)
}

func decodeSpan(day string, v []byte) (recSpan, error) {
	n, i := binary.Uvarint(v)
	l, j := binary.Uvarint(v[max(i, 0):])
	if i <= 0 || j <= 0 || uint64(len(v)-i-j) < l {
		return recSpan{}, fmt.Errorf("sealed records of %s: bad range", day)
	}
	rest := v[i+j:]
	return recSpan{day: day, n: int(n), first: string(rest[:l]), last: string(rest[l:])}, nil
}

// sealedSpans returns the sealed days whose records of kind reach key from
// or later (every day for ""), sorted by their first key.
func sealedSpans(tx *bolt.Tx, kind, from string) ([]recSpan, error) {
	b := tx.Bucket(bSealedRecs)
	if b == nil {
		return nil, nil
	}
	pre := recSpanKey(kind, "")
	var out []recSpan
	c := b.Cursor()
	for k, v := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, v = c.Next() {
		sp, err := decodeSpan(string(k[len(pre):]), v)
		if err != nil {
			return nil, err
		}
		if sp.last >= from {
			out = append(out, sp)
		}
	}
	slices.SortStableFunc(out, func(a, b recSpan) int { return strings.Compare(a.first, b.first) })
	return out, nil
}

// dayRecords returns the records of kind in the segment of the sealed day,
// sorted by key.
func (s *Store) dayRecords(day, kind string) ([]queue.Record, error) {
	e, ok := s.hist.index().Find(day)
	if !ok {
		err := s.errMissing(day)
		s.noteRead(err)
		return nil, err
	}
	byKind, err := s.hist.segRecords(e.Path)
	if err != nil {
		s.noteRead(err)
		return nil, err
	}
	return byKind[kind], nil
}

// segRecords returns the records of the segment at path by kind, each kind
// sorted by key. The last few segments read are kept (as segTickets).
func (h *sealed) segRecords(path string) (map[string][]queue.Record, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read history segment: %w", err)
	}
	stamp := fmt.Sprint(fi.Size(), fi.ModTime().UnixNano())
	h.mu.Lock()
	for _, c := range h.rcache {
		if c.path == path && c.stamp == stamp {
			h.mu.Unlock()
			return c.recs, nil
		}
	}
	h.mu.Unlock()
	seg, err := history.Open(path)
	if err != nil {
		return nil, err
	}
	// The last image of each record in the day's events, then the
	// segment's records (the images the events do not hold), the highest
	// revision winning. Only kinds with a range of the day are read from
	// here, so the images of open records (call-backs…) are never used.
	last := map[string]queue.Record{}
	keep := func(r *queue.Record) {
		k := r.Kind + "\x00" + r.Key
		if old, ok := last[k]; !ok || r.Rev >= old.Rev {
			c := *r
			c.Data = bytes.Clone(r.Data)
			last[k] = c
		}
	}
	if err := seg.EachEvent(0, func(ev *queue.Event) error {
		for i := range ev.Records {
			keep(&ev.Records[i])
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := seg.EachRecord(func(r *queue.Record) error { keep(r); return nil }); err != nil {
		return nil, err
	}
	out := map[string][]queue.Record{}
	for _, r := range last {
		out[r.Kind] = append(out[r.Kind], r)
	}
	for _, rs := range out {
		slices.SortFunc(rs, func(a, b queue.Record) int { return strings.Compare(a.Key, b.Key) })
	}
	h.mu.Lock()
	h.rcache = append(h.rcache, cachedRecs{path: path, stamp: stamp, recs: out})
	if len(h.rcache) > 4 {
		h.rcache = h.rcache[1:]
	}
	h.mu.Unlock()
	return out, nil
}

type cachedRecs struct {
	path, stamp string
	recs        map[string][]queue.Record // never changed once cached: readers copy
}

// sealedRecord returns the sealed record kind/key with its highest revision.
func (s *Store) sealedRecord(tx *bolt.Tx, kind, key string) (r queue.Record, ok bool, err error) {
	spans, err := sealedSpans(tx, kind, key)
	if err != nil {
		return r, false, err
	}
	for _, sp := range spans {
		if sp.first > key {
			continue
		}
		recs, err := s.dayRecords(sp.day, kind)
		if err != nil {
			return r, false, err
		}
		if i, found := slices.BinarySearchFunc(recs, key, func(a queue.Record, k string) int { return strings.Compare(a.Key, k) }); found {
			if !ok || recs[i].Rev >= r.Rev {
				r, ok = recs[i], true
			}
		}
	}
	return r, ok, nil
}

// recIter walks one sealed day's records of a kind, or the hot bucket.
type recIter struct {
	recs []queue.Record // sealed
	i    int
	c    *bolt.Cursor // hot
	k, v []byte
	kind string
	cur  queue.Record
	ok   bool
	err  error
}

func (it *recIter) next() {
	if it.c == nil {
		it.ok = it.i < len(it.recs)
		if it.ok {
			it.cur = it.recs[it.i]
			it.i++
		}
		return
	}
	if it.k == nil {
		it.ok = false
		return
	}
	it.cur = queue.Record{}
	if it.err = decode("records/"+it.kind, printable(it.k), it.v, &it.cur); it.err != nil {
		it.ok = false
		return
	}
	it.ok = true
	it.k, it.v = it.c.Next()
}

// eachRecordTx is EachRecord in tx: the hot bucket and the sealed days of
// kind merged in key order, a key given once (see bSealedRecs).
func (s *Store) eachRecordTx(tx *bolt.Tx, kind, start string, fn func(r queue.Record) bool) error {
	spans, err := sealedSpans(tx, kind, start)
	if err != nil {
		return err
	}
	var its []*recIter
	if kb := tx.Bucket(bRecords).Bucket([]byte(kind)); kb != nil {
		hot := &recIter{c: kb.Cursor(), kind: kind}
		hot.k, hot.v = hot.c.Seek([]byte(start))
		hot.next()
		if hot.err != nil {
			return hot.err
		}
		if hot.ok {
			its = append(its, hot)
		}
	}
	for {
		least := func() (string, bool) {
			k, have := "", false
			for _, it := range its {
				if !have || it.cur.Key < k {
					k, have = it.cur.Key, true
				}
			}
			return k, have
		}
		k, have := least()
		for len(spans) > 0 && (!have || spans[0].first <= k) {
			recs, err := s.dayRecords(spans[0].day, kind)
			if err != nil {
				return err
			}
			i, _ := slices.BinarySearchFunc(recs, start, func(a queue.Record, k string) int { return strings.Compare(a.Key, k) })
			it := &recIter{recs: recs, i: i}
			if it.next(); it.ok {
				its = append(its, it)
			}
			spans = spans[1:]
			k, have = least()
		}
		if !have {
			return nil
		}
		var best queue.Record
		var found, hot bool
		live := its[:0]
		for _, it := range its {
			if it.cur.Key == k {
				switch {
				case hot: // the hot image wins
				case it.c != nil:
					best, found, hot = it.cur, true, true
				case !found || it.cur.Rev >= best.Rev:
					best, found = it.cur, true
				}
				it.next()
				if it.err != nil {
					return it.err
				}
			}
			if it.ok {
				live = append(live, it)
			}
		}
		its = live
		if !fn(best) {
			return nil
		}
	}
}

// closedRecords returns, for the sealer of day, the records of the closed
// kinds whose last image the day's events wrote and the hot file still
// holds at that revision, sorted by kind and key.
func (s *Store) closedRecords(tx *bolt.Tx, evs []queue.Event) ([]queue.Record, error) {
	type ref struct{ kind, key string }
	last := map[ref]int{}
	for i := range evs {
		for _, r := range evs[i].Records {
			if !s.closed.has(r.Kind) {
				continue
			}
			if old, ok := last[ref{r.Kind, r.Key}]; !ok || r.Rev > old {
				last[ref{r.Kind, r.Key}] = r.Rev
			}
		}
	}
	var out []queue.Record
	for rf, rev := range last {
		kb := tx.Bucket(bRecords).Bucket([]byte(rf.kind))
		if kb == nil {
			continue
		}
		raw := kb.Get([]byte(rf.key))
		if raw == nil {
			continue // sealed already (a day sealed again after a crash), or never stored
		}
		var r queue.Record
		if err := decode("records/"+rf.kind, rf.key, raw, &r); err != nil {
			return nil, err
		}
		if r.Rev == rev {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b queue.Record) int {
		if c := strings.Compare(a.Kind, b.Kind); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out, nil
}

// recordsNotInEvents returns the moved records whose image is not the last
// one the day's events hold (a record the segment must carry itself); the
// others are read back from the events (segRecords), at no cost in bytes.
func recordsNotInEvents(evs []queue.Event, moved []queue.Record) []queue.Record {
	last := map[string]*queue.Record{}
	for i := range evs {
		for j := range evs[i].Records {
			r := &evs[i].Records[j]
			k := r.Kind + "\x00" + r.Key
			if old := last[k]; old == nil || r.Rev >= old.Rev {
				last[k] = r
			}
		}
	}
	var out []queue.Record
	for _, m := range moved {
		if e := last[m.Kind+"\x00"+m.Key]; e == nil || e.Rev != m.Rev || !bytes.Equal(e.Data, m.Data) {
			out = append(out, m)
		}
	}
	return out
}

// moveClosedRecords deletes from the hot file, in the sealer's transaction,
// the closed records the segment of day holds (but those written again
// since they were read), and lists the day's key range per kind.
func moveClosedRecords(tx *bolt.Tx, day string, recs []queue.Record) error {
	if len(recs) == 0 {
		return nil
	}
	sb, err := tx.CreateBucketIfNotExists(bSealedRecs)
	if err != nil {
		return err
	}
	spans := map[string]*recSpan{}
	var kinds []string
	for _, r := range recs {
		if r.Kind == recordTicket {
			continue
		}
		sp := spans[r.Kind]
		if sp == nil {
			sp = &recSpan{day: day, first: r.Key, last: r.Key}
			spans[r.Kind] = sp
			kinds = append(kinds, r.Kind)
		}
		sp.first, sp.last, sp.n = min(sp.first, r.Key), max(sp.last, r.Key), sp.n+1
		kb := tx.Bucket(bRecords).Bucket([]byte(r.Kind))
		if kb == nil {
			continue
		}
		var h struct {
			Rev int `json:"rev"`
		}
		raw := kb.Get([]byte(r.Key))
		if raw == nil || decode("records/"+r.Kind, r.Key, raw, &h) != nil || h.Rev != r.Rev {
			continue // written again since: stays hot, its image wins
		}
		if err := kb.Delete([]byte(r.Key)); err != nil {
			return err
		}
	}
	for _, kind := range kinds {
		if err := sb.Put(recSpanKey(kind, day), encodeSpan(*spans[kind])); err != nil {
			return err
		}
	}
	return nil
}

// packRollupDay joins the rollup values of a sealed day — its ticket facts
// (T) and ratings (R), chunks of 32 tickets that grew while the day ran and
// fill their pages by half — into as few values as it can: each run of
// chunks in key order becomes one value under the run's first key, the
// concatenation of the run's values in key order, which EachRollupDay
// decodes into the same facts in the same order. The chunks of a ticket the
// hot file keeps (held by a counter, or changed since the sealer read it)
// are left as they are and end a run, so a later fact of that ticket
// merges into its own chunk — never into a joined value — and sorts where
// it would have. Measured in docs/storage.md.
func packRollupDay(tx *bolt.Tx, day string, keep map[uint64]bool) error {
	rb := tx.Bucket(bRollups)
	if rb == nil {
		return nil
	}
	keptChunk := map[uint32]bool{}
	for id := range keep {
		keptChunk[uint32(id/factChunk)] = true
	}
	chunkOf := func(k []byte) uint32 { return binary.BigEndian.Uint32(k[len(k)-4:]) }
	// between reports whether a kept chunk lies in (lo, hi].
	between := func(lo, hi uint32) bool {
		for c := range keptChunk {
			if c > lo && c <= hi {
				return true
			}
		}
		return false
	}
	type kv struct{ k, v []byte }
	for _, p := range []byte{'T', 'R'} {
		pre := append([]byte{p}, dayKey(day)...)
		var all []kv
		c := rb.Cursor()
		for k, v := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, v = c.Next() {
			all = append(all, kv{bytes.Clone(k), bytes.Clone(v)})
		}
		var run []kv
		flush := func() error {
			if len(run) > 1 {
				var joined []byte
				for _, x := range run {
					joined = append(joined, x.v...)
				}
				for _, x := range run[1:] {
					if err := rb.Delete(x.k); err != nil {
						return err
					}
				}
				if err := rb.Put(run[0].k, joined); err != nil {
					return err
				}
			}
			run = run[:0]
			return nil
		}
		for _, x := range all {
			// T keys carry the issue slot before the chunk, so a kept
			// ticket's facts stay in the chunk that holds them; R keys are
			// the chunk alone, and a kept ticket's rating may come later.
			held := keptChunk[chunkOf(x.k)]
			if p == 'R' && len(run) > 0 && between(chunkOf(run[len(run)-1].k), chunkOf(x.k)) {
				held = true
			}
			if held {
				if err := flush(); err != nil {
					return err
				}
			}
			if keptChunk[chunkOf(x.k)] {
				continue
			}
			run = append(run, x)
		}
		if err := flush(); err != nil {
			return err
		}
	}
	return nil
}
