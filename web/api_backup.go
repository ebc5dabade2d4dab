package web

import (
	"bytes"
	"fmt"

	"github.com/gofiber/fiber/v2"
)

// backup: GET /api/v1/backup (managers) downloads a consistent copy of the
// database, taken in one read transaction while the hall keeps working.
func (s *Server) backup(c *fiber.Ctx) error {
	var buf bytes.Buffer
	if _, err := s.hall.Store().Backup(&buf); err != nil {
		return fmt.Errorf("backup download: %w", err)
	}
	name := fmt.Sprintf("hallq-%s.db", s.hall.Now().In(s.hall.Location()).Format("20060102-150405"))
	c.Set(fiber.HeaderContentType, "application/octet-stream")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	return c.Send(buf.Bytes())
}
