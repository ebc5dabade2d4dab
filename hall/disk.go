package hall

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"hallq/queue"
)

// Disk space is watched, not discovered at the first failed commit: the
// data and backup directories' free space is in /metrics, below the limits
// the manager sees an alert and /healthz says "degraded", and a backup that
// would take its disk below the limit is refused before it starts.

// DiskLimits are the free-space thresholds. Low means less than MinFreeMB
// megabytes or less than MinFreePct percent of the disk free. They are read
// from the "disk" section of DATA/hall.json at every start:
//
//	{"disk": {"min_free_mb": 1024, "min_free_pct": 5}}
type DiskLimits struct {
	MinFreeMB  uint64  `json:"min_free_mb"`
	MinFreePct float64 `json:"min_free_pct"`
}

// Default disk limits: 1 GiB and 5 %.
const (
	DefaultMinFreeMB  = 1024
	DefaultMinFreePct = 5
)

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

// DiskSpace is one watched directory's disk.
type DiskSpace struct {
	Dir   string `json:"dir"` // "data" or "backups"
	Path  string `json:"path"`
	Free  uint64 `json:"free_bytes"`
	Total uint64 `json:"total_bytes"`
	Low   bool   `json:"low"`
	Error string `json:"error,omitempty"`
}

// diskLimits reads the limits from DATA/hall.json, with the defaults for
// what it does not set.
func diskLimits(dir string) DiskLimits {
	l := DiskLimits{MinFreeMB: DefaultMinFreeMB, MinFreePct: DefaultMinFreePct}
	raw, err := os.ReadFile(filepath.Join(dir, ConfigFile))
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

// DiskLimits returns the hall's free-space thresholds.
func (h *Hall) DiskLimits() DiskLimits { return h.disk }

func (l DiskLimits) low(free, total uint64) bool {
	if free < l.MinFreeMB<<20 {
		return true
	}
	return total > 0 && float64(free)*100/float64(total) < l.MinFreePct
}

// Disks returns the free space of the data directory's disk and of the
// backups directory's (the data directory's while it does not exist yet).
func (h *Hall) Disks() []DiskSpace {
	data := filepath.Dir(h.st.Path())
	backups := h.backupDir()
	out := make([]DiskSpace, 0, 2)
	for _, d := range []DiskSpace{{Dir: "data", Path: data}, {Dir: "backups", Path: backups}} {
		at := d.Path
		if _, err := os.Stat(at); errors.Is(err, os.ErrNotExist) {
			at = data
		}
		free, total, err := h.freeSpace(at)
		if err != nil {
			d.Error = err.Error()
		} else {
			d.Free, d.Total, d.Low = free, total, h.disk.low(free, total)
		}
		out = append(out, d)
	}
	return out
}

// watchDisks logs when a disk goes low or recovers (the ticker calls it).
func (h *Hall) watchDisks() {
	low := false
	for _, d := range h.Disks() {
		low = low || d.Low
	}
	if h.diskLow.Swap(low) != low {
		if low {
			h.log.Warn("disk space low", "disks", h.Disks(), "limits", h.disk)
		} else {
			h.log.Info("disk space back above the limits")
		}
	}
}

// diskAlerts are the manager's alerts for low disks.
func (h *Hall) diskAlerts() []Alert {
	var out []Alert
	for _, d := range h.Disks() {
		if !d.Low {
			continue
		}
		which := "数据盘"
		if d.Dir == "backups" {
			which = "备份盘"
		}
		out = append(out, Alert{Kind: "disk",
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

// BackupDir is the folder of the scheduled backups inside the data directory
// (package backup writes them; the disk watch here checks its disk).
const BackupDir = "backups"

func (h *Hall) backupDir() string { return filepath.Join(h.Dir(), BackupDir) }

// roomForBackup refuses (EUNAVAILABLE) a backup into dir that would take
// its disk below the limits: the copy is about as large as the database
// file, and a disk the hall shares with its backups must keep room for the
// hall's own commits.
func (h *Hall) roomForBackup(dir string) error {
	fi, err := os.Stat(h.st.Path())
	if err != nil {
		return err
	}
	need := uint64(fi.Size())
	free, total, err := h.freeSpace(dir)
	if err != nil {
		return fmt.Errorf("free space of %s: %w", dir, err)
	}
	if free < need || h.disk.low(free-need, total) {
		return queue.Err(queue.EUNAVAILABLE, "err.hall.not_enough_space_for", mb(need), dir, mb(free), h.disk.MinFreeMB, h.disk.MinFreePct)
	}
	return nil
}

// BackupFile writes a consistent copy of the database to path (the command
// line's online backup through the control socket), after checking that it
// leaves the disk above the limits (EUNAVAILABLE otherwise).
func (h *Hall) BackupFile(path string) (int64, error) {
	if err := h.roomForBackup(filepath.Dir(path)); err != nil {
		return 0, err
	}
	return h.st.BackupFile(path)
}

// Health is what /healthz says beyond "the store answers": "ok", or
// "degraded" with the problems an operator should act on (a low disk, a
// failed database check) while the hall goes on serving.
type Health struct {
	Status   string      `json:"status"`
	Problems []string    `json:"problems,omitempty"`
	Disks    []DiskSpace `json:"disks"`
}

// Health returns the hall's health (see Health).
func (h *Hall) Health() Health {
	hs := Health{Status: "ok", Disks: h.Disks()}
	for _, d := range hs.Disks {
		switch {
		case d.Error != "":
			hs.Problems = append(hs.Problems, fmt.Sprintf("%s disk (%s): %s", d.Dir, d.Path, d.Error))
		case d.Low:
			hs.Problems = append(hs.Problems, fmt.Sprintf("%s disk low: %s has %s free (%s), limit %d MB / %g%%", d.Dir, d.Path, mb(d.Free), pct(d.Free, d.Total), h.disk.MinFreeMB, h.disk.MinFreePct))
		}
	}
	if c, ok := h.LastStoreCheck(); ok && !c.OK {
		hs.Problems = append(hs.Problems, fmt.Sprintf("database check at %s: %s", c.At.In(h.Location()).Format("2006-01-02 15:04"), c.Error))
	}
	if len(hs.Problems) > 0 {
		hs.Status = "degraded"
	}
	return hs
}
