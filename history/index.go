package history

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"hallq/queue"
)

// Dir is the history directory inside the data directory.
const Dir = "history"

// Ext is a segment file's extension.
const Ext = ".seg"

// PathFor returns where the segment of day (YYYY-MM-DD) lives under dir:
// dir/2026/2026-12-04.seg. One directory per year keeps a directory small
// (at most 366 files) and lets a year be moved or archived as one.
func PathFor(dir, day string) string {
	if len(day) < 4 {
		return filepath.Join(dir, day+Ext)
	}
	return filepath.Join(dir, day[:4], day+Ext)
}

// Entry is one segment file found by Scan.
type Entry struct {
	Day  string
	Path string
	Size int64
}

// Index lists the segments of a history directory, in day order. Scan
// builds it from the directory listing alone (no segment is opened), so a
// hall with years of history starts without reading them.
type Index struct {
	Dir      string
	Segments []Entry
	// Incomplete are temporary files a crash left behind while a segment
	// was written (never a segment: the rename did not happen); Clean
	// removes them.
	Incomplete []string
	// Facts are the month facts files (facts.go), in month order; their
	// Entry.Day is the month (YYYY-MM).
	Facts []Entry
	// Foreign are other files in the directory, left as they are.
	Foreign []string
}

// Scan lists the segments under dir. A missing dir is an empty index.
func Scan(dir string) (*Index, error) {
	dir = filepath.Clean(dir)
	ix := &Index{Dir: dir}
	err := filepath.WalkDir(dir, func(path string, de fs.DirEntry, err error) error {
		if err != nil {
			if path == dir && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		if de.IsDir() {
			if path != dir && filepath.Dir(path) != dir {
				ix.Foreign = append(ix.Foreign, path) // deeper than dir/YYYY
				return fs.SkipDir
			}
			return nil
		}
		name := de.Name()
		switch {
		case strings.HasSuffix(name, Ext+tmpSuffix), strings.HasSuffix(name, FactsExt+tmpSuffix):
			ix.Incomplete = append(ix.Incomplete, path)
		case strings.HasSuffix(name, FactsExt) && validDay(strings.TrimSuffix(name, FactsExt)+"-01") &&
			filepath.Base(filepath.Dir(path)) == name[:4]:
			fi, err := de.Info()
			if err != nil {
				return err
			}
			ix.Facts = append(ix.Facts, Entry{Day: strings.TrimSuffix(name, FactsExt), Path: path, Size: fi.Size()})
		case strings.HasSuffix(name, Ext) && validDay(strings.TrimSuffix(name, Ext)) &&
			filepath.Base(filepath.Dir(path)) == name[:4]:
			fi, err := de.Info()
			if err != nil {
				return err
			}
			ix.Segments = append(ix.Segments, Entry{Day: strings.TrimSuffix(name, Ext), Path: path, Size: fi.Size()})
		default:
			ix.Foreign = append(ix.Foreign, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scan history %s: %w", dir, err)
	}
	slices.SortFunc(ix.Segments, func(a, b Entry) int { return strings.Compare(a.Day, b.Day) })
	slices.SortFunc(ix.Facts, func(a, b Entry) int { return strings.Compare(a.Day, b.Day) })
	return ix, nil
}

// Find returns the segment of day; ok is false when the day is not sealed.
func (ix *Index) Find(day string) (e Entry, ok bool) {
	i, ok := slices.BinarySearchFunc(ix.Segments, day, func(e Entry, d string) int { return strings.Compare(e.Day, d) })
	if !ok {
		return Entry{}, false
	}
	return ix.Segments[i], true
}

// Add puts e in the index (a segment the sealer just wrote), replacing an
// entry of the same day.
func (ix *Index) Add(e Entry) {
	i, found := slices.BinarySearchFunc(ix.Segments, e.Day, func(e Entry, d string) int { return strings.Compare(e.Day, d) })
	if found {
		ix.Segments[i] = e
		return
	}
	ix.Segments = slices.Insert(ix.Segments, i, e)
}

// Range returns the segments from day from to day to, both included.
func (ix *Index) Range(from, to string) []Entry {
	lo := sort.Search(len(ix.Segments), func(i int) bool { return ix.Segments[i].Day >= from })
	hi := sort.Search(len(ix.Segments), func(i int) bool { return ix.Segments[i].Day > to })
	if lo >= hi {
		return nil
	}
	return ix.Segments[lo:hi]
}

// Size is the bytes of all segments.
func (ix *Index) Size() int64 {
	var n int64
	for _, e := range ix.Segments {
		n += e.Size
	}
	return n
}

// Clean removes the temporary files of interrupted writes.
func (ix *Index) Clean() error {
	for _, p := range ix.Incomplete {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove incomplete segment: %w", err)
		}
	}
	ix.Incomplete = nil
	return nil
}

// EachEventSince calls fn with every sealed event whose sequence number is
// greater than since, across segments in order (the history part of
// /api/v1/events?since= and hallq export). Sequence numbers grow with the
// days, so it finds the first segment to read by a binary search that opens
// only the indexes of about log2(days) segments. A damaged segment stops
// the walk with its *DamagedError; ev is reused.
func (ix *Index) EachEventSince(since uint64, fn func(ev *queue.Event) error) error {
	return ix.EachSealedSince(since, func(_ *Segment, ev *queue.Event) error { return fn(ev) })
}

// EachSealedSince is EachEventSince that also hands fn the segment the event
// comes from (its day keys the personal fields the sealer kept apart).
func (ix *Index) EachSealedSince(since uint64, fn func(seg *Segment, ev *queue.Event) error) error {
	type seqs struct {
		first, last uint64
		ok          bool // the index read, and the day has events
	}
	memo := map[int]seqs{}
	get := func(i int) seqs {
		if v, ok := memo[i]; ok {
			return v
		}
		var v seqs
		if s, err := Open(ix.Segments[i].Path); err == nil {
			v.first, v.last = s.Seqs()
			v.ok = v.last != 0
		}
		memo[i] = v
		return v
	}
	// The first segment whose last event is after since. A day without
	// events, or whose index cannot be read, counts with the bound its
	// neighbours give (its events come before the next readable day's
	// first), which keeps the order the search needs; a damaged day that
	// may hold events after since is read, and so reported, not skipped.
	first := sort.Search(len(ix.Segments), func(i int) bool {
		if v := get(i); v.ok {
			return v.last > since
		}
		for j := i + 1; j < len(ix.Segments); j++ {
			if v := get(j); v.ok {
				return v.first-1 > since
			}
		}
		return true
	})
	for _, e := range ix.Segments[first:] {
		s, err := Open(e.Path)
		if err != nil {
			return err
		}
		if err := s.EachEvent(since, func(ev *queue.Event) error { return fn(s, ev) }); err != nil {
			return err
		}
	}
	return nil
}
