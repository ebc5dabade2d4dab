package web

import (
	"slices"

	"github.com/gofiber/fiber/v2"

	"hallq/hall"
	"hallq/privacy"
	"hallq/queue"
	"hallq/web/view"
)

// deskSlots fill the desk's slots (view.DeskPage Panels, Side, Scripts,
// CSS) for one request: other parts of hallq (the case panel, today's
// ratings) append theirs from an init func in their own file, e.g.
//
//	func init() { deskSlots = append(deskSlots, (*Server).deskCasePanel) }
//
// They run in order after the page's own data is ready.
var deskSlots []func(s *Server, c *fiber.Ctx, p *view.DeskPage)

// deskQuickItems is how many business items the case panel offers as one
// click (hall.CommonItems).
const deskQuickItems = 6

// deskPage: GET /desk, the clerk desk of the counter the clerk signed in at.
// Managers and admins work any counter (?n=N) and choose one otherwise.
func (s *Server) deskPage(c *fiber.Ctx) error {
	p := principal(c)
	t := translator(pageLang(c))
	h := s.hallInfo()
	user := view.DeskUser{Name: p.Name, Display: p.Display, StaffNo: p.StaffNo, Role: p.Role}
	snap, seq := s.hall.Snapshot()
	snap = privacy.Snapshot(snap, privacy.Staff)
	n := p.Counter
	if p.Staff() {
		if q := c.QueryInt("n"); q > 0 {
			n = q
		}
	}
	i := slices.IndexFunc(snap.Counters, func(k queue.CounterView) bool { return k.Number == n })
	chooser := view.DeskChooserPage{T: t, Hall: h, User: user, Counters: snap.Counters}
	switch {
	case i < 0 && p.Role == hall.RoleClerk:
		chooser.Message = t.S("desk.no_counter")
		return render(c, view.DeskChooser(chooser))
	case i < 0:
		return render(c, view.DeskChooser(chooser))
	}
	if err := s.hall.MayOperate(p, n); err != nil {
		// Another clerk signed in at this counter since.
		chooser.Message = queue.MessageOf(err, t.Lang)
		return render(c, view.DeskChooser(chooser))
	}
	k := snap.Counters[i]
	if k.Ticket != nil {
		lt := localTimes(*k.Ticket, h)
		k.Ticket = &lt
	}
	waiting := s.hall.Waiting(n)
	for j := range waiting {
		waiting[j] = localTimes(privacy.Ticket(waiting[j], privacy.Staff), h)
	}
	page := view.DeskPage{T: t, Hall: h, User: user, Counter: k, Services: snap.Services,
		Counters: snap.Counters, Waiting: waiting, Query: queryString(c), Seq: seq, Ratings: s.deskRatings(p)}
	if items, err := s.casework.CommonItems(n, k.Services, snap.Day, deskQuickItems); err == nil {
		for _, it := range items {
			page.Quick = append(page.Quick, view.DeskItem{ID: it.ID, NameZH: it.NameZH, NameEN: it.NameEN})
		}
	} else {
		s.log.Warn("desk common items", "counter", n, "err", err)
	}
	for _, fill := range deskSlots {
		fill(s, c, &page)
	}
	return render(c, view.Desk(page))
}
