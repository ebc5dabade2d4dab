package web

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"hallq/hall"
	"hallq/web/view"
)

// devicePages is where each kind of device goes once paired.
var devicePages = map[string]string{
	hall.KindKiosk:   "/kiosk",
	hall.KindDisplay: "/display",
	hall.KindCounter: "/counter",
	hall.KindKeypad:  "/keypad",
}

// pair: GET /pair/:token pairs the browser it is opened in: a valid device
// token becomes a long-lived HttpOnly cookie and the browser goes on to the
// device's page; anything else gets a 404 page. ?lang=en also sets the
// device's language.
func (s *Server) pair(c *fiber.Ctx) error {
	pageLang(c)
	token := utils.CopyString(c.Params("token"))
	p, err := s.hall.AuthenticateDevice(c.UserContext(), token)
	if err != nil || devicePages[p.Role] == "" {
		return pageMessage(c, fiber.StatusNotFound, view.MessagePage{Hall: s.hallInfo(), Title: "msg.badpair.title", Body: "msg.badpair.body"})
	}
	c.Cookie(&fiber.Cookie{Name: DeviceCookie, Value: token, Path: "/", HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Now().AddDate(10, 0, 0)})
	return c.Redirect(devicePages[p.Role], fiber.StatusSeeOther)
}
