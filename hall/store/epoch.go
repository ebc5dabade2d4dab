package store

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A store's epoch names one unbroken history of its event log and ticket
// ids. A new store starts one; every restore starts another, because the
// restored file rewinds the log to the backup's moment while clients, the
// displays' caches and the regional feed remember what came after it. A
// client that sees a new epoch throws away what it derived from sequence
// numbers and starts again from a snapshot.
//
//	meta "epoch"     → sealed Epoch JSON (checksummed like every value)
//	meta "seq_floor" → uint64, the sequence the next event must pass (set by
//	                   a restore: events of the replaced file's history are
//	                   never numbered again)
//
// Ids never repeat within a hall: a restore raises the restored file's
// ticket id counter and sequence floor past those of the file it replaces
// when that file is readable, and by a margin derived from the time since
// the backup when it is not (raiseFloors, docs/operations.md).

// metaEpoch and metaSeqFloor are the meta keys of the epoch and the
// sequence floor.
var (
	metaEpoch    = []byte("epoch")
	metaSeqFloor = []byte("seq_floor")
)

// Epoch causes.
const (
	EpochNew     = "new"     // a new, empty store
	EpochLegacy  = "legacy"  // a store written before epochs, at its first open
	EpochRestore = "restore" // hallq restore
)

// Epoch is a store's current epoch.
type Epoch struct {
	ID      string    `json:"id"`
	Started time.Time `json:"started"`
	Cause   string    `json:"cause"`
	// Prev is the epoch of the file a restore replaced ("" when there was
	// none or it was unreadable).
	Prev string `json:"prev,omitempty"`
	// Floors: what a restore raised the counters to, and why.
	TicketFloor uint64 `json:"ticket_floor,omitempty"`
	SeqFloor    uint64 `json:"seq_floor,omitempty"`
	Basis       string `json:"basis,omitempty"` // "replaced file" or "margin"
}

// newEpochID returns a new epoch id: the UTC time, then 6 random bytes in
// hex, so ids sort by time and two restores in one second still differ.
func newEpochID(now time.Time) string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		binary.BigEndian.PutUint32(b[2:], uint32(now.UnixNano()))
	}
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// readEpoch returns the epoch stored in tx (zero when there is none or it
// does not decode).
func readEpoch(tx *bolt.Tx) (Epoch, bool) {
	raw := tx.Bucket(bMeta).Get(metaEpoch)
	if raw == nil {
		return Epoch{}, false
	}
	var e Epoch
	if decode("meta", "epoch", raw, &e) != nil || e.ID == "" {
		return Epoch{}, false
	}
	return e, true
}

// putEpoch stores e in tx.
func putEpoch(tx *bolt.Tx, e Epoch) error {
	raw, err := sealJSON(e)
	if err != nil {
		return err
	}
	return tx.Bucket(bMeta).Put(metaEpoch, raw)
}

// ensureEpoch gives a store without an epoch its first one, at open.
func ensureEpoch(tx *bolt.Tx, now time.Time) (Epoch, error) {
	if e, ok := readEpoch(tx); ok {
		return e, nil
	}
	cause := EpochNew
	if k, _ := tx.Bucket(bEvents).Cursor().First(); k != nil {
		cause = EpochLegacy
	}
	e := Epoch{ID: newEpochID(now), Started: now.UTC(), Cause: cause}
	return e, putEpoch(tx, e)
}

// lastSeq is the highest sequence number the store has used: its last
// event's, or the floor a restore set, whichever is higher.
func lastSeq(tx *bolt.Tx) uint64 {
	var seq uint64
	if k, _ := tx.Bucket(bEvents).Cursor().Last(); len(k) == 8 {
		seq = binary.BigEndian.Uint64(k)
	}
	if raw := tx.Bucket(bMeta).Get(metaSeqFloor); len(raw) == 8 {
		seq = max(seq, binary.BigEndian.Uint64(raw))
	}
	return seq
}

// Epoch returns the store's current epoch id ("" for a read-only store
// written before epochs).
func (s *Store) Epoch() string { return s.epoch.ID }

// EpochInfo returns the store's current epoch in full.
func (s *Store) EpochInfo() Epoch { return s.epoch }

// Marks are a store's high marks: what a restore must not number again.
type Marks struct {
	Epoch    string
	TicketID uint64 // the highest ticket id ever written
	Seq      uint64 // the highest sequence used
	LastAt   time.Time
	Damaged  bool // the file's pages fail bbolt's check: the marks may be low
	walGen   uint64
}

func marksOf(tx *bolt.Tx) Marks {
	m := Marks{TicketID: maxTicketID(tx), Seq: lastSeq(tx), walGen: walTreeGen(tx)}
	if e, ok := readEpoch(tx); ok {
		m.Epoch = e.ID
	}
	if k, v := tx.Bucket(bEvents).Cursor().Last(); k != nil {
		var ev struct {
			At time.Time `json:"at"`
		}
		if decode("events", seqName(k), v, &ev) == nil {
			m.LastAt = ev.At
		}
	} else if sm := readSealMark(tx); sm.Day != "" {
		m.LastAt = sm.At
	}
	return m
}

// Restore margins, used when the replaced file cannot be read: a hall
// issues far fewer than MarginTicketsPerDay tickets a day (one every 0.9 s
// around the clock) and writes far fewer than MarginSeqPerDay events, so
// raising the restored counters by that much for every day since the
// backup's last event, plus one day, passes every id the lost file can have
// issued.
const (
	MarginTicketsPerDay = 100_000
	MarginSeqPerDay     = 1_000_000
)

// raiseFloors sets the restored file's counters past old (the replaced
// file's marks, when readable) or, without them, past the restored marks by
// the margin, and starts a new epoch; in tx, the restored file's own
// transaction.
func raiseFloors(tx *bolt.Tx, old *Marks, now time.Time) (Epoch, error) {
	restored := marksOf(tx)
	e := Epoch{ID: newEpochID(now), Started: now.UTC(), Cause: EpochRestore}
	e.TicketFloor, e.SeqFloor = restored.TicketID, restored.Seq
	if old != nil {
		e.Prev = old.Epoch
		e.TicketFloor = max(e.TicketFloor, old.TicketID)
		e.SeqFloor = max(e.SeqFloor, old.Seq)
		e.Basis = "replaced file"
	}
	if old == nil || old.Damaged {
		days := uint64(1)
		if !restored.LastAt.IsZero() && now.After(restored.LastAt) {
			days += uint64(now.Sub(restored.LastAt)/(24*time.Hour)) + 1
		}
		e.TicketFloor = max(e.TicketFloor, restored.TicketID+days*MarginTicketsPerDay)
		e.SeqFloor = max(e.SeqFloor, restored.Seq+days*MarginSeqPerDay)
		e.Basis = fmt.Sprintf("margin of %d days", days)
	}
	mb := tx.Bucket(bMeta)
	if err := mb.Put(metaTicketID, u64(e.TicketFloor)); err != nil {
		return e, err
	}
	if err := mb.Put(metaSeqFloor, u64(e.SeqFloor)); err != nil {
		return e, err
	}
	return e, putEpoch(tx, e)
}
