package web

import (
	"github.com/gofiber/fiber/v2"

	"hallq/hall"
)

// Route is one endpoint and the roles that may call it. Every route is
// declared here, so the role-matrix test can walk them all.
type Route struct {
	Method  string
	Path    string
	Roles   []string
	Handler fiber.Handler
}

// Routes returns the route table.
func (s *Server) Routes() []Route {
	return []Route{
		{"GET", "/healthz", []string{Public}, s.healthz},
		{"GET", "/metrics", []string{Public}, s.metrics},
		{"POST", "/api/v1/login", []string{Public}, s.login},
		{"POST", "/api/v1/logout", People, s.logout},
		{"GET", "/api/v1/me", Anyone, s.me},
		{"POST", "/api/v1/tickets", append([]string{"kiosk"}, People...), s.issueTicket},
		{"GET", "/api/v1/tickets/:id", People, s.getTicket},
		{"POST", "/api/v1/tickets/:id/cancel", Managers, s.cancelTicket},
		{"GET", "/api/v1/queue", Anyone, s.getQueue},
		{"GET", "/api/v1/counters/:n/waiting", People, s.counterWaiting},
		{"POST", "/api/v1/counters/:n/:action", People, s.counterAction},
		{"GET", "/api/v1/track/:code", []string{Public}, s.track},
		{"GET", "/api/v1/backup", Managers, s.backup},
		{"GET", "/api/v1/events", append([]string{hall.KindIntegration}, Managers...), s.events},
		{"GET", "/assets/*", []string{Public}, s.static()},
		{"GET", "/kiosk", append([]string{"kiosk"}, Managers...), s.kioskPage},
		{"GET", "/display", append([]string{"display", "kiosk", "counter"}, People...), s.displayPage},
		{"GET", "/counter", append([]string{"counter"}, People...), s.counterPage},
		{"GET", "/desk", People, s.deskPage},
		{"GET", "/login", []string{Public}, s.loginPage},
		{"GET", "/pair/:token", []string{Public}, s.pair},
	}
}

func (s *Server) routes() {
	s.app.Use(s.countRequests)
	s.app.Use(securityHeaders)
	s.app.Use(sameOrigin)
	s.app.Use(s.authenticate)
	for _, r := range s.Routes() {
		s.app.Add(r.Method, r.Path, allow(r.Roles), r.Handler)
	}
}
