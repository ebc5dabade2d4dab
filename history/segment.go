// Package history keeps a hall's sealed days: one immutable, compressed,
// checksummed segment file per day, holding the day's events (thin: see
// thin.go) and the final images of the records closed that day. The hot
// database keeps only what a running hall needs; docs/storage.md gives the
// design and its figures.
//
// A segment file:
//
//	header   "hallqseg" (8 bytes), format version (uint32 BE), 0 (uint32)
//	blocks   each the raw DEFLATE of one block: a run of events (thin.go)
//	         or of records
//	index    day(uvarint len + bytes) events(uvarint) records(uvarint)
//	         blocks(uvarint) then per block: kind ('E' or 'R') count
//	         first-seq last-seq offset stored-len raw-len (uvarints)
//	         CRC-32C of the stored bytes (uint32 BE)
//	trailer  index offset (uint64 BE), index length (uint32 BE),
//	         CRC-32C of header and index (uint32 BE), "hqsegend" (8 bytes)
//
// Open reads the header, the trailer and the index only (three small reads,
// whatever the day's size), so an index of years of segments costs no more
// than listing them; a block's checksum is verified when the block is read,
// and Verify reads and decodes every block. Segments are written once, to a
// temporary name, synced and renamed (WriteFile): a crash leaves either the
// whole segment or none, and at worst a *.seg.tmp that Scan reports and
// Clean removes.
package history

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"

	"hallq/internal/killpoint"
	"hallq/queue"
)

// Version is the segment format this code writes and reads.
const Version = 1

const (
	magic       = "hallqseg"
	endMagic    = "hqsegend"
	headerLen   = 16
	trailerLen  = 24
	kindEvents  = 'E'
	kindRecords = 'R'
	// maxBlockRaw bounds a block's decompressed size, so a damaged or
	// hostile index cannot make a reader allocate without limit.
	maxBlockRaw = 64 << 20
	// maxIndex bounds the index a reader accepts.
	maxIndex = 16 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Day is what one sealed day holds.
type Day struct {
	Day    string        // local date YYYY-MM-DD
	Events []queue.Event // the day's events, in increasing sequence order
	// Records are the final images of the records (work orders, approvals,
	// ratings…) that were closed on the day and leave the hot file.
	Records []queue.Record
}

// WriteOptions tune WriteFile; the zero value is the default.
type WriteOptions struct {
	// BlockEvents ends a block after this many events (default 4096);
	// a reader of ?since= decodes at most one block it does not need.
	BlockEvents int
	// Level is the DEFLATE level (default flate.DefaultCompression).
	Level int
}

// Written describes a segment WriteFile wrote.
type Written struct {
	Path    string
	Size    int64
	Events  int
	Records int
	Blocks  int
	// Personal are the phone and account numbers taken out of the day's
	// tickets, one per ticket that had any: the caller keeps them apart.
	Personal []Personal
}

// ErrExists is returned by WriteFile when the segment is already there:
// a sealed day is never replaced.
var ErrExists = errors.New("the segment already exists")

// beforeRename is called between the sync of the temporary file and its
// rename (crash tests stop the process there).
var beforeRename = func(tmp string) {}

// WriteFile writes d as the segment path: to path.tmp, synced, renamed, the
// directory synced. It refuses (ErrExists) to replace an existing segment,
// and an event list out of sequence order, and writes nothing then.
func WriteFile(path string, d *Day, opt WriteOptions) (Written, error) {
	if _, err := os.Lstat(path); err == nil {
		return Written{}, fmt.Errorf("write segment %s: %w", path, ErrExists)
	}
	data, w, err := Encode(d, opt)
	if err != nil {
		return Written{}, fmt.Errorf("write segment %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return Written{}, fmt.Errorf("write segment %s: %w", path, err)
	}
	tmp := path + tmpSuffix
	if err := writeSynced(tmp, data); err != nil {
		os.Remove(tmp)
		return Written{}, fmt.Errorf("write segment %s: %w", path, err)
	}
	beforeRename(tmp)
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return Written{}, fmt.Errorf("write segment %s: %w", path, err)
	}
	syncDir(filepath.Dir(path))
	w.Path, w.Size = path, int64(len(data))
	return w, nil
}

const tmpSuffix = ".tmp"

func writeSynced(path string, data []byte) error {
	return writeSyncedAt("seal-segment-write", path, data)
}

// writeSyncedAt writes data to path and syncs it; the crash drill can kill
// the process with half of it written (kill point at).
func writeSyncedAt(at, path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	// The crash drill can kill the process with half the segment written.
	_, err = killpoint.Writer(at, f, int64(len(data))).Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir makes a rename in dir durable; a directory that cannot be
// synced (some file systems refuse) costs only that guarantee.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

type blockInfo struct {
	kind           byte
	count          uint64
	firstSeq       uint64
	lastSeq        uint64
	offset, stored uint64
	rawLen         uint64
	crc            uint32
}

// Encode returns the bytes of the segment of d (what WriteFile writes) and
// its description (without Path).
func Encode(d *Day, opt WriteOptions) ([]byte, Written, error) {
	if !validDay(d.Day) {
		return nil, Written{}, fmt.Errorf("day %q is not a date YYYY-MM-DD", d.Day)
	}
	if opt.BlockEvents <= 0 {
		opt.BlockEvents = 4096
	}
	if opt.Level == 0 {
		opt.Level = flate.DefaultCompression
	}
	var raws []rawBlock
	flush := func(kind byte, count int, first, last uint64, raw []byte) error {
		if len(raw) > maxBlockRaw {
			return fmt.Errorf("a block of %d bytes (at most %d): write smaller blocks", len(raw), maxBlockRaw)
		}
		raws = append(raws, rawBlock{kind, count, first, last, raw})
		return nil
	}
	personal := map[uint64]Personal{}
	var prev uint64
	for start := 0; start < len(d.Events); start += opt.BlockEvents {
		end := min(start+opt.BlockEvents, len(d.Events))
		enc := newEncoder(personal)
		enc.prevSeq = prev // sequence order holds across blocks too
		for i := start; i < end; i++ {
			if err := enc.event(&d.Events[i]); err != nil {
				return nil, Written{}, err
			}
		}
		prev = enc.prevSeq
		if err := flush(kindEvents, end-start, d.Events[start].Seq, d.Events[end-1].Seq, enc.buf); err != nil {
			return nil, Written{}, err
		}
	}
	const blockRecords = 4096
	for start := 0; start < len(d.Records); start += blockRecords {
		end := min(start+blockRecords, len(d.Records))
		enc := newEncoder(nil)
		for i := start; i < end; i++ {
			r := &d.Records[i]
			if r.Kind == "" || r.Key == "" {
				return nil, Written{}, fmt.Errorf("record %d has no kind or key", i)
			}
			if err := enc.record(r, false); err != nil {
				return nil, Written{}, fmt.Errorf("record %s/%s: %w", r.Kind, r.Key, err)
			}
		}
		if err := flush(kindRecords, end-start, 0, 0, enc.buf); err != nil {
			return nil, Written{}, err
		}
	}
	out, err := assemble(d.Day, raws, opt.Level)
	if err != nil {
		return nil, Written{}, err
	}
	w := Written{Events: len(d.Events), Records: len(d.Records), Blocks: len(raws)}
	for _, p := range personal {
		w.Personal = append(w.Personal, p)
	}
	sortPersonal(w.Personal)
	return out, w, nil
}

// rawBlock is a block before compression.
type rawBlock struct {
	kind        byte
	count       int
	first, last uint64
	raw         []byte
}

// assemble compresses the blocks and frames them: header, blocks, index,
// trailer.
func assemble(day string, raws []rawBlock, level int) ([]byte, error) {
	out := make([]byte, headerLen, 1<<16)
	copy(out, magic)
	binary.BigEndian.PutUint32(out[8:], Version)
	var zbuf bytes.Buffer
	zw, err := flate.NewWriter(&zbuf, level)
	if err != nil {
		return nil, err
	}
	var blocks []blockInfo
	var events, records uint64
	for _, r := range raws {
		zbuf.Reset()
		zw.Reset(&zbuf)
		if _, err := zw.Write(r.raw); err != nil {
			return nil, err
		}
		if err := zw.Close(); err != nil {
			return nil, err
		}
		blocks = append(blocks, blockInfo{kind: r.kind, count: uint64(r.count), firstSeq: r.first, lastSeq: r.last,
			offset: uint64(len(out)), stored: uint64(zbuf.Len()), rawLen: uint64(len(r.raw)),
			crc: crc32.Checksum(zbuf.Bytes(), castagnoli)})
		out = append(out, zbuf.Bytes()...)
		if r.kind == kindEvents {
			events += uint64(r.count)
		} else {
			records += uint64(r.count)
		}
	}
	idx := appendIndex(nil, day, events, records, blocks)
	idxOff := len(out)
	out = append(out, idx...)
	crc := crc32.Update(crc32.Checksum(out[:headerLen], castagnoli), castagnoli, idx)
	out = binary.BigEndian.AppendUint64(out, uint64(idxOff))
	out = binary.BigEndian.AppendUint32(out, uint32(len(idx)))
	out = binary.BigEndian.AppendUint32(out, crc)
	return append(out, endMagic...), nil
}

func appendIndex(b []byte, day string, events, records uint64, blocks []blockInfo) []byte {
	b = binary.AppendUvarint(b, uint64(len(day)))
	b = append(b, day...)
	b = binary.AppendUvarint(b, events)
	b = binary.AppendUvarint(b, records)
	b = binary.AppendUvarint(b, uint64(len(blocks)))
	for _, bl := range blocks {
		b = append(b, bl.kind)
		for _, v := range []uint64{bl.count, bl.firstSeq, bl.lastSeq, bl.offset, bl.stored, bl.rawLen} {
			b = binary.AppendUvarint(b, v)
		}
		b = binary.BigEndian.AppendUint32(b, bl.crc)
	}
	return b
}

// validDay reports whether s has the shape YYYY-MM-DD.
func validDay(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	for i, c := range []byte(s) {
		if i != 4 && i != 7 && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
