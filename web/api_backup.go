package web

import (
	"bufio"
	"fmt"

	"github.com/gofiber/fiber/v2"
)

// backup: GET /api/v1/backup (managers) downloads a consistent copy of the
// database, streamed from one read transaction (bbolt's Tx.WriteTo) while
// the hall keeps working: commits go on beside it, nothing of the file is
// held in memory beyond the connection's buffer, and the copy is the
// database as it was when the download started. The body is chunked; a
// download cut short (the client went away, a disk error) ends without the
// final chunk, so no client takes it for a whole file — and restore checks
// it anyway.
func (s *Server) backup(c *fiber.Ctx) error {
	ext := ".db"
	if s.backups.Sealed() { // the hot file, the sealed days and the manifest (backup.WriteTar)
		ext = ".tar"
	}
	name := fmt.Sprintf("hallq-%s%s", s.hall.Now().In(s.hall.Location()).Format("20060102-150405"), ext)
	c.Set(fiber.HeaderContentType, "application/octet-stream")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	log, backups := s.log, s.backups
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		n, err := backups.Stream(w)
		if err == nil {
			err = w.Flush()
		}
		if err != nil {
			log.Error("backup download cut short", "file", name, "bytes", n, "err", err)
			return
		}
		log.Info("backup downloaded", "file", name, "bytes", n)
	})
	return nil
}
