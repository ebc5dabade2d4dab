package hall

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// BackupDir is the folder of scheduled backups inside the data directory.
const BackupDir = "backups"

// BackupFile is one backup in the data directory.
type BackupFile struct {
	Name string    `json:"name"`
	Size int64     `json:"size"`
	Time time.Time `json:"time"`
}

func (h *Hall) backupDir() string { return filepath.Join(filepath.Dir(h.st.Path()), BackupDir) }

// backupName is the file name of the backup of a local day.
func backupName(day string) string { return "hallq-" + strings.ReplaceAll(day, "-", "") + ".db" }

// Backups lists the backups in DIR/backups, newest first.
func (h *Hall) Backups() ([]BackupFile, error) {
	ents, err := os.ReadDir(h.backupDir())
	if os.IsNotExist(err) {
		return []BackupFile{}, nil
	} else if err != nil {
		return nil, err
	}
	out := []BackupFile{}
	for _, e := range ents {
		if e.IsDir() || !strings.HasPrefix(e.Name(), "hallq-") || !strings.HasSuffix(e.Name(), ".db") {
			continue
		}
		if fi, err := e.Info(); err == nil {
			out = append(out, BackupFile{Name: e.Name(), Size: fi.Size(), Time: fi.ModTime()})
		}
	}
	slices.SortFunc(out, func(a, b BackupFile) int { return strings.Compare(b.Name, a.Name) })
	return out, nil
}

// BackupPath returns the path of a listed backup; ENOTFOUND-like error for
// any other name (no path tricks).
func (h *Hall) BackupPath(name string) (string, bool) {
	list, _ := h.Backups()
	for _, b := range list {
		if b.Name == name {
			return filepath.Join(h.backupDir(), name), true
		}
	}
	return "", false
}

// BackupNow writes today's backup (replacing one made earlier today) and
// keeps the newest keep backups.
func (h *Hall) BackupNow(keep int) (BackupFile, error) {
	dir := h.backupDir()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return BackupFile{}, fmt.Errorf("backup: %w", err)
	}
	if err := h.roomForBackup(dir); err != nil { // disk.go
		return BackupFile{}, err
	}
	day := h.now().In(h.Location()).Format(time.DateOnly)
	name := backupName(day)
	n, err := h.st.BackupFile(filepath.Join(dir, name))
	if err != nil {
		return BackupFile{}, err
	}
	if keep > 0 {
		list, _ := h.Backups()
		for _, b := range list[min(keep, len(list)):] {
			os.Remove(filepath.Join(dir, b.Name))
		}
	}
	return BackupFile{Name: name, Size: n, Time: time.Now()}, nil
}

// BackupToday makes today's backup now (the console's button), keeping as
// many as the daily schedule keeps (DefaultBackupKeep when it is off).
func (h *Hall) BackupToday() (BackupFile, error) {
	keep := h.backupKeep
	if keep <= 0 {
		keep = DefaultBackupKeep
	}
	return h.BackupNow(keep)
}

// BackupKeep is how many daily backups the schedule keeps (0: off).
func (h *Hall) BackupKeep() int { return h.backupKeep }

// DefaultBackupKeep is how many daily backups `hallq serve` keeps.
const DefaultBackupKeep = 14

// startBackups runs the daily backup while the hall is open: whenever the
// hall's local day has no backup yet (at start, and after each midnight), it
// makes one and keeps the newest opt.BackupKeep.
func (h *Hall) startBackups(opt Options) {
	if opt.BackupKeep <= 0 {
		return
	}
	h.backupKeep = opt.BackupKeep
	every := opt.Tick
	if every == 0 {
		every = time.Minute
	}
	check := func() {
		day := h.now().In(h.Location()).Format(time.DateOnly)
		if _, err := os.Stat(filepath.Join(h.backupDir(), backupName(day))); err == nil {
			return
		}
		if b, err := h.BackupNow(opt.BackupKeep); err != nil {
			h.log.Error("daily backup", "err", err)
		} else {
			h.log.Info("daily backup", "file", b.Name, "bytes", b.Size)
		}
	}
	h.Every("daily backup", every, func(context.Context) error { check(); return nil })
}
