package web

import (
	"github.com/gofiber/fiber/v2"

	"hallq/web/view"
)

// Kiosk idle resets: back to the start after this long untouched, sooner
// once the ticket is shown (the customer has what they came for).
const (
	kioskIdleS   = 30
	kioskTicketS = 15
)

// kioskPage: GET /kiosk, the ticket kiosk (kiosk devices; managers preview it).
func (s *Server) kioskPage(c *fiber.Ctx) error {
	snap, _ := s.hall.Snapshot()
	snap = publicSnapshot(snap)
	return render(c, view.Kiosk(view.KioskPage{T: translator(pageLang(c)), Hall: s.hallInfo(), Open: snap.Open,
		Services: snap.Services, Query: queryString(c), IdleS: kioskIdleS, TicketS: kioskTicketS}))
}
