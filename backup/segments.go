package backup

// Backups of a hall with sealed history (docs/storage.md, "Backups and
// restore"). Segments never change, so a backup directory holds one copy of
// each, shared by every backup that lists it:
//
//	BACKUP/history/2026/2026-12-04.seg   shared
//	BACKUP/hallq-20261205.db             the hot file (one read transaction)
//	BACKUP/hallq-20261205.manifest       the segments (day, size, sum) it needs
//
// The hot file is copied first, to hallq-20261205.db.tmp; then the data
// directory's history is listed and every segment not yet in BACKUP/history
// is copied (or hard-linked) to a .tmp, synced, renamed and verified; then
// the manifest is written (tmp + rename); only then is the hot file renamed
// into place. So a backup is listed only when everything it needs is there:
// a crash leaves .tmp files and maybe a manifest without its hot file, which
// the next run removes. A hall that never sealed a day writes the hot file
// alone, as before segments existed, and such a file (or an older backup,
// from before segments) restores as it always did.
//
// The consistency while the hall runs comes from the order: a day's segment
// is renamed into place before the transaction that removes the day from the
// hot file, and the history is listed after the hot copy, so every day the
// copy lacks has its segment listed. (A day sealed during the copy is listed
// and also still in the copy; the sealer reconciles that state as after a
// crash between its rename and its hot transaction.)

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"hallq/history"
	"hallq/internal/killpoint"
)

// HotCopier makes consistent copies of the hot file (*store.Store).
type HotCopier interface {
	BackupSized(w io.Writer, head func(size int64) error) (int64, error)
}

// Result is what one backup wrote.
type Result struct {
	Path     string // the hot file (or the archive)
	Bytes    int64  // the hot file's bytes
	Stored   int64  // of them, on disk (compressed: hallq-….db.gz); Bytes when plain
	Segments int    // segments the backup lists
	Copied   int    // of them, copied (or linked) by this backup
	Copy     int64  // bytes of the segments copied
	// Damaged are segments of the data directory that failed Verify and
	// were not backed up (each a *history.DamagedError); the backup holds
	// everything else.
	Damaged []error
}

// syncDir makes renames in dir durable.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// writeSynced writes path through write into path.tmp, syncs it, renames it
// into place and syncs the directory; on any error path.tmp is removed and
// path is untouched.
func writeSynced(path string, write func(w io.Writer) error) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	err = write(f)
	if err == nil {
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
		return err
	}
	syncDir(filepath.Dir(path))
	return nil
}

// copySynced copies the file src to dst.tmp (a hard link instead when link
// is true and both are on one file system), syncs it and renames it to dst.
func copySynced(src, dst string, link bool) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return err
	}
	tmp := dst + ".tmp"
	os.Remove(tmp)
	if link && os.Link(src, tmp) == nil {
		if err := os.Rename(tmp, dst); err != nil {
			os.Remove(tmp)
			return err
		}
		syncDir(filepath.Dir(dst))
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	var size int64
	if fi, err := in.Stat(); err == nil {
		size = fi.Size()
	}
	_, err = io.Copy(killpoint.Writer("backup-segment-copy", out, size), in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	syncDir(filepath.Dir(dst))
	return nil
}

// same reports whether the segment at path is the one s describes (its
// index read; its blocks are checked by verify).
func same(path string, s Seg) bool {
	seg, err := history.Open(path)
	return err == nil && seg.Day() == s.Day && seg.Size() == s.Size && seg.Sum() == s.Sum
}

// verified opens and verifies the segment at path.
func verified(path string) (Seg, error) {
	seg, err := history.Open(path)
	if err != nil {
		return Seg{}, err
	}
	if err := seg.Verify(); err != nil {
		return Seg{}, err
	}
	return Seg{Day: seg.Day(), Size: seg.Size(), Sum: seg.Sum()}, nil
}

// sameFacts reports whether the month facts file at path is the one s
// describes (its index read).
func sameFacts(path string, s Seg) bool {
	fx, err := history.OpenFacts(path)
	if err != nil {
		return false
	}
	defer fx.Close()
	return fx.Month() == s.Day && fx.Size() == s.Size && fx.Sum() == s.Sum
}

// verifiedFacts reads the month facts file at path whole (every block's
// checksum) and returns what a manifest lists of it.
func verifiedFacts(path string) (Seg, error) {
	if _, _, err := history.VerifyFacts(path); err != nil {
		return Seg{}, err
	}
	fx, err := history.OpenFacts(path)
	if err != nil {
		return Seg{}, err
	}
	defer fx.Close()
	return Seg{Day: fx.Month(), Size: fx.Size(), Sum: fx.Sum()}, nil
}

// backupFacts copies into the backup directory's history the month facts
// files of ix it does not hold yet (they never change, like segments) and
// lists them in m; a damaged one is left out and named in res.
func backupFacts(ctx context.Context, ix *history.Index, dir string, link bool, m *Manifest, res *Result) error {
	for _, e := range ix.Facts {
		if err := ctx.Err(); err != nil {
			return err
		}
		dst := history.FactsPathFor(HistoryDir(dir), e.Day)
		s, err := verifiedFacts(e.Path)
		if err != nil {
			res.Damaged = append(res.Damaged, err)
			continue
		}
		if !sameFacts(dst, s) {
			if err := copySynced(e.Path, dst, link); err != nil {
				return err
			}
			if got, err := verifiedFacts(dst); err != nil || got != s {
				return fmt.Errorf("the copy of %s does not verify: %v", e.Path, err)
			}
			res.Copy += s.Size
		}
		m.Facts = append(m.Facts, s)
	}
	return nil
}

// beforeManifest is called once a backup's hot copy and segments are on
// disk, before its manifest is written (crash tests stop the process there).
var beforeManifest = func(hotTmp string) {}

// hotCopy writes the hot file's consistent copy to w (head, when set, gets
// its size first); the crash drill can kill the process halfway through.
func hotCopy(src HotCopier, w io.Writer, head func(size int64) error) (int64, error) {
	out := w
	return src.BackupSized(writerFunc(func(p []byte) (int, error) { return out.Write(p) }), func(size int64) error {
		out = killpoint.Writer("backup-hot-copy", w, size)
		if head != nil {
			return head(size)
		}
		return nil
	})
}

// ctxWriter fails its writes once ctx has ended.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// HistoryDir is the history directory inside a data or backup directory.
func HistoryDir(dir string) string { return filepath.Join(dir, history.Dir) }

// WriteDir writes a complete backup of the hall (hot file from src, history
// from data) into dir under name (hallq-….db), copying only the segments
// dir/history does not hold yet; with link, segments are hard-linked when
// dir is on the data directory's file system. Without sealed history it
// writes the hot file alone, as before segments existed.
func WriteDir(src HotCopier, data, dir, name string, link bool) (Result, error) {
	return WriteDirContext(context.Background(), src, data, dir, name, link)
}

// WriteDirContext is WriteDir that stops when ctx ends (the hall stopping
// during the first backup of years of history): the hot copy at its next
// write, the history between two files. What it wrote is removed but the
// segments and month files already copied, which are complete and verified
// and which the next backup then finds in place.
func WriteDirContext(ctx context.Context, src HotCopier, data, dir, name string, link bool) (Result, error) {
	res := Result{Path: filepath.Join(dir, name)}
	fail := func(err error) (Result, error) { return Result{}, fmt.Errorf("backup to %s: %w", res.Path, err) }
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fail(err)
	}
	CleanIncomplete(dir)
	// A backup made earlier under the same name is replaced: its manifest
	// goes first, so no crash leaves it beside another hot file; then the
	// same backup in the other form (plain or compressed), which would
	// share the manifest.
	if err := os.Remove(ManifestPath(res.Path)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fail(err)
	}
	for _, ext := range hotExts {
		if other := filepath.Join(dir, stem(name)+ext); other != res.Path {
			if err := os.Remove(other); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fail(err)
			}
		}
	}
	tmp := res.Path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return fail(err)
	}
	out := ctxWriter{ctx, f}
	if strings.HasSuffix(name, gzExt) {
		res.Bytes, err = compressHot(src, out)
	} else {
		res.Bytes, err = hotCopy(src, out, nil)
	}
	if err == nil {
		err = f.Sync()
	}
	if fi, serr := f.Stat(); err == nil && serr == nil {
		res.Stored = fi.Size()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fail(err)
	}
	// The history, listed after the hot copy (see the package comment).
	ix, err := history.Scan(HistoryDir(data))
	if err != nil {
		os.Remove(tmp)
		return fail(err)
	}
	if len(ix.Segments) > 0 {
		var m Manifest
		for _, e := range ix.Segments {
			if err := ctx.Err(); err != nil {
				os.Remove(tmp)
				return fail(err)
			}
			dst := history.PathFor(HistoryDir(dir), e.Day)
			seg, err := history.Open(e.Path)
			if err != nil {
				res.Damaged = append(res.Damaged, err)
				continue
			}
			s := Seg{Day: e.Day, Size: seg.Size(), Sum: seg.Sum()}
			if same(dst, s) { // backed up before: segments never change
				m.Segments = append(m.Segments, s)
				continue
			}
			if err := seg.Verify(); err != nil {
				res.Damaged = append(res.Damaged, err)
				continue
			}
			if err := copySynced(e.Path, dst, link); err != nil {
				os.Remove(tmp)
				return fail(err)
			}
			if got, err := verified(dst); err != nil || got != s {
				os.Remove(tmp)
				return fail(fmt.Errorf("the copy of %s does not verify: %v", e.Path, err))
			}
			m.Segments = append(m.Segments, s)
			res.Copied++
			res.Copy += s.Size
		}
		if err := backupFacts(ctx, ix, dir, link, &m, &res); err != nil {
			os.Remove(tmp)
			return fail(err)
		}
		res.Segments = len(m.Segments)
		beforeManifest(tmp)
		text, _ := m.MarshalText()
		if err := writeSynced(ManifestPath(res.Path), func(w io.Writer) error {
			_, err := killpoint.Writer("backup-manifest", w, int64(len(text))).Write(text)
			return err
		}); err != nil {
			os.Remove(tmp)
			return fail(err)
		}
		killpoint.At("backup-hot-rename") // the crash drill: the manifest in place, the hot file not
	}
	if err := os.Rename(tmp, res.Path); err != nil {
		os.Remove(tmp)
		return fail(err)
	}
	syncDir(dir)
	return res, nil
}

// CleanIncomplete removes what interrupted backups left in dir: temporary
// files, manifests whose hot file was never renamed into place, and
// temporary segment files. It returns what it removed.
func CleanIncomplete(dir string) []string {
	var gone []string
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		switch n := e.Name(); {
		case e.IsDir() && strings.HasPrefix(n, ".expand-"): // a check or restore of a compressed copy, cut short
			if os.RemoveAll(p) == nil {
				gone = append(gone, p)
			}
		case !e.Type().IsRegular():
		case strings.HasPrefix(n, "hallq-") && strings.HasSuffix(n, ".tmp") && isHotName(strings.TrimSuffix(n, ".tmp")),
			strings.HasPrefix(n, "hallq-") && strings.HasSuffix(n, ".manifest.tmp"):
			if os.Remove(p) == nil {
				gone = append(gone, p)
			}
		case strings.HasPrefix(n, "hallq-") && strings.HasSuffix(n, ".manifest"):
			if hotOf(p) == "" && os.Remove(p) == nil {
				gone = append(gone, p)
			}
		}
	}
	if ix, err := history.Scan(HistoryDir(dir)); err == nil {
		gone = append(gone, ix.Incomplete...)
		ix.Clean()
	}
	return gone
}

// Prune removes the segments of dir/history that no manifest in dir lists
// (after older backups were removed); it returns how many it removed. A
// manifest it cannot read keeps every segment.
func Prune(dir string) (int, error) {
	ix, err := history.Scan(HistoryDir(dir))
	if err != nil || len(ix.Segments)+len(ix.Facts) == 0 {
		return 0, err
	}
	keep := map[string]bool{}
	keepFacts := map[string]bool{}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	for _, e := range ents {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".manifest") {
			continue
		}
		m, _, err := ReadManifest(strings.TrimSuffix(filepath.Join(dir, e.Name()), ".manifest") + ".db")
		if err != nil {
			return 0, err
		}
		for _, s := range m.Segments {
			keep[s.Day] = true
		}
		for _, s := range m.Facts {
			keepFacts[s.Day] = true
		}
	}
	n := 0
	for _, e := range ix.Facts {
		if !keepFacts[e.Day] {
			if err := os.Remove(e.Path); err != nil {
				return n, err
			}
		}
	}
	for _, e := range ix.Segments {
		if !keep[e.Day] {
			if err := os.Remove(e.Path); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}
