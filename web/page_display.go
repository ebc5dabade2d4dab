package web

import (
	"github.com/gofiber/fiber/v2"

	"hallq/privacy"
	"hallq/web/view"
)

// displayPage: GET /display, the hall display (综合屏). Public data only.
func (s *Server) displayPage(c *fiber.Ctx) error {
	lang := pageLang(c)
	t := translator(lang)
	h := s.hallInfo()
	snap, seq := s.hall.Snapshot()
	snap = privacy.Snapshot(snap, privacy.Public) // nothing personal, not even masked, and no tracking codes
	p := view.DisplayPage{T: t, Hall: h, Open: snap.Open, Services: snap.Services, Counters: snap.Counters,
		Voice: s.displayVoice(c), Seq: seq, PhoneQR: s.hall.Config().RemoteTickets}
	p.Current, p.Recent, p.Missed = view.DisplayCalls(snap.Recent)
	p.Notices = s.displayNotices(t, h)
	return render(c, view.Display(p))
}

// displayNotices is the scrolling line: the manager's notices showing now
// (公告, e.g. a planned outage), then the hall's standing ones, each in the
// page's language with the other one after it.
func (s *Server) displayNotices(t view.T, h view.HallInfo) []view.Notice {
	var out []view.Notice
	if ns, err := s.consoles.Notices(true); err == nil {
		for _, n := range ns {
			out = append(out, view.Notice{Text: t.Pick(n.TextZH, n.TextEN), Alt: t.PickAlt(n.TextZH, n.TextEN), Manager: true})
		}
	}
	name, alt := t.Pick(h.NameZH, h.NameEN), t.PickAlt(h.NameZH, h.NameEN)
	hallAlt := ""
	if alt != "" {
		hallAlt = t.AltF("display.notice.hall", alt)
	}
	out = append(out, view.Notice{Text: t.F("display.notice.hall", name), Alt: hallAlt})
	for _, k := range []string{"display.notice.rules", "display.notice.green", "display.notice.online"} {
		out = append(out, view.Notice{Text: t.S(k), Alt: t.Alt(k)})
	}
	return out
}

// displayVoice is the manager's voice setting; a display's own URL may
// turn it down or off (/display?volume=40, ?mute=1), e.g. a second screen
// in the same hall.
func (s *Server) displayVoice(c *fiber.Ctx) view.Voice {
	v := s.consoles.Voice()
	vol := v.Volume
	if q := c.QueryInt("volume", -1); q >= 0 && q <= 100 {
		vol = q
	}
	return view.Voice{Lang: v.Lang, Volume: float64(vol) / 100, Repeat: v.Repeat,
		Muted: vol == 0 || c.Query("mute") == "1"}
}
