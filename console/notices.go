// Package console is the managers' console beside the hall kernel: the
// notices and the voice of the hall display (notices.go, voice.go), the audit of the event log
// (audit.go), the live monitor (monitor.go) and the security log and alerts
// (security.go). It imports no feature: the features' parts of the monitor
// are handed to it as functions (Options), and the features that report
// security events are handed its Security (docs/architecture.md).
package console

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"hallq/hall"
	"hallq/queue"
	"hallq/textcheck"
)

// Options configure New.
type Options struct {
	// Security is the hall's security log and alerts, shared with the
	// features that report to it (account, appointment); nil: New makes one.
	Security *Security
	// Health is where the monitor's health alerts come from (package
	// health: a failed database check, low disks); nil: none.
	Health Health
	// Alerts are the features' lines of the live monitor on day, after the
	// kernel's own, in order (casework: overdue work orders and pending
	// approvals; rating: clerks with many low ratings).
	Alerts []func(p hall.Principal, day string) []hall.Alert
	// Rated is day's rated tickets and the satisfied share (rating), for
	// the monitor's totals; nil leaves them 0.
	Rated func(day string) (rated int, satisfaction float64)
}

// Health gives the live monitor the hall's health alerts (package health).
type Health interface {
	IntegrityAlert() *hall.Alert // a failed database check, or nil
	DiskAlerts() []hall.Alert    // the disks below their free-space limits
}

// Service is the console of one hall.
type Service struct {
	h   *hall.Hall
	sec *Security
	opt Options
}

// New returns the console of h; it registers nothing with the kernel.
func New(h *hall.Hall, opt Options) *Service {
	if opt.Security == nil {
		opt.Security = NewSecurity(h)
	}
	return &Service{h: h, sec: opt.Security, opt: opt}
}

// Security is the hall's security log and alerts (Options.Security).
func (s *Service) Security() *Security { return s.sec }

// KindNotice is the record kind of notices for the hall display; keys are
// the creation time (UTC, sortable) and a short random suffix.
const KindNotice = "notice"

// Notice is a message the hall display shows from Start until End (公告).
type Notice struct {
	ID      string    `json:"id"`
	TextZH  string    `json:"text_zh"`
	TextEN  string    `json:"text_en,omitempty"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	By      string    `json:"by"`
	Deleted bool      `json:"deleted,omitempty"`
}

// Active reports whether the notice shows at t.
func (n Notice) Active(t time.Time) bool { return !n.Deleted && !t.Before(n.Start) && t.Before(n.End) }

// SaveNotice adds a notice (n.ID empty) or changes one (managers). EINVALID
// for an empty text, a text over 200 characters, or an end not after the
// start; ENOTFOUND for an unknown id.
func (s *Service) SaveNotice(ctx context.Context, p hall.Principal, n Notice) (Notice, error) {
	if err := hall.StaffOnly(p); err != nil {
		return n, err
	}
	n.TextZH, n.TextEN = strings.TrimSpace(n.TextZH), strings.TrimSpace(n.TextEN)
	for _, t := range []string{n.TextZH, n.TextEN} {
		if err := textcheck.Text("the notice", "公告", t); err != nil {
			return Notice{}, err
		}
	}
	switch {
	case n.TextZH == "":
		return n, queue.Err(queue.EINVALID, "err.hall.the_notice_needs_a")
	case len([]rune(n.TextZH)) > 200 || len([]rune(n.TextEN)) > 400:
		return n, queue.Err(queue.EINVALID, "err.hall.the_notice_is_too")
	case n.Start.IsZero() || n.End.IsZero():
		return n, queue.Err(queue.EINVALID, "err.hall.the_notice_needs_a_start")
	case !n.End.After(n.Start):
		return n, queue.Err(queue.EINVALID, "err.hall.the_notice_must_end")
	}
	n.By, n.Deleted = p.Actor(), false
	_, err := s.h.Exec(p.Actor(), func(tx *hall.Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		what := "notice changed"
		if n.ID == "" {
			n.ID = now.UTC().Format("20060102T150405.000") + "-" + hall.NewCode(4)
			what = "notice added"
		} else if _, ok := tx.Record(KindNotice, n.ID); !ok {
			return queue.Event{}, queue.Err(queue.ENOTFOUND, "err.hall.no_such_notice")
		}
		return queue.Event{Type: queue.EvConfig, At: now, Day: e.Day(), Reason: what + " " + n.ID,
			Records: []queue.Record{hall.NewRecord(KindNotice, n.ID, n)}}, nil
	})
	if err != nil {
		return n, fmt.Errorf("save notice: %w", err)
	}
	return n, nil
}

// DeleteNotice takes a notice off the display for good (managers).
func (s *Service) DeleteNotice(ctx context.Context, p hall.Principal, id string) error {
	if err := hall.StaffOnly(p); err != nil {
		return err
	}
	_, err := s.h.Exec(p.Actor(), func(tx *hall.Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		r, ok := tx.Record(KindNotice, id)
		var n Notice
		if !ok || json.Unmarshal(r.Data, &n) != nil || n.Deleted {
			return queue.Event{}, queue.Err(queue.ENOTFOUND, "err.hall.no_such_notice")
		}
		n.Deleted = true
		return queue.Event{Type: queue.EvConfig, At: now, Day: e.Day(), Reason: "notice deleted " + id,
			Records: []queue.Record{hall.NewRecord(KindNotice, id, n)}}, nil
	})
	return err
}

// Notices returns the notices not deleted, newest first; with active only
// those showing now.
func (s *Service) Notices(active bool) ([]Notice, error) {
	now := s.h.Now()
	var out []Notice
	err := s.h.EachRecord(KindNotice, "", func(r queue.Record) bool {
		var n Notice
		if json.Unmarshal(r.Data, &n) == nil && !n.Deleted && (!active || n.Active(now)) {
			out = append(out, n)
		}
		return true
	})
	slices.Reverse(out)
	return out, err
}
