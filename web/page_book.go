package web

import (
	"github.com/gofiber/fiber/v2"

	"hallq/web/view"
)

// bookPage: GET /book, the customer's booking page (public, phone-first).
func (s *Server) bookPage(c *fiber.Ctx) error {
	return render(c, view.Book(view.BookPage{T: translator(pageLang(c)), Hall: s.hallInfo()}))
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
}
