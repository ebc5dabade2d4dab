package history

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"slices"

	"hallq/queue"
)

// ErrDamaged is wrapped by every error about a segment whose bytes are not
// what was written: a changed byte, a cut-off file, a foreign file.
var ErrDamaged = errors.New("damaged history segment")

// DamagedError names a damaged segment, where it is damaged, and the way
// out. It wraps ErrDamaged.
type DamagedError struct {
	Path  string
	Block int // the block, from 0; -1: the header, index or trailer
	Err   error
	// Facts is set for a month facts file (facts.go), not a day's segment.
	Facts bool
}

func (e *DamagedError) Error() string {
	where := "its header or index"
	if e.Block >= 0 {
		where = fmt.Sprintf("block %d", e.Block)
	}
	if e.Facts {
		return fmt.Sprintf("history facts file %s is damaged (%s: %v): restore this file from a backup "+
			"(hallq restore --history-only BACKUP); the hall keeps issuing tickets, and only the reports "+
			"and tracking codes of that month fail until it is restored",
			e.Path, where, e.Err)
	}
	return fmt.Sprintf("history segment %s is damaged (%s: %v): restore this file from a backup, "+
		"or move it out of the history directory; "+
		"the hall keeps issuing tickets, and the day's report figures stay in the rollups",
		e.Path, where, e.Err)
}

func (e *DamagedError) Unwrap() []error { return []error{ErrDamaged, e.Err} }

// Segment is an open segment: its index, read by Open. It holds no open
// file; each read opens the file for its duration.
type Segment struct {
	path    string
	mem     []byte // the segment's bytes, for OpenBytes
	size    int64
	sum     uint32 // CRC-32C of header and index (the trailer's)
	day     string
	events  uint64
	records uint64
	blocks  []blockInfo
}

// Open reads the header, trailer and index of the segment at path and
// checks them against their checksum. It reads no block: a changed byte in
// a block is found by the read that needs it, or by Verify. Errors about
// the file's content wrap ErrDamaged (a *DamagedError).
func Open(path string) (*Segment, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open history segment: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("open history segment: %w", err)
	}
	s, err := openAt(f, fi.Size())
	if err != nil {
		var de *DamagedError
		if errors.As(err, &de) {
			de.Path = path
		}
		return nil, err
	}
	s.path = path
	return s, nil
}

func damaged(block int, format string, args ...any) error {
	return &DamagedError{Block: block, Err: fmt.Errorf(format, args...)}
}

func openAt(r io.ReaderAt, size int64) (*Segment, error) {
	if size < headerLen+trailerLen {
		return nil, damaged(-1, "%d bytes, shorter than an empty segment: cut off or not a segment", size)
	}
	var head [headerLen]byte
	var tail [trailerLen]byte
	if _, err := r.ReadAt(head[:], 0); err != nil {
		return nil, fmt.Errorf("read history segment: %w", err)
	}
	if string(head[:8]) != magic {
		return nil, damaged(-1, "wrong magic %q: not a hallq history segment", head[:8])
	}
	if v := binary.BigEndian.Uint32(head[8:]); v != Version {
		return nil, damaged(-1, "format version %d, this hallq reads %d", v, Version)
	}
	if _, err := r.ReadAt(tail[:], size-trailerLen); err != nil {
		return nil, fmt.Errorf("read history segment: %w", err)
	}
	if string(tail[16:]) != endMagic {
		return nil, damaged(-1, "no end mark: the file is cut off (%d bytes)", size)
	}
	idxOff := binary.BigEndian.Uint64(tail[0:])
	idxLen := uint64(binary.BigEndian.Uint32(tail[8:]))
	if idxLen > maxIndex || idxOff < headerLen || idxOff+idxLen != uint64(size-trailerLen) {
		return nil, damaged(-1, "index at %d+%d does not end where the trailer begins (%d)", idxOff, idxLen, size-trailerLen)
	}
	idx := make([]byte, idxLen)
	if _, err := r.ReadAt(idx, int64(idxOff)); err != nil {
		return nil, fmt.Errorf("read history segment: %w", err)
	}
	crc := crc32.Update(crc32.Checksum(head[:], castagnoli), castagnoli, idx)
	if crc != binary.BigEndian.Uint32(tail[12:]) {
		return nil, damaged(-1, "index checksum mismatch")
	}
	s := &Segment{size: size, sum: crc}
	d := &decoder{b: idx}
	day, err := d.bytes()
	if err != nil || !validDay(string(day)) {
		return nil, damaged(-1, "index: no day")
	}
	s.day = string(day)
	var n int
	if s.events, err = d.uvarint(); err == nil {
		if s.records, err = d.uvarint(); err == nil {
			n, err = d.count()
		}
	}
	if err != nil {
		return nil, damaged(-1, "index: %v", err)
	}
	next := uint64(headerLen)
	var events, records uint64
	var lastSeq uint64
	for i := range n {
		if len(d.b) == 0 {
			return nil, damaged(-1, "index: block %d missing", i)
		}
		bl := blockInfo{kind: d.b[0]}
		d.b = d.b[1:]
		for _, p := range []*uint64{&bl.count, &bl.firstSeq, &bl.lastSeq, &bl.offset, &bl.stored, &bl.rawLen} {
			if *p, err = d.uvarint(); err != nil {
				return nil, damaged(-1, "index: block %d: %v", i, err)
			}
		}
		if len(d.b) < 4 {
			return nil, damaged(-1, "index: block %d: no checksum", i)
		}
		bl.crc = binary.BigEndian.Uint32(d.b)
		d.b = d.b[4:]
		// Blocks lie end to end between the header and the index.
		switch {
		case bl.offset != next || bl.stored > idxOff-next:
			return nil, damaged(-1, "index: block %d at %d+%d, expected at %d", i, bl.offset, bl.stored, next)
		case bl.rawLen > maxBlockRaw || bl.count == 0 || bl.count > bl.rawLen:
			return nil, damaged(-1, "index: block %d: %d items in %d bytes", i, bl.count, bl.rawLen)
		case bl.kind == kindEvents && (bl.firstSeq > bl.lastSeq || bl.firstSeq <= lastSeq || len(s.blocks) > 0 && s.blocks[len(s.blocks)-1].kind != kindEvents):
			return nil, damaged(-1, "index: block %d: events %d…%d out of order", i, bl.firstSeq, bl.lastSeq)
		case bl.kind == kindEvents:
			events += bl.count
			lastSeq = bl.lastSeq
		case bl.kind == kindRecords:
			records += bl.count
		default:
			return nil, damaged(-1, "index: block %d of unknown kind %q", i, bl.kind)
		}
		next = bl.offset + bl.stored
		s.blocks = append(s.blocks, bl)
	}
	if next != idxOff || !d.done() || events != s.events || records != s.records {
		return nil, damaged(-1, "index does not describe the file (blocks end at %d, index at %d; %d/%d events, %d/%d records)",
			next, idxOff, events, s.events, records, s.records)
	}
	return s, nil
}

// OpenBytes is Open for a segment held in memory (one received for a
// restore, say); name is what errors call it.
func OpenBytes(name string, data []byte) (*Segment, error) {
	s, err := openAt(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		var de *DamagedError
		if errors.As(err, &de) {
			de.Path = name
		}
		return nil, err
	}
	s.path, s.mem = name, data
	return s, nil
}

// Path is the segment's file.
func (s *Segment) Path() string { return s.path }

// Day is the local date the segment holds.
func (s *Segment) Day() string { return s.day }

// Size is the file's size in bytes.
func (s *Segment) Size() int64 { return s.size }

// Sum is the checksum of the segment's header and index (CRC-32C, the
// trailer's): with the day and the size, what a backup's manifest records
// to tell one segment file from another.
func (s *Segment) Sum() uint32 { return s.sum }

// Len returns how many events and records the segment holds.
func (s *Segment) Len() (events, records int) { return int(s.events), int(s.records) }

// Seqs returns the first and last event sequence numbers (0, 0 when the day
// has no events).
func (s *Segment) Seqs() (first, last uint64) {
	for _, b := range s.blocks {
		if b.kind == kindEvents {
			if first == 0 {
				first = b.firstSeq
			}
			last = b.lastSeq
		}
	}
	return first, last
}

// readBlock reads block i, checks its checksum and inflates it.
func (s *Segment) readBlock(f io.ReaderAt, i int) ([]byte, error) {
	bl := &s.blocks[i]
	stored := make([]byte, bl.stored)
	if _, err := f.ReadAt(stored, int64(bl.offset)); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &DamagedError{Path: s.path, Block: i, Err: errors.New("the file is shorter than its index says")}
		}
		return nil, fmt.Errorf("read history segment %s: %w", s.path, err)
	}
	if crc32.Checksum(stored, castagnoli) != bl.crc {
		return nil, &DamagedError{Path: s.path, Block: i, Err: errors.New("checksum mismatch: the stored bytes changed")}
	}
	var raw bytes.Buffer
	raw.Grow(int(bl.rawLen))
	zr := flate.NewReader(bytes.NewReader(stored))
	defer zr.Close()
	n, err := raw.ReadFrom(io.LimitReader(zr, int64(bl.rawLen)+1))
	if err != nil || uint64(n) != bl.rawLen {
		// The checksum matched, so this is a segment written wrong, not
		// changed since: still damaged, for the reader.
		return nil, &DamagedError{Path: s.path, Block: i, Err: fmt.Errorf("inflates to %d bytes, not %d: %v", n, bl.rawLen, err)}
	}
	return raw.Bytes(), nil
}

// source is what a segment reads its blocks from.
type source interface {
	io.ReaderAt
	io.Closer
}

type memSource struct{ *bytes.Reader }

func (memSource) Close() error { return nil }

func (s *Segment) open() (source, error) {
	if s.mem != nil {
		return memSource{bytes.NewReader(s.mem)}, nil
	}
	f, err := os.Open(s.path)
	if err != nil {
		return nil, fmt.Errorf("read history segment: %w", err)
	}
	return f, nil
}

// EachEvent calls fn with every event of the segment whose sequence number
// is greater than since, in order, without the tickets' personal fields
// (see Restore). It reads only the blocks that hold such events, and
// verifies their checksums. ev is reused: fn must copy what it keeps. An
// error from fn stops the walk and is returned.
func (s *Segment) EachEvent(since uint64, fn func(ev *queue.Event) error) error {
	f, err := s.open()
	if err != nil {
		return err
	}
	defer f.Close()
	var ev queue.Event
	for i := range s.blocks {
		bl := &s.blocks[i]
		if bl.kind != kindEvents || bl.lastSeq <= since {
			continue
		}
		raw, err := s.readBlock(f, i)
		if err != nil {
			return err
		}
		d := newDecoder(raw)
		if i > 0 && s.blocks[i-1].kind == kindEvents {
			d.prevSeq = s.blocks[i-1].lastSeq
		}
		for range bl.count {
			if err := d.event(&ev); err != nil {
				return &DamagedError{Path: s.path, Block: i, Err: err}
			}
			if ev.Seq < bl.firstSeq || ev.Seq > bl.lastSeq {
				return &DamagedError{Path: s.path, Block: i, Err: fmt.Errorf("event %d outside the block's %d…%d", ev.Seq, bl.firstSeq, bl.lastSeq)}
			}
			if ev.Seq <= since {
				continue
			}
			if err := fn(&ev); err != nil {
				return err
			}
		}
		if !d.done() {
			return &DamagedError{Path: s.path, Block: i, Err: errors.New("bytes after the last event")}
		}
	}
	return nil
}

// EachRecord calls fn with every record of the segment, in the order they
// were written. r is reused: fn must copy what it keeps.
func (s *Segment) EachRecord(fn func(r *queue.Record) error) error {
	f, err := s.open()
	if err != nil {
		return err
	}
	defer f.Close()
	var r queue.Record
	for i := range s.blocks {
		bl := &s.blocks[i]
		if bl.kind != kindRecords {
			continue
		}
		raw, err := s.readBlock(f, i)
		if err != nil {
			return err
		}
		d := newDecoder(raw)
		for range bl.count {
			if err := d.record(&r, false); err != nil {
				return &DamagedError{Path: s.path, Block: i, Err: err}
			}
			if err := fn(&r); err != nil {
				return err
			}
		}
		if !d.done() {
			return &DamagedError{Path: s.path, Block: i, Err: errors.New("bytes after the last record")}
		}
	}
	return nil
}

// EachTicket calls fn with the final image of every ticket the day's events
// wrote (the day's tickets for tickets.csv, a tracking code's ticket), in id
// order, without personal fields, and the sequence number of the last event
// that wrote it (where a reader of that one ticket starts: EachEvent from
// lastSeq-1). It reads the whole day.
func (s *Segment) EachTicket(fn func(t *queue.Ticket, lastSeq uint64) error) error {
	type last struct {
		t   queue.Ticket
		seq uint64
	}
	byID := map[uint64]*last{}
	err := s.EachEvent(0, func(ev *queue.Event) error {
		for i := range ev.Tickets {
			t := &ev.Tickets[i]
			l := byID[t.ID]
			if l == nil {
				l = &last{}
				byID[t.ID] = l
			}
			if t.Rev >= l.t.Rev { // a stale revision never hides a newer one, as in the store
				l.t, l.seq = *t, ev.Seq
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	ids := make([]uint64, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if err := fn(&byID[id].t, byID[id].seq); err != nil {
			return err
		}
	}
	return nil
}

// Verify reads and decodes every block of the segment and returns the first
// problem (a *DamagedError), or nil when the whole file is as written.
func (s *Segment) Verify() error {
	err := s.EachEvent(0, func(*queue.Event) error { return nil })
	if err == nil {
		err = s.EachRecord(func(*queue.Record) error { return nil })
	}
	return err
}

// Restore puts the personal fields kept apart back into ev's tickets.
func Restore(ev *queue.Event, personal map[uint64]Personal) {
	for i := range ev.Tickets {
		t := &ev.Tickets[i]
		if p, ok := personal[t.ID]; ok {
			t.Phone, t.Account = p.Phone, p.Account
		}
	}
}

func sortPersonal(p []Personal) {
	slices.SortFunc(p, func(a, b Personal) int {
		switch {
		case a.Ticket < b.Ticket:
			return -1
		case a.Ticket > b.Ticket:
			return 1
		}
		return 0
	})
}
