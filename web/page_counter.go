package web

import (
	"slices"

	"github.com/gofiber/fiber/v2"

	"hallq/privacy"
	"hallq/queue"
	"hallq/web/view"
)

// counterPage: GET /counter, the screen above a counter. A counter screen
// shows the counter it is paired to; a person previews ?n=N (default: the
// counter they signed in at, else the first).
func (s *Server) counterPage(c *fiber.Ctx) error {
	p := principal(c)
	snap, seq := s.hall.Snapshot()
	snap = privacy.Snapshot(snap, privacy.Public) // nothing personal, not even masked, and no tracking codes
	n := p.Counter
	if p.Kind == "user" {
		if q := c.QueryInt("n"); q > 0 {
			n = q
		}
		if n == 0 && len(snap.Counters) > 0 {
			n = snap.Counters[0].Number
		}
	}
	i := slices.IndexFunc(snap.Counters, func(k queue.CounterView) bool { return k.Number == n })
	if i < 0 {
		return pageMessage(c, fiber.StatusNotFound, view.MessagePage{Title: "msg.nocounter.title", Body: "msg.nocounter.body"})
	}
	k := snap.Counters[i]
	var services []queue.ServiceView
	for _, prefix := range k.Services {
		if j := slices.IndexFunc(snap.Services, func(v queue.ServiceView) bool { return v.Prefix == prefix }); j >= 0 {
			services = append(services, snap.Services[j])
		}
	}
	return render(c, view.Counter(view.CounterPage{T: translator(pageLang(c)), Hall: s.hallInfo(), Counter: k,
		Services: services, Preview: p.Kind == "user", Query: queryString(c), Seq: seq}))
}
