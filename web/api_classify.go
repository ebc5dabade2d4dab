package web

import (
	"github.com/gofiber/fiber/v2"
)

type classifyRequest struct {
	Item string `json:"item"`
	Text string `json:"text"`
}

// classify: POST /api/v1/classify {"item"?, "text"?} → the class, item,
// department or approver, script, alternatives, documents and why (kiosks and
// people). A weak match has "weak": true and the best few "candidates" for
// the clerk or customer to choose from.
func (s *Server) classify(c *fiber.Ctx) error {
	var req classifyRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	r, err := s.casework.Classify(req.Item, req.Text)
	if err != nil {
		return err
	}
	return c.JSON(r)
}
