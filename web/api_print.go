package web

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"hallq/queue"
)

type reprintRequest struct {
	Device string `json:"device"` // managers: the kiosk whose printer prints
}

// reprintTicket: POST /api/v1/tickets/{id}/print {"device"?} → 200 the
// printer, after the ticket printed again. A kiosk prints on its own
// printer; a manager names the kiosk. A printer fault is 409 with what is
// wrong (缺纸, 离线 …); the ticket itself is never touched.
func (s *Server) reprintTicket(c *fiber.Ctx) error {
	id, err := ticketID(c)
	if err != nil {
		return err
	}
	var req reprintRequest
	if err := decodeOptional(c, &req); err != nil {
		return err
	}
	v, err := s.prints.Reprint(c.UserContext(), principal(c), id, req.Device)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// kioskPrinter: GET /api/v1/printer[?check=1] → the calling kiosk's printer
// and its last known state ("none" when the kiosk prints through its
// browser). With check=1 the printer is asked now. The kiosk page calls it
// when it loads, which also tells the hall the address the kiosk reaches it
// at (printed in QR codes when no public URL is configured).
func (s *Server) kioskPrinter(c *fiber.Ctx) error {
	s.prints.NotePublicBase(c.BaseURL())
	v, err := s.prints.KioskPrinter(c.UserContext(), principal(c), "", c.Query("check") == "1")
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// listPrinters: GET /api/v1/printers → every kiosk's printer (managers).
func (s *Server) listPrinters(c *fiber.Ctx) error {
	list, err := s.prints.Printers(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	return c.JSON(list)
}

// checkPrinter: POST /api/v1/printers/{device}/check → asks a kiosk's
// printer for its status now and returns it (managers).
func (s *Server) checkPrinter(c *fiber.Ctx) error {
	device, err := url.PathUnescape(c.Params("device"))
	if err != nil || device == "" {
		return queue.Err(queue.EINVALID, "err.web.name_the_kiosk")
	}
	v, err := s.prints.KioskPrinter(c.UserContext(), principal(c), device, true)
	if err != nil {
		return err
	}
	return c.JSON(v)
}
