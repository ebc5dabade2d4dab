package backup

// Compressed hot copies (docs/storage.md, "Backups and restore"). A kept
// backup's hot file is the one copy a backup cannot share with the others
// (segments are stored once), so 14 of them dominate the backup directory.
// bbolt pages compress well — half-filled leaves, JSON values, free pages —
// so the hot copy is written through gzip (stdlib compress/gzip, default
// level) as hallq-YYYYMMDD.db.gz: still one complete, consistent copy (one
// read transaction), which any gunzip turns back into the bbolt file, and
// whose CRC-32 and length (gzip's trailer) make a cut or changed copy fail
// before it is used. A backup made before (hallq-YYYYMMDD.db, plain) is
// listed, checked and restored as it always was.

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"hallq/hall/store"
)

// gzExt ends the name of a compressed hot copy.
const gzExt = ".gz"

// hotExts are the endings of a kept backup's hot file: compressed (today)
// and plain (before; still restored).
var hotExts = []string{".db" + gzExt, ".db"}

// isHotName reports whether n is the name of a kept backup's hot file.
func isHotName(n string) bool {
	return strings.HasPrefix(n, "hallq-") && (strings.HasSuffix(n, ".db") || strings.HasSuffix(n, ".db"+gzExt))
}

// stem is a backup's name without its hot file's ending
// (hallq-20261205.db.gz → hallq-20261205).
func stem(n string) string {
	for _, ext := range hotExts {
		if s, ok := strings.CutSuffix(n, ext); ok {
			return s
		}
	}
	return n
}

// Compressed reports whether the file at path is a gzip stream (its magic
// bytes): a compressed hot copy.
func Compressed(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [2]byte
	_, err = io.ReadFull(f, b[:])
	return err == nil && b[0] == 0x1f && b[1] == 0x8b
}

// compressHot writes src's consistent copy through gzip to w and returns the
// hot file's (raw) bytes.
func compressHot(src HotCopier, w io.Writer) (int64, error) {
	zw, err := gzip.NewWriterLevel(w, gzip.DefaultCompression)
	if err != nil {
		return 0, err
	}
	zw.Name, zw.ModTime = store.FileName, time.Now()
	bw := bufio.NewWriterSize(zw, 1<<20)
	n, err := hotCopy(src, bw, nil)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// Expand writes the bbolt file of the compressed hot copy hot to dst (a new
// file): a copy cut short or changed fails (gzip's CRC-32 and length), and
// dst is then removed. It returns the bytes written.
func Expand(hot, dst string) (int64, error) {
	in, err := os.Open(hot)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	zr, err := gzip.NewReader(bufio.NewReaderSize(in, 1<<20))
	if err != nil {
		return 0, fmt.Errorf("%s: %w: not a whole compressed backup: %v", hot, store.ErrDamaged, err)
	}
	zr.Multistream(false)
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, zr)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst)
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return n, fmt.Errorf("%s: %w: the compressed copy is cut short (an interrupted copy or download)", hot, store.ErrIncomplete)
		}
		return n, fmt.Errorf("%s: %w: %v", hot, store.ErrDamaged, err)
	}
	return n, nil
}

// PlainFile returns a bbolt file for the backup hot file hot: hot itself when it
// is plain, else its expansion into a new hidden directory of dir (the
// same disk as the data, not /tmp), which done removes.
func PlainFile(hot, dir string) (db string, done func(), err error) {
	done = func() {}
	if !Compressed(hot) {
		return hot, done, nil
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", done, err
	}
	tmp, err := os.MkdirTemp(dir, ".expand-")
	if err != nil {
		return "", done, err
	}
	done = func() { os.RemoveAll(tmp) }
	db = filepath.Join(tmp, store.FileName)
	if _, err := Expand(hot, db); err != nil {
		done()
		return "", func() {}, err
	}
	return db, done, nil
}

// VerifyHot checks the integrity of a backup's hot file, plain or
// compressed (store.VerifyFile of its expansion, beside it).
func VerifyHot(hot string) (store.Summary, error) {
	db, done, err := PlainFile(hot, filepath.Dir(hot))
	if err != nil {
		return store.Summary{Path: hot}, err
	}
	defer done()
	sum, err := store.VerifyFile(db)
	sum.Path = hot
	return sum, err
}

// hotOf is the hot file of the backup whose manifest is manifest: the
// compressed one when it is there, else the plain one ("" when neither).
func hotOf(manifest string) string {
	base := strings.TrimSuffix(manifest, ".manifest")
	for _, ext := range hotExts {
		if _, err := os.Stat(base + ext); err == nil {
			return base + ext
		}
	}
	return ""
}
