package web

import (
	"net/url"
	"strings"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"hallq/queue"
	"hallq/web/view"
)

// render writes a component as the HTML answer. Pages show live state, so
// nothing caches them.
func render(c *fiber.Ctx, component templ.Component) error {
	c.Type("html", "utf-8")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return component.Render(c.UserContext(), c.Response().BodyWriter())
}

// hallInfo is the header data of every page.
func (s *Server) hallInfo() view.HallInfo {
	cfg := s.hall.Config()
	loc := s.hall.Location()
	return view.HallInfo{NameZH: cfg.NameZH, NameEN: cfg.NameEN, TimeZone: loc.String(), Now: s.hall.Now().In(loc)}
}

// localTimes moves a ticket's times into the hall's time zone, as pages
// print them.
func localTimes(t queue.Ticket, h view.HallInfo) queue.Ticket {
	loc := h.Now.Location()
	t.IssuedAt = t.IssuedAt.In(loc)
	return t
}

// queryString is the request's query, copied (fiber reuses its buffers).
func queryString(c *fiber.Ctx) string { return string(c.Request().URI().QueryString()) }

// pageMessage renders a full-page message with a status.
func pageMessage(c *fiber.Ctx, status int, p view.MessagePage) error {
	p.T = translator(pageLang(c))
	p.Status = status
	c.Status(status)
	return render(c, view.Message(p))
}

// pairFirst answers an anonymous visitor of a device page: pair the device
// (or, for staff, sign in).
func pairFirst(c *fiber.Ctx) error {
	return pageMessage(c, fiber.StatusUnauthorized, view.MessagePage{Title: "msg.pair.title", Body: "msg.pair.body",
		Link: "/login?next=" + url.QueryEscape(c.OriginalURL()), LinkAs: "msg.pair.staff"})
}

// forbiddenPage answers a signed-in person or paired device that may not open
// a page.
func forbiddenPage(c *fiber.Ctx) error {
	return pageMessage(c, fiber.StatusForbidden, view.MessagePage{Title: "msg.forbidden.title", Body: "msg.forbidden.body",
		Link: "/login?next=" + url.QueryEscape(c.OriginalURL()), LinkAs: "msg.login"})
}

// isPage reports whether a path is a page (HTML answers) rather than the
// JSON API or the websocket.
func isPage(path string) bool {
	return !strings.HasPrefix(path, "/api/") && path != "/ws"
}

// safeNext keeps a post-login destination only if it is a path on this
// server.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return "/desk"
	}
	return next
}
