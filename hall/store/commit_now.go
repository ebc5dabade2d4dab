package store

import (
	bolt "go.etcd.io/bbolt"

	"hallq/queue"
)

// CommitNow writes the records of each event and appends the events in one
// transaction of its own, started at once: no waiting for others to join as
// Commit does. It is for a caller that gathers concurrent commits itself and
// must have them durable in sequence order (the hall's committer,
// hall/commit.go). The commit hook applies as to Commit.
func (s *Store) CommitNow(evs []queue.Event) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if hook := s.hook.Load(); hook != nil {
			if err := (*hook)(evs); err != nil {
				return err
			}
		}
		return writeEvents(tx, evs)
	})
}
