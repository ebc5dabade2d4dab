package history

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// Month facts files (docs/storage.md, "Closed months leave the hot file"):
// once every day of a month is sealed, the hot file's per-day facts of that
// month (the report rollups and the tracking codes of its tickets) move into
// one immutable file, dir/2026/2026-11.facts, and are read from there.
//
// The file is a sorted list of keys and values (the bytes the hot file held,
// unchanged), cut into blocks, each with its CRC-32C, and an index of the
// blocks' first keys, so a lookup reads one block and a damaged byte is
// found by the read that meets it:
//
//	"HQFACTS1"
//	block*     (uvarint key length, key, uvarint value length, value)*
//	index      uvarint count, then per block: uvarint key length, first
//	           key, offset (uint64), length (uint32), CRC-32C (uint32)
//	trailer    index offset (uint64), index length (uint32), index CRC-32C
//	           (uint32), month "YYYY-MM", "HQFACTS1"
//
// Reads use ReadAt into a block-sized buffer: no mmap, so the years of
// facts a report reads leave nothing behind in the process's memory.

// FactsExt is a month facts file's extension.
const FactsExt = ".facts"

const (
	factsMagic   = "HQFACTS1"
	factsTrailer = 8 + 4 + 4 + 7 + 8
	factsBlock   = 64 << 10 // bytes of keys and values a block holds
)

// FactsPathFor returns where the facts file of month (YYYY-MM) lives under
// dir: dir/2026/2026-11.facts, beside the month's segments.
func FactsPathFor(dir, month string) string {
	if len(month) < 4 {
		return filepath.Join(dir, month+FactsExt)
	}
	return filepath.Join(dir, month[:4], month+FactsExt)
}

// KV is one key and its value.
type KV struct{ K, V []byte }

type factsBlockInfo struct {
	first  []byte
	offset uint64
	length uint32
	sum    uint32
}

// EncodeFacts returns the facts file of month holding kvs, which must be in
// strictly increasing key order.
func EncodeFacts(month string, kvs []KV) ([]byte, error) {
	if len(month) != 7 {
		return nil, fmt.Errorf("facts file: bad month %q", month)
	}
	out := []byte(factsMagic)
	var blocks []factsBlockInfo
	var cur []byte
	var first []byte
	flush := func() {
		if len(cur) == 0 {
			return
		}
		blocks = append(blocks, factsBlockInfo{first: first, offset: uint64(len(out)), length: uint32(len(cur)), sum: crc32.Checksum(cur, castagnoli)})
		out = append(out, cur...)
		cur = cur[:0]
	}
	for i, kv := range kvs {
		if i > 0 && bytes.Compare(kvs[i-1].K, kv.K) >= 0 {
			return nil, fmt.Errorf("facts file %s: keys out of order at %x", month, kv.K)
		}
		if len(cur) == 0 {
			first = kv.K
		}
		cur = binary.AppendUvarint(cur, uint64(len(kv.K)))
		cur = append(cur, kv.K...)
		cur = binary.AppendUvarint(cur, uint64(len(kv.V)))
		cur = append(cur, kv.V...)
		if len(cur) >= factsBlock {
			flush()
		}
	}
	flush()
	ix := binary.AppendUvarint(nil, uint64(len(blocks)))
	for _, b := range blocks {
		ix = binary.AppendUvarint(ix, uint64(len(b.first)))
		ix = append(ix, b.first...)
		ix = binary.BigEndian.AppendUint64(ix, b.offset)
		ix = binary.BigEndian.AppendUint32(ix, b.length)
		ix = binary.BigEndian.AppendUint32(ix, b.sum)
	}
	off := uint64(len(out))
	out = append(out, ix...)
	out = binary.BigEndian.AppendUint64(out, off)
	out = binary.BigEndian.AppendUint32(out, uint32(len(ix)))
	out = binary.BigEndian.AppendUint32(out, crc32.Checksum(ix, castagnoli))
	out = append(out, month...)
	return append(out, factsMagic...), nil
}

// WriteFacts writes the facts file of month at path (path.tmp, synced,
// renamed, the directory synced; the crash drill can stop it halfway,
// kill point "facts-write") and returns its size and CRC-32C, which the
// store keeps to know the file later. An existing file is replaced.
func WriteFacts(path, month string, kvs []KV) (size int64, sum uint32, err error) {
	data, err := EncodeFacts(month, kvs)
	if err != nil {
		return 0, 0, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return 0, 0, fmt.Errorf("write facts %s: %w", path, err)
	}
	tmp := path + tmpSuffix
	if err := writeSyncedAt("facts-write", tmp, data); err != nil {
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("write facts %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("write facts %s: %w", path, err)
	}
	syncDir(filepath.Dir(path))
	return int64(len(data)), crc32.Checksum(data, castagnoli), nil
}

// Facts is an open month facts file: its index, read by OpenFacts, and the
// open file, which Close closes (a reader opens it for one read).
type Facts struct {
	path   string
	month  string
	f      *os.File
	size   int64
	sum    uint32 // CRC-32C of the index (the trailer's)
	blocks []factsBlockInfo
}

func factsDamaged(path string, block int, format string, args ...any) error {
	return &DamagedError{Path: path, Block: block, Err: fmt.Errorf(format, args...), Facts: true}
}

// OpenFacts opens the facts file at path and reads its index, checked
// against its checksum. Errors about its content are *DamagedError.
func OpenFacts(path string) (*Facts, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open facts file: %w", err)
	}
	fx, err := openFacts(path, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return fx, nil
}

func openFacts(path string, f *os.File) (*Facts, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("open facts file: %w", err)
	}
	size := fi.Size()
	if size < int64(len(factsMagic)+factsTrailer) {
		return nil, factsDamaged(path, -1, "cut short (%d bytes)", size)
	}
	tr := make([]byte, factsTrailer)
	if _, err := f.ReadAt(tr, size-factsTrailer); err != nil {
		return nil, factsDamaged(path, -1, "read trailer: %v", err)
	}
	head := make([]byte, len(factsMagic))
	if _, err := f.ReadAt(head, 0); err != nil {
		return nil, factsDamaged(path, -1, "read header: %v", err)
	}
	if string(head) != factsMagic || string(tr[factsTrailer-8:]) != factsMagic {
		return nil, factsDamaged(path, -1, "not a facts file (or cut short)")
	}
	off, n, sum := binary.BigEndian.Uint64(tr), binary.BigEndian.Uint32(tr[8:]), binary.BigEndian.Uint32(tr[12:])
	if off < uint64(len(factsMagic)) || off+uint64(n) != uint64(size-factsTrailer) {
		return nil, factsDamaged(path, -1, "index at %d+%d does not end at the trailer", off, n)
	}
	ix := make([]byte, n)
	if _, err := f.ReadAt(ix, int64(off)); err != nil {
		return nil, factsDamaged(path, -1, "read index: %v", err)
	}
	if crc32.Checksum(ix, castagnoli) != sum {
		return nil, factsDamaged(path, -1, "index checksum mismatch")
	}
	fx := &Facts{path: path, month: string(tr[16:23]), f: f, size: size, sum: sum}
	cnt, l := binary.Uvarint(ix)
	if l <= 0 || cnt > uint64(len(ix)) {
		return nil, factsDamaged(path, -1, "bad index")
	}
	ix = ix[l:]
	end := uint64(len(factsMagic))
	for range cnt {
		kl, l := binary.Uvarint(ix)
		if l <= 0 || uint64(len(ix)-l) < kl+16 {
			return nil, factsDamaged(path, -1, "bad index entry")
		}
		ix = ix[l:]
		b := factsBlockInfo{first: ix[:kl:kl], offset: binary.BigEndian.Uint64(ix[kl:]),
			length: binary.BigEndian.Uint32(ix[kl+8:]), sum: binary.BigEndian.Uint32(ix[kl+12:])}
		ix = ix[kl+16:]
		if b.offset != end {
			return nil, factsDamaged(path, -1, "block at %d, want %d", b.offset, end)
		}
		end += uint64(b.length)
		fx.blocks = append(fx.blocks, b)
	}
	if end != off || len(ix) != 0 {
		return nil, factsDamaged(path, -1, "the blocks end at %d, the index starts at %d", end, off)
	}
	return fx, nil
}

// Close closes the file.
func (fx *Facts) Close() error { return fx.f.Close() }

// Month is the month the file holds (YYYY-MM).
func (fx *Facts) Month() string { return fx.month }

// Size is the file's size in bytes.
func (fx *Facts) Size() int64 { return fx.size }

// Sum is the CRC-32C of the file's index: with the size and the month, what
// a backup's manifest lists to know the file (as a segment's Sum).
func (fx *Facts) Sum() uint32 { return fx.sum }

// Path is the file's path.
func (fx *Facts) Path() string { return fx.path }

func (fx *Facts) block(i int, buf []byte) ([]byte, error) {
	b := fx.blocks[i]
	buf = append(buf[:0], make([]byte, b.length)...)
	if _, err := fx.f.ReadAt(buf, int64(b.offset)); err != nil && !errors.Is(err, io.EOF) {
		return nil, factsDamaged(fx.path, i, "read: %v", err)
	}
	if crc32.Checksum(buf, castagnoli) != b.sum {
		return nil, factsDamaged(fx.path, i, "checksum mismatch")
	}
	return buf, nil
}

// Each calls fn with every key in [lo, hi) (hi nil: to the end) and its
// value, in key order. k and v are valid only during the call. Every block
// read is checked against its checksum.
func (fx *Facts) Each(lo, hi []byte, fn func(k, v []byte) error) error {
	// The last block whose first key is <= lo holds lo, if any block does.
	i := sort.Search(len(fx.blocks), func(i int) bool { return bytes.Compare(fx.blocks[i].first, lo) > 0 }) - 1
	i = max(i, 0)
	var buf []byte
	for ; i < len(fx.blocks); i++ {
		if hi != nil && bytes.Compare(fx.blocks[i].first, hi) >= 0 {
			return nil
		}
		b, err := fx.block(i, buf)
		if err != nil {
			return err
		}
		buf = b
		for len(b) > 0 {
			kl, l := binary.Uvarint(b)
			if l <= 0 || uint64(len(b)-l) < kl {
				return factsDamaged(fx.path, i, "bad key length")
			}
			k := b[l : l+int(kl)]
			b = b[l+int(kl):]
			vl, l := binary.Uvarint(b)
			if l <= 0 || uint64(len(b)-l) < vl {
				return factsDamaged(fx.path, i, "bad value length")
			}
			v := b[l : l+int(vl)]
			b = b[l+int(vl):]
			if bytes.Compare(k, lo) < 0 {
				continue
			}
			if hi != nil && bytes.Compare(k, hi) >= 0 {
				return nil
			}
			if err := fn(k, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// Get returns a copy of the value of key k; ok is false when the file does
// not hold it.
func (fx *Facts) Get(k []byte) (v []byte, ok bool, err error) {
	err = fx.Each(k, append(bytes.Clone(k), 0), func(_, val []byte) error {
		v, ok = bytes.Clone(val), true
		return nil
	})
	return v, ok, err
}

// VerifyFacts reads the whole facts file at path: its index and every
// block against their checksums, and returns its size and CRC-32C (which
// the store compares with what it wrote).
func VerifyFacts(path string) (size int64, sum uint32, err error) {
	fx, err := OpenFacts(path)
	if err != nil {
		return 0, 0, err
	}
	defer fx.Close()
	var buf []byte
	for i := range fx.blocks {
		if buf, err = fx.block(i, buf); err != nil {
			return 0, 0, err
		}
	}
	if err := fx.Each(nil, nil, func(_, _ []byte) error { return nil }); err != nil {
		return 0, 0, err
	}
	h := crc32.New(castagnoli)
	if _, err := io.Copy(h, io.NewSectionReader(fx.f, 0, fx.size)); err != nil {
		return 0, 0, factsDamaged(path, -1, "read: %v", err)
	}
	return fx.size, h.Sum32(), nil
}
