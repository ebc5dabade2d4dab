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

// kioskSlots fill the kiosk's slots (view.KioskPage Start, Screens, Ticket,
// Scripts, CSS) for one request: other parts of hallq (case pre-check,
// appointment check-in, the ticket's QR code) append theirs from an init
// func in their own file, e.g.
//
//	func init() { kioskSlots = append(kioskSlots, (*Server).kioskCheckIn) }
var kioskSlots []func(s *Server, c *fiber.Ctx, p *view.KioskPage)

// kioskPage: GET /kiosk, the ticket kiosk (kiosk devices; managers preview it).
func (s *Server) kioskPage(c *fiber.Ctx) error {
	snap, seq := s.hall.Snapshot()
	snap = publicSnapshot(snap)
	page := view.KioskPage{T: translator(pageLang(c)), Hall: s.hallInfo(), Open: snap.Open,
		Services: snap.Services, Query: queryString(c), IdleS: kioskIdleS, TicketS: kioskTicketS, Seq: seq}
	for _, fill := range kioskSlots {
		fill(s, c, &page)
	}
	return render(c, view.Kiosk(page))
}
