package store

import (
	"encoding/binary"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"hallq/queue"
)

// The store's side of the write-ahead log (wal.go): which commits go to the
// log, when its frames reach the tree, and what open does with a log.

// walState is what the store keeps in front of the tree; guarded by
// Store.wmu.
type walState struct {
	log      *walLog
	pending  [][]byte // payloads of the frames not yet in the tree
	events   int      // events in pending
	timer    *time.Timer
	records  map[string]bool // kind NUL key of the records pending frames carry
	kinds    map[string]bool
	tickets  map[string]bool // ticket keys (day + id)
	flushErr error           // the last flush's failure (reads return it)
}

// walOff: stores opened while it is set commit to the tree directly, as
// before the log (a log left is still replayed at open). For benchmarks
// that compare the two paths in one run; SetWALOff sets it.
var walOff atomic.Bool

// SetWALOff makes stores opened from now on commit without the write-ahead
// log (off) or with it; it returns the previous setting. Benchmarks only.
func SetWALOff(off bool) (was bool) { return walOff.Swap(off) }

// logCommit appends b as one frame to the log. done is false when the
// commit must go to the tree instead: no log, a broken log, or a frame
// larger than the log.
func (s *Store) logCommit(b *batch, run *queue.Running) (done bool, err error) {
	payload, err := encodeWALPayload(b.raws, run)
	if err != nil {
		return true, fmt.Errorf("commit: %w", err)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	w := &s.w
	if w.log == nil || w.log.broken != nil {
		return false, nil
	}
	if w.events >= walMaxEvents || !w.log.fits(len(payload)) {
		if err := s.flushLocked(); err != nil {
			return true, fmt.Errorf("commit: %w", err) // nothing of evs written
		}
		if w.log.broken != nil || !w.log.fits(len(payload)) {
			return false, nil
		}
	}
	if err := w.log.append(payload); err != nil {
		return true, fmt.Errorf("commit: %w", err)
	}
	// Acknowledged: the frame is on disk.
	if w.records == nil {
		w.records, w.kinds, w.tickets = map[string]bool{}, map[string]bool{}, map[string]bool{}
	}
	for _, r := range b.records.list {
		w.records[r.Kind+"\x00"+r.Key] = true
		w.kinds[r.Kind] = true
	}
	for _, t := range b.tickets.list {
		w.tickets[string(ticketKey(t))] = true
	}
	w.pending = append(w.pending, payload)
	w.events += len(b.evs)
	s.npend.Store(int64(w.events))
	if walHook != nil {
		walHook("appended")
	}
	if w.events >= walMaxEvents {
		// A failure leaves the frames pending and in the log; the next
		// commit tries again before it appends, and reads return it.
		s.flushLocked()
	} else if w.timer == nil {
		w.timer = time.AfterFunc(walFlushAfter, s.flushTimer)
	}
	return true, nil
}

// flushTimer flushes the pending frames once the oldest is walFlushAfter old.
func (s *Store) flushTimer() {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.w.timer == nil {
		return // flushed meanwhile, or closed
	}
	s.w.timer = nil
	if err := s.flushLocked(); err != nil {
		s.log.Error("write the logged events to the database", "err", err)
	}
}

// flush writes the pending frames to the tree; the store calls it before
// every other transaction (view, update), so whatever reads or writes the
// tree sees every acknowledged commit first.
func (s *Store) flush() error {
	if s.npend.Load() == 0 {
		return nil
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.flushLocked()
}

// flushLocked writes the pending frames to the tree in one transaction,
// with the log's generation (meta wal_gen), then cuts the log. Call with
// s.wmu held.
func (s *Store) flushLocked() error {
	w := &s.w
	if len(w.pending) == 0 {
		return nil
	}
	frames := make([]walFrame, len(w.pending))
	for i, p := range w.pending {
		var err error
		if frames[i], err = decodeWALPayload(p); err != nil {
			return fmt.Errorf("logged frame %d: %w", i, err) // the store encoded it: a bug
		}
	}
	gen := w.log.gen
	if err := s.db.Update(func(tx *bolt.Tx) error { return applyFrames(tx, frames, gen) }); err != nil {
		w.flushErr = fmt.Errorf("write the logged events to %s: %w", s.path, err)
		return w.flushErr
	}
	if walHook != nil {
		walHook("applied")
	}
	w.pending, w.events, w.flushErr = nil, 0, nil
	clear(w.records)
	clear(w.kinds)
	clear(w.tickets)
	s.npend.Store(0)
	if w.timer != nil {
		w.timer.Stop()
		w.timer = nil
	}
	// A failed cut breaks the log: later commits go to the tree, and the
	// next open finds the log at the tree's generation (nothing to replay).
	if err := w.log.cut(); err != nil {
		s.log.Error("cut the write-ahead log; commits go to the database directly", "err", err)
	}
	return nil
}

// applyFrames writes the events of frames and their running figures in tx,
// as one commit of them all would, and records gen as the log generation
// the tree holds.
func applyFrames(tx *bolt.Tx, frames []walFrame, gen uint64) error {
	var evs []queue.Event
	for _, fr := range frames {
		evs = append(evs, fr.evs...)
	}
	b, err := prepare(evs)
	if err != nil {
		return err
	}
	if err := b.write(tx); err != nil {
		return err
	}
	for _, fr := range frames {
		if err := putRunning(tx, fr.run); err != nil {
			return err
		}
	}
	return tx.Bucket(bMeta).Put(metaWAL, u64(gen))
}

// unapplied returns the frames of r the tree lacks: all of them when the
// log is at the generation after the tree's (a flush applies every pending
// frame of a generation in one transaction, with the generation), none
// when it is at the tree's (the tree's transaction was synced, the cut was
// not).
func unapplied(r walRead, treeGen uint64) []walFrame {
	if r.hdr.gen == treeGen+1 {
		return r.frames
	}
	return nil
}

// pendingRecord reports whether a pending frame carries record kind/key
// (key "": any of kind), so that a read of it must flush first.
func (s *Store) pendingRecord(kind, key string) bool {
	if s.npend.Load() == 0 {
		return false
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if key == "" {
		return s.w.kinds[kind]
	}
	return s.w.records[kind+"\x00"+key]
}

// pendingTicket reports whether a pending frame carries the ticket key.
func (s *Store) pendingTicket(key []byte) bool {
	if s.npend.Load() == 0 {
		return false
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.w.tickets[string(key)]
}

// lastPending returns the newest event of the pending frames (ok false:
// none pending).
func (s *Store) lastPending() (ev queue.Event, ok bool) {
	if s.npend.Load() == 0 {
		return ev, false
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	for i := len(s.w.pending) - 1; i >= 0; i-- {
		fr, err := decodeWALPayload(s.w.pending[i])
		if err != nil {
			return ev, false
		}
		for _, e := range fr.evs {
			if !ok || e.Seq > ev.Seq {
				ev, ok = e, true
			}
		}
		if ok {
			return ev, true
		}
	}
	return ev, false
}

// closeWAL flushes the pending frames and closes the log.
func (s *Store) closeWAL() error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	w := &s.w
	if w.log == nil {
		return nil
	}
	err := s.flushLocked()
	if w.timer != nil {
		w.timer.Stop()
		w.timer = nil
	}
	w.log.close()
	w.log = nil
	return err
}

// walTreeGen is the log generation the tree holds (0: none yet).
func walTreeGen(tx *bolt.Tx) uint64 {
	if raw := tx.Bucket(bMeta).Get(metaWAL); len(raw) == 8 {
		return binary.BigEndian.Uint64(raw)
	}
	return 0
}

// walForeign says why a log with header h is not this tree's (""
// when it is): the epoch names the file's history, the generation its
// place in it.
func walForeign(h walHeader, epoch string, treeGen uint64) string {
	switch {
	case h.epoch != epoch:
		return fmt.Sprintf("it belongs to epoch %s, the database is at epoch %s (restored, or copied from another hall)", h.epoch, epoch)
	case h.gen != treeGen && h.gen != treeGen+1:
		return fmt.Sprintf("it is at generation %d, the database at %d (the database file was replaced by an older or newer copy)", h.gen, treeGen)
	}
	return ""
}

// openWALFor replays the log in dir into the tree and opens it for
// appending; a log that is not this file's is moved aside, a damaged one
// refused.
func (s *Store) openWALFor(dir string) error {
	path := filepath.Join(dir, WALName)
	os.Remove(path + ".tmp") // a creation cut short
	r, exists, err := readWAL(path)
	if err != nil {
		return fmt.Errorf("%w. The database itself is not touched. Keep a copy of %s; to start without the events only it holds, move it aside (mv %s %s.damaged): hallq then starts from the database, which lacks at most the last %d events or %s of commits", err, path, path, path, walMaxEvents, walFlushAfter)
	}
	var treeGen uint64
	s.db.View(func(tx *bolt.Tx) error { treeGen = walTreeGen(tx); return nil })
	if exists {
		if why := walForeign(r.hdr, s.epoch.ID, treeGen); why != "" {
			aside := fmt.Sprintf("%s.foreign-%s", path, time.Now().UTC().Format("20060102T150405Z"))
			if err := os.Rename(path, aside); err != nil {
				return fmt.Errorf("move the write-ahead log %s aside: %w", path, err)
			}
			syncDir(dir)
			s.log.Warn("write-ahead log not replayed: it is not this database's; moved aside", "why", why, "moved_to", aside, "frames", len(r.frames))
			exists = false
		}
	}
	if !exists {
		if walOff.Load() {
			return nil
		}
		s.w.log, err = createWAL(path, treeGen+1, s.epoch.ID)
		return err
	}
	// Apply what the tree lacks, note the generation, then cut: the log
	// goes on at a generation no frame in the file has.
	frames, replayed := unapplied(r, treeGen), 0
	for _, fr := range frames {
		replayed += len(fr.evs)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error { return applyFrames(tx, frames, r.hdr.gen) }); err != nil {
		return fmt.Errorf("replay the write-ahead log %s into %s: %w", path, s.path, err)
	}
	if replayed > 0 {
		s.log.Info("replayed the write-ahead log", "events", replayed, "torn_tail", r.torn)
	}
	if s.w.log, err = openWAL(path, r); err != nil {
		return err
	}
	if err := s.w.log.cut(); err != nil {
		return err
	}
	if walOff.Load() {
		s.w.log.close()
		s.w.log = nil
	}
	return nil
}

// readOnlyWAL makes a read-only store see the events its log holds that
// the tree lacks (a hall killed before it flushed them), without writing
// the hall's files: the tree is copied to a temporary file, the frames are
// applied there, and the store reads the copy (s.tmp, removed at Close). A
// damaged or foreign log is noted (s.walErr: check reports it) and not
// applied.
func (s *Store) readOnlyWAL(dir string) {
	path := filepath.Join(dir, WALName)
	r, exists, err := readWAL(path)
	if err != nil {
		s.walErr = err
		return
	}
	if !exists {
		return
	}
	var treeGen uint64
	s.db.View(func(tx *bolt.Tx) error { treeGen = walTreeGen(tx); return nil })
	if why := walForeign(r.hdr, s.epoch.ID, treeGen); why != "" {
		s.walNote = fmt.Sprintf("the write-ahead log %s is not this database's and is not read: %s", path, why)
		return
	}
	frames, n := unapplied(r, treeGen), 0
	for _, fr := range frames {
		n += len(fr.evs)
	}
	if len(frames) == 0 {
		return
	}
	if err := s.applyToCopy(frames, r.hdr.gen); err != nil {
		s.walErr = fmt.Errorf("the write-ahead log %s holds %d events the database lacks, and they could not be read: %w", path, n, err)
		return
	}
	s.walNote = fmt.Sprintf("%d events read from the write-ahead log %s (the hall stopped before it wrote them to the database; its next start does)", n, path)
}

// applyToCopy switches s.db to a temporary copy of the tree with frames
// applied.
func (s *Store) applyToCopy(frames []walFrame, gen uint64) (err error) {
	f, err := os.CreateTemp("", "hallq-read-*.db")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	err = s.db.View(func(tx *bolt.Tx) error { _, err := tx.WriteTo(f); return err })
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	db, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: time.Second, NoSync: true})
	if err != nil {
		return err
	}
	err = db.Update(func(tx *bolt.Tx) error { return applyFrames(tx, frames, gen) })
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	ro, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		return err
	}
	s.db.Close()
	s.db, s.tmp = ro, tmp
	return nil
}

// WALNote says what a read-only store did with the hall's write-ahead log
// ("" when it had nothing to do): the events it read from it, or why it
// did not.
func (s *Store) WALNote() string { return s.walNote }

// WALProblem is the damage found in the write-ahead log of a read-only
// store (nil: none); hallq check reports it.
func (s *Store) WALProblem() error { return s.walErr }

// defaultLogger is the store's logger when the opener gives none.
func defaultLogger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.Default()
	}
	return l
}

// walMarks raises m (the marks of the database in dir, which a restore
// replaces) by the events its write-ahead log holds and the tree lacks (a
// hall killed before it wrote them), so the restored file numbers none of
// them again; a damaged log marks m damaged (the restore adds its margin).
func walMarks(dir string, m *Marks) *Marks {
	if m == nil {
		return nil
	}
	r, exists, err := readWAL(filepath.Join(dir, WALName))
	if err != nil {
		m.Damaged = true
		return m
	}
	if !exists || walForeign(r.hdr, m.Epoch, m.walGen) != "" {
		return m
	}
	for _, fr := range unapplied(r, m.walGen) {
		for _, ev := range fr.evs {
			m.Seq = max(m.Seq, ev.Seq)
			if !ev.At.IsZero() && ev.At.After(m.LastAt) {
				m.LastAt = ev.At
			}
			for _, t := range ev.Tickets {
				m.TicketID = max(m.TicketID, t.ID)
			}
		}
	}
	return m
}
