package web

import (
	"bufio"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"hallq/console"
	"hallq/queue"
)

// auditQuery reads the audit filters from the query string.
func auditQuery(c *fiber.Ctx) (console.AuditQuery, error) {
	q := console.AuditQuery{From: utils.CopyString(c.Query("from")), To: utils.CopyString(c.Query("to")),
		Category: utils.CopyString(c.Query("category")), Q: utils.CopyString(c.Query("q"))}
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n <= 0 {
			return q, queue.Err(queue.EINVALID, "err.web.limit_must_be_a_positive")
		}
		q.Limit = n
	}
	return q, nil
}

// getAudit: GET /api/v1/audit?from=&to=&category=&q=&limit= → audited events,
// newest first (read-only).
func (s *Server) getAudit(c *fiber.Ctx) error {
	q, err := auditQuery(c)
	if err != nil {
		return err
	}
	out, err := s.consoles.Audit(principal(c), q)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// listBackups: GET /api/v1/backups → the scheduled backups in the data
// directory, newest first, with their sizes and times.
func (s *Server) listBackups(c *fiber.Ctx) error {
	list, err := s.backups.List()
	if err != nil {
		return err
	}
	return c.JSON(list)
}

// getBackupFile: GET /api/v1/backups/{name} downloads one scheduled backup.
func (s *Server) getBackupFile(c *fiber.Ctx) error {
	name := utils.CopyString(c.Params("name"))
	path, ok := s.backups.Path(name)
	if !ok {
		return queue.Err(queue.ENOTFOUND, "err.web.no_such_backup")
	}
	c.Set(fiber.HeaderContentType, "application/octet-stream")
	if s.backups.Archived(name) {
		// A backup that lists sealed days: its hot file, those days and its
		// manifest as one tar archive (hallq restore takes it whole).
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+strings.TrimSuffix(strings.TrimSuffix(name, ".gz"), ".db")+`.tar"`)
		log, backups := s.log, s.backups
		c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
			n, err := backups.Send(name, w)
			if err == nil {
				err = w.Flush()
			}
			if err != nil {
				log.Error("backup download cut short", "file", name, "bytes", n, "err", err)
			}
		})
		return nil
	}
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	return c.SendFile(path)
}

// postBackup: POST /api/v1/backups → 201 today's backup, made now.
func (s *Server) postBackup(c *fiber.Ctx) error {
	b, err := s.backups.Today()
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(b)
}
