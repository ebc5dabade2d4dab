package privacy

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"hallq/hall"
	"hallq/queue"
)

// Options configure New.
type Options struct {
	// NoRetention schedules no retention job (tests call ApplyRetention).
	NoRetention bool
}

// Service is the privacy of one hall: its retention job and what a tracking
// code's holder is told about a past ticket.
type Service struct {
	h *hall.Hall

	mu     sync.Mutex
	retDay string // the day ApplyRetention last ran
}

// New returns the privacy of h and schedules "retention" on it, once a day
// at the hall's tick (stopped by h.Close), unless opt.NoRetention.
func New(h *hall.Hall, opt Options) *Service {
	s := &Service{h: h}
	if !opt.NoRetention {
		h.Every("retention", 0, func(ctx context.Context) error { // erase old personal data once a day
			if !s.retentionDue() {
				return nil
			}
			n, err := s.ApplyRetention(ctx)
			if err == nil && n > 0 {
				h.Log().Info("retention: personal fields erased", "records", n)
			}
			return err
		})
	}
	return s
}

// ApplyRetention erases the phone and account numbers of tickets older than
// the hall's RetentionDays (服务档案安全与保密), in the tickets and in the
// event log, keeping every figure the reports use. It returns how many
// stored records it changed; with RetentionDays 0 it does nothing. New
// schedules it once a day; it is safe to run at any time.
func (s *Service) ApplyRetention(ctx context.Context) (int, error) {
	days := s.h.Config().RetentionDays
	if days <= 0 {
		return 0, nil
	}
	cutoff := s.h.Now().In(s.h.Location()).AddDate(0, 0, -days).Format(time.DateOnly)
	return s.h.Store().Anonymise(cutoff, 5000) // the store knows which fields of which kinds are personal
}

// retentionDue reports whether today's retention run is still to do, and
// marks it done.
func (s *Service) retentionDue() bool {
	today := s.h.Now().In(s.h.Location()).Format(time.DateOnly)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.retDay == today {
		return false
	}
	s.retDay = today
	return true
}

// Past says that a tracked ticket is of an earlier day and how it ended, for
// the customer who opens yesterday's code: Day is the ticket's day,
// Yesterday whether that is the day before today, and the text, in Chinese
// and English, says which day and the outcome.
type Past struct {
	Day       string `json:"day"`
	Yesterday bool   `json:"yesterday"`
	TextZH    string `json:"text_zh"`
	TextEN    string `json:"text_en"`
}

// PastOf returns what to tell about t when it is a ticket of an earlier day
// than the hall's; ok is false for today's tickets. Call it with the
// ticket as stored (it reads the note the day's end leaves), before masking
// it for the holder.
func (s *Service) PastOf(t queue.Ticket) (p Past, ok bool) {
	var today string
	s.h.Read(func(v *queue.Engine, _ uint64) { today = v.Day() })
	if t.Day == "" || t.Day >= today {
		return Past{}, false
	}
	p.Day = t.Day
	whenZH, whenEN := t.Day, t.Day
	if d, err := time.Parse(time.DateOnly, today); err == nil && d.AddDate(0, 0, -1).Format(time.DateOnly) == t.Day {
		p.Yesterday = true
		whenZH, whenEN = "昨天（"+t.Day+"）", "yesterday ("+t.Day+")"
	}
	var zh, en string
	switch t.Status {
	case queue.Done:
		zh, en = "已办结", "it was served"
	case queue.NoShow:
		zh, en = "叫号时未到，已过号", "it was called but no one came (no-show)"
	case queue.Transferred:
		zh, en = "已转办", "it was transferred"
	case queue.Cancelled:
		if strings.Contains(t.Note, "day ended") {
			zh, en = "营业结束时仍在等候，已取消", "it was still waiting when the day ended and was cancelled"
		} else {
			zh, en = "已取消", "it was cancelled"
		}
	default:
		zh, en = "仍在窗口办理", "it is still being served at a counter"
	}
	p.TextZH = fmt.Sprintf("这是%s的号 %s：%s。今天办理请重新取号。", whenZH, t.Number, zh)
	p.TextEN = fmt.Sprintf("This is a ticket of %s, %s: %s. Please take a new ticket today.", whenEN, t.Number, en)
	return p, true
}
