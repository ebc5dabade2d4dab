package web

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"hallq/privacy"
	"hallq/queue"
	"hallq/web/view"
)

// trackPage: GET /t/{code}, the customer's phone page (no login; the code is
// unguessable): the ticket's place in the queue while waiting, and the
// progress of its work orders and approvals. Nothing personal
// (privacy.Holder). An unknown code is a 404 page.
func (s *Server) trackPage(c *fiber.Ctx) error {
	code := utils.CopyString(c.Params("code"))
	t := translator(pageLang(c))
	h := s.hallInfo()
	p := view.TrackPage{T: t, Hall: h, Code: code, Query: queryString(c)}
	v, err := s.casework.TrackCase(code)
	if err != nil && queue.ErrorCode(err) != queue.ENOTFOUND {
		return err
	}
	p.Found = err == nil
	if v.Ticket != nil {
		tk := localTimes(privacy.Ticket(*v.Ticket, privacy.Holder), h)
		p.Ticket = &tk
		if past, ok := s.privacySvc.PastOf(*v.Ticket); ok {
			p.Past = &past
		}
		p.ServiceName = tk.Service
		if tk.Held() {
			p.CheckDue = s.hall.Config().CheckDue(tk).In(s.hall.Location()).Format("15:04")
		}
		snap, _ := s.hall.Snapshot()
		for _, sv := range snap.Services {
			if sv.Prefix == tk.Service {
				p.ServiceName = t.Pick(sv.NameZH, sv.NameEN)
			}
		}
	}
	p.WorkOrders, p.Approvals = v.WorkOrders, v.Approvals
	c.Set("X-Robots-Tag", "noindex")
	if !p.Found {
		c.Status(fiber.StatusNotFound)
	}
	return render(c, view.Track(p))
}

// trackFind: GET /t?code=CODE, the form of the not-found page: the code as
// typed (spaces and dashes dropped, letters upper-cased) → 303 to /t/CODE.
func (s *Server) trackFind(c *fiber.Ctx) error {
	code := strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '-' || r == '\u3000':
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, c.Query("code"))
	if code == "" || len(code) > 64 {
		code = "-"
	}
	q := ""
	if l := c.Query("lang"); l == "zh" || l == "en" {
		q = "?lang=" + l
	}
	return c.Redirect("/t/"+url.PathEscape(code)+q, fiber.StatusSeeOther)
}
