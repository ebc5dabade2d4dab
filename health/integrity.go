package health

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"hallq/hall"
	"hallq/hall/store"
)

// DefaultIntegrityHour is the local hour of the daily check of the hot file:
// 3 am, when a hall is closed. The check's page walk holds the writer's lock
// (bbolt's check compares the pages with the freelist), so it belongs to a
// quiet hour.
const DefaultIntegrityHour = 3

// Check is the outcome of a check of the hall's database.
type Check struct {
	At      time.Time     `json:"at"`
	Took    time.Duration `json:"took_ns"`
	OK      bool          `json:"ok"`
	Summary store.Summary `json:"summary"`
	Error   string        `json:"error,omitempty"`
}

type integrity struct {
	hour int // local hour of the daily check; <0: off
	mu   sync.Mutex
	day  string // the local day the check last ran
	last *Check // nil until one ran
}

// CheckStore runs the full check of the hall's database now (store.Verify:
// pages, every value's checksum, the rules of the data), logs the outcome
// and keeps it for the manager's alerts (Hall.Monitor) and /healthz. The
// daily check calls it at the quiet hour; it is safe to call at any time.
func (s *Service) CheckStore() Check {
	start := time.Now()
	sum, err := s.h.Store().Verify()
	res := Check{At: s.h.Now(), Took: time.Since(start), OK: err == nil, Summary: sum}
	log := s.h.Log()
	if err != nil {
		res.Error = err.Error()
		log.Error("store check found problems", "problems", len(sum.Problems)+sum.More, "damage", sum.Damaged(), "err", err)
	} else {
		log.Info("store check ok", "took", res.Took.Round(time.Millisecond), "tickets", sum.Tickets, "events", sum.Events)
	}
	s.integ.mu.Lock()
	s.integ.last = &res
	s.integ.mu.Unlock()
	return res
}

// LastCheck returns the latest CheckStore outcome; ok is false when no
// check ran since the hall opened.
func (s *Service) LastCheck() (c Check, ok bool) {
	s.integ.mu.Lock()
	defer s.integ.mu.Unlock()
	if s.integ.last == nil {
		return Check{}, false
	}
	return *s.integ.last, true
}

// daily runs CheckStore at the integrity hour of a local day it has not run
// on (a job at the hall's tick, in its own goroutine: the walk does not
// hold up the other jobs).
func (s *Service) daily(context.Context) error {
	if s.due() {
		s.CheckStore()
	}
	return nil
}

// due reports whether the daily check should start now and marks it
// started.
func (s *Service) due() bool {
	local := s.h.Now().In(s.h.Location())
	if local.Hour() != s.integ.hour {
		return false
	}
	day := local.Format(time.DateOnly)
	s.integ.mu.Lock()
	defer s.integ.mu.Unlock()
	if s.integ.day == day {
		return false
	}
	s.integ.day = day
	return true
}

// IntegrityAlert is the manager's alert for a failed check, or nil (the
// live monitor's: console.Options.Health).
func (s *Service) IntegrityAlert() *hall.Alert {
	c, ok := s.LastCheck()
	if !ok || c.OK {
		return nil
	}
	var first []string
	for i, p := range c.Summary.Problems {
		if i == 3 {
			break
		}
		first = append(first, p.String())
	}
	n := len(c.Summary.Problems) + c.Summary.More
	what := strings.Join(first, "; ")
	at := c.At.In(s.h.Location()).Format("01-02 15:04")
	if c.Summary.Damaged() {
		return &hall.Alert{Kind: "integrity",
			TextZH: fmt.Sprintf("数据库自检（%s）发现 %d 处损坏，请联系系统管理员用备份恢复（hallq check 列出详情）：%s", at, n, what),
			TextEN: fmt.Sprintf("The database check at %s found %d damaged records; call the administrator to restore a backup (hallq check lists them): %s", at, n, what)}
	}
	return &hall.Alert{Kind: "integrity",
		TextZH: fmt.Sprintf("数据库自检（%s）发现 %d 处数据不一致（文件完好），请联系技术支持：%s", at, n, what),
		TextEN: fmt.Sprintf("The database check at %s found %d inconsistent records (the file is intact); report them to support: %s", at, n, what)}
}
