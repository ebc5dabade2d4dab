package web

import (
	"github.com/gofiber/fiber/v2"

	"hallq/privacy"
	"hallq/web/view"
)

// loginPage: GET /login[?next=/path][&counter=N], the people's sign-in form.
// It posts to /api/v1/login from assets/js/login.js.
func (s *Server) loginPage(c *fiber.Ctx) error {
	snap, _ := s.hall.Snapshot()
	snap = privacy.Snapshot(snap, privacy.Public) // nothing personal, not even masked, and no tracking codes
	return render(c, view.Login(view.LoginPage{T: translator(pageLang(c)), Hall: s.hallInfo(), Counters: snap.Counters,
		Next: safeNext(c.Query("next")), Counter: c.QueryInt("counter"), Query: queryString(c)}))
}
