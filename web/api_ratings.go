package web

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"hallq/queue"
	"hallq/rating"
)

// rate: POST /api/v1/ratings {"ticket": ID, "score": 1..5, "reason"?} from
// the keypad paired to the counter that served the ticket → 201 rating.
// 403 for any other caller or counter, 404 unknown ticket, 409 not finished,
// not the service just finished, rated already or too late, 422 bad score or
// reason; a refusal changes nothing.
func (s *Server) rate(c *fiber.Ctx) error {
	var req rating.RateRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	r, err := s.ratings.Rate(c.UserContext(), principal(c), req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(r)
}

// pendingRating: GET /api/v1/ratings/pending → the service the keypad's
// counter finished last and may still be rated ({"pending": null} if none),
// with the counter's clerk and the rating settings. Keypads ask on load and
// after a reconnect; between, the websocket tells them.
func (s *Server) pendingRating(c *fiber.Ctx) error {
	p := principal(c)
	return c.JSON(s.keypadState(p.Counter))
}

// keypadState is what a keypad shows: its counter's clerk and the pending
// rating, if any.
type keypadState struct {
	Counter   int             `json:"counter"`
	ClerkName string          `json:"clerk_name"`
	StaffNo   string          `json:"staff_no"`
	Pending   *rating.Pending `json:"pending"`
	WindowS   int             `json:"window_s"`
	Now       time.Time       `json:"now"`
}

func (s *Server) keypadState(n int) keypadState {
	st := keypadState{Counter: n, WindowS: s.ratings.Settings().WindowS, Now: s.hall.Now()}
	snap, _ := s.hall.Snapshot()
	for _, k := range snap.Counters {
		if k.Number == n {
			st.ClerkName, st.StaffNo = k.ClerkName, k.StaffNo
		}
	}
	if p, ok := s.ratings.Pending(n); ok {
		st.Pending = &p
	}
	return st
}

// ratingSummary: GET /api/v1/ratings/summary?from=YYYY-MM-DD&to=YYYY-MM-DD
// (default: today) → rating.Stats, for managers.
func (s *Server) ratingSummary(c *fiber.Ctx) error {
	today := s.hall.Now().In(s.hall.Location()).Format(time.DateOnly)
	from, to := c.Query("from", today), c.Query("to", today)
	st, err := s.ratings.Figures(from, to)
	if err != nil {
		return err
	}
	return c.JSON(st)
}

// myRatings: GET /api/v1/ratings/mine → the signed-in clerk's figures of
// today.
func (s *Server) myRatings(c *fiber.Ctx) error {
	today := s.hall.Now().In(s.hall.Location()).Format(time.DateOnly)
	rc, err := s.ratings.ClerkFigures(principal(c).Name, today)
	if err != nil {
		return err
	}
	return c.JSON(rc)
}

// ratingSettings: GET /api/v1/ratings/settings → rating.Settings.
func (s *Server) ratingSettings(c *fiber.Ctx) error {
	return c.JSON(s.ratings.Settings())
}

// putRatingSettings: PUT /api/v1/ratings/settings {"window_s","alert_after"}
// → the new settings; 422 out of bounds.
func (s *Server) putRatingSettings(c *fiber.Ctx) error {
	var req rating.Settings
	if err := decode(c, &req); err != nil {
		return err
	}
	st, err := s.ratings.SetSettings(c.UserContext(), principal(c), req)
	if err != nil {
		return err
	}
	return c.JSON(st)
}

// ratingAlerts: GET /api/v1/ratings/alerts?day=YYYY-MM-DD (default today) →
// the clerks whose low ratings that day raised an alert.
func (s *Server) ratingAlerts(c *fiber.Ctx) error {
	day := c.Query("day", s.hall.Now().In(s.hall.Location()).Format(time.DateOnly))
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		return queue.Err(queue.EINVALID, "err.web.day_must_be_yyyy_mm")
	}
	a, err := s.ratings.Alerts(day)
	if err != nil {
		return err
	}
	if a == nil {
		a = []rating.Alert{}
	}
	return c.JSON(a)
}

// callbacks: GET /api/v1/callbacks?status=open|done → call-back tasks
// (回访), newest first.
func (s *Server) callbacks(c *fiber.Ctx) error {
	status := c.Query("status")
	if status != "" && status != rating.CallbackOpen && status != rating.CallbackDone {
		return queue.Err(queue.EINVALID, "err.web.status_must_be_open_or")
	}
	list, err := s.ratings.Callbacks(status)
	if err != nil {
		return err
	}
	if list == nil {
		list = []rating.Callback{}
	}
	return c.JSON(list)
}

// recordCallback: POST /api/v1/callbacks/{ticket} {"outcome","note"} → the
// task; 404 no task, 409 closed already, 422 bad outcome or note.
func (s *Server) recordCallback(c *fiber.Ctx) error {
	id, err := strconv.ParseUint(c.Params("id"), 10, 64)
	if err != nil || id == 0 {
		return queue.Err(queue.ENOTFOUND, "err.web.no_such_call_back_task")
	}
	var req rating.CallbackRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	cb, err := s.ratings.RecordCallback(c.UserContext(), principal(c), id, req)
	if err != nil {
		return err
	}
	return c.JSON(cb)
}
