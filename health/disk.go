package health

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"

	"hallq/hall"
	"hallq/hall/config"
	"hallq/queue"
)

// Disk space is watched, not discovered at the first failed commit: the
// data and backup directories' free space is in /metrics, below the limits
// the manager sees an alert and /healthz says "degraded", and a backup that
// would take its disk below the limit is refused before it starts (Room).

// Limits are the free-space thresholds. Low means less than MinFreeMB
// megabytes or less than MinFreePct percent of the disk free. They are read
// from the "disk" section of DATA/hall.json at every start:
//
//	{"disk": {"min_free_mb": 1024, "min_free_pct": 5}}
type Limits struct {
	MinFreeMB  uint64  `json:"min_free_mb"`
	MinFreePct float64 `json:"min_free_pct"`
}

// Default disk limits: 1 GiB and 5 %.
const (
	DefaultMinFreeMB  = 1024
	DefaultMinFreePct = 5
)

// BackupDir is the folder of the scheduled backups inside the data
// directory (package backup writes them; the disk watch checks its disk).
const BackupDir = "backups"

// FreeSpaceFunc reports the free space (available to hallq) and the size of
// the file system holding path, in bytes.
type FreeSpaceFunc func(path string) (free, total uint64, err error)

// Statfs is the production FreeSpaceFunc.
func Statfs(path string) (free, total uint64, err error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return 0, 0, err
	}
	return st.Bavail * uint64(st.Bsize), st.Blocks * uint64(st.Bsize), nil
}

// Disk is one watched directory's disk.
type Disk struct {
	Dir   string `json:"dir"` // "data" or "backups"
	Path  string `json:"path"`
	Free  uint64 `json:"free_bytes"`
	Total uint64 `json:"total_bytes"`
	Low   bool   `json:"low"`
	Error string `json:"error,omitempty"`
}

// diskWatch remembers whether a disk was low at the last watch.
type diskWatch struct{ low atomic.Bool }

// readLimits reads the limits from DATA/hall.json, with the defaults for
// what it does not set.
func readLimits(dir string) Limits {
	l := Limits{MinFreeMB: DefaultMinFreeMB, MinFreePct: DefaultMinFreePct}
	raw, err := os.ReadFile(filepath.Join(dir, config.File))
	if err != nil {
		return l
	}
	var c struct {
		Disk *struct {
			MinFreeMB  *uint64  `json:"min_free_mb"`
			MinFreePct *float64 `json:"min_free_pct"`
		} `json:"disk"`
	}
	if json.Unmarshal(raw, &c) != nil || c.Disk == nil {
		return l
	}
	if c.Disk.MinFreeMB != nil {
		l.MinFreeMB = *c.Disk.MinFreeMB
	}
	if c.Disk.MinFreePct != nil {
		l.MinFreePct = *c.Disk.MinFreePct
	}
	return l
}

// Limits returns the hall's free-space thresholds.
func (s *Service) Limits() Limits { return s.limits }

func (l Limits) low(free, total uint64) bool {
	if free < l.MinFreeMB<<20 {
		return true
	}
	return total > 0 && float64(free)*100/float64(total) < l.MinFreePct
}

// Disks returns the free space of the data directory's disk and of the
// backups directory's (the data directory's while it does not exist yet).
func (s *Service) Disks() []Disk {
	data := s.h.Dir()
	backups := s.backupDir
	if backups == "" {
		backups = filepath.Join(data, BackupDir)
	}
	out := make([]Disk, 0, 2)
	for _, d := range []Disk{{Dir: "data", Path: data}, {Dir: "backups", Path: backups}} {
		at := d.Path
		if _, err := os.Stat(at); errors.Is(err, os.ErrNotExist) {
			at = data
		}
		free, total, err := s.free(at)
		if err != nil {
			d.Error = err.Error()
		} else {
			d.Free, d.Total, d.Low = free, total, s.limits.low(free, total)
		}
		out = append(out, d)
	}
	return out
}

// watchDisks logs when a disk goes low or recovers (a job at the hall's
// tick).
func (s *Service) watchDisks(context.Context) error {
	low := false
	for _, d := range s.Disks() {
		low = low || d.Low
	}
	if s.disks.low.Swap(low) != low {
		if low {
			s.h.Log().Warn("disk space low", "disks", s.Disks(), "limits", s.limits)
		} else {
			s.h.Log().Info("disk space back above the limits")
		}
	}
	return nil
}

// DiskAlerts are the manager's alerts for low disks (the live monitor's:
// console.Options.Health).
func (s *Service) DiskAlerts() []hall.Alert {
	var out []hall.Alert
	for _, d := range s.Disks() {
		if !d.Low {
			continue
		}
		which := "数据盘"
		if d.Dir == "backups" {
			which = "备份盘"
		}
		out = append(out, hall.Alert{Kind: "disk",
			TextZH: fmt.Sprintf("%s剩余空间不足：%s 仅剩 %s（%s），请联系系统管理员清理磁盘；空间用尽时取号和叫号将无法保存", which, d.Path, mb(d.Free), pct(d.Free, d.Total)),
			TextEN: fmt.Sprintf("The %s disk is low on space: %s has %s free (%s); call the administrator to free space: when it is full, tickets and calls cannot be saved", d.Dir, d.Path, mb(d.Free), pct(d.Free, d.Total))})
	}
	return out
}

func mb(b uint64) string { return fmt.Sprintf("%d MB", b>>20) }

func pct(free, total uint64) string {
	if total == 0 {
		return "?"
	}
	return fmt.Sprintf("%.1f%%", float64(free)*100/float64(total))
}

// Room refuses (EUNAVAILABLE) a copy of the database into dir that would
// take its disk below the limits: the copy is about as large as the
// database file, and a disk the hall shares with its backups must keep room
// for the hall's own commits. Package backup asks it before every copy.
func (s *Service) Room(dir string) error { return s.RoomFor(dir, 0) }

// RoomFor is Room for a copy of the database and extra bytes more (the
// sealed days a backup copies besides the hot file).
func (s *Service) RoomFor(dir string, extra int64) error {
	fi, err := os.Stat(s.h.Store().Path())
	if err != nil {
		return err
	}
	need := uint64(fi.Size() + max(extra, 0))
	free, total, err := s.free(dir)
	if err != nil {
		return fmt.Errorf("free space of %s: %w", dir, err)
	}
	if free < need || s.limits.low(free-need, total) {
		return queue.Err(queue.EUNAVAILABLE, "err.hall.not_enough_space_for", mb(need), dir, mb(free), s.limits.MinFreeMB, s.limits.MinFreePct)
	}
	return nil
}
