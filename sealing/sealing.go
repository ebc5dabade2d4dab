// Package sealing is the hall's sealer (docs/storage.md): once the day has
// rolled, every earlier day still in the hot file is sealed into its
// history segment, oldest first, and leaves the hot file. A store written
// before sealing existed holds all its history hot: the first runs seal it
// day by day while the hall serves.
package sealing

import (
	"context"
	"time"

	"hallq/hall"
	"hallq/internal/killpoint"
	"hallq/queue"
)

// Options configure New.
type Options struct {
	// Every is how often the sealer looks for a day to seal (0: the hall's
	// tick). Looking costs one read of the hot file's first event.
	Every time.Duration
	// Off schedules nothing (SealNow still seals).
	Off bool
}

// Service seals a hall's past days.
type Service struct {
	h *hall.Hall
}

// New returns the sealer of h and schedules "seal history" on it.
func New(h *hall.Hall, opt Options) *Service {
	s := &Service{h: h}
	if !opt.Off {
		h.Every("seal history", opt.Every, func(ctx context.Context) error {
			_, err := s.SealNow(ctx)
			return err
		})
		// A few segments a turn, each once a week: years of history are
		// verified in the background without holding up the hall.
		h.Every("verify history", opt.Every, func(ctx context.Context) error {
			_, err := s.VerifyNow(ctx, verifyPerTurn)
			return err
		})
	}
	return s
}

// SealNow seals every day before the hall's committed day (the day after
// its rollover), oldest first, then moves every month sealed to its end out
// of the hot file (its facts file), until done or ctx ends, and returns the
// days it sealed.
func (s *Service) SealNow(ctx context.Context) (days []string, err error) {
	var today string
	s.h.Read(func(view *queue.Engine, _ uint64) { today = view.Day() })
	for ctx.Err() == nil {
		day, err := s.h.Store().SealOldest(today)
		if err != nil {
			return days, err
		}
		if day == "" {
			// Months sealed to their end whose facts are still hot (a
			// store upgraded from before month files): all of them now.
			for ctx.Err() == nil {
				month, err := s.h.Store().CloseMonth()
				if err != nil || month == "" {
					return days, err
				}
				s.h.Log().Info("history: month closed", "month", month)
			}
			return days, nil
		}
		s.h.Log().Info("history: day sealed", "day", day)
		days = append(days, day)
		killpoint.At("seal-day-done") // the crash drill: between two days
	}
	return days, nil
}

// verifyPerTurn is how many segments the background verifier reads a turn.
const verifyPerTurn = 4

// VerifyNow verifies up to limit segments whose weekly verification is due
// and logs the damaged ones (with the way out); /healthz reports them
// (degraded) until they verify again. It returns how many it read.
func (s *Service) VerifyNow(ctx context.Context, limit int) (int, error) {
	n, damaged, err := s.h.Store().VerifyHistory(ctx, s.h.Now(), limit)
	for _, d := range damaged {
		s.h.Log().Error("history segment damaged", "err", d)
	}
	return n, err
}
