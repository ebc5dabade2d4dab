package backup

import (
	"archive/tar"
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"hallq/hall/store"
	"hallq/history"
	"hallq/internal/killpoint"
)

// tarMode is the mode of the files in an archive.
const tarMode = 0o640

// WriteTar writes a complete backup as one tar archive (archive/tar, as GNU
// tar reads it): hallq.db (the hot copy, one read transaction), then
// history/YYYY/YYYY-MM-DD.seg for each segment (each verified as it is
// read), then MANIFEST, last: an archive cut short has no manifest and is
// refused by restore. This is the console's download and `hallq backup
// FILE` for a hall with sealed history.
func WriteTar(src HotCopier, data string, w io.Writer) (Result, error) {
	tw := tar.NewWriter(w)
	now := time.Now()
	var res Result
	n, err := hotCopy(src, tw, func(size int64) error {
		return tw.WriteHeader(&tar.Header{Name: store.FileName, Mode: tarMode, Size: size, ModTime: now, Typeflag: tar.TypeReg})
	})
	if err != nil {
		return res, err
	}
	res.Bytes = n
	ix, err := history.Scan(HistoryDir(data))
	if err != nil {
		return res, err
	}
	var m Manifest
	for _, e := range ix.Segments {
		raw, err := os.ReadFile(e.Path)
		if err != nil {
			return res, err
		}
		seg, err := history.OpenBytes(e.Path, raw)
		if err == nil {
			err = seg.Verify()
		}
		if err != nil {
			res.Damaged = append(res.Damaged, err)
			continue
		}
		name := filepath.ToSlash(history.PathFor(history.Dir, e.Day))
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: tarMode, Size: int64(len(raw)), ModTime: now, Typeflag: tar.TypeReg}); err != nil {
			return res, err
		}
		if _, err := killpoint.Writer("backup-segment-copy", tw, int64(len(raw))).Write(raw); err != nil {
			return res, err
		}
		m.Segments = append(m.Segments, Seg{Day: e.Day, Size: seg.Size(), Sum: seg.Sum()})
		res.Copy += int64(len(raw))
	}
	for _, e := range ix.Facts {
		s, err := verifiedFacts(e.Path)
		if err != nil {
			res.Damaged = append(res.Damaged, err)
			continue
		}
		raw, err := os.ReadFile(e.Path)
		if err != nil {
			return res, err
		}
		if int64(len(raw)) != s.Size {
			return res, fmt.Errorf("%s changed while it was read", e.Path)
		}
		name := filepath.ToSlash(history.FactsPathFor(history.Dir, e.Day))
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: tarMode, Size: s.Size, ModTime: now, Typeflag: tar.TypeReg}); err != nil {
			return res, err
		}
		if _, err := tw.Write(raw); err != nil {
			return res, err
		}
		m.Facts = append(m.Facts, s)
		res.Copy += s.Size
	}
	res.Segments, res.Copied = len(m.Segments), len(m.Segments)
	text, _ := m.MarshalText()
	if err := tw.WriteHeader(&tar.Header{Name: "MANIFEST", Mode: tarMode, Size: int64(len(text)), ModTime: now, Typeflag: tar.TypeReg}); err != nil {
		return res, err
	}
	if _, err := tw.Write(text); err != nil {
		return res, err
	}
	return res, tw.Close()
}

// IsTar reports whether the file at path is a tar archive (the "ustar"
// magic of its first header).
func IsTar(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [262]byte
	if _, err := io.ReadFull(f, b[:]); err != nil {
		return false
	}
	return string(b[257:262]) == "ustar"
}

// Unpack extracts a backup archive into the new directory dir (hallq.db,
// MANIFEST, history/…), refusing any other name, and fails when the archive
// has no manifest (cut short: an incomplete download or copy).
func Unpack(archive, dir string) error {
	f, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := os.Mkdir(dir, 0o750); err != nil {
		return err
	}
	tr := tar.NewReader(bufio.NewReader(f))
	manifest := false
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		} else if errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("%s: %w: not a whole backup archive: %v", archive, store.ErrIncomplete, err)
		} else if err != nil {
			return fmt.Errorf("%s: not a whole backup archive: %w", archive, err)
		}
		name := filepath.FromSlash(h.Name)
		ok := h.Typeflag == tar.TypeReg && (name == store.FileName || name == "MANIFEST" ||
			strings.HasPrefix(name, history.Dir+string(filepath.Separator)) && filepath.Clean(name) == name &&
				(history.PathFor(history.Dir, strings.TrimSuffix(filepath.Base(name), history.Ext)) == name ||
					history.FactsPathFor(history.Dir, strings.TrimSuffix(filepath.Base(name), history.FactsExt)) == name))
		if !ok {
			return fmt.Errorf("%s: %q is not part of a hallq backup", archive, h.Name)
		}
		dst := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
			return err
		}
		out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
		if err != nil {
			return err
		}
		_, err = io.Copy(out, tr)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("%s: %w: the archive ends inside %s (cut short: an interrupted backup, download or copy)", archive, store.ErrIncomplete, h.Name)
		} else if err != nil {
			return fmt.Errorf("%s: %s: %w", archive, h.Name, err)
		}
		manifest = manifest || name == "MANIFEST"
	}
	if !manifest {
		return fmt.Errorf("%s: %w: the archive has no MANIFEST (cut short: an interrupted download or copy)", archive, store.ErrIncomplete)
	}
	return nil
}

// WriteTarOf writes the kept backup whose hot file is hot as one tar
// archive (the layout of WriteTar): its hot file, the segments its manifest
// lists from the backup directory's history, then the manifest. A listed
// segment missing or another file fails the archive before its manifest.
func WriteTarOf(hot string, w io.Writer) (int64, error) {
	m, _, err := ReadManifest(hot)
	if err != nil {
		return 0, err
	}
	tw := tar.NewWriter(w)
	var n int64
	add := func(name, path string, want *Seg) error {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		if want != nil && fi.Size() != want.Size {
			return fmt.Errorf("%s: %d bytes, the manifest lists %d", path, fi.Size(), want.Size)
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: tarMode, Size: fi.Size(), ModTime: fi.ModTime(), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		c, err := io.Copy(tw, f)
		n += c
		return err
	}
	db, done, err := PlainFile(hot, filepath.Dir(hot)) // a compressed hot copy goes in as the bbolt file
	if err != nil {
		return n, err
	}
	defer done()
	if err := add(store.FileName, db, nil); err != nil {
		return n, err
	}
	for _, s := range m.Segments {
		if !same(history.PathFor(HistoryDir(filepath.Dir(hot)), s.Day), s) {
			return n, fmt.Errorf("the backup %s lists the segment of %s, which its directory does not hold whole", hot, s.Day)
		}
		if err := add(filepath.ToSlash(history.PathFor(history.Dir, s.Day)), history.PathFor(HistoryDir(filepath.Dir(hot)), s.Day), &s); err != nil {
			return n, err
		}
	}
	for _, s := range m.Facts {
		path := history.FactsPathFor(HistoryDir(filepath.Dir(hot)), s.Day)
		if !sameFacts(path, s) {
			return n, fmt.Errorf("the backup %s lists the facts file of %s, which its directory does not hold whole", hot, s.Day)
		}
		if err := add(filepath.ToSlash(history.FactsPathFor(history.Dir, s.Day)), path, &s); err != nil {
			return n, err
		}
	}
	text, _ := m.MarshalText()
	if err := tw.WriteHeader(&tar.Header{Name: "MANIFEST", Mode: tarMode, Size: int64(len(text)), ModTime: time.Now(), Typeflag: tar.TypeReg}); err != nil {
		return n, err
	}
	if _, err := tw.Write(text); err != nil {
		return n, err
	}
	return n, tw.Close()
}
