package web

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"hallq/casework"
)

type choiceRequest struct {
	Text   string `json:"text"`
	Answer string `json:"answer"`
	Chosen string `json:"chosen"`
	Who    string `json:"who"`
}

// recordChoice: POST /api/v1/classify/choices {"text","answer","chosen","who"}
// (kiosks and people) → 201 the record: which candidate the clerk (who:
// desk) or the customer (who: kiosk) chose after a weak answer.
func (s *Server) recordChoice(c *fiber.Ctx) error {
	var req choiceRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	ch, err := s.casework.RecordChoice(c.UserContext(), principal(c), casework.Choice{Text: req.Text, Answer: req.Answer, Chosen: req.Chosen, Who: req.Who})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(ch)
}

// listChoices: GET /api/v1/classify/choices[?all=1] (managers) →
// {"choices":[…]}, newest first; misses only unless all=1.
func (s *Server) listChoices(c *fiber.Ctx) error {
	list, err := s.casework.Choices(principal(c), c.Query("all") != "1", 200)
	if err != nil {
		return err
	}
	if list == nil {
		list = []casework.Choice{}
	}
	return c.JSON(fiber.Map{"choices": list})
}

// adoptChoice: POST /api/v1/classify/choices/{key}/adopt (managers) adds the
// choice's text as an example of the chosen item; it takes effect at once.
func (s *Server) adoptChoice(c *fiber.Ctx) error {
	ch, err := s.casework.AdoptChoice(c.UserContext(), principal(c), utils.CopyString(c.Params("key")))
	if err != nil {
		return phraseError(c, err)
	}
	return c.JSON(ch)
}
