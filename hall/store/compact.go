package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"hallq/internal/killpoint"
)

// Compaction (docs/storage.md, migration): once the history of a store
// written before sealing existed has left the hot file, the file is mostly
// free pages — bbolt never gives them back to the disk. At the next open the
// live data is copied into hallq.db.new (bbolt's Compact), which is checked,
// then the old file becomes hallq.db.schema1 (kept until an operator
// removes it) and the new one hallq.db. A crash before the first rename
// leaves hallq.db as it was (a left hallq.db.new is written again); one
// between the renames leaves only hallq.db.schema1 and hallq.db.new, which
// the next open recognises and finishes. A file compacted again (the
// closed months of a store of this schema left it, facts.go) is replaced by
// its checked copy in one rename; the first compaction's file stays kept.
const (
	compactNew = FileName + ".new"
	compactOld = FileName + ".schema1"
)

// compactMin is the smallest file worth compacting (a variable for tests).
var compactMin int64 = 64 << 20

// beforeSwitch is called between the two renames (crash tests stop there).
var beforeSwitch = func() {}

// finishCompaction completes the renames a crash interrupted.
func finishCompaction(dir string) error {
	path, old, nw := filepath.Join(dir, FileName), filepath.Join(dir, compactOld), filepath.Join(dir, compactNew)
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if _, err := os.Lstat(old); err != nil {
		return nil
	}
	if _, err := os.Lstat(nw); err != nil {
		return nil
	}
	if err := os.Rename(nw, path); err != nil {
		return fmt.Errorf("finish the compaction of %s: %w", path, err)
	}
	syncDirOf(path)
	return nil
}

// wantsCompact reports whether the file is large and less than half of it
// live pages (the rest free pages and the file's growth slack). A file
// already compacted once (hallq.db.schema1 kept) is compacted again when
// it qualifies — a store of this schema whose closed months left it
// (facts.go) — without keeping the file it replaces (compactFile).
func wantsCompact(db *bolt.DB, dir string) bool {
	fi, err := os.Stat(db.Path())
	if err != nil || fi.Size() < compactMin {
		return false
	}
	var live int64
	db.View(func(tx *bolt.Tx) error {
		free := int64(db.Stats().FreePageN+db.Stats().PendingPageN) * int64(db.Info().PageSize)
		live = tx.Size() - free
		return nil
	})
	return live < fi.Size()/2
}

// compactFile compacts the closed database of dir (see above). It returns
// the bytes before and after.
func compactFile(dir string) (before, after int64, err error) {
	path, old, nw := filepath.Join(dir, FileName), filepath.Join(dir, compactOld), filepath.Join(dir, compactNew)
	if err := os.Remove(nw); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return 0, 0, err
	}
	src, err := bolt.Open(path, 0o640, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		return 0, 0, err
	}
	defer src.Close()
	dst, err := bolt.Open(nw, 0o640, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return 0, 0, err
	}
	err = bolt.Compact(dst, src, 64<<20)
	killpoint.At("compact-copied") // the crash drill: the copy written, not synced nor checked
	if err == nil {
		err = dst.Sync()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = sameContent(src, nw)
	}
	if err != nil {
		os.Remove(nw)
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	if fi, err := os.Stat(path); err == nil {
		before = fi.Size()
	}
	if fi, err := os.Stat(nw); err == nil {
		after = fi.Size()
	}
	if _, err := os.Lstat(old); err == nil {
		// The file of the first compaction is kept (never two): the checked
		// copy replaces this one in one rename, so a crash leaves either.
		killpoint.At("compact-replace")
		if err := os.Rename(nw, path); err != nil {
			return 0, 0, fmt.Errorf("compact %s: %w", path, err)
		}
		syncDirOf(path)
		return before, after, nil
	}
	if err := os.Rename(path, old); err != nil {
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	beforeSwitch()
	killpoint.At("compact-renamed") // the crash drill: between the renames
	if err := os.Rename(nw, path); err != nil {
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	syncDirOf(path)
	return before, after, nil
}

// sameContent checks the compacted file: its pages, its integrity, and
// that every bucket holds the same number of keys as the source's.
func sameContent(src *bolt.DB, path string) error {
	dst, err := bolt.Open(path, 0o640, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		return err
	}
	defer dst.Close()
	if _, err := (&Store{db: dst, path: path}).VerifyIntegrity(); err != nil {
		return err
	}
	count := func(db *bolt.DB) (map[string]int, error) {
		n := map[string]int{}
		err := db.View(func(tx *bolt.Tx) error {
			return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
				n[string(name)] = b.Stats().KeyN
				return nil
			})
		})
		return n, err
	}
	a, err := count(src)
	if err != nil {
		return err
	}
	b, err := count(dst)
	if err != nil {
		return err
	}
	if fmt.Sprint(a) != fmt.Sprint(b) {
		return fmt.Errorf("the copy holds %v keys, the file %v", b, a)
	}
	return nil
}

func syncDirOf(path string) {
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
}

// keepOldSchema copies a file of an older schema to hallq.db.schema1 before
// its first open by this hallq upgrades it (the schema mark, then the
// sealer removing its days one verified day at a time): the file as the
// older hallq left it stays until an operator removes it. A file of
// compactMin or more is not copied (a copy of gigabytes at start, and as
// much disk again): its days leave only after their segment was read back
// equal, and its compaction keeps the file it replaces as the same name.
func (s *Store) keepOldSchema(dir string) error {
	old := filepath.Join(dir, compactOld)
	var v uint64
	var size int64
	s.db.View(func(tx *bolt.Tx) error {
		if raw := tx.Bucket(bMeta).Get([]byte("schema")); len(raw) == 8 {
			v = binary.BigEndian.Uint64(raw)
		}
		size = tx.Size()
		return nil
	})
	if v == 0 || v >= SchemaVersion || size >= compactMin {
		return nil
	}
	if _, err := os.Lstat(old); err == nil {
		return nil // kept by an earlier start that stopped before the upgrade
	}
	tmp := old + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("keep the schema-%d file: %w", v, err)
	}
	err = s.db.View(func(tx *bolt.Tx) error { _, err := tx.WriteTo(f); return err })
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, old)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("keep the schema-%d file as %s before upgrading it: %w", v, old, err)
	}
	syncDirOf(old)
	s.log.Info("store of an older schema: kept as it was before the upgrade", "schema", v, "kept", old, "bytes", size)
	return nil
}
