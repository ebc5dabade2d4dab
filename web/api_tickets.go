package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"hallq/hall"
	"hallq/privacy"
	"hallq/queue"
)

// issueTicket: POST /api/v1/tickets → 201 ticket.
func (s *Server) issueTicket(c *fiber.Ctx) error {
	var req hall.IssueRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	p := principal(c)
	if p.Kind == "device" && !s.kioskLimit.allow(p.Actor(), s.hall.Now()) {
		return queue.Err(queue.ERATELIMIT, "err.web.too_many_tickets_from_this")
	}
	t, err := s.hall.Issue(c.UserContext(), p, req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(privacy.Ticket(t, privacy.Staff))
}

func ticketID(c *fiber.Ctx) (uint64, error) {
	id, err := strconv.ParseUint(c.Params("id"), 10, 64)
	if err != nil {
		return 0, queue.Err(queue.ENOTFOUND, "err.web.invalid_ticket_id")
	}
	return id, nil
}

// getTicket: GET /api/v1/tickets/{id} → today's ticket.
func (s *Server) getTicket(c *fiber.Ctx) error {
	id, err := ticketID(c)
	if err != nil {
		return err
	}
	t, err := s.hall.Ticket(id)
	if err != nil {
		return err
	}
	return c.JSON(privacy.Ticket(t, privacy.Staff))
}

type cancelRequest struct {
	Reason string `json:"reason"`
}

// cancelTicket: POST /api/v1/tickets/{id}/cancel (managers).
func (s *Server) cancelTicket(c *fiber.Ctx) error {
	id, err := ticketID(c)
	if err != nil {
		return err
	}
	var req cancelRequest
	if err := decodeOptional(c, &req); err != nil {
		return err
	}
	t, err := s.hall.CancelTicket(c.UserContext(), principal(c), id, req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(privacy.Ticket(t, privacy.Staff))
}

// track: GET /api/v1/track/{code} → the ticket of a tracking code, with
// nothing personal.
func (s *Server) track(c *fiber.Ctx) error {
	t, err := s.hall.Track(c.Params("code"))
	if err != nil {
		return err
	}
	out := trackJSON{Ticket: privacy.Ticket(t, privacy.Holder)} // as the ticket websocket shows it
	if p, ok := s.privacySvc.PastOf(t); ok {
		out.Past = &p // yesterday's code: which day and how it ended
	}
	return c.JSON(out)
}

// trackJSON is a tracked ticket, with what to tell about a ticket of an
// earlier day.
type trackJSON struct {
	queue.Ticket
	Past *privacy.Past `json:"past,omitempty"`
}
