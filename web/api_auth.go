package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"hallq/account"
)

type loginRequest struct {
	User     string `json:"user"`
	Password string `json:"password"`
	Counter  int    `json:"counter"`
}

// login: POST /api/v1/login {"user","password","counter"?} sets the session
// cookie and returns the principal.
func (s *Server) login(c *fiber.Ctx) error {
	var req loginRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	tok, p, err := s.accounts.SignIn(c.UserContext(), account.SignIn{Name: req.User, Password: req.Password, Counter: req.Counter,
		Addr: c.IP(), DeviceToken: c.Cookies(DeviceCookie)})
	if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: SessionCookie, Value: tok, Path: "/", HTTPOnly: true, Secure: s.secure(c), SameSite: fiber.CookieSameSiteStrictMode, Expires: time.Now().Add(account.SessionIdle)})
	return c.JSON(p)
}

// logout: POST /api/v1/logout ends the session.
func (s *Server) logout(c *fiber.Ctx) error {
	if err := s.accounts.Logout(c.UserContext(), c.Cookies(SessionCookie)); err != nil {
		return err
	}
	c.ClearCookie(SessionCookie)
	return c.SendStatus(fiber.StatusNoContent)
}

// me: GET /api/v1/me returns who the caller is.
func (s *Server) me(c *fiber.Ctx) error { return c.JSON(principal(c)) }
