// Package backup keeps the hall's scheduled backups: a consistent copy of
// the database into DIR/backups once a local day, the newest few kept, and
// the list, download and "back up now" the managers' console offers.
//
// It is a feature of the hall kernel (docs/architecture.md): it uses the
// store's consistent copy (Store.BackupFile), asks package health for room
// on the disk first, and registers one scheduled job (Hall.Every).
package backup

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"hallq/hall"
	"hallq/health"
)

// Dir is the folder of scheduled backups inside the data directory (the
// health feature's disk watch checks its disk).
const Dir = health.BackupDir

// DefaultKeep is how many daily backups `hallq serve` keeps.
const DefaultKeep = 14

// File is one backup in the data directory.
type File struct {
	Name string    `json:"name"`
	Size int64     `json:"size"`
	Time time.Time `json:"time"`
}

// Options configure New.
type Options struct {
	// Keep turns on the daily backups into DIR/backups and keeps the last
	// Keep of them; 0 (or less) turns them off.
	Keep int
	// Every is how often the schedule looks for a missing day's backup; 0
	// means once a minute.
	Every time.Duration
}

// Service is the backups of one hall.
type Service struct {
	h    *hall.Hall
	hs   *health.Service
	keep int
}

// New returns the backups of h; with opt.Keep > 0 it schedules the daily
// backup on h (stopped by h.Close): whenever the hall's local day has no
// backup yet (at start, and after each midnight), it makes one and keeps the
// newest opt.Keep. Every copy first asks hs for room on its disk.
func New(h *hall.Hall, opt Options, hs *health.Service) *Service {
	s := &Service{h: h, hs: hs, keep: max(opt.Keep, 0)}
	if s.keep > 0 {
		every := opt.Every
		if every == 0 {
			every = time.Minute
		}
		h.Every("daily backup", every, s.daily)
	}
	return s
}

func (s *Service) dir() string { return filepath.Join(s.h.Dir(), Dir) }

// fileName is the file name of the backup of a local day.
func fileName(day string) string { return "hallq-" + strings.ReplaceAll(day, "-", "") + ".db" }

// daily makes today's backup unless there is one.
func (s *Service) daily(context.Context) error {
	day := s.h.Now().In(s.h.Location()).Format(time.DateOnly)
	if _, err := os.Stat(filepath.Join(s.dir(), fileName(day))); err == nil {
		return nil
	}
	b, err := s.Make(s.keep)
	if err != nil {
		return err
	}
	s.h.Log().Info("daily backup", "file", b.Name, "bytes", b.Size)
	return nil
}

// List lists the backups in DIR/backups, newest first.
func (s *Service) List() ([]File, error) {
	ents, err := os.ReadDir(s.dir())
	if os.IsNotExist(err) {
		return []File{}, nil
	} else if err != nil {
		return nil, err
	}
	out := []File{}
	for _, e := range ents {
		if e.IsDir() || !strings.HasPrefix(e.Name(), "hallq-") || !strings.HasSuffix(e.Name(), ".db") {
			continue
		}
		if fi, err := e.Info(); err == nil {
			out = append(out, File{Name: e.Name(), Size: fi.Size(), Time: fi.ModTime()})
		}
	}
	slices.SortFunc(out, func(a, b File) int { return strings.Compare(b.Name, a.Name) })
	return out, nil
}

// Path returns the path of a listed backup; false for any other name (no
// path tricks).
func (s *Service) Path(name string) (string, bool) {
	list, _ := s.List()
	for _, b := range list {
		if b.Name == name {
			return filepath.Join(s.dir(), name), true
		}
	}
	return "", false
}

// Make writes today's backup (replacing one made earlier today) and keeps
// the newest keep backups (all when keep is 0).
func (s *Service) Make(keep int) (File, error) {
	dir := s.dir()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return File{}, fmt.Errorf("backup: %w", err)
	}
	day := s.h.Now().In(s.h.Location()).Format(time.DateOnly)
	name := fileName(day)
	n, err := s.Copy(filepath.Join(dir, name)) // refused (EUNAVAILABLE) before it writes when the disk is short
	if err != nil {
		return File{}, err
	}
	if keep > 0 {
		list, _ := s.List()
		for _, b := range list[min(keep, len(list)):] {
			os.Remove(filepath.Join(dir, b.Name))
		}
	}
	return File{Name: name, Size: n, Time: time.Now()}, nil
}

// Today makes today's backup now (the console's button), keeping as many as
// the daily schedule keeps (DefaultKeep when it is off).
func (s *Service) Today() (File, error) {
	keep := s.keep
	if keep <= 0 {
		keep = DefaultKeep
	}
	return s.Make(keep)
}

// Keep is how many daily backups the schedule keeps (0: off).
func (s *Service) Keep() int { return s.keep }

// Stream writes a consistent copy of the database to w from one read
// transaction while the hall keeps working (the managers' download).
func (s *Service) Stream(w io.Writer) (int64, error) { return s.h.Store().Backup(w) }

// Copy writes a consistent copy of the database to path (Make, and the
// command line's online backup through the control socket), after checking
// that it leaves the disk above the limits (EUNAVAILABLE otherwise: nothing
// is written).
func (s *Service) Copy(path string) (int64, error) {
	if err := s.hs.Room(filepath.Dir(path)); err != nil {
		return 0, err
	}
	return s.h.Store().BackupFile(path)
}
