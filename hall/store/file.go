package store

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
)

// A hall's file is refused, never replaced, when it is not what hallq
// wrote: bbolt would turn an empty file into a new, empty hall and crash
// (SIGSEGV, SIGBUS, beyond recover) on a file cut short, because it maps the
// pages its header promises. inspectFile reads the header first.

// bbolt's file header (go.etcd.io/bbolt internal/common/meta.go, page.go):
// two meta pages, at page 0 and page 1; each a 16-byte page header, then
// magic, version, page size, flags (uint32 each), the root bucket (root page
// id, sequence), the freelist page id, the high-water mark (pages in use),
// the transaction id, and an FNV-64a checksum of the 56 bytes before it, in
// the machine's byte order (little-endian on every platform hallq ships for).
const (
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	pageHeaderSize = 16
	metaSize       = 64
)

type boltMeta struct {
	pageSize uint32
	hwm      uint64 // pages in use: the file holds at least hwm*pageSize bytes
	txid     uint64
}

// parseMeta reads the meta page at b (starting with its page header).
func parseMeta(b []byte) (boltMeta, error) {
	if len(b) < pageHeaderSize+metaSize {
		return boltMeta{}, errors.New("too short for a header page")
	}
	m := b[pageHeaderSize : pageHeaderSize+metaSize]
	le := binary.LittleEndian
	if le.Uint32(m[0:]) != boltMagic {
		return boltMeta{}, errNotBolt
	}
	if v := le.Uint32(m[4:]); v != boltVersion {
		return boltMeta{}, fmt.Errorf("file format version %d, not %d", v, boltVersion)
	}
	h := fnv.New64a()
	h.Write(m[:56])
	if h.Sum64() != le.Uint64(m[56:]) {
		return boltMeta{}, errors.New("header checksum does not match")
	}
	return boltMeta{pageSize: le.Uint32(m[8:]), hwm: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}, nil
}

var errNotBolt = errors.New("no bbolt header")

// inspectFile checks that path, if it exists, is a whole bbolt file: not
// empty, with a valid header page, and at least as long as the header says.
// exists is false when there is no file. Problems wrap ErrDamaged and say
// what is wrong in words an operator can act on.
func inspectFile(path string) (exists bool, err error) {
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return true, fmt.Errorf("%s: %w: it is not a regular file", path, ErrDamaged)
	}
	size := fi.Size()
	if size == 0 {
		return true, fmt.Errorf("%s: %w: %w: the file is empty (0 bytes); it was not replaced by a new hall", path, ErrDamaged, ErrIncomplete)
	}
	f, err := os.Open(path)
	if err != nil {
		return true, fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	// The first meta page tells the page size; the second one sits one page on.
	head := make([]byte, pageHeaderSize+metaSize)
	var metas []boltMeta
	var first error
	for _, off := range []int64{0, -1} {
		if off < 0 {
			ps := int64(4096)
			if len(metas) > 0 {
				ps = int64(metas[0].pageSize)
			}
			off = ps
		}
		n, _ := f.ReadAt(head, off)
		m, err := parseMeta(head[:n])
		if err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		if m.pageSize < 512 || m.pageSize > 1<<20 {
			first = fmt.Errorf("page size %d is impossible", m.pageSize)
			continue
		}
		metas = append(metas, m)
	}
	if len(metas) == 0 {
		if errors.Is(first, errNotBolt) {
			return true, fmt.Errorf("%s: %w: this is not a hallq database (%d bytes without the database header: a foreign or overwritten file)", path, ErrDamaged, size)
		}
		if size < 2*4096 {
			return true, fmt.Errorf("%s: %w: %w: the file is cut short (%d bytes, less than its two header pages)", path, ErrDamaged, ErrIncomplete, size)
		}
		return true, fmt.Errorf("%s: %w: both header pages are damaged (%v)", path, ErrDamaged, first)
	}
	m := slices.MaxFunc(metas, func(a, b boltMeta) int { return cmp.Compare(a.txid, b.txid) })
	if want := int64(m.hwm) * int64(m.pageSize); size < want {
		return true, fmt.Errorf("%s: %w: %w: the file is cut short: %d bytes, its header says %d", path, ErrDamaged, ErrIncomplete, size, want)
	}
	return true, nil
}

// panicOnFault makes a memory fault in the calling goroutine (a page of the
// mapped file that the disk cannot read, or that vanished) a panic that the
// caller's recover turns into ErrDamaged, instead of ending the process. Use
// as defer panicOnFault()().
func panicOnFault() (restore func()) {
	old := debug.SetPanicOnFault(true)
	return func() { debug.SetPanicOnFault(old) }
}

// ErrNoDatabase is returned by Open for a data directory that holds no
// database but other things (backups, a replaced database…): a hall lived
// there, and a new empty one would hide that.
var ErrNoDatabase = errors.New("no hall database here")

// newHallAllowed reports whether a new hall may be created in dir without
// --init: the directory is missing or empty but for a hall config to seed
// from, the control socket, lost+found and hidden files.
func newHallAllowed(dir string) error {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	var others []string
	for _, e := range ents {
		switch n := e.Name(); {
		case n == "hall.json", n == "hallq.sock", n == "lost+found", strings.HasPrefix(n, "."):
		default:
			if e.IsDir() {
				n += "/"
			}
			others = append(others, n)
		}
	}
	if len(others) == 0 {
		return nil
	}
	if len(others) > 4 {
		others = append(others[:4], "…")
	}
	return fmt.Errorf("%w: %s has no %s but holds %s — a hall lived here. Restore its newest backup (hallq restore %s --data %s takes the newest in %s), or create a new, empty hall here on purpose with hallq serve --init",
		ErrNoDatabase, dir, FileName, strings.Join(others, ", "), filepath.Join(dir, "backups"), dir, filepath.Join(dir, "backups"))
}
