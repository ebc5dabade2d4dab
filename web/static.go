package web

import (
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"

	"hallq/assets"
	"hallq/queue"
)

func init() {
	mime.AddExtensionType(".opus", "audio/ogg")
	mime.AddExtensionType(".js", "text/javascript; charset=utf-8")
}

// static serves the embedded assets under /assets/.
func (s *Server) static() fiber.Handler {
	return func(c *fiber.Ctx) error {
		name := path.Clean(c.Params("*"))
		if strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".go") {
			return queue.Err(queue.ENOTFOUND, "err.web.no_such_file")
		}
		data, err := fs.ReadFile(assets.FS, name)
		if err != nil {
			return queue.Err(queue.ENOTFOUND, "err.web.no_such_file")
		}
		if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
			c.Set(fiber.HeaderContentType, ct)
		}
		c.Set(fiber.HeaderCacheControl, "public, max-age=300")
		return c.Send(data)
	}
}
