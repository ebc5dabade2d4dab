package store

import bolt "go.etcd.io/bbolt"

// hotEventsOf counts the events the hot file holds (tests of sealing).
func hotEventsOf(s *Store) (n int) {
	s.db.View(func(tx *bolt.Tx) error { n = tx.Bucket(bEvents).Stats().KeyN; return nil })
	return n
}

var HotEvents = hotEventsOf
