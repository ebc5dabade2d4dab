package web

import (
	"github.com/gofiber/fiber/v2"

	"hallq/web/view"
)

// bookPage: GET /book, the customer's booking page (public, phone-first).
// A signed-in clerk or manager (the desk's "电话预约" link) books on behalf
// of a caller: the page says so, and hall.Book records their account as
// the booking's booked_by (the principal's actor, "user:NAME").
func (s *Server) bookPage(c *fiber.Ctx) error {
	p := view.BookPage{T: translator(pageLang(c)), Hall: s.hallInfo()}
	if pr := principal(c); pr.Kind == "user" {
		p.Agent = pr.Display
		if p.Agent == "" {
			p.Agent = pr.Name
		}
		if pr.StaffNo != "" {
			p.Agent += "（" + pr.StaffNo + "）"
		}
		p.AgentUser = pr.Name
	}
	return render(c, view.Book(p))
}

// The kiosk's appointment check-in (预约签到): a button on the start screen
// and two screens, driven by assets/js/kiosk_checkin.js.
func init() {
	kioskSlots = append(kioskSlots, func(s *Server, c *fiber.Ctx, p *view.KioskPage) {
		p.Start = append(p.Start, view.KioskCheckInStart(p.T))
		p.Screens = append(p.Screens, view.KioskCheckIn(p.T))
		p.Scripts = append(p.Scripts, "kiosk_checkin.js")
		p.CSS = append(p.CSS, "appointments.css")
	})
	// The desk's phone-booking link (电话预约), opening /book in a new tab.
	deskSlots = append(deskSlots, func(s *Server, c *fiber.Ctx, p *view.DeskPage) {
		p.Side = append(p.Side, view.DeskPhoneBooking(p.T))
		p.CSS = append(p.CSS, "appointments_staff.css")
	})
}
