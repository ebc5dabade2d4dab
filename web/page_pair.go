package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"hallq/hall"
)

// devicePages is where each kind of device goes once paired.
var devicePages = map[string]string{
	hall.KindKiosk:   "/kiosk",
	hall.KindDisplay: "/display",
	hall.KindCounter: "/counter",
	hall.KindKeypad:  "/keypad",
}

// A browser pairs only through a one-time, expiring code (/pair/code/CODE,
// pairCode in api_config.go): the lasting device token is never in a URL,
// where it would stay in histories, logs and photographs of the banner.

// secure reports whether the hall is served over HTTPS here: its public URL
// is https, or the proxy in front says so (X-Forwarded-Proto). Cookies set
// then carry Secure.
func (s *Server) secure(c *fiber.Ctx) bool {
	if c.Protocol() == "https" || strings.EqualFold(c.Get(fiber.HeaderXForwardedProto), "https") {
		return true
	}
	return strings.HasPrefix(strings.ToLower(s.prints.PublicURL()), "https://")
}
