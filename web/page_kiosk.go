package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"hallq/privacy"
	"hallq/web/view"
)

// Kiosk idle resets by default: back to the start after this long untouched,
// sooner once the ticket is shown (the customer has what they came for).
// Options.KioskIdle and KioskTicketIdle change them.
const (
	kioskIdle   = 30 * time.Second
	kioskTicket = 15 * time.Second
)

// kioskIdleSeconds is d in whole seconds (at least 1), or def when d is unset.
func kioskIdleSeconds(d, def time.Duration) int {
	if d <= 0 {
		d = def
	}
	return max(int((d+time.Second-1)/time.Second), 1)
}

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
	snap = privacy.Snapshot(snap, privacy.Public) // nothing personal, not even masked, and no tracking codes
	page := view.KioskPage{T: translator(pageLang(c)), Hall: s.hallInfo(), Open: snap.Open,
		Services: snap.Services, Query: queryString(c), IdleS: kioskIdleSeconds(s.opt.KioskIdle, kioskIdle),
		TicketS: kioskIdleSeconds(s.opt.KioskTicketIdle, kioskTicket), Seq: seq}
	for _, fill := range kioskSlots {
		fill(s, c, &page)
	}
	return render(c, view.Kiosk(page))
}
