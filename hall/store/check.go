package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterr "go.etcd.io/bbolt/errors"

	"hallq/queue"
)

// Summary describes a verified database.
type Summary struct {
	Path    string `json:"path"`
	Bytes   int64  `json:"bytes"`
	Schema  uint64 `json:"schema"`
	Tickets int    `json:"tickets"`
	Days    int    `json:"days"`
	Events  int    `json:"events"`
	LastSeq uint64 `json:"last_seq"`
	Records int    `json:"records"`
	Users   int    `json:"users"`
	Devices int    `json:"devices"`
}

func (s Summary) String() string {
	return fmt.Sprintf("%s: %d bytes, schema %d, %d tickets over %d days, %d events (last %d), %d records, %d users, %d devices",
		s.Path, s.Bytes, s.Schema, s.Tickets, s.Days, s.Events, s.LastSeq, s.Records, s.Users, s.Devices)
}

// ErrDamaged marks a database that failed verification.
var ErrDamaged = errors.New("the hall database is damaged")

// Verify checks the whole database: bbolt's page-level consistency check,
// then every bucket hallq needs is there, every ticket and event decodes,
// ticket keys match their day and id, no ticket number repeats within a day,
// and every tracking code points at a stored ticket. The first problem is
// returned wrapped in ErrDamaged.
func (s *Store) Verify() (sum Summary, err error) {
	sum.Path = s.path
	if fi, err := os.Stat(s.path); err == nil {
		sum.Bytes = fi.Size()
	}
	defer func() {
		// bbolt panics on some kinds of damaged pages; that is a finding, not a crash.
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrDamaged, r)
		}
	}()
	if err := s.Check(); err != nil {
		return sum, fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		for _, b := range buckets {
			if tx.Bucket(b) == nil {
				return fmt.Errorf("bucket %q is missing", b)
			}
		}
		if raw := tx.Bucket(bMeta).Get([]byte("schema")); len(raw) == 8 {
			sum.Schema = binary.BigEndian.Uint64(raw)
		} else {
			return errors.New("schema version is missing")
		}
		numbers := map[string]bool{}
		days := map[string]bool{}
		if err := tx.Bucket(bTickets).ForEach(func(k, v []byte) error {
			var t queue.Ticket
			if len(k) != 16 {
				return fmt.Errorf("ticket key %x has the wrong length", k)
			}
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("ticket %x: %v", k, err)
			}
			if string(k[:8]) != string(dayKey(t.Day)) || binary.BigEndian.Uint64(k[8:]) != t.ID {
				return fmt.Errorf("ticket %d (%s) is stored under the wrong key", t.ID, t.Day)
			}
			n := t.Day + "/" + t.Number
			if numbers[n] {
				return fmt.Errorf("ticket number %s is used twice on %s", t.Number, t.Day)
			}
			numbers[n], days[t.Day] = true, true
			sum.Tickets++
			return nil
		}); err != nil {
			return err
		}
		sum.Days = len(days)
		tickets := tx.Bucket(bTickets)
		if err := tx.Bucket(bTracking).ForEach(func(k, v []byte) error {
			if tickets.Get(v) == nil {
				return fmt.Errorf("tracking code %s points at no ticket", k)
			}
			return nil
		}); err != nil {
			return err
		}
		if err := tx.Bucket(bEvents).ForEach(func(k, v []byte) error {
			var ev queue.Event
			if err := json.Unmarshal(v, &ev); err != nil {
				return fmt.Errorf("event %x: %v", k, err)
			}
			if len(k) != 8 || binary.BigEndian.Uint64(k) != ev.Seq {
				return fmt.Errorf("event %d is stored under key %x", ev.Seq, k)
			}
			sum.Events++
			sum.LastSeq = ev.Seq
			return nil
		}); err != nil {
			return err
		}
		if err := tx.Bucket(bRecords).ForEachBucket(func(kind []byte) error {
			return tx.Bucket(bRecords).Bucket(kind).ForEach(func(k, v []byte) error {
				var r queue.Record
				if err := json.Unmarshal(v, &r); err != nil || r.Key != string(k) || r.Kind != string(kind) {
					return fmt.Errorf("record %s/%s does not decode to itself", kind, k)
				}
				sum.Records++
				return nil
			})
		}); err != nil {
			return err
		}
		sum.Users = tx.Bucket(bUsers).Stats().KeyN
		sum.Devices = tx.Bucket(bDevices).Stats().KeyN
		return nil
	})
	if err != nil {
		return sum, fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	return sum, nil
}

// VerifyFile opens the database file at path read-only and verifies it.
func VerifyFile(path string) (sum Summary, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: %w: %v", path, ErrDamaged, r)
		}
	}()
	if _, err := os.Stat(path); err != nil {
		return sum, queue.Errorf(queue.ENOTFOUND, "找不到文件 %s / no such file %s", path, path)
	}
	db, err := bolt.Open(path, 0o640, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if errors.Is(err, bolterr.ErrTimeout) {
		return sum, fmt.Errorf("open %s: %w", path, ErrInUse)
	} else if err != nil {
		return sum, fmt.Errorf("%s: %w: %v", path, ErrDamaged, err)
	}
	defer db.Close()
	return (&Store{db: db, path: path}).Verify()
}

// Restore replaces the database in dir with the backup file, after verifying
// the backup. No hallq may hold dir. The database it replaces is kept beside
// it as hallq.db.before-restore-TIME; the swap is a rename, so a crash
// leaves either the old or the new database, never a mix.
func Restore(dir, file string) (sum Summary, kept string, err error) {
	if sum, err = VerifyFile(file); err != nil {
		return sum, "", err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return sum, "", err
	}
	path := filepath.Join(dir, FileName)
	if _, err := os.Stat(path); err == nil {
		// Make sure no server holds it: take the writer's lock briefly.
		db, err := bolt.Open(path, 0o640, &bolt.Options{Timeout: time.Second})
		if errors.Is(err, bolterr.ErrTimeout) {
			return sum, "", fmt.Errorf("%s: %w (stop the hallq service before restoring)", path, ErrInUse)
		}
		if err == nil {
			db.Close()
		}
		kept = path + ".before-restore-" + time.Now().Format("20060102-150405")
		if err := copyFile(path, kept); err != nil {
			return sum, "", fmt.Errorf("keep the current database: %w", err)
		}
	}
	tmp := path + ".restoring"
	if err := copyFile(file, tmp); err != nil {
		os.Remove(tmp)
		return sum, kept, err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return sum, kept, err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	sum.Path = path
	return sum, kept, nil
}

// copyFile copies src to dst and syncs dst.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// EachEvent calls fn with every event after since, in sequence order, until
// fn returns an error (which EachEvent returns).
func (s *Store) EachEvent(since uint64, fn func(ev queue.Event) error) error {
	for {
		evs, err := s.Events(since, 1000)
		if err != nil {
			return err
		}
		for _, ev := range evs {
			if err := fn(ev); err != nil {
				return err
			}
			since = ev.Seq
		}
		if len(evs) < 1000 {
			return nil
		}
	}
}
