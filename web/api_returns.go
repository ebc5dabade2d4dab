package web

import (
	"github.com/gofiber/fiber/v2"

	"hallq/privacy"
	"hallq/returns"
)

// returnTicket: POST /api/v1/tickets/return {"number"|"code"} → 200 the
// missed ticket back in the queue (过号顺延), with its new place (ahead,
// estimated_wait_s). Kiosks (the customer types the number or scans the
// ticket), clerks and managers.
func (s *Server) returnTicket(c *fiber.Ctx) error {
	var req returns.Request
	if err := decode(c, &req); err != nil {
		return err
	}
	t, err := returns.Ticket(c.UserContext(), s.hall, principal(c), req)
	if err != nil {
		return err
	}
	return c.JSON(privacy.Ticket(t, privacy.Staff))
}
