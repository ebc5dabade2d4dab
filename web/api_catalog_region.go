package web

import (
	"github.com/gofiber/fiber/v2"

	"hallq/catalogsync"
)

// regionStatus is the region catalog's status, or nil when the server was
// built without a syncer (tests, halls without a region).
func (s *Server) regionStatus() *catalogsync.Status {
	if s.opt.Catalog == nil {
		return nil
	}
	st := s.opt.Catalog.Status()
	return &st
}

// getCatalogRegion: GET /api/v1/catalog/region (managers) → the version of
// the region's catalog the hall runs, the last pull and its error, and the
// fields the hall keeps as its own ("overrides").
func (s *Server) getCatalogRegion(c *fiber.Ctx) error {
	st := s.regionStatus()
	if st == nil {
		return c.JSON(catalogsync.Status{Overrides: []string{}})
	}
	return c.JSON(st)
}

// pullCatalogRegion: POST /api/v1/catalog/region/pull (managers) pulls the
// region's bundle now. 200 with the status; a tampered bundle 422, an older
// one 409, the centre out of reach 503 — and nothing changes.
func (s *Server) pullCatalogRegion(c *fiber.Ctx) error {
	if s.opt.Catalog == nil {
		return catalogsync.New(s.casework, catalogsync.Source{}, s.log).PullErr()
	}
	st, err := s.opt.Catalog.Pull(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	return c.JSON(st)
}
