// Package backup keeps the hall's scheduled backups: a consistent copy of
// the hot database and the sealed history into the backup directory
// (DATA/backups, or Options.Dir: another disk or a mounted host path) once a
// local day, the newest few kept, and the list, download and "back up now"
// the managers' console offers. Segments are copied once and shared by the
// backups that list them (segments.go).
//
// It is a feature of the hall kernel (docs/architecture.md): it uses the
// store's consistent copy (Store.BackupFile), asks package health for room
// on the disk first, and registers one scheduled job (Hall.Every).
package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"hallq/hall"
	"hallq/health"
	"hallq/history"
)

// Dir is the folder of scheduled backups inside the data directory (the
// health feature's disk watch checks its disk).
const Dir = health.BackupDir

// DefaultKeep is how many daily backups `hallq serve` keeps.
const DefaultKeep = 14

// File is one backup in the data directory.
type File struct {
	Name string    `json:"name"`
	Size int64     `json:"size"` // the hot file's bytes on disk (compressed, for hallq-….db.gz)
	Time time.Time `json:"time"`
	// Segments is how many sealed days the backup lists (its manifest);
	// their bytes are shared with the other backups.
	Segments int `json:"segments,omitempty"`
}

// Options configure New.
type Options struct {
	// Keep turns on the daily backups into DIR/backups and keeps the last
	// Keep of them; 0 (or less) turns them off.
	Keep int
	// Every is how often the schedule looks for a missing day's backup; 0
	// means once a minute.
	Every time.Duration
	// Dir is the backup directory; "" means DATA/backups. Another disk or a
	// mounted host path makes the backups survive the data disk.
	Dir string
}

// Service is the backups of one hall.
type Service struct {
	h    *hall.Hall
	hs   *health.Service
	keep int
	dir  string
	mu   sync.Mutex // one backup at a time (schedule, console, command line)
}

// New returns the backups of h; with opt.Keep > 0 it schedules the daily
// backup on h (stopped by h.Close): whenever the hall's local day has no
// backup yet (at start, and after each midnight), it makes one and keeps the
// newest opt.Keep. Every copy first asks hs for room on its disk.
func New(h *hall.Hall, opt Options, hs *health.Service) *Service {
	s := &Service{h: h, hs: hs, keep: max(opt.Keep, 0), dir: opt.Dir}
	if s.dir == "" {
		s.dir = filepath.Join(h.Dir(), Dir)
	}
	if s.keep > 0 {
		every := opt.Every
		if every == 0 {
			every = time.Minute
		}
		h.Every("daily backup", every, s.daily)
	}
	return s
}

// fileName is the file name of the backup of a local day: its compressed
// hot file (compress.go).
func fileName(day string) string { return "hallq-" + strings.ReplaceAll(day, "-", "") + ".db" + gzExt }

// daily makes today's backup unless there is one (in either form).
func (s *Service) daily(ctx context.Context) error {
	day := s.h.Now().In(s.h.Location()).Format(time.DateOnly)
	for _, ext := range hotExts {
		if _, err := os.Stat(filepath.Join(s.dir, stem(fileName(day))+ext)); err == nil {
			return nil
		}
	}
	b, err := s.make(ctx, s.keep)
	if ctx.Err() != nil { // the hall is stopping: nothing half-written is left, the next start makes it
		s.h.Log().Info("daily backup stopped with the hall; it is made again at the next start", "err", err)
		return nil
	}
	if err != nil {
		return err
	}
	s.h.Log().Info("daily backup", "file", b.Name, "bytes", b.Size)
	return nil
}

// List lists the backups in DIR/backups, newest first.
func (s *Service) List() ([]File, error) {
	ents, err := os.ReadDir(s.dir)
	if os.IsNotExist(err) {
		return []File{}, nil
	} else if err != nil {
		return nil, err
	}
	out := []File{}
	for _, e := range ents {
		if e.IsDir() || !isHotName(e.Name()) {
			continue
		}
		if fi, err := e.Info(); err == nil {
			f := File{Name: e.Name(), Size: fi.Size(), Time: fi.ModTime()}
			if m, ok, err := ReadManifest(filepath.Join(s.dir, e.Name())); ok && err == nil {
				f.Segments = len(m.Segments)
			}
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b File) int { return strings.Compare(stem(b.Name), stem(a.Name)) })
	return out, nil
}

// Path returns the path of a listed backup; false for any other name (no
// path tricks).
func (s *Service) Path(name string) (string, bool) {
	list, _ := s.List()
	for _, b := range list {
		if b.Name == name {
			return filepath.Join(s.dir, name), true
		}
	}
	return "", false
}

// Make writes today's backup (replacing one made earlier today) and keeps
// the newest keep backups (all when keep is 0), then removes the segments no
// kept backup lists. A segment of the data directory that fails Verify is
// left out and logged (the backup holds everything else); the error then
// names it.
func (s *Service) Make(keep int) (File, error) { return s.make(context.Background(), keep) }

// make is Make that stops when ctx ends (the daily job, when the hall stops).
func (s *Service) make(ctx context.Context, keep int) (File, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	dir := s.dir
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return File{}, fmt.Errorf("backup: %w", err)
	}
	if err := s.hs.RoomFor(dir, Pending(s.h.Dir(), dir)); err != nil { // EUNAVAILABLE before it writes when the disk is short
		return File{}, err
	}
	day := s.h.Now().In(s.h.Location()).Format(time.DateOnly)
	name := fileName(day)
	res, err := WriteDirContext(ctx, s.h.Store(), s.h.Dir(), dir, name, false)
	if err != nil {
		return File{}, err
	}
	if err := Retain(dir, keep); err != nil {
		s.h.Log().Error("backup: removing old backups", "dir", dir, "err", err)
	}
	f := File{Name: name, Size: res.Stored, Time: time.Now(), Segments: res.Segments}
	for _, d := range res.Damaged {
		s.h.Log().Error("backup: a sealed day is damaged and was not backed up", "err", d)
	}
	if len(res.Damaged) > 0 {
		return f, fmt.Errorf("backup %s written without %d damaged segments: %w", name, len(res.Damaged), errors.Join(res.Damaged...))
	}
	return f, nil
}

// Archived reports whether the listed backup name lists sealed days (it
// has a manifest): Send then writes a tar archive.
func (s *Service) Archived(name string) bool {
	path, ok := s.Path(name)
	if !ok {
		return false
	}
	_, sealed, _ := ReadManifest(path)
	return sealed
}

// Send writes the listed backup name to w: its hot file as it is, or, for a
// backup that lists sealed days, a tar archive of the hot file, those days
// and the manifest (WriteTarOf), which hallq restore takes whole.
func (s *Service) Send(name string, w io.Writer) (int64, error) {
	path, ok := s.Path(name)
	if !ok {
		return 0, fmt.Errorf("no backup %q", name)
	}
	if _, sealed, _ := ReadManifest(path); sealed {
		return WriteTarOf(path, w)
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return io.Copy(w, f)
}

// Pending is the bytes of the segments of data that the backup directory
// dir does not hold yet (by name: what the next backup copies at most).
func Pending(data, dir string) int64 {
	ix, err := history.Scan(HistoryDir(data))
	if err != nil {
		return 0
	}
	var n int64
	for _, e := range ix.Segments {
		if _, err := os.Stat(history.PathFor(HistoryDir(dir), e.Day)); err != nil {
			n += e.Size
		}
	}
	return n
}

// Retain keeps the newest keep backups in dir (hallq-….db, by name: the
// date and time), removing older ones with their manifests, then the
// segments of dir/history that no kept backup lists (Prune). keep 0 (or
// less) keeps all.
func Retain(dir string, keep int) error {
	if keep <= 0 {
		return nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range ents {
		if n := e.Name(); e.Type().IsRegular() && isHotName(n) {
			names = append(names, n)
		}
	}
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(stem(b), stem(a)) }) // newest first, either form
	for _, n := range names[min(keep, len(names)):] {
		if err := os.Remove(ManifestPath(filepath.Join(dir, n))); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if err := os.Remove(filepath.Join(dir, n)); err != nil {
			return err
		}
	}
	_, err = Prune(dir)
	return err
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

// Sealed reports whether the hall has sealed history: its backups are then
// a hot file and segments (a tar archive as one file), else the hot file
// alone, as before segments existed.
func (s *Service) Sealed() bool { return Sealed(s.h.Dir()) }

// Sealed reports whether the data directory data holds sealed segments.
func Sealed(data string) bool {
	ix, err := history.Scan(HistoryDir(data))
	return err == nil && len(ix.Segments) > 0
}

// Stream writes a consistent copy of the hall to w while it keeps working
// (the managers' download): the hot file from one read transaction, and,
// when the hall has sealed history, as a tar archive with the segments and
// the manifest (WriteTar).
func (s *Service) Stream(w io.Writer) (int64, error) {
	if !s.Sealed() {
		return s.h.Store().Backup(w)
	}
	res, err := WriteTar(s.h.Store(), s.h.Dir(), w)
	return res.Bytes + res.Copy, err
}

// Write makes a complete backup at path while the hall runs (the command
// line's online `hallq backup PATH [--keep N]`): WriteTo decides the form.
func (s *Service) Write(path string, keep int) (Result, error) {
	s.mu.Lock() // a backup into the backup directory must not meet its retention
	defer s.mu.Unlock()
	room := filepath.Clean(path) // the nearest directory that exists, for its disk
	for {
		if fi, err := os.Stat(room); err == nil && fi.IsDir() || filepath.Dir(room) == room {
			break
		}
		room = filepath.Dir(room)
	}
	var extra int64
	if Sealed(s.h.Dir()) { // an archive holds every sealed day, a directory those it lacks
		extra = Pending(s.h.Dir(), path)
	}
	if err := s.hs.RoomFor(room, extra); err != nil {
		return Result{}, err
	}
	return WriteTo(s.h.Store(), s.h.Dir(), path, s.h.Now().In(s.h.Location()), keep)
}

// WriteTo writes a complete backup of the hall (hot file from src, history
// from data) to path: into an existing directory (or a path ending in /) the
// backup directory layout, as hallq-YYYYMMDD-HHMMSS.db with its manifest and
// shared segments hard-linked on the same file system; to a file ending in
// .tar, or any file when the hall has sealed history, one tar archive;
// otherwise the hot file alone, as before segments existed. keep > 0 keeps
// the newest keep backups of a directory (Retain); it is refused for a file.
func WriteTo(src interface {
	HotCopier
	BackupFile(string) (int64, error)
}, data, path string, now time.Time, keep int) (Result, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() || strings.HasSuffix(path, string(filepath.Separator)) {
		res, err := WriteDir(src, data, path, "hallq-"+now.Format("20060102-150405")+".db"+gzExt, true)
		if err == nil {
			err = Retain(path, keep)
		}
		return res, err
	}
	if keep > 0 {
		return Result{}, errors.New("backup: keeping the newest N applies to a backup directory (DIR/), not to a file")
	}
	if !strings.HasSuffix(path, ".tar") && !Sealed(data) {
		n, err := src.BackupFile(path)
		return Result{Path: path, Bytes: n}, err
	}
	var res Result
	if err := writeSynced(path, func(w io.Writer) (err error) {
		res, err = WriteTar(src, data, w)
		return err
	}); err != nil {
		return Result{}, fmt.Errorf("backup to %s: %w", path, err)
	}
	res.Path = path
	return res, nil
}
