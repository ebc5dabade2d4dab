package backup

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"hallq/hall/store"
	"hallq/history"
)

// Plan is what restoring the history of one backup into a data directory
// does: the listed segments already there and whole, and those to copy.
type Plan struct {
	Have      []Seg
	Copy      []Seg // from From/history
	CopyFacts []Seg // month facts files, from From/history
	From      string
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
		have, err := planFile(hot, "segment", s, data, p.From, history.PathFor, verified)
		if err != nil {
			return p, true, err
		}
		if have {
			p.Have = append(p.Have, s)
		} else {
			p.Copy = append(p.Copy, s)
		}
	}
	for _, s := range m.Facts {
		have, err := planFile(hot, "facts file", s, data, p.From, history.FactsPathFor, verifiedFacts)
		if err != nil {
			return p, true, err
		}
		if have {
			p.Have = append(p.Have, s)
		} else {
			p.CopyFacts = append(p.CopyFacts, s)
		}
	}
	return p, true, nil
}

// planFile reports whether DATA holds the backup's listed file want (a
// day's segment, a month's facts file) whole already; if not, the backup's
// copy in from must be that file, or the error says why it cannot be used.
func planFile(hot, what string, want Seg, data, from string, pathFor func(dir, day string) string, verify func(path string) (Seg, error)) (have bool, err error) {
	if got, err := verify(pathFor(HistoryDir(data), want.Day)); err == nil && got == want {
		return true, nil
	}
	src := pathFor(from, want.Day)
	got, err := verify(src)
	if err != nil {
		return false, fmt.Errorf("the backup %s lists the %s of %s, but its copy cannot be used: %w", hot, what, want.Day, err)
	}
	if got != want {
		return false, fmt.Errorf("the backup %s lists the %s of %s (%d bytes, sum %08x), but %s is another file (%d bytes, sum %08x)", hot, what, want.Day, want.Size, want.Sum, src, got.Size, got.Sum)
	}
	return false, nil
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
	for _, s := range p.CopyFacts {
		dst := history.FactsPathFor(HistoryDir(data), s.Day)
		if err := copySynced(history.FactsPathFor(p.From, s.Day), dst, false); err != nil {
			return fmt.Errorf("restore facts file %s: %w", s.Day, err)
		}
		if got, err := verifiedFacts(dst); err != nil || got != s {
			return fmt.Errorf("restore facts file %s: the copy does not verify: %v", s.Day, err)
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
			hot := hotOf(filepath.Join(dir, e.Name()))
			if e.Name() == "MANIFEST" {
				hot = filepath.Join(dir, store.FileName)
			}
			if hot == "" {
				continue // an interrupted backup's manifest
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
