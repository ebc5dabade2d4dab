package report

import (
	"fmt"

	"hallq/hall"
	"hallq/queue"
	"hallq/sim"
)

// Service gives the web the reports of one hall's store (Peak, WhatIf, the
// ticket export, the queue curve), so web reads the store only through it.
type Service struct{ h *hall.Hall }

// New returns the reports of h. It registers nothing.
func New(h *hall.Hall) *Service { return &Service{h: h} }

// Peak builds the peak-period report of p from the store's rollups (rebuilt
// from the event log first if the store predates them).
func (s *Service) Peak(p Params) (*Report, error) {
	st := s.h.Store()
	if err := st.EnsureRollups(); err != nil {
		return nil, fmt.Errorf("report rollups: %w", err)
	}
	return Build(st, s.h.Config(), p, s.h.Now())
}

// WhatIf replays the observed customers of p through the queue engine with
// shifts (nil: the schedule observed in the range); see RunWhatIf.
func (s *Service) WhatIf(p Params, shifts []sim.Shift) (*WhatIf, error) {
	st := s.h.Store()
	if err := st.EnsureRollups(); err != nil {
		return nil, fmt.Errorf("report rollups: %w", err)
	}
	return RunWhatIf(st, s.h.Config(), p, shifts)
}

// EachTicket calls fn with every stored ticket of the days from..to.
func (s *Service) EachTicket(from, to string, fn func(t *queue.Ticket) error) error {
	return s.h.Store().EachTicket(from, to, fn)
}

// QueueCurve is the day's queue length curve (see the function QueueCurve).
func (s *Service) QueueCurve(day string, nowS, slotS int) (Curve, error) {
	return QueueCurve(s.h.Store(), day, nowS, slotS)
}
