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
	for _, s := range m.Facts {
		if got, err := verifiedFacts(history.FactsPathFor(HistoryDir(data), s.Day)); err == nil && got == s {
			p.Have = append(p.Have, s)
			continue
		}
		src := history.FactsPathFor(p.From, s.Day)
		got, err := verifiedFacts(src)
		if err != nil {
			return p, true, fmt.Errorf("the backup %s lists the facts file of %s, but its copy cannot be used: %w", hot, s.Day, err)
		}
		if got != s {
			return p, true, fmt.Errorf("the backup %s lists the facts file of %s (%d bytes, sum %08x), but %s is another file (%d bytes, sum %08x)", hot, s.Day, s.Size, s.Sum, src, got.Size, got.Sum)
		}
		p.CopyFacts = append(p.CopyFacts, s)
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
