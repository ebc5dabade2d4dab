package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"hallq/hall"
	"hallq/rating"
	"hallq/web/view"
)

// keypadPage: GET /keypad, the satisfaction keypad of the counter the device
// is paired to. It renders the pending rating, if the counter just finished
// a service, so a keypad that reloads asks again without waiting for the
// websocket; a person previews ?n=N (default: their counter, else 1).
func (s *Server) keypadPage(c *fiber.Ctx) error {
	p := principal(c)
	n := p.Counter
	if p.Kind == "user" {
		if q := c.QueryInt("n"); q > 0 {
			n = q
		}
		if n == 0 {
			n = 1
		}
	}
	snap, _ := s.hall.Snapshot()
	page := view.KeypadPage{T: translator(pageLang(c)), Hall: s.hallInfo(), Counter: n, Reasons: rating.Reasons,
		Preview: p.Kind == "user", Query: queryString(c)}
	found := false
	for _, k := range snap.Counters {
		if k.Number == n {
			found = true
			page.NameZH, page.NameEN, page.ClerkName, page.StaffNo = k.NameZH, k.NameEN, k.ClerkName, k.StaffNo
		}
	}
	if !found {
		return pageMessage(c, fiber.StatusNotFound, view.MessagePage{Title: "msg.nocounter.title", Body: "msg.nocounter.body"})
	}
	st := s.keypadState(n)
	page.WindowS = st.WindowS
	if st.Pending != nil {
		page.PendingTicket, page.PendingNumber, page.DeadlineMS = st.Pending.Ticket, st.Pending.Number, st.Pending.Deadline.UnixMilli()
	}
	return render(c, view.Keypad(page))
}

// deskRatings are the figures a clerk's desk shows: their own, of today.
func (s *Server) deskRatings(p hall.Principal) view.DeskRatings {
	if p.Role != hall.RoleClerk {
		return view.DeskRatings{}
	}
	today := s.hall.Now().In(s.hall.Location()).Format(time.DateOnly)
	rc, err := s.ratings.ClerkFigures(p.Name, today)
	return view.DeskRatingsFor(rc, err == nil)
}
