package store

import (
	"bytes"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// hotEventsOf counts the events the hot file holds (tests of sealing).
func hotEventsOf(s *Store) (n int) {
	s.view(func(tx *bolt.Tx) error { n = tx.Bucket(bEvents).Stats().KeyN; return nil })
	return n
}

var HotEvents = hotEventsOf

// SetCompaction lowers the size worth compacting and sets the hook between
// the compaction's renames, until the test ends.
func SetCompaction(min int64, between func()) (restore func()) {
	m, b := compactMin, beforeSwitch
	compactMin, beforeSwitch = min, between
	return func() { compactMin, beforeSwitch = m, b }
}

// SetBeforeHotTx sets the hook between a sealed day's verified segment and
// its hot transaction.
func SetBeforeHotTx(fn func(path string)) (restore func()) {
	old := beforeHotTx
	beforeHotTx = fn
	return func() { beforeHotTx = old }
}

// SetWALHook sets the hook at the write-ahead log's crash points (wal.go),
// until the test ends.
func SetWALHook(fn func(point string)) (restore func()) {
	old := walHook
	walHook = fn
	return func() { walHook = old }
}

// Abandon lets go of s as a crash would: the database and the log are
// closed without writing the pending frames to the tree.
func Abandon(s *Store) {
	s.wmu.Lock()
	if s.w.timer != nil {
		s.w.timer.Stop()
		s.w.timer = nil
	}
	if s.w.log != nil {
		s.w.log.close()
		s.w.log = nil
	}
	s.w.pending, s.w.events = nil, 0
	s.npend.Store(0)
	s.wmu.Unlock()
	s.db.Close()
}

// WALState returns the log's generation and the frames pending.
func WALState(s *Store) (gen uint64, frames int) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.w.log != nil {
		gen = s.w.log.gen
	}
	return gen, len(s.w.pending)
}

const WALData, WALFrameHead = walData, walFrameHead

// WALTimer reports whether the flush timer is armed and, with fire, runs
// what it runs when it goes off.
func WALTimer(s *Store, fire bool) (armed bool) {
	s.wmu.Lock()
	armed = s.w.timer != nil
	s.wmu.Unlock()
	if fire {
		s.flushTimer()
	}
	return armed
}

// HotRecords counts the records of kind the hot file holds.
func HotRecords(s *Store, kind string) (n int) {
	s.view(func(tx *bolt.Tx) error {
		if kb := tx.Bucket(bRecords).Bucket([]byte(kind)); kb != nil {
			n = kb.Stats().KeyN
		}
		return nil
	})
	return n
}

// RollupKeys counts the rollup values the hot file holds.
func RollupKeys(s *Store) (n int) {
	s.view(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bRollups); b != nil {
			n = b.Stats().KeyN
		}
		return nil
	})
	return n
}

// CheckWAL reads the log in dir (none: nil) and returns its damage.
func CheckWAL(dir string) error {
	_, _, err := readWAL(filepath.Join(dir, WALName))
	return err
}

// SetBeforeFactsTx sets the hook between a written month facts file and
// the transaction that removes its month from the hot file.
func SetBeforeFactsTx(fn func(path string)) (restore func()) {
	old := beforeFactsTx
	beforeFactsTx = fn
	return func() { beforeFactsTx = old }
}

// HotFacts returns the months of the days the hot rollups hold and of the
// tickets the hot tracking codes name, each with its count of keys.
func HotFacts(s *Store) (rollups, tracking map[string]int) {
	rollups, tracking = map[string]int{}, map[string]int{}
	s.view(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bRollups); b != nil {
			b.ForEach(func(k, _ []byte) error {
				if len(k) >= 9 {
					rollups[monthOfKey(k[1:9])]++
				}
				return nil
			})
		}
		return tx.Bucket(bTracking).ForEach(func(_, v []byte) error {
			if d, ok := trackingDay(v); ok {
				tracking[monthOfKey(d)]++
			}
			return nil
		})
	})
	return rollups, tracking
}

// TrackingValue is what TicketByTracking finds for code before it reads
// the ticket: the hot file's value, else the newest closed month's.
func TrackingValue(s *Store, code string) (v []byte, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		if v = bytes.Clone(tx.Bucket(bTracking).Get([]byte(code))); v == nil {
			v, err = s.closedTracking(tx, code)
		}
		return err
	})
	return v, err
}

// Bloat writes n bytes into a scratch bucket and deletes it: the file
// grows by them and keeps them as free pages (what closed months leave).
func Bloat(t interface{ Fatal(...any) }, s *Store, n int) {
	err := s.update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("scratch"))
		if err != nil {
			return err
		}
		v := make([]byte, 4000)
		for i := 0; i*len(v) < n; i++ {
			if err := b.Put(u64(uint64(i)), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = s.update(func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte("scratch")) })
	}
	if err != nil {
		t.Fatal(err)
	}
}

// SetCloseMonths turns the closing of months on or off (see closeOff).
func SetCloseMonths(on bool) (restore func()) {
	old := closeOff
	closeOff = !on
	return func() { closeOff = old }
}
