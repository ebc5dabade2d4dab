package backup

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"hallq/hall/store"
)

// Seg is one segment a backup needs.
type Seg struct {
	Day  string
	Size int64
	Sum  uint32 // history.Segment.Sum: the CRC-32C of header and index
}

// Manifest lists the segments a backup needs besides its hot file, and
// the month facts files (Seg.Day the month, Sum the CRC of the file's
// index: history.Facts.Sum).
type Manifest struct {
	Segments []Seg
	Facts    []Seg
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
	for _, s := range m.Facts {
		fmt.Fprintf(&b, "facts %s %d %08x\n", s.Day, s.Size, s.Sum)
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
		if len(f) != 4 || f[0] != "seg" && f[0] != "facts" {
			return m, fmt.Errorf("manifest line %d: %q", n, sc.Text())
		}
		size, err1 := strconv.ParseInt(f[2], 10, 64)
		sum, err2 := strconv.ParseUint(f[3], 16, 32)
		layout := time.DateOnly
		if f[0] == "facts" {
			layout = "2006-01"
		}
		_, err3 := time.Parse(layout, f[1])
		if err1 != nil || err2 != nil || err3 != nil || size <= 0 || len(f[1]) != len(layout) {
			return m, fmt.Errorf("manifest line %d: %q", n, sc.Text())
		}
		if f[0] == "facts" {
			m.Facts = append(m.Facts, Seg{Day: f[1], Size: size, Sum: uint32(sum)})
			continue
		}
		m.Segments = append(m.Segments, Seg{Day: f[1], Size: size, Sum: uint32(sum)})
	}
	return m, sc.Err()
}

// ManifestPath is the manifest of the backup whose hot file is hot:
// hallq-20261205.db.gz (or .db) → hallq-20261205.manifest; a hot file named hallq.db
// (an unpacked archive) → MANIFEST beside it.
func ManifestPath(hot string) string {
	dir, base := filepath.Split(hot)
	if base == store.FileName {
		return filepath.Join(dir, "MANIFEST")
	}
	return filepath.Join(dir, stem(base)+".manifest")
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
