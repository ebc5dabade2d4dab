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
	"archive/tar"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"hallq/hall/store"
	"hallq/history"
)

// HotCopier makes consistent copies of the hot file (*store.Store).
type HotCopier interface {
	BackupSized(w io.Writer, head func(size int64) error) (int64, error)
}

// Seg is one segment a backup needs.
type Seg struct {
	Day  string
	Size int64
	Sum  uint32 // history.Segment.Sum: the CRC-32C of header and index
}

// Manifest lists the segments a backup needs besides its hot file.
type Manifest struct {
	Segments []Seg
}

const manifestHead = "hallq backup manifest 1"

// MarshalText is the manifest file: a first line, then one line per
// segment: "seg DAY SIZE SUM(hex)".
func (m Manifest) MarshalText() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(manifestHead + "\n")
	for _, s := range m.Segments {
		fmt.Fprintf(&b, "seg %s %d %08x\n", s.Day, s.Size, s.Sum)
	}
	return b.Bytes(), nil
}

// ParseManifest reads a manifest file's bytes.
func ParseManifest(b []byte) (Manifest, error) {
	var m Manifest
	sc := bufio.NewScanner(bytes.NewReader(b))
	if !sc.Scan() || sc.Text() != manifestHead {
		return m, errors.New("not a hallq backup manifest (first line)")
	}
	for n := 2; sc.Scan(); n++ {
		f := strings.Fields(sc.Text())
		if len(f) != 4 || f[0] != "seg" {
			return m, fmt.Errorf("manifest line %d: %q", n, sc.Text())
		}
		size, err1 := strconv.ParseInt(f[2], 10, 64)
		sum, err2 := strconv.ParseUint(f[3], 16, 32)
		_, err3 := time.Parse(time.DateOnly, f[1])
		if err1 != nil || err2 != nil || err3 != nil || size <= 0 || len(f[1]) != len(time.DateOnly) {
			return m, fmt.Errorf("manifest line %d: %q", n, sc.Text())
		}
		m.Segments = append(m.Segments, Seg{Day: f[1], Size: size, Sum: uint32(sum)})
	}
	return m, sc.Err()
}

// ManifestPath is the manifest of the backup whose hot file is hot:
// hallq-20261205.db → hallq-20261205.manifest; a hot file named hallq.db
// (an unpacked archive) → MANIFEST beside it.
func ManifestPath(hot string) string {
	dir, base := filepath.Split(hot)
	if base == store.FileName {
		return filepath.Join(dir, "MANIFEST")
	}
	return filepath.Join(dir, strings.TrimSuffix(base, ".db")+".manifest")
}

// ReadManifest reads the manifest of the backup whose hot file is hot; ok is
// false when it has none (a backup of a hall without sealed history, or one
// from before segments: the hot file is the whole backup).
func ReadManifest(hot string) (m Manifest, ok bool, err error) {
	b, err := os.ReadFile(ManifestPath(hot))
	if errors.Is(err, fs.ErrNotExist) {
		return m, false, nil
	} else if err != nil {
		return m, false, err
	}
	m, err = ParseManifest(b)
	if err != nil {
		return m, true, fmt.Errorf("%s: %w", ManifestPath(hot), err)
	}
	return m, true, nil
}

// Result is what one backup wrote.
type Result struct {
	Path     string // the hot file (or the archive)
	Bytes    int64  // the hot file's bytes
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

// writeFileSynced writes data to path via path.tmp, synced and renamed.
func writeFileSynced(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
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
	_, err = io.Copy(out, in)
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

// beforeManifest is called once a backup's hot copy and segments are on
// disk, before its manifest is written (crash tests stop the process there).
var beforeManifest = func(hotTmp string) {}

// HistoryDir is the history directory inside a data or backup directory.
func HistoryDir(dir string) string { return filepath.Join(dir, history.Dir) }

// WriteDir writes a complete backup of the hall (hot file from src, history
// from data) into dir under name (hallq-….db), copying only the segments
// dir/history does not hold yet; with link, segments are hard-linked when
// dir is on the data directory's file system. Without sealed history it
// writes the hot file alone, as before segments existed.
func WriteDir(src HotCopier, data, dir, name string, link bool) (Result, error) {
	res := Result{Path: filepath.Join(dir, name)}
	fail := func(err error) (Result, error) { return Result{}, fmt.Errorf("backup to %s: %w", res.Path, err) }
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fail(err)
	}
	CleanIncomplete(dir)
	// A backup made earlier under the same name is replaced: its manifest
	// goes first, so no crash leaves it beside another hot file.
	if err := os.Remove(ManifestPath(res.Path)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fail(err)
	}
	tmp := res.Path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return fail(err)
	}
	res.Bytes, err = src.BackupSized(f, func(int64) error { return nil })
	if err == nil {
		err = f.Sync()
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
		res.Segments = len(m.Segments)
		beforeManifest(tmp)
		text, _ := m.MarshalText()
		if err := writeFileSynced(ManifestPath(res.Path), text); err != nil {
			os.Remove(tmp)
			return fail(err)
		}
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
		case !e.Type().IsRegular():
		case strings.HasPrefix(n, "hallq-") && strings.HasSuffix(n, ".db.tmp"),
			strings.HasPrefix(n, "hallq-") && strings.HasSuffix(n, ".manifest.tmp"):
			if os.Remove(p) == nil {
				gone = append(gone, p)
			}
		case strings.HasPrefix(n, "hallq-") && strings.HasSuffix(n, ".manifest"):
			hot := strings.TrimSuffix(p, ".manifest") + ".db"
			if _, err := os.Stat(hot); errors.Is(err, fs.ErrNotExist) && os.Remove(p) == nil {
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
	if err != nil || len(ix.Segments) == 0 {
		return 0, err
	}
	keep := map[string]bool{}
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
	}
	n := 0
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
	n, err := src.BackupSized(tw, func(size int64) error {
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
		if _, err := tw.Write(raw); err != nil {
			return res, err
		}
		m.Segments = append(m.Segments, Seg{Day: e.Day, Size: seg.Size(), Sum: seg.Sum()})
		res.Copy += int64(len(raw))
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
		} else if err != nil {
			return fmt.Errorf("%s: not a whole backup archive: %w", archive, err)
		}
		name := filepath.FromSlash(h.Name)
		ok := h.Typeflag == tar.TypeReg && (name == store.FileName || name == "MANIFEST" ||
			strings.HasPrefix(name, history.Dir+string(filepath.Separator)) && filepath.Clean(name) == name &&
				history.PathFor(history.Dir, strings.TrimSuffix(filepath.Base(name), history.Ext)) == name)
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
		if err != nil {
			return fmt.Errorf("%s: %s: %w", archive, h.Name, err)
		}
		manifest = manifest || name == "MANIFEST"
	}
	if !manifest {
		return fmt.Errorf("%s: %w: the archive has no MANIFEST (cut short: an interrupted download or copy)", archive, store.ErrIncomplete)
	}
	return nil
}

// Plan is what restoring the history of one backup into a data directory
// does: the listed segments already there and whole, and those to copy.
type Plan struct {
	Have []Seg
	Copy []Seg // from From/history
	From string
}

// PlanHistory checks, before anything is changed, that the backup whose hot
// file is hot can restore every segment its manifest lists into data: each
// one is either in data/history and verifies, or in the backup's history
// and verifies. ok is false for a backup without a manifest (nothing to do).
func PlanHistory(hot, data string) (p Plan, ok bool, err error) {
	m, ok, err := ReadManifest(hot)
	if err != nil || !ok {
		return p, ok, err
	}
	p.From = HistoryDir(filepath.Dir(hot))
	for _, s := range m.Segments {
		if got, err := verified(history.PathFor(HistoryDir(data), s.Day)); err == nil && got == s {
			p.Have = append(p.Have, s)
			continue
		}
		src := history.PathFor(p.From, s.Day)
		got, err := verified(src)
		if err != nil {
			return p, true, fmt.Errorf("the backup %s lists the segment of %s, but its copy cannot be used: %w", hot, s.Day, err)
		}
		if got != s {
			return p, true, fmt.Errorf("the backup %s lists the segment of %s (%d bytes, sum %08x), but %s is another file (%d bytes, sum %08x)", hot, s.Day, s.Size, s.Sum, src, got.Size, got.Sum)
		}
		p.Copy = append(p.Copy, s)
	}
	return p, true, nil
}

// Apply copies the planned segments into data/history (to .tmp, synced,
// renamed over a missing or damaged file, verified).
func (p Plan) Apply(data string) error {
	for _, s := range p.Copy {
		dst := history.PathFor(HistoryDir(data), s.Day)
		if err := copySynced(history.PathFor(p.From, s.Day), dst, false); err != nil {
			return fmt.Errorf("restore segment %s: %w", s.Day, err)
		}
		if got, err := verified(dst); err != nil || got != s {
			return fmt.Errorf("restore segment %s: the copy does not verify: %v", s.Day, err)
		}
	}
	return nil
}

// Good lists the backups in the directories dirs whose copy of the segment
// of day is whole and is the segment want (when want.Size is not 0): the
// hot files (hallq-….db) whose manifests list it. A directory without
// manifests but with the segment is named itself.
func Good(day string, want Seg, dirs ...string) []string {
	var out []string
	for _, dir := range dirs {
		got, err := verified(history.PathFor(HistoryDir(dir), day))
		if err != nil || want.Size != 0 && got != want {
			continue
		}
		ents, _ := os.ReadDir(dir)
		named := false
		for _, e := range ents {
			if !strings.HasSuffix(e.Name(), ".manifest") && e.Name() != "MANIFEST" {
				continue
			}
			hot := strings.TrimSuffix(filepath.Join(dir, e.Name()), ".manifest") + ".db"
			if e.Name() == "MANIFEST" {
				hot = filepath.Join(dir, store.FileName)
			}
			m, _, err := ReadManifest(hot)
			if err == nil && slices.Contains(m.Segments, got) {
				out = append(out, hot)
				named = true
			}
		}
		if !named {
			out = append(out, dir)
		}
	}
	slices.Sort(out)
	slices.Reverse(out)
	return out
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
	if err := add(store.FileName, hot, nil); err != nil {
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
	text, _ := m.MarshalText()
	if err := tw.WriteHeader(&tar.Header{Name: "MANIFEST", Mode: tarMode, Size: int64(len(text)), ModTime: time.Now(), Typeflag: tar.TypeReg}); err != nil {
		return n, err
	}
	if _, err := tw.Write(text); err != nil {
		return n, err
	}
	return n, tw.Close()
}
