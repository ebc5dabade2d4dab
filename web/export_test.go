package web

import (
	"time"

	"github.com/gofiber/fiber/v2"
)

// SetKeepalive shortens the hub's ping interval and pong deadline for
// tests.
func (h *Hub) SetKeepalive(ping, pong time.Duration) {
	h.pingEvery.Store(int64(ping))
	h.pongWait.Store(int64(pong))
}

// App returns the fiber app, for app.Test in package web_test's tests.
func (s *Server) App() *fiber.App { return s.app }
