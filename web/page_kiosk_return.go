package web

import (
	"github.com/gofiber/fiber/v2"

	"hallq/web/view"
)

// The kiosk's 过号顺延: a button on the start screen and a screen where the
// customer types the missed number or scans the ticket's QR code, driven by
// assets/js/kiosk_return.js.
func init() {
	kioskSlots = append(kioskSlots, func(s *Server, c *fiber.Ctx, p *view.KioskPage) {
		var prefixes []string
		for _, sv := range p.Services {
			prefixes = append(prefixes, sv.Prefix)
		}
		p.Start = append(p.Start, view.KioskReturnStart(p.T))
		p.Screens = append(p.Screens, view.KioskReturn(p.T, prefixes))
		p.Scripts = append(p.Scripts, "kiosk_return.js")
		p.CSS = append(p.CSS, "appointments.css")
	})
}
