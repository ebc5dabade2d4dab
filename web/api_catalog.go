package web

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"hallq/casework/cases"
	"hallq/catalogsync"
	"hallq/queue"
)

// catalogItem is an item as the kiosk and desk pickers need it.
type catalogItem struct {
	ID        string      `json:"id"`
	NameZH    string      `json:"name_zh"`
	NameEN    string      `json:"name_en"`
	Class     cases.Class `json:"class"`
	Service   string      `json:"service"`
	Documents []string    `json:"documents"`
}

// getCatalog: GET /api/v1/catalog → the items (id, names, class, service,
// documents) for pickers and the version of the region's catalog the hall
// runs ("version", 0 before the first; also the X-Catalog-Version header); managers get the whole catalog with scripts, rules
// and the forbidden phrases (?full=1).
func (s *Server) getCatalog(c *fiber.Ctx) error {
	cat := s.casework.Catalog()
	var version int64
	if st, err := catalogsync.Current(s.casework); err == nil {
		version = st.Version
	}
	c.Set("X-Catalog-Version", strconv.FormatInt(version, 10))
	if c.Query("full") == "1" && principal(c).Staff() {
		out := cat.Clone()
		out.Forbidden = s.casework.ForbiddenPhrases()
		return c.JSON(out)
	}
	items := make([]catalogItem, 0, len(cat.Items))
	for _, it := range cat.Items {
		items = append(items, catalogItem{ID: it.ID, NameZH: it.NameZH, NameEN: it.NameEN, Class: it.Class,
			Service: it.Service, Documents: append([]string{}, it.Documents...)})
	}
	return c.JSON(fiber.Map{"items": items, "version": version})
}

// phraseError answers a forbidden phrase with 422 and where it is: the
// phrase, its position (runes from 0) and the field.
func phraseError(c *fiber.Ctx, err error) error {
	var pe *cases.PhraseError
	if !errors.As(err, &pe) {
		return err
	}
	return c.Status(fiber.StatusUnprocessableEntity).JSON(fiber.Map{"error": fiber.Map{
		"code": queue.EINVALID, "message": queue.MessageOf(err, apiLang(c)),
		"phrase": pe.Phrase, "pos": pe.Pos, "item": pe.Item, "field": pe.Field,
	}})
}

// putCatalogItem: PUT /api/v1/catalog/items/{id} (managers) saves an item;
// a forbidden phrase in any spoken text is refused with 422 naming the
// phrase and its position, and nothing changes.
func (s *Server) putCatalogItem(c *fiber.Ctx) error {
	var it cases.Item
	if err := decode(c, &it); err != nil {
		return err
	}
	id := utils.CopyString(c.Params("id"))
	if it.ID == "" {
		it.ID = id
	}
	if it.ID != id {
		return queue.Err(queue.EINVALID, "err.web.the_id_in_the_body")
	}
	saved, err := s.casework.SaveCatalogItem(c.UserContext(), principal(c), it)
	if err != nil {
		return phraseError(c, err)
	}
	return c.JSON(saved)
}

// deleteCatalogItem: DELETE /api/v1/catalog/items/{id} (managers).
func (s *Server) deleteCatalogItem(c *fiber.Ctx) error {
	if err := s.casework.DeleteCatalogItem(c.UserContext(), principal(c), utils.CopyString(c.Params("id"))); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type forbiddenRequest struct {
	Phrases []string `json:"phrases"`
}

// putForbidden: PUT /api/v1/catalog/forbidden {"phrases": [...]} (managers)
// replaces the forbidden-phrase list; a script that breaks the new list is
// refused with 422 naming it.
func (s *Server) putForbidden(c *fiber.Ctx) error {
	var req forbiddenRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	list, err := s.casework.SetForbiddenPhrases(c.UserContext(), principal(c), req.Phrases)
	if err != nil {
		return phraseError(c, err)
	}
	return c.JSON(fiber.Map{"phrases": list})
}

type checkRequest struct {
	Text string `json:"text"`
}

// checkScript: POST /api/v1/catalog/check {"text"} (managers) checks a text
// against the forbidden phrases while it is being written: 200 {"ok": true},
// or 422 with the phrase and its position.
func (s *Server) checkScript(c *fiber.Ctx) error {
	var req checkRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if err := cases.CheckScript(req.Text, s.casework.ForbiddenPhrases()); err != nil {
		var pe *cases.PhraseError
		errors.As(err, &pe)
		return phraseError(c, errors.Join(queue.Errorf(queue.EINVALID, "%s", pe.Error()), pe))
	}
	return c.JSON(fiber.Map{"ok": true})
}

// resetCatalog: POST /api/v1/catalog/reset (managers) puts the default
// catalog back.
func (s *Server) resetCatalog(c *fiber.Ctx) error {
	if err := s.casework.ResetCatalog(c.UserContext(), principal(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
