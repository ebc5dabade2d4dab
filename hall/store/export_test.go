package store

import bolt "go.etcd.io/bbolt"

// hotEventsOf counts the events the hot file holds (tests of sealing).
func hotEventsOf(s *Store) (n int) {
	s.db.View(func(tx *bolt.Tx) error { n = tx.Bucket(bEvents).Stats().KeyN; return nil })
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
