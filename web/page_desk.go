package web

import (
	"slices"

	"github.com/gofiber/fiber/v2"

	"hallq/hall"
	"hallq/queue"
	"hallq/web/view"
)

// deskPage: GET /desk, the clerk desk of the counter the clerk signed in at.
// Managers and admins work any counter (?n=N) and choose one otherwise.
func (s *Server) deskPage(c *fiber.Ctx) error {
	p := principal(c)
	t := translator(pageLang(c))
	h := s.hallInfo()
	user := view.DeskUser{Name: p.Name, Display: p.Display, StaffNo: p.StaffNo, Role: p.Role}
	snap, _ := s.hall.Snapshot()
	snap = maskSnapshot(snap)
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
		chooser.Message = t.Message(queue.ErrorMessage(err))
		return render(c, view.DeskChooser(chooser))
	}
	k := snap.Counters[i]
	if k.Ticket != nil {
		lt := localTimes(*k.Ticket, h)
		k.Ticket = &lt
	}
	waiting := s.hall.Waiting(n)
	for j := range waiting {
		waiting[j] = localTimes(publicTicket(waiting[j]), h)
	}
	return render(c, view.Desk(view.DeskPage{T: t, Hall: h, User: user, Counter: k, Services: snap.Services,
		Counters: snap.Counters, Waiting: waiting, Query: queryString(c)}))
}
