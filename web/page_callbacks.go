package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"hallq/rating"
	"hallq/web/view"
)

// callbacksPage: GET /callbacks, the managers' call-back tasks (回访) after
// low ratings: the open ones with the customer's phone, the latest closed
// ones, today's low-rating alerts and satisfaction. Outcomes are recorded
// through POST /api/v1/callbacks/{ticket} (assets/js/callbacks.js).
func (s *Server) callbacksPage(c *fiber.Ctx) error {
	open, err := s.ratings.Callbacks(rating.CallbackOpen)
	if err != nil {
		return err
	}
	done, err := s.ratings.Callbacks(rating.CallbackDone)
	if err != nil {
		return err
	}
	if len(done) > 20 {
		done = done[:20]
	}
	h := s.hallInfo()
	today := h.Now.Format(time.DateOnly)
	alerts, err := s.ratings.Alerts(today)
	if err != nil {
		return err
	}
	figures, err := s.ratings.Figures(today, today)
	if err != nil {
		return err
	}
	page := view.CallbacksPage{T: translator(pageLang(c)), Hall: h, Alerts: alerts, Today: figures.Total,
		Outcomes: rating.CallbackOutcomes, Query: queryString(c)}
	for _, cb := range open {
		page.Open = append(page.Open, view.CallbackRow{Callback: cb, Phone: s.ratings.CallbackPhone(cb)})
	}
	for _, cb := range done {
		page.Done = append(page.Done, view.CallbackRow{Callback: cb})
	}
	return render(c, view.Callbacks(page))
}
