// Package store keeps a hall's state in one bbolt file. It is the only package
// that imports bbolt.
//
// Bucket layout (all created in one transaction at Open):
//
//	meta      "schema" → uint64 schema version; "config" → hall config JSON;
//	          "demo" → demo credentials JSON (only for a --demo hall);
//	          "ticket_id" → uint64, the highest ticket id ever written (ids
//	          come from this counter, never from the day or the clock);
//	          "epoch" → the store's epoch, "seq_floor" → uint64 (epoch.go)
//	services  prefix ("A")                      → queue.Service JSON
//	counters  number (uint32 BE)                → queue.Counter JSON
//	tickets   day ("20261123") + id (uint64 BE) → queue.Ticket JSON
//	tracking  code                              → tickets key of the latest ticket with that code
//	          (a sealed ticket: packTracking, sealed.go)
//	events    seq (uint64 BE)                   → queue.Event JSON
//	users     name                              → User JSON
//	sessions  sha256(token)                     → Session JSON
//	devices   sha256(token)                     → Device JSON
//	records   kind (nested bucket) / key        → queue.Record JSON (work
//	          orders, approvals, ratings, appointments, …)
//	rollups   per-day report facts, written with the events (see rollup.go)
//	personal  day + ticket id → the phone and 户号 of a sealed day (sealed.go)
//	verified  day → when its history segment was last verified (sealed.go)
//	sealed    day → first and last sequence, count of a sealed day (sealed.go)
//	sealed_records kind + 0 + day → the key range of the records of kind
//	          closed that day, in its segment (sealed_records.go)
//
// Days before today leave the hot file for DATA/history (sealed.go, package
// history); meta "sealed_through" says which.
//
// Keys are fixed-width so cursors seek days and sequences in order. Every
// record carries a revision; a write never replaces a record with an older
// revision, so batched commits that land out of order keep the newest state.
package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterr "go.etcd.io/bbolt/errors"

	"hallq/history"
	_ "hallq/i18n" // queue.Err renders its keys with the catalog that i18n registers in its init
	"hallq/queue"
)

// SchemaVersion is the layout version this code writes. 2: past days may
// be sealed into DATA/history (sealed.go), which a hallq of schema 1 would
// not read; a schema-1 store needs nothing in its open transaction (the
// sealer moves its history out day by day, then an open compacts it).
const SchemaVersion = 2

var (
	bMeta     = []byte("meta")
	bServices = []byte("services")
	bCounters = []byte("counters")
	bTickets  = []byte("tickets")
	bTracking = []byte("tracking")
	bEvents   = []byte("events")
	bUsers    = []byte("users")
	bSessions = []byte("sessions")
	bDevices  = []byte("devices")
	bRecords  = []byte("records")
	buckets   = [][]byte{bMeta, bServices, bCounters, bTickets, bTracking, bEvents, bUsers, bSessions, bDevices, bRecords}
)

// migrations[v] upgrades a store at schema v to v+1, inside the open transaction.
var migrations = map[uint64]func(tx *bolt.Tx) error{}

// ErrInUse is returned by Open when another process holds the database.
var ErrInUse = errors.New("the data directory is in use by another hallq process")

// Store is an open hall database.
type Store struct {
	db   *bolt.DB
	path string
	devs deviceCache
	// epoch is the store's epoch (epoch.go), read at open: it changes
	// only by a restore, which needs the store closed.
	epoch Epoch
	hist  *sealed // the sealed days (sealed.go)
	log   *slog.Logger
	// closed are the record kinds sealed with their day (sealed_records.go).
	closed closedKinds

	// The write-ahead log (wal.go, walstore.go): nil for a read-only store.
	wmu   sync.Mutex
	w     walState
	npend atomic.Int64 // events pending in front of the tree
	// A read-only store: what it did with the log, the damage it found
	// there, the temporary copy it reads when the log held events.
	walNote string
	walErr  error
	tmp     string
}

// initialMmap is the address space mapped at open. A commit that outgrows
// the mapping must wait for every read transaction to end before bbolt maps
// the file again, so a backup streaming to a slow client would stall the
// hall; mapping 1 GiB up front (address space only, on 64-bit machines)
// makes that a once-a-gigabyte event instead of one at every doubling.
const initialMmap = (strconv.IntSize / 64) << 30

// FileName is the database file inside the data directory.
const FileName = "hallq.db"

// OpenOptions configure OpenWith.
type OpenOptions struct {
	// Init allows creating a new hall in a directory that is not empty (see
	// Open). It never replaces a file that exists.
	Init bool
	// Logger gets the store's notes (a log replayed or moved aside, a
	// failed background write); nil: slog.Default().
	Logger *slog.Logger
	// noCompact: the file was just compacted (compact.go).
	noCompact bool
}

// Open opens the database in dir, creating it only when dir is missing or
// empty (but for a hall.json to seed from): see OpenWith.
func Open(dir string) (*Store, error) { return OpenWith(dir, OpenOptions{}) }

// OpenWith opens the database in dir. An existing file must be a whole
// hallq database: an empty, truncated or foreign file is refused with an
// error wrapping ErrDamaged, and left as it is. A new database is created
// only when dir holds no other files, or with opt.Init; otherwise the error
// wraps ErrNoDatabase. A second process gets ErrInUse after one second
// instead of hanging.
func OpenWith(dir string, opt OpenOptions) (st *Store, err error) {
	path := filepath.Join(dir, FileName)
	var db *bolt.DB
	defer panicOnFault()()
	defer func() {
		// bbolt panics on some damaged pages (a bad freelist, say).
		if r := recover(); r != nil {
			closeQuietly(db) // a panic after bbolt opened the file must not keep its lock
			st, err = nil, fmt.Errorf("open %s: %w: %v", path, ErrDamaged, r)
		}
	}()
	if err := finishCompaction(dir); err != nil {
		return nil, err
	}
	exists, err := inspectFile(path)
	if err != nil {
		return nil, err
	}
	if !exists && !opt.Init {
		if err := newHallAllowed(dir); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", dir, err)
	}
	flag := os.O_RDWR
	if !exists {
		flag |= os.O_CREATE
	}
	db, err = bolt.Open(path, 0o640, &bolt.Options{Timeout: time.Second, InitialMmapSize: initialMmap,
		OpenFile: func(name string, _ int, mode os.FileMode) (*os.File, error) {
			return os.OpenFile(name, flag, mode) // never create a file that vanished since inspectFile
		}})
	if errors.Is(err, bolterr.ErrTimeout) {
		return nil, fmt.Errorf("open %s: %w", path, ErrInUse)
	} else if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if exists {
		if err := db.View(foreign); err != nil {
			db.Close()
			return nil, fmt.Errorf("%s: %w: %v", path, ErrDamaged, err)
		}
	}
	s := &Store{db: db, path: path, log: defaultLogger(opt.Logger)}
	if exists {
		if err := s.keepOldSchema(dir); err != nil {
			db.Close()
			return nil, err
		}
	}
	if err := db.Update(s.init); err != nil {
		db.Close()
		return nil, fmt.Errorf("initialise %s: %w", path, err)
	}
	// The log's events reach the tree before anything reads it.
	if err := s.openWALFor(dir); err != nil {
		db.Close()
		return nil, err
	}
	// The history is listed, not read: start stays O(today) whatever the
	// years sealed (docs/storage.md). A crash's temporary segment goes.
	if s.hist, err = openSealed(filepath.Join(dir, history.Dir), true); err != nil {
		s.closeWAL()
		db.Close()
		return nil, err
	}
	if !opt.noCompact && wantsCompact(db, dir) {
		if err := s.closeWAL(); err != nil {
			db.Close()
			return nil, err
		}
		db.Close()
		if _, _, err := compactFile(dir); err != nil {
			return nil, err
		}
		opt.noCompact = true
		return OpenWith(dir, opt)
	}
	return s, nil
}

// foreign refuses a bbolt file that holds buckets but not hallq's: another
// program's database. A file with no bucket at all is one whose creation
// was cut short (bbolt writes its empty pages before hallq's first
// transaction) and holds nothing to lose.
func foreign(tx *bolt.Tx) error {
	var names []string
	tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
		names = append(names, printable(name))
		return nil
	})
	if len(names) == 0 || tx.Bucket(bMeta) != nil {
		return nil
	}
	return fmt.Errorf("this is not a hallq database: it holds buckets %s", strings.Join(names, ", "))
}

// OpenReadOnly opens the existing database in dir for reading only (offline
// backups): nothing is created, migrated or written. It returns ENOTFOUND
// when dir holds no database, ErrDamaged for an empty, truncated or foreign
// file, and ErrInUse when a running hallq holds it.
func OpenReadOnly(dir string) (st *Store, err error) {
	path := filepath.Join(dir, FileName)
	var db *bolt.DB
	defer panicOnFault()()
	defer func() {
		if r := recover(); r != nil {
			closeQuietly(db) // a panic after bbolt opened the file must not keep its lock
			st, err = nil, fmt.Errorf("open %s: %w: %v", path, ErrDamaged, r)
		}
	}()
	if exists, err := inspectFile(path); err != nil {
		return nil, err
	} else if !exists {
		return nil, queue.Err(queue.ENOTFOUND, "err.store.there_is_no_hall", dir)
	}
	db, err = bolt.Open(path, 0o640, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if errors.Is(err, bolterr.ErrTimeout) {
		return nil, fmt.Errorf("open %s: %w", path, ErrInUse)
	} else if err != nil {
		return nil, fmt.Errorf("open %s: %w: %v", path, ErrDamaged, err)
	}
	if err := db.View(func(tx *bolt.Tx) error {
		if err := foreign(tx); err != nil {
			return err
		}
		if tx.Bucket(bMeta) == nil {
			return errors.New("this hallq database was never initialised (it holds nothing)")
		}
		return nil
	}); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w: %v", path, ErrDamaged, err)
	}
	st = &Store{db: db, path: path, log: slog.Default()}
	db.View(func(tx *bolt.Tx) error { st.epoch, _ = readEpoch(tx); return nil })
	st.readOnlyWAL(dir) // may switch st.db to a copy with the log's events
	if st.hist, err = openSealed(filepath.Join(dir, history.Dir), false); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

func (s *Store) init(tx *bolt.Tx) error {
	for _, b := range buckets {
		if _, err := tx.CreateBucketIfNotExists(b); err != nil {
			return err
		}
	}
	if err := initLive(tx); err != nil { // live.go
		return err
	}
	meta := tx.Bucket(bMeta)
	v := uint64(0)
	if raw := meta.Get([]byte("schema")); raw != nil {
		v = binary.BigEndian.Uint64(raw)
	} else {
		v = SchemaVersion // a new store starts at the current layout
	}
	if v > SchemaVersion {
		return fmt.Errorf("database schema %d is newer than this hallq (%d): upgrade hallq", v, SchemaVersion)
	}
	for ; v < SchemaVersion; v++ {
		if m := migrations[v]; m != nil {
			if err := m(tx); err != nil {
				return fmt.Errorf("migrate schema %d: %w", v, err)
			}
		}
	}
	e, err := ensureEpoch(tx, time.Now())
	if err != nil {
		return err
	}
	s.epoch = e
	return meta.Put([]byte("schema"), u64(SchemaVersion))
}

// closeQuietly closes db (nil: nothing), surviving a panic of a damaged
// file's pages: what matters is that the file's lock is let go.
func closeQuietly(db *bolt.DB) {
	if db == nil {
		return
	}
	defer func() { _ = recover() }()
	db.Close()
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// Close writes the logged events to the tree and closes the database.
func (s *Store) Close() error {
	err := s.closeWAL()
	if cerr := s.db.Close(); err == nil {
		err = cerr
	}
	if s.tmp != "" {
		os.Remove(s.tmp)
	}
	return err
}

// view runs fn in a read transaction: every read of the store goes through
// it (and update), so that what the store keeps in front of the tree has one
// place to be taken into account: the frames of the write-ahead log are
// written to the tree first (flush).
func (s *Store) view(fn func(*bolt.Tx) error) error {
	if err := s.flush(); err != nil {
		return err
	}
	return s.db.View(fn)
}

// update runs fn in a write transaction of its own; see view.
func (s *Store) update(fn func(*bolt.Tx) error) error {
	if err := s.flush(); err != nil {
		return err
	}
	return s.db.Update(fn)
}

// viewOwn and updateOwn are view and update for transactions that touch
// only buckets a commit never writes (users, sessions, devices: per
// request), so they need not wait for the log's frames: what they read or
// write does not depend on them, nor they on it.
func (s *Store) viewOwn(fn func(*bolt.Tx) error) error   { return s.db.View(fn) }
func (s *Store) updateOwn(fn func(*bolt.Tx) error) error { return s.db.Update(fn) }

// Check runs bbolt's consistency check and returns the first problem found.
// It runs in a write transaction (rolled back, so nothing is written): bbolt
// compares the pages it reaches with the shared freelist, and a commit that
// frees pages while a read-only check runs would look like damage.
func (s *Store) Check() (err error) {
	if err := s.flush(); err != nil {
		return err
	}
	if s.db.IsReadOnly() {
		return s.view(func(tx *bolt.Tx) error { return firstCheckError(tx) })
	}
	tx, err := s.db.Begin(true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return firstCheckError(tx)
}

// firstCheckError drains tx.Check: the checker goroutine reads the
// transaction's pages until it has sent every error, so the transaction must
// stay open until then.
func firstCheckError(tx *bolt.Tx) error {
	var first error
	for err := range tx.Check() {
		if first == nil {
			first = err
		}
	}
	return first
}

// Ping reads the schema version, proving the file answers. It does not
// flush (a health probe would end every commit's sharing): the schema is a
// key no commit writes. A flush that fails for room fails the next commit,
// which the hall reports as it reports any failed commit.
func (s *Store) Ping() error {
	return s.viewOwn(func(tx *bolt.Tx) error {
		if tx.Bucket(bMeta).Get([]byte("schema")) == nil {
			return errors.New("schema version missing")
		}
		return nil
	})
}

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func u32(v uint32) []byte {
	b := make([]byte, 4)
	binary.BigEndian.PutUint32(b, v)
	return b
}

// dayKey turns "2026-11-23" into "20261123".
func dayKey(day string) []byte { return []byte(strings.ReplaceAll(day, "-", "")) }

func ticketKey(t *queue.Ticket) []byte { return append(dayKey(t.Day), u64(t.ID)...) }

// metaTicketID is the meta key of the ticket id counter.
var metaTicketID = []byte("ticket_id")

// noteTicketIDs raises the persistent ticket id counter to the highest id
// the events carry, in their transaction.
func noteTicketIDs(tx *bolt.Tx, evs []queue.Event) error {
	var hi uint64
	for i := range evs {
		for j := range evs[i].Tickets {
			hi = max(hi, evs[i].Tickets[j].ID)
		}
	}
	mb := tx.Bucket(bMeta)
	if raw := mb.Get(metaTicketID); hi == 0 || len(raw) == 8 && binary.BigEndian.Uint64(raw) >= hi {
		return nil
	}
	return mb.Put(metaTicketID, u64(hi))
}

// maxTicketID is the highest ticket id ever written: the counter, or for a
// store written before it existed, the highest id of any day (ids of an
// earlier day may be higher than a later day's after a clock step).
func maxTicketID(tx *bolt.Tx) uint64 {
	if raw := tx.Bucket(bMeta).Get(metaTicketID); len(raw) == 8 {
		return binary.BigEndian.Uint64(raw)
	}
	var hi uint64
	c := tx.Bucket(bTickets).Cursor()
	for k, _ := c.First(); len(k) >= 8; {
		// Every key of k's day sorts before end, every later day's after.
		end := append(append([]byte(nil), k[:8]...), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
		next, _ := c.Seek(end)
		var last []byte
		if next == nil {
			last, _ = c.Last()
		} else {
			last, _ = c.Prev()
		}
		if len(last) == 16 {
			hi = max(hi, binary.BigEndian.Uint64(last[8:]))
		}
		k = next
	}
	return hi
}

type revved struct {
	Rev int `json:"rev"`
}

// putNewer stores v under key unless the stored record has a newer
// revision; written reports whether it stored v.
func putNewer(b *bolt.Bucket, key []byte, rev int, v any) (written bool, err error) {
	if old := b.Get(key); old != nil {
		// A damaged old value is replaced by the new one.
		var r revved
		if p, _, err := unseal(old); err == nil && json.Unmarshal(p, &r) == nil && r.Rev > rev {
			return false, nil
		}
	}
	raw, err := sealJSON(v)
	if err != nil {
		return false, err
	}
	return true, b.Put(key, raw)
}

// State is what a restart needs: the records and the counters' high marks.
type State struct {
	Services []queue.Service
	Counters []queue.Counter
	Tickets  []queue.Ticket // of the requested day, and any of the day before a counter holds
	MaxID    uint64         // highest ticket id ever stored
	LastSeq  uint64         // highest event sequence stored, or the floor a restore set
	LastAt   time.Time      // the time of the last event (zero: none)
	// LastDay is the hall day the store was last at: the later of the newest
	// ticket's day and the day of the last event (a day_rolled event names the
	// day it opened), "" for an empty store.
	LastDay string
}

// Load reads the services, counters, the tickets of day, and the high marks,
// in one read transaction.
func (s *Store) Load(day string) (st State, err error) {
	err = s.view(func(tx *bolt.Tx) (err error) {
		st, err = loadTx(tx, day, true)
		return err
	})
	return st, err
}

// loadTx is Load in tx; without tickets it reads the records and high marks
// only.
func loadTx(tx *bolt.Tx, day string, tickets bool) (State, error) {
	var st State
	err := func() error {
		if err := tx.Bucket(bServices).ForEach(func(k, v []byte) error {
			var sv queue.Service
			st.Services = append(st.Services, sv)
			return decode("services", printable(k), v, &st.Services[len(st.Services)-1])
		}); err != nil {
			return err
		}
		if err := runningFigures(tx, st.Services); err != nil {
			return err
		}
		if err := tx.Bucket(bCounters).ForEach(func(k, v []byte) error {
			var c queue.Counter
			st.Counters = append(st.Counters, c)
			return decode("counters", seqName(k), v, &st.Counters[len(st.Counters)-1])
		}); err != nil {
			return err
		}
		var err error
		if tickets {
			if st.Tickets, err = ticketsOf(tx, day, day); err != nil {
				return err
			}
			if st.Tickets, err = withCarried(tx, day, st.Tickets, st.Counters); err != nil {
				return err
			}
		}
		st.LastSeq = lastSeq(tx) // past a restore's floor
		if k, v := tx.Bucket(bEvents).Cursor().Last(); k != nil {
			var ev struct {
				Day string    `json:"day"`
				At  time.Time `json:"at"`
			}
			if err := decode("events", seqName(k), v, &ev); err != nil {
				return err
			}
			st.LastDay, st.LastAt = ev.Day, ev.At
		} else if m := readSealMark(tx); m.Day != "" {
			st.LastDay, st.LastAt = m.Day, m.At // every event is sealed
		}
		// Ids come from the counter: after a clock step an earlier day may
		// hold higher ids than the newest.
		st.MaxID = maxTicketID(tx)
		if k, v := tx.Bucket(bTickets).Cursor().Last(); k != nil {
			var t queue.Ticket
			if err := decode("tickets", ticketName(k), v, &t); err != nil {
				return err
			}
			if t.Day > st.LastDay {
				st.LastDay = t.Day
			}
		}
		return nil
	}()
	return st, err
}

// withCarried adds to the tickets of day those of an earlier day (the last
// week's) that a counter still holds: customers called or served over
// midnight.
func withCarried(tx *bolt.Tx, day string, tickets []queue.Ticket, counters []queue.Counter) ([]queue.Ticket, error) {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return tickets, nil
	}
	have := map[uint64]bool{}
	for _, t := range tickets {
		have[t.ID] = true
	}
	for _, c := range counters {
		if c.Current == 0 || have[c.Current] {
			continue
		}
		var k, v []byte
		for back := 1; back <= 7 && v == nil; back++ {
			k = append(dayKey(d.AddDate(0, 0, -back).Format(time.DateOnly)), u64(c.Current)...)
			v = tx.Bucket(bTickets).Get(k)
		}
		if v == nil {
			continue
		}
		var t queue.Ticket
		if err := decode("tickets", ticketName(k), v, &t); err != nil {
			return nil, err
		}
		have[t.ID] = true
		tickets = append(tickets, t)
	}
	return tickets, nil
}

func ticketsOf(tx *bolt.Tx, from, to string) ([]queue.Ticket, error) {
	out := []queue.Ticket{}
	lo, hi := dayKey(from), dayKey(to)
	c := tx.Bucket(bTickets).Cursor()
	for k, v := c.Seek(lo); k != nil && bytes.Compare(k[:8], hi) <= 0; k, v = c.Next() {
		var t queue.Ticket
		if err := decode("tickets", ticketName(k), v, &t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// Tickets returns every ticket issued from day from to day to (YYYY-MM-DD,
// inclusive), in id order.
func (s *Store) Tickets(from, to string) ([]queue.Ticket, error) {
	out := []queue.Ticket{}
	err := s.view(func(tx *bolt.Tx) error {
		return s.eachTicketTx(tx, from, to, func(t *queue.Ticket) error {
			out = append(out, *t)
			return nil
		})
	})
	return out, err
}

// EachTicket calls fn for every ticket from day from to day to, day by day
// in id order, without holding them all in memory (a sealed day's tickets
// are read from its segment: one day at a time).
func (s *Store) EachTicket(from, to string, fn func(t *queue.Ticket) error) error {
	return s.view(func(tx *bolt.Tx) error { return s.eachTicketTx(tx, from, to, fn) })
}

// TicketByTracking returns the latest ticket with the tracking code.
func (s *Store) TicketByTracking(code string) (queue.Ticket, error) {
	var t queue.Ticket
	err := s.view(func(tx *bolt.Tx) error {
		key := tx.Bucket(bTracking).Get([]byte(code))
		if key == nil {
			// A code of a closed month: its facts file, newest first.
			var err error
			if key, err = s.closedTracking(tx, code); err != nil {
				return err
			}
		}
		if key == nil {
			return queue.Err(queue.ENOTFOUND, "err.store.no_ticket_with_this")
		}
		var seq uint64 // of a sealed ticket's last event (sealed.go)
		if k, sq, ok := unpackTracking(key); ok {
			key, seq = k, sq
		}
		if v := tx.Bucket(bTickets).Get(key); v != nil {
			return decode("tickets", ticketName(key), v, &t)
		}
		if m := readSealMark(tx); len(key) == 16 && m.Day != "" && string(key[:8]) <= string(dayKey(m.Day)) {
			if seq > 0 {
				var ok bool
				var err error
				if t, ok, err = s.sealedTicketAt(tx, dayOfKey(key), binary.BigEndian.Uint64(key[8:]), seq); ok || err != nil {
					return err
				}
			}
			ts, err := s.sealedTickets(tx, dayOfKey(key))
			if err != nil {
				return err
			}
			id := binary.BigEndian.Uint64(key[8:])
			if i, ok := slices.BinarySearchFunc(ts, id, func(t queue.Ticket, id uint64) int { return cmpU64(t.ID, id) }); ok {
				t = ts[i]
				return nil
			}
		}
		return queue.Err(queue.ENOTFOUND, "err.store.no_ticket_with_this")
	})
	return t, err
}

// Events returns up to limit events with a sequence greater than since:
// sealed days' from their segments, then the hot file's.
func (s *Store) Events(since uint64, limit int) ([]queue.Event, error) {
	var out []queue.Event
	err := s.view(func(tx *bolt.Tx) error {
		if limit <= 0 {
			return nil
		}
		err := s.eachSealedEvent(tx, since, true, func(ev *queue.Event) error {
			out = append(out, *ev) // the decoder makes each event's slices anew
			since = ev.Seq
			if len(out) >= limit {
				return errEnough
			}
			return nil
		})
		if errors.Is(err, errEnough) {
			return nil
		} else if err != nil {
			return err
		}
		c := tx.Bucket(bEvents).Cursor()
		for k, v := c.Seek(u64(since + 1)); k != nil && len(out) < limit; k, v = c.Next() {
			var ev queue.Event
			if err := decode("events", seqName(k), v, &ev); err != nil {
				return err
			}
			out = append(out, ev)
		}
		return nil
	})
	return out, err
}

// LastEvent returns the newest committed event (ok false when there is
// none), for the shipper's lag.
//
// It does not flush: when frames are pending, the newest is the last
// pending frame's, read from its bytes (a feed polling for news would
// otherwise end every commit's sharing).
func (s *Store) LastEvent() (ev queue.Event, ok bool, err error) {
	if ev, ok := s.lastPending(); ok {
		return ev, true, nil
	}
	err = s.view(func(tx *bolt.Tx) error {
		k, v := tx.Bucket(bEvents).Cursor().Last()
		if k != nil {
			ok = true
			return decode("events", seqName(k), v, &ev)
		}
		m := readSealMark(tx)
		if m.Seq == 0 {
			return nil
		}
		return s.eachSealedEvent(tx, m.Seq-1, true, func(e *queue.Event) error {
			ev, ok = *e, true
			return nil
		})
	})
	return ev, ok, err
}

// GetMeta reads a JSON value from the meta bucket into v; found is false when
// the key is absent.
func (s *Store) GetMeta(key string, v any) (found bool, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bMeta).Get([]byte(key))
		if raw == nil {
			return nil
		}
		found = true
		return decode("meta", key, raw, v)
	})
	return found, err
}

// PutMeta writes a JSON value to the meta bucket.
func (s *Store) PutMeta(key string, v any) error {
	raw, err := sealJSON(v)
	if err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put([]byte(key), raw) })
}

// Seed writes the initial records of a new hall and its config, unless the
// store already has a config; seeded is false then.
func (s *Store) Seed(config any, services []queue.Service, counters []queue.Counter) (seeded bool, err error) {
	raw, err := sealJSON(config)
	if err != nil {
		return false, err
	}
	err = s.update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		if meta.Get([]byte("config")) != nil {
			return nil
		}
		seeded = true
		for i := range services {
			if _, err := putNewer(tx.Bucket(bServices), []byte(services[i].Prefix), services[i].Rev, services[i]); err != nil {
				return err
			}
		}
		for i := range counters {
			if _, err := putNewer(tx.Bucket(bCounters), u32(uint32(counters[i].Number)), counters[i].Rev, counters[i]); err != nil {
				return err
			}
		}
		return meta.Put([]byte("config"), raw)
	})
	return seeded, err
}

// OpenReads returns how many read transactions are open (backups streaming,
// reports reading), for /metrics and tests.
func (s *Store) OpenReads() int { return s.db.Stats().OpenTxN }

// DiskStats is what the database wrote since it opened and how much of
// its file is in use.
type DiskStats struct {
	// PageWrites counts written pages, each commit's meta page included;
	// PageBytes the bytes of the pages commits rewrote (every page a commit
	// changes is written anew), meta pages not included.
	PageWrites, PageBytes int64
	// Used is the file's size less its free pages.
	Used int64
	// WALPages counts the 4 KB pages of the write-ahead log that appends
	// and cuts wrote (each sync writes the pages its frame touched);
	// WALBytes the bytes of its frames and headers; WALFrames the frames.
	WALPages, WALBytes, WALFrames int64
}

// DiskStats returns the database's write counters and the bytes in use.
func (s *Store) DiskStats() (d DiskStats, err error) {
	if err := s.flush(); err != nil { // the frames' tree writes count
		return d, err
	}
	st := s.db.Stats()
	d.PageWrites, d.PageBytes = st.TxStats.GetWrite(), st.TxStats.GetPageAlloc()
	s.wmu.Lock()
	if l := s.w.log; l != nil {
		d.WALPages, d.WALBytes, d.WALFrames = l.pages, l.bytes, l.frames
	}
	s.wmu.Unlock()
	err = s.view(func(tx *bolt.Tx) error {
		d.Used = tx.Size() - int64(st.FreePageN+st.PendingPageN)*int64(s.db.Info().PageSize)
		return nil
	})
	return d, err
}

// Backup writes a consistent copy of the database to w while it stays in
// use: one read transaction, so commits go on while it writes and the copy
// is the database as it was when Backup began.
func (s *Store) Backup(w io.Writer) (int64, error) {
	var n int64
	err := s.view(func(tx *bolt.Tx) (err error) {
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// BackupSized is Backup for a writer that must know the copy's size before
// its first byte (a tar header): head is called with the size, in the same
// read transaction, then the copy is written to w.
func (s *Store) BackupSized(w io.Writer, head func(size int64) error) (int64, error) {
	var n int64
	err := s.view(func(tx *bolt.Tx) (err error) {
		if err := head(tx.Size()); err != nil {
			return err
		}
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// BackupFile writes a consistent copy to path, atomically: to path.tmp,
// synced, renamed, the directory synced. An interrupted backup leaves only
// path.tmp, which VerifyFile names incomplete (IsTempName, ErrIncomplete).
func (s *Store) BackupFile(path string) (int64, error) {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return 0, fmt.Errorf("backup to %s: %w", path, err)
	}
	n, err := s.Backup(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("backup to %s: %w", path, err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil { // the rename, on disk
		d.Sync()
		d.Close()
	}
	return n, nil
}

// TokenHash is how tokens are keyed: never stored in the clear.
func TokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Record returns the stored record kind/key, from the hot file or, for a
// kind closed once written (SealRecords), from the segment of the day it
// was sealed with; ok is false if there is none.
func (s *Store) Record(kind, key string) (r queue.Record, ok bool, err error) {
	view := s.viewOwn // the tree's image is the newest unless a pending frame carries one
	if s.pendingRecord(kind, key) {
		view = s.view
	}
	err = view(func(tx *bolt.Tx) error {
		if kb := tx.Bucket(bRecords).Bucket([]byte(kind)); kb != nil {
			if raw := kb.Get([]byte(key)); raw != nil {
				ok = true
				return decode("records/"+kind, key, raw, &r)
			}
		}
		var err error
		r, ok, err = s.sealedRecord(tx, kind, key)
		return err
	})
	return r, ok, err
}

// EachRecord calls fn with every stored record of kind in key order, keys
// from start (inclusive, "" for the first) on, until fn returns false: the
// hot file's and the sealed days' (SealRecords) merged.
func (s *Store) EachRecord(kind, start string, fn func(r queue.Record) bool) error {
	view := s.viewOwn // the tree's image is the newest unless a pending frame carries one
	if s.pendingRecord(kind, "") {
		view = s.view
	}
	return view(func(tx *bolt.Tx) error { return s.eachRecordTx(tx, kind, start, fn) })
}
