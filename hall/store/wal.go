package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"time"
	"unsafe"

	"hallq/queue"
)

// The write-ahead log, DATA/hallq.wal (docs/storage.md, "On the live path").
// A small commit (at most walMaxEvents events) is one frame appended to the
// log and fdatasynced: that is its acknowledgement. The frames stay pending
// in memory and reach the bbolt tree together, in one transaction, later
// (Store.flush); then the log is cut. A commit to the tree rewrites 13–17
// pages whatever it carries, a frame one or two pages of the log.
//
// The file is preallocated and zero-filled (walSize), so an append changes
// no metadata and fdatasync writes data pages only. Layout:
//
//	0, 512      two header slots: "hallqwal", version u32, generation u64,
//	            epoch (u16 length, bytes), CRC-32C of those bytes. The slot
//	            with the higher valid generation is the header; a cut writes
//	            the other slot, so a torn cut leaves the previous header.
//	4096…       frames, 8-byte aligned: length u32, CRC-32C u32 (of the
//	            generation and the payload), generation u64, payload (the
//	            events, each a sealed value, then the running figures' JSON).
//
// A cut starts a new generation: frames of older ones that stay in the file
// end the log like its zeros do. The tree's meta "wal_gen" says which
// generation it holds (set in the transaction that applies a generation's
// frames), so a log is replayed only into the file it belongs to: same epoch
// (epoch.go: a restore starts a new one), and generation the tree's or the
// next one. Any other log is moved aside at open.

const (
	// WALName is the log's file in the data directory.
	WALName = "hallq.wal"
	// walSize is the log's preallocated size. A frame that does not fit in
	// what is left makes room by a flush and cut; one larger than the whole
	// log goes to the tree directly.
	walSize      = 1 << 20
	walSlot      = 512  // header slots at 0 and walSlot
	walData      = 4096 // the first frame
	walFrameHead = 16
	walBlock     = 4096 // appends and cuts write whole blocks
	walVersion   = 1
	// walMaxEvents: a commit of more events goes to the tree directly (after
	// a flush); pending frames are flushed once they hold this many.
	walMaxEvents = 64
)

// walFlushAfter bounds how long a frame stays pending when nothing else
// flushes it (docs/storage.md argues the figure): the log holds it durably,
// every read of the tree flushes first, so the bound only limits how far
// the tree file alone lags behind.
var walFlushAfter = 5 * time.Minute

var (
	walMagic = []byte("hallqwal")
	metaWAL  = []byte("wal_gen")
)

// ErrWALDamaged marks a log damaged in its middle: frames that were
// acknowledged follow bytes that no hallq wrote.
var ErrWALDamaged = errors.New("the hall's write-ahead log is damaged")

// walLog is the open log file.
type walLog struct {
	f     *os.File
	path  string
	gen   uint64
	slot  int // the slot of the current header; a cut writes the other
	epoch string
	off   int64 // where the next frame goes
	// head is the header block (both slots), tail the block that holds
	// off: appends and cuts write whole 4 KB blocks (openLogFile), so the
	// bytes before off in its block are kept to be written again.
	head, tail []byte
	// pages and bytes count what appends and cuts wrote: the 4 KB pages a
	// sync writes to the disk, the bytes of the frames and headers.
	pages, bytes, frames int64
	// broken is set when a write or sync failed: the file's state is not
	// known, so nothing more is appended (fsync errors are not retried).
	broken error
}

// walFrame is one commit held by the log.
type walFrame struct {
	evs []queue.Event
	run *queue.Running
}

// walHeader is a parsed header slot.
type walHeader struct {
	gen   uint64
	epoch string
}

func encodeWALHeader(h walHeader) []byte {
	b := make([]byte, 0, walSlot)
	b = append(b, walMagic...)
	b = binary.BigEndian.AppendUint32(b, walVersion)
	b = binary.BigEndian.AppendUint64(b, h.gen)
	b = binary.BigEndian.AppendUint16(b, uint16(len(h.epoch)))
	b = append(b, h.epoch...)
	b = binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
	return b
}

func parseWALHeader(b []byte) (walHeader, bool) {
	const fixed = 8 + 4 + 8 + 2
	if len(b) < fixed+4 || !bytes.Equal(b[:8], walMagic) || binary.BigEndian.Uint32(b[8:]) != walVersion {
		return walHeader{}, false
	}
	n := int(binary.BigEndian.Uint16(b[20:]))
	if fixed+n+4 > len(b) {
		return walHeader{}, false
	}
	if crc32.Checksum(b[:fixed+n], castagnoli) != binary.BigEndian.Uint32(b[fixed+n:]) {
		return walHeader{}, false
	}
	return walHeader{gen: binary.BigEndian.Uint64(b[12:]), epoch: string(b[fixed : fixed+n])}, true
}

// encodeWALPayload encodes a frame's events (sealed, as the tree stores
// them) and running figures.
func encodeWALPayload(raws [][]byte, run *queue.Running) ([]byte, error) {
	n := 4 + 4
	for _, r := range raws {
		n += 4 + len(r)
	}
	b := make([]byte, 0, n+512)
	b = binary.BigEndian.AppendUint32(b, uint32(len(raws)))
	for _, r := range raws {
		b = binary.BigEndian.AppendUint32(b, uint32(len(r)))
		b = append(b, r...)
	}
	var rj []byte
	if run != nil {
		var err error
		if rj, err = json.Marshal(run); err != nil {
			return nil, err
		}
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(rj)))
	return append(b, rj...), nil
}

func decodeWALPayload(p []byte) (walFrame, error) {
	var fr walFrame
	next := func() ([]byte, error) {
		if len(p) < 4 || int(binary.BigEndian.Uint32(p)) > len(p)-4 {
			return nil, errors.New("a length runs past the frame")
		}
		n := int(binary.BigEndian.Uint32(p))
		v := p[4 : 4+n]
		p = p[4+n:]
		return v, nil
	}
	if len(p) < 4 {
		return fr, errors.New("frame too short")
	}
	count := int(binary.BigEndian.Uint32(p))
	p = p[4:]
	if count > len(p)/4 {
		return fr, fmt.Errorf("%d events in a frame of %d bytes", count, len(p))
	}
	fr.evs = make([]queue.Event, count)
	for i := range fr.evs {
		raw, err := next()
		if err != nil {
			return fr, err
		}
		if err := decode("wal", "", raw, &fr.evs[i]); err != nil {
			return fr, err
		}
		if fr.evs[i].Seq == 0 {
			return fr, fmt.Errorf("event %d of the frame has no sequence number", i)
		}
	}
	rj, err := next()
	if err != nil {
		return fr, err
	}
	if len(rj) > 0 {
		fr.run = new(queue.Running)
		if err := json.Unmarshal(rj, fr.run); err != nil {
			return fr, err
		}
	}
	if len(p) != 0 {
		return fr, errors.New("bytes after the running figures")
	}
	return fr, nil
}

// frameAt returns the payload and the end of a frame of generation gen at
// off in b; ok is false when there is none (zeros, an older generation, a
// torn or damaged frame).
func frameAt(b []byte, off int64, gen uint64) (payload []byte, end int64, ok bool) {
	if off+walFrameHead > int64(len(b)) {
		return nil, 0, false
	}
	h := b[off:]
	n := int64(binary.BigEndian.Uint32(h))
	if binary.BigEndian.Uint64(h[8:]) != gen || n == 0 || off+walFrameHead+n > int64(len(b)) {
		return nil, 0, false
	}
	if crc32.Checksum(h[8:walFrameHead+n], castagnoli) != binary.BigEndian.Uint32(h[4:]) {
		return nil, 0, false
	}
	return h[walFrameHead : walFrameHead+n], align8(off + walFrameHead + n), true
}

func align8(n int64) int64 { return (n + 7) &^ 7 }

// walRead is what readWAL found in a log file.
type walRead struct {
	hdr    walHeader
	slot   int
	frames []walFrame
	end    int64 // after the last whole frame
	torn   bool  // a torn frame (never acknowledged) ends the log
	head   []byte
	tail   []byte // the block that holds end
}

// readWAL reads the log at path. ok is false when there is no file. Damage
// in the middle (a whole frame of the log's generation after the first bad
// one, or a whole frame that does not decode) is an error wrapping
// ErrWALDamaged; a bad header too (a cut writes one slot at a time, and the
// file is created whole, so both slots bad is not a crash's doing).
func readWAL(path string) (r walRead, ok bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return r, false, nil
	} else if err != nil {
		return r, true, fmt.Errorf("read %s: %w", path, err)
	}
	h0, ok0 := parseWALHeader(b[:min(len(b), walSlot)])
	var h1 walHeader
	ok1 := false
	if len(b) > walSlot {
		h1, ok1 = parseWALHeader(b[walSlot:min(len(b), 2*walSlot)])
	}
	switch {
	case ok1 && (!ok0 || h1.gen > h0.gen):
		r.hdr, r.slot = h1, 1
	case ok0:
		r.hdr, r.slot = h0, 0
	default:
		return r, true, fmt.Errorf("%s: %w: neither header slot is valid (%d bytes)", path, ErrWALDamaged, len(b))
	}
	off := int64(walData)
	for {
		p, end, ok := frameAt(b, off, r.hdr.gen)
		if !ok {
			break
		}
		fr, err := decodeWALPayload(p)
		if err != nil {
			return r, true, fmt.Errorf("%s: %w: the frame at byte %d passes its checksum but %v", path, ErrWALDamaged, off, err)
		}
		r.frames = append(r.frames, fr)
		off = end
	}
	r.end = off
	// What ends the log must be its end: a torn frame (its append was never
	// acknowledged) or what an older generation or the zero fill left. A
	// whole frame of this generation further on means acknowledged frames
	// lie behind damage.
	for o := off + 8; o+walFrameHead <= int64(len(b)); o += 8 {
		if binary.BigEndian.Uint64(b[o+8:]) != r.hdr.gen {
			continue
		}
		if _, _, ok := frameAt(b, o, r.hdr.gen); ok {
			return r, true, fmt.Errorf("%s: %w at byte %d: a whole frame of the log follows at byte %d, so events that were acknowledged would be lost", path, ErrWALDamaged, off, o)
		}
	}
	if off+walFrameHead <= int64(len(b)) && binary.BigEndian.Uint64(b[off+8:]) == r.hdr.gen {
		r.torn = true
	}
	r.head = alignedBlock(walBlock)
	copy(r.head, b)
	r.tail = alignedBlock(walBlock)
	if bs := off &^ (walBlock - 1); bs < int64(len(b)) {
		copy(r.tail[:off-bs], b[bs:])
	}
	return r, true, nil
}

// createWAL writes a new, zero-filled log with its header (generation gen,
// epoch) beside path, syncs it and renames it into place: a crash leaves
// either no log or a whole one.
func createWAL(path string, gen uint64, epoch string) (*walLog, error) {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_RDWR, 0o640)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	buf := make([]byte, walSize)
	copy(buf, encodeWALHeader(walHeader{gen: gen, epoch: epoch}))
	if _, err = f.Write(buf); err == nil {
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
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	syncDir(filepath.Dir(path))
	if f, err = openLogFile(path); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	head := alignedBlock(walBlock)
	copy(head, buf)
	return &walLog{f: f, path: path, gen: gen, epoch: epoch, off: walData, head: head, tail: alignedBlock(walBlock)}, nil
}

// openWAL opens the existing log at path for appending after r.
func openWAL(path string, r walRead) (*walLog, error) {
	f, err := openLogFile(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if fi, err := f.Stat(); err != nil || fi.Size() < walSize {
		// Shorter than the preallocation (a log of another size, or cut
		// short): appends would grow the file, and syncs change metadata.
		f.Close()
		return nil, fmt.Errorf("%s: %w: %d bytes, want %d", path, ErrWALDamaged, fi.Size(), walSize)
	}
	return &walLog{f: f, path: path, gen: r.hdr.gen, slot: r.slot, epoch: r.hdr.epoch, off: r.end, head: r.head, tail: r.tail}, nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// walHook, when set (tests), is called at the log's crash points: "appended"
// after a frame is synced, "applied" after the tree's transaction is synced
// and before the cut, "append" midway through writing a frame.
var walHook func(point string)

// fits reports whether a frame of n payload bytes fits after the frames.
func (w *walLog) fits(n int) bool { return w.off+align8(walFrameHead+int64(n)) <= walSize }

// append writes one frame and fdatasyncs it: the blocks from the one that
// holds off to the one the frame ends in, the bytes of earlier frames in
// the first block written again as they were, the rest of the last block
// zeros.
func (w *walLog) append(payload []byte) error {
	if w.broken != nil {
		return w.broken
	}
	n := align8(walFrameHead + int64(len(payload)))
	start := w.off &^ (walBlock - 1)
	end := (w.off + n + walBlock - 1) &^ (walBlock - 1)
	buf := alignedBlock(int(end - start))
	at := w.off - start
	copy(buf, w.tail[:at])
	fr := buf[at : at+n]
	binary.BigEndian.PutUint32(fr, uint32(len(payload)))
	binary.BigEndian.PutUint64(fr[8:], w.gen)
	copy(fr[walFrameHead:], payload)
	binary.BigEndian.PutUint32(fr[4:], crc32.Checksum(fr[8:walFrameHead+len(payload)], castagnoli))
	var err error
	if walHook != nil && n > 64 {
		// A crash midway: the first half of the frame on disk.
		half := alignedBlock(len(buf))
		copy(half, buf[:at+n/2])
		if _, err = w.f.WriteAt(half, start); err == nil {
			err = fdatasync(w.f)
		}
		walHook("append")
	}
	if err == nil {
		_, err = w.f.WriteAt(buf, start)
	}
	if err == nil {
		err = fdatasync(w.f)
	}
	if err != nil {
		w.broken = fmt.Errorf("write-ahead log %s: %w", w.path, err)
		return w.broken
	}
	w.pages += (end - start) / walBlock
	w.bytes += n
	w.frames++
	w.off += n
	clear(w.tail)
	if bs := w.off &^ (walBlock - 1); bs < end {
		copy(w.tail, buf[bs-start:])
	}
	return nil
}

// cut starts the next generation: the other header slot, synced. The
// frames written so far are then of an older generation, and end the log.
func (w *walLog) cut() error {
	if w.broken != nil {
		return w.broken
	}
	slot := 1 - w.slot
	head := alignedBlock(walBlock)
	copy(head, w.head)
	copy(head[slot*walSlot:(slot+1)*walSlot], make([]byte, walSlot))
	copy(head[slot*walSlot:], encodeWALHeader(walHeader{gen: w.gen + 1, epoch: w.epoch}))
	_, err := w.f.WriteAt(head, 0)
	if err == nil {
		err = fdatasync(w.f)
	}
	if err != nil {
		w.broken = fmt.Errorf("write-ahead log %s: %w", w.path, err)
		return w.broken
	}
	w.head = head
	w.pages++
	w.bytes += walSlot
	w.gen++
	w.slot = slot
	w.off = walData
	clear(w.tail)
	return nil
}

// alignedBlock returns n zero bytes at an address aligned to walBlock, as
// O_DIRECT wants.
func alignedBlock(n int) []byte {
	b := make([]byte, n+walBlock)
	skip := (walBlock - int(uintptr(unsafe.Pointer(&b[0]))%walBlock)) % walBlock
	return b[skip : skip+n : skip+n]
}

func (w *walLog) close() error { return w.f.Close() }
