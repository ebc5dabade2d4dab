// Package health watches what keeps the hall able to serve, beyond the
// store answering: the free space of the data and backups disks and the
// daily full check of the database. Its figures are /healthz's status and
// problems, /metrics' disk and check gauges and event counters, and the
// manager's alerts.
//
// It is a feature of the hall kernel (docs/architecture.md): New registers
// two scheduled jobs (Hall.Every: the disk watch and the daily check); the
// console shows its alerts (IntegrityAlert, DiskAlerts: console.Options.Health).
// The kernel itself only explains a commit the disk refused
// (hall/diskerr.go); package backup asks Room before it copies.
package health

import (
	"fmt"

	"hallq/hall"
	"hallq/hall/store"
)

// Options configure New.
type Options struct {
	// IntegrityHour is the local hour of the daily full check of the
	// database (CheckStore); 0 means DefaultIntegrityHour, negative turns
	// it off.
	IntegrityHour int
	// FreeSpace reports a directory's free and total disk space; nil means
	// Statfs. Tests inject a full disk here.
	FreeSpace FreeSpaceFunc
	// BackupDir is the backup directory whose disk is watched; "" means
	// DATA/backups.
	BackupDir string
}

// Service is the health of one hall.
type Service struct {
	h      *hall.Hall
	free   FreeSpaceFunc
	limits Limits
	disks  diskWatch
	// backupDir is the backup directory ("": DATA/backups).
	backupDir string
	integ     integrity
	counts    counts // the event counters of /metrics (counts.go)
}

// New returns the health of h, with the disk limits of DATA/hall.json, and
// registers on h (stopped by h.Close) the disk watch and, unless
// opt.IntegrityHour is negative, the daily check, both at the hall's tick,
// and the listener that counts committed events (Counts).
func New(h *hall.Hall, opt Options) *Service {
	s := &Service{h: h, free: opt.FreeSpace, limits: readLimits(h.Dir()), backupDir: opt.BackupDir}
	if s.free == nil {
		s.free = Statfs
	}
	s.integ.hour = opt.IntegrityHour
	if s.integ.hour == 0 {
		s.integ.hour = DefaultIntegrityHour
	}
	h.Listen(s.count)                      // the event counters of /metrics
	h.Every("disk watch", 0, s.watchDisks) // log when a disk goes low
	if s.integ.hour >= 0 {
		h.Every("store check", 0, s.daily) // the daily check of the hot file at the quiet hour
	}
	return s
}

// Report is what /healthz says beyond "the store answers": "ok", or
// "degraded" with the problems an operator should act on (a low disk, a
// failed database check) while the hall goes on serving.
type Report struct {
	Status   string   `json:"status"`
	Problems []string `json:"problems,omitempty"`
	Disks    []Disk   `json:"disks"`
}

// Report returns the hall's health (see Report).
func (s *Service) Report() Report {
	hs := Report{Status: "ok", Disks: s.Disks()}
	for _, d := range hs.Disks {
		switch {
		case d.Error != "":
			hs.Problems = append(hs.Problems, fmt.Sprintf("%s disk (%s): %s", d.Dir, d.Path, d.Error))
		case d.Low:
			hs.Problems = append(hs.Problems, fmt.Sprintf("%s disk low: %s has %s free (%s), limit %d MB / %g%%", d.Dir, d.Path, mb(d.Free), pct(d.Free, d.Total), s.limits.MinFreeMB, s.limits.MinFreePct))
		}
	}
	if c, ok := s.LastCheck(); ok && !c.OK {
		hs.Problems = append(hs.Problems, fmt.Sprintf("database check at %s: %s", c.At.In(s.h.Location()).Format("2006-01-02 15:04"), c.Error))
	}
	// A damaged history segment (the background verifier's or a read's
	// finding) degrades the hall, never stops it: issuing reads no history.
	hs.Problems = append(hs.Problems, s.h.Store().HistoryProblems()...)
	if len(hs.Problems) > 0 {
		hs.Status = "degraded"
	}
	return hs
}

// Verify runs the full check of the database (store.Verify) without
// keeping its outcome: the command line's `hallq check` through the control
// socket.
func (s *Service) Verify() (store.Summary, error) { return s.h.Store().Verify() }

// OpenReads is the number of open read transactions of the database
// (backups streaming, reports), for /metrics.
func (s *Service) OpenReads() int { return s.h.Store().OpenReads() }

// DiskStats is what the database wrote since start and the bytes of its
// file in use (store.DiskStats), for /metrics.
func (s *Service) DiskStats() (store.DiskStats, error) { return s.h.Store().DiskStats() }
