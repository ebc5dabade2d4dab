package web

import (
	"github.com/gofiber/fiber/v2"

	"hallq/web/view"
)

// displayPage: GET /display, the hall display (综合屏). Public data only.
func (s *Server) displayPage(c *fiber.Ctx) error {
	lang := pageLang(c)
	t := translator(lang)
	h := s.hallInfo()
	snap, _ := s.hall.Snapshot()
	snap = publicSnapshot(snap)
	p := view.DisplayPage{T: t, Hall: h, Open: snap.Open, Services: snap.Services,
		Voice: view.Voice{Lang: lang, Volume: 1}}
	if len(snap.Recent) > 0 {
		p.Current = &snap.Recent[0]
		p.Recent = snap.Recent[1:min(len(snap.Recent), 1+view.RecentCalls)]
	}
	// Notices come from the manager later; for now the hall's welcome and the
	// standing rules, in both languages.
	name := t.Pick(h.NameZH, h.NameEN)
	alt := t.PickAlt(h.NameZH, h.NameEN)
	p.Notices = []string{t.F("display.notice.hall", name), t.S("display.notice.rules"), t.S("display.notice.green"), t.S("display.notice.online")}
	if alt != "" {
		p.Notices = append(p.Notices, t.AltF("display.notice.hall", alt), t.Alt("display.notice.rules"), t.Alt("display.notice.green"))
	}
	return render(c, view.Display(p))
}
