package web

import (
	"net/url"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"hallq/hall"
	"hallq/queue"
)

// Cookie names.
const (
	SessionCookie = "hallq_session"
	DeviceCookie  = "hallq_device"
)

// Public is the pseudo-role of routes anyone may reach.
const Public = "public"

// Role groups used by the route table.
var (
	People   = []string{hall.RoleClerk, hall.RoleManager, hall.RoleAdmin}
	Managers = []string{hall.RoleManager, hall.RoleAdmin}
	Devices  = []string{hall.KindKiosk, hall.KindDisplay, hall.KindCounter, hall.KindKeypad}
	Anyone   = append(slices.Clone(People), Devices...)
)

const principalKey = "principal"

// authenticate resolves the request's principal, if any: a bearer device
// token, a session cookie, or a device cookie, in that order. A credential
// that does not resolve leaves the request anonymous.
func (s *Server) authenticate(c *fiber.Ctx) error {
	ctx := c.UserContext()
	if h := c.Get(fiber.HeaderAuthorization); strings.HasPrefix(h, "Bearer ") {
		if p, err := s.accounts.AuthenticateDevice(ctx, strings.TrimPrefix(h, "Bearer ")); err == nil {
			c.Locals(principalKey, p)
		}
		return c.Next()
	}
	if tok := c.Cookies(SessionCookie); tok != "" {
		if p, err := s.accounts.Authenticate(ctx, tok); err == nil {
			c.Locals(principalKey, p)
			return c.Next()
		}
	}
	if tok := c.Cookies(DeviceCookie); tok != "" {
		if p, err := s.accounts.AuthenticateDevice(ctx, tok); err == nil {
			c.Locals(principalKey, p)
		}
	}
	return c.Next()
}

// principal returns the request's principal (zero if anonymous).
func principal(c *fiber.Ctx) hall.Principal {
	p, _ := c.Locals(principalKey).(hall.Principal)
	return p
}

// allow refuses requests whose principal's role is not in roles: 401 for
// anonymous requests, 403 for the wrong role, as JSON errors for the API and
// the websocket. Pages answer people in HTML instead: an anonymous visitor
// of a page for people is sent (303) to /login?next=…, of a page a device
// shows gets 401 "pair this device first", and the wrong role a 403 page.
func allow(roles []string) fiber.Handler {
	devicePage := slices.ContainsFunc(roles, func(r string) bool { return slices.Contains(Devices, r) })
	return func(c *fiber.Ctx) error {
		if slices.Contains(roles, Public) {
			return c.Next()
		}
		p := principal(c)
		page := isPage(c.Path())
		if p.Kind == "" {
			switch {
			case page && devicePage:
				return pairFirst(c)
			case page:
				return c.Redirect("/login?next="+url.QueryEscape(c.OriginalURL()), fiber.StatusSeeOther)
			}
			return queue.Err(queue.EUNAUTHORIZED, "err.web.sign_in_or_pair_this")
		}
		if !slices.Contains(roles, p.Role) {
			if page {
				return forbiddenPage(c)
			}
			return queue.Err(queue.EFORBIDDEN, "err.web.you_may_not_do_this")
		}
		return c.Next()
	}
}
