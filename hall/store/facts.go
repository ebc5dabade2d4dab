package store

// Closed months leave the hot file (docs/storage.md, step 5): once the
// sealer has sealed the last day of a month, that month's report rollups
// (every 'T', 'R', 'C' key of its days) and the tracking codes of its
// tickets move, bytes unchanged, into one immutable month facts file,
// DATA/history/YYYY/YYYY-MM.facts (history.WriteFacts), and leave the hot
// file in one transaction that also moves the mark:
//
//	meta   "facts_through" → factsMark JSON: the last closed month. Rollups
//	       of its days and earlier are read from the facts files only,
//	       later ones from the hot file only.
//	facts  month ("2026-11") → factsEntry JSON: the file's size, CRC-32C
//	       and number of keys, so a changed, cut or missing file is named
//	       by the reads that need it, the verifier and the check.
//
// In the file a rollup key is stored behind 'r', a tracking code behind 't'.
// A crash between the file and the hot transaction leaves the month hot and
// the file unused; the next run writes it again (idempotent).

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"hallq/history"
	"hallq/internal/killpoint"
)

var (
	metaFacts = []byte("facts_through")
	bFacts    = []byte("facts")
)

type factsMark struct {
	Month string `json:"month"`
}

type factsEntry struct {
	Size int64  `json:"size"`
	Sum  uint32 `json:"sum"`
	Keys int    `json:"keys"`
}

func readFactsMark(tx *bolt.Tx) string {
	var m factsMark
	if raw := tx.Bucket(bMeta).Get(metaFacts); raw != nil {
		_ = decode("meta", string(metaFacts), raw, &m) // check reports a damaged mark
	}
	return m.Month
}

// FactsThrough returns the last month whose facts left the hot file ("" when
// none).
func (s *Store) FactsThrough() (month string, err error) {
	err = s.view(func(tx *bolt.Tx) error { month = readFactsMark(tx); return nil })
	return month, err
}

// monthEnd is the last day of month (YYYY-MM) as a day key ("20261130").
func monthEnd(month string) []byte {
	d, err := time.Parse("2006-01", month)
	if err != nil {
		return nil
	}
	return dayKey(d.AddDate(0, 1, -1).Format(time.DateOnly))
}

// monthOfKey is the month (YYYY-MM) of a day key's first 8 bytes.
func monthOfKey(k []byte) string { return string(k[0:4]) + "-" + string(k[4:6]) }

// trackingDay returns the day key of the ticket a tracking value names.
func trackingDay(v []byte) ([]byte, bool) {
	if key, _, ok := unpackTracking(v); ok {
		return key[:8], true
	}
	if len(v) == 16 {
		return v[:8], true
	}
	return nil, false
}

// monthFacts collects, in tx, what the facts file of month holds: the
// rollup keys of its days, then the tracking codes of its tickets, each
// behind its table byte, in key order.
func monthFacts(tx *bolt.Tx, month string) []history.KV {
	var out []history.KV
	lo, hi := dayKey(month+"-01"), monthEnd(month)
	if rb := tx.Bucket(bRollups); rb != nil {
		c := rb.Cursor()
		for _, p := range []byte{'C', 'R', 'T'} {
			for k, v := c.Seek(append([]byte{p}, lo...)); len(k) >= 9 && k[0] == p && bytes.Compare(k[1:9], hi) <= 0; k, v = c.Next() {
				out = append(out, history.KV{K: append([]byte{'r'}, k...), V: bytes.Clone(v)})
			}
		}
	}
	tr := tx.Bucket(bTracking).Cursor()
	for k, v := tr.First(); k != nil; k, v = tr.Next() {
		if d, ok := trackingDay(v); ok && bytes.Compare(d, lo) >= 0 && bytes.Compare(d, hi) <= 0 {
			out = append(out, history.KV{K: append([]byte{'t'}, k...), V: bytes.Clone(v)})
		}
	}
	return out
}

// nextMonthToClose returns the oldest month whose facts are still hot and
// whose days are all sealed with no ticket left hot ("" when none).
func nextMonthToClose(tx *bolt.Tx) string {
	sealed := readSealMark(tx).Day
	rb := tx.Bucket(bRollups)
	if sealed == "" || rb == nil {
		return ""
	}
	from := []byte{}
	if ft := readFactsMark(tx); ft != "" {
		from = append(monthEnd(ft), 0xff)
	}
	// The oldest day the hot rollups hold after the closed months.
	var oldest []byte
	c := rb.Cursor()
	for _, p := range []byte{'C', 'R', 'T'} {
		if k, _ := c.Seek(append([]byte{p}, from...)); len(k) >= 9 && k[0] == p && (oldest == nil || bytes.Compare(k[1:9], oldest) < 0) {
			oldest = bytes.Clone(k[1:9])
		}
	}
	if oldest == nil {
		return ""
	}
	month := monthOfKey(oldest)
	end := monthEnd(month)
	if end == nil || bytes.Compare(end, dayKey(sealed)) > 0 {
		return "" // the month is not sealed to its end
	}
	// A ticket still hot (held by a counter, changed after its day's seal)
	// may still change its facts: the month waits for it.
	if k, _ := tx.Bucket(bTickets).Cursor().Seek(dayKey(month + "-01")); len(k) == 16 && bytes.Compare(k[:8], end) <= 0 {
		return ""
	}
	return month
}

// closeOff stops months from closing (tests: a store sealed with its
// months still hot, as one written before facts files).
var closeOff bool

// beforeFactsTx is called between a written, verified facts file and the
// transaction that removes its month from the hot file (tests).
var beforeFactsTx = func(path string) {}

// CloseMonths moves the facts of every closed month out of the hot file,
// oldest first (see the top of this file), and returns the months moved.
func (s *Store) CloseMonths() (months []string, err error) {
	for {
		month, err := s.CloseMonth()
		if err != nil || month == "" {
			return months, err
		}
		months = append(months, month)
	}
}

// CloseMonth moves the oldest closed month's facts out of the hot file and
// returns it ("" when no month is ready).
func (s *Store) CloseMonth() (string, error) {
	if s.db.IsReadOnly() {
		return "", nil
	}
	return s.closeMonth()
}

func (s *Store) closeMonth() (string, error) {
	var month string
	var kvs []history.KV
	if closeOff {
		return "", nil
	}
	if err := s.view(func(tx *bolt.Tx) error {
		if month = nextMonthToClose(tx); month != "" {
			kvs = monthFacts(tx, month)
		}
		return nil
	}); err != nil || month == "" {
		return "", err
	}
	path := history.FactsPathFor(s.hist.dir, month)
	size, sum, err := history.WriteFacts(path, month, kvs)
	if err != nil {
		return "", fmt.Errorf("close month %s: %w", month, err)
	}
	if err := checkFacts(path, kvs, size, sum); err != nil {
		return "", fmt.Errorf("close month %s: %w", month, err)
	}
	beforeFactsTx(path)
	killpoint.At("facts-hot-tx") // the crash drill: the file in place, the month still hot
	moved := false
	err = s.update(func(tx *bolt.Tx) error {
		if readFactsMark(tx) >= month || nextMonthToClose(tx) != month {
			return nil // closed meanwhile, or no longer closable
		}
		moved = true
		now := monthFacts(tx, month)
		if !slices.EqualFunc(now, kvs, func(a, b history.KV) bool { return bytes.Equal(a.K, b.K) && bytes.Equal(a.V, b.V) }) {
			return fmt.Errorf("close month %s: its facts changed while the file was written (retried on the next run)", month)
		}
		rb, tr := tx.Bucket(bRollups), tx.Bucket(bTracking)
		for _, kv := range kvs {
			b := rb
			if kv.K[0] == 't' {
				b = tr
			}
			if err := b.Delete(kv.K[1:]); err != nil {
				return err
			}
		}
		fb, err := tx.CreateBucketIfNotExists(bFacts)
		if err != nil {
			return err
		}
		raw, err := sealJSON(factsEntry{Size: size, Sum: sum, Keys: len(kvs)})
		if err != nil {
			return err
		}
		if err := fb.Put([]byte(month), raw); err != nil {
			return err
		}
		if raw, err = sealJSON(factsMark{Month: month}); err != nil {
			return err
		}
		return tx.Bucket(bMeta).Put(metaFacts, raw)
	})
	if err != nil || !moved {
		return "", err
	}
	s.hist.noteDamaged(path, nil)
	return month, nil
}

// checkFacts reads the facts file at path back whole: every block's
// checksum, the file's size and CRC, and every key and value equal to kvs.
func checkFacts(path string, kvs []history.KV, size int64, sum uint32) error {
	gotSize, gotSum, err := history.VerifyFacts(path)
	if err != nil {
		return err
	}
	if gotSize != size || gotSum != sum {
		return fmt.Errorf("facts file %s reads back %d bytes (CRC %08x), written %d (%08x)", path, gotSize, gotSum, size, sum)
	}
	fx, err := history.OpenFacts(path)
	if err != nil {
		return err
	}
	defer fx.Close()
	i := 0
	err = fx.Each(nil, nil, func(k, v []byte) error {
		if i >= len(kvs) || !bytes.Equal(k, kvs[i].K) || !bytes.Equal(v, kvs[i].V) {
			return fmt.Errorf("facts file %s: key %d reads back different", path, i)
		}
		i++
		return nil
	})
	if err == nil && i != len(kvs) {
		err = fmt.Errorf("facts file %s holds %d keys, written %d", path, i, len(kvs))
	}
	return err
}

// closedMonths returns the months in tx that have a facts file, with what
// was written, in month order.
func closedMonths(tx *bolt.Tx) (months []string, entries []factsEntry, err error) {
	fb := tx.Bucket(bFacts)
	if fb == nil {
		return nil, nil, nil
	}
	err = fb.ForEach(func(k, v []byte) error {
		var e factsEntry
		if err := decode("facts", string(k), v, &e); err != nil {
			return err
		}
		months, entries = append(months, string(k)), append(entries, e)
		return nil
	})
	return months, entries, err
}

// openFacts opens the facts file of a closed month; a missing file or one
// that is not what was written is a *history.DamagedError naming it.
func (s *Store) openFacts(month string, want factsEntry) (*history.Facts, error) {
	path := history.FactsPathFor(s.hist.dir, month)
	fi, err := os.Stat(path)
	if err != nil {
		err = &history.DamagedError{Path: path, Block: -1, Err: errors.New("the facts file is missing"), Facts: true}
		s.noteRead(err)
		return nil, err
	}
	if fi.Size() != want.Size {
		err = &history.DamagedError{Path: path, Block: -1, Facts: true,
			Err: fmt.Errorf("the file has %d bytes, %d were written", fi.Size(), want.Size)}
		s.noteRead(err)
		return nil, err
	}
	fx, err := history.OpenFacts(path)
	if err != nil {
		s.noteRead(err)
		return nil, err
	}
	return fx, nil
}

// memCursor is a cursor over sorted keys and values held in memory (a
// month's rollups read from its facts file), for eachRollupDayIn.
type memCursor struct {
	kvs []history.KV
	i   int
}

func (c *memCursor) at() ([]byte, []byte) {
	if c.i >= len(c.kvs) {
		return nil, nil
	}
	return c.kvs[c.i].K, c.kvs[c.i].V
}

func (c *memCursor) Seek(k []byte) ([]byte, []byte) {
	c.i, _ = slices.BinarySearchFunc(c.kvs, k, func(a history.KV, k []byte) int { return bytes.Compare(a.K, k) })
	return c.at()
}

func (c *memCursor) Next() ([]byte, []byte) {
	c.i++
	return c.at()
}

// monthRollups reads the rollup keys of a closed month from its file, in
// key order (without the table byte).
func (s *Store) monthRollups(month string, want factsEntry) ([]history.KV, error) {
	fx, err := s.openFacts(month, want)
	if err != nil {
		return nil, err
	}
	defer fx.Close()
	var out []history.KV
	err = fx.Each([]byte{'r'}, []byte{'s'}, func(k, v []byte) error {
		out = append(out, history.KV{K: bytes.Clone(k[1:]), V: bytes.Clone(v)})
		return nil
	})
	if err != nil {
		s.noteRead(err)
		return nil, err
	}
	return out, nil
}

// closedTracking looks code up in the closed months' files, newest first,
// and returns the tracking value found (nil when none holds it).
func (s *Store) closedTracking(tx *bolt.Tx, code string) ([]byte, error) {
	months, entries, err := closedMonths(tx)
	if err != nil {
		return nil, err
	}
	key := append([]byte{'t'}, code...)
	for i := len(months) - 1; i >= 0; i-- {
		fx, err := s.openFacts(months[i], entries[i])
		if err != nil {
			return nil, err
		}
		v, ok, err := fx.Get(key)
		fx.Close()
		if err != nil {
			s.noteRead(err)
			return nil, err
		}
		if ok {
			return v, nil
		}
	}
	return nil, nil
}

// verifyFacts reads the facts file of month whole and compares it with
// what was written.
func (s *Store) verifyFacts(month string, want factsEntry) error {
	path := history.FactsPathFor(s.hist.dir, month)
	if _, err := os.Stat(path); err != nil {
		return &history.DamagedError{Path: path, Block: -1, Err: errors.New("the facts file is missing"), Facts: true}
	}
	size, sum, err := history.VerifyFacts(path)
	if err == nil && (size != want.Size || sum != want.Sum) {
		err = &history.DamagedError{Path: path, Block: -1, Facts: true,
			Err: fmt.Errorf("the file has %d bytes (CRC %08x), %d (%08x) were written", size, sum, want.Size, want.Sum)}
	}
	return err
}

// dropClosedRollups deletes from the hot rollups the keys of the closed
// months' days (a rebuild recomputes every day; the closed ones are read
// from their files).
func dropClosedRollups(tx *bolt.Tx) error {
	ft := readFactsMark(tx)
	rb := tx.Bucket(bRollups)
	if ft == "" || rb == nil {
		return nil
	}
	hi := monthEnd(ft)
	c := rb.Cursor()
	for _, p := range []byte{'C', 'R', 'T'} {
		for k, _ := c.Seek([]byte{p}); len(k) >= 9 && k[0] == p && bytes.Compare(k[1:9], hi) <= 0; k, _ = c.Seek([]byte{p}) {
			if err := rb.Delete(k); err != nil {
				return err
			}
		}
	}
	return nil
}
