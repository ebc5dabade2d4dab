package web

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"hallq/queue"
)

// contentSecurityPolicy allows only the hall's own scripts (no inline script,
// no eval), its own styles, images, sounds and websocket, and no framing.
// Inline style attributes stay allowed: charts set element styles.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: blob:; media-src 'self' blob:; font-src 'self'; connect-src 'self'; " +
	"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the headers every answer carries.
func securityHeaders(c *fiber.Ctx) error {
	c.Set("Content-Security-Policy", contentSecurityPolicy)
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("X-Frame-Options", "DENY")
	// Tracking codes and pairing tokens sit in URLs: never send them on.
	c.Set("Referrer-Policy", "no-referrer")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	c.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	return c.Next()
}

// sameOrigin refuses state-changing requests that a browser sent from
// another site (CSRF). Cookies authenticate the hall's pages, so a POST from
// elsewhere would carry them; browsers mark such requests with Origin and
// Sec-Fetch-Site, which other sites cannot forge. Requests with a bearer
// token carry no ambient credential and are not checked; neither are
// non-browser clients that send neither header.
//
// A refusal is a security event (logged, and written to the audit at most a
// few times a minute per address, so a flood cannot fill the log).
func (s *Server) sameOrigin(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if strings.HasPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ") {
		return c.Next()
	}
	if site := c.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return s.crossSite(c)
	}
	if o := c.Get(fiber.HeaderOrigin); o != "" {
		u, err := url.Parse(o)
		if err != nil || !strings.EqualFold(u.Host, c.Hostname()) {
			return s.crossSite(c)
		}
	}
	return c.Next()
}

func (s *Server) crossSite(c *fiber.Ctx) error {
	what := fmt.Sprintf("cross-site %s %s refused (origin %q)", c.Method(), c.Path(), c.Get(fiber.HeaderOrigin))
	if s.auditLimit.allow(c.IP(), s.hall.Now()) {
		s.consoles.Security().Event(principal(c).Actor(), c.IP(), what)
	} else {
		s.log.Warn("security", "what", what, "actor", principal(c).Actor(), "addr", c.IP())
	}
	return crossSite()
}

func crossSite() error {
	return queue.Err(queue.EFORBIDDEN, "err.web.request_from_another_site_refused")
}

// rateLimiter is a token bucket per key: burst tokens, one more every per.
type rateLimiter struct {
	burst int
	per   time.Duration

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// allow takes a token from key's bucket; false when it is empty.
func (l *rateLimiter) allow(key string, now time.Time) bool {
	if l == nil || l.burst <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[string]*bucket{}
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: float64(l.burst), at: now}
		l.buckets[key] = b
	}
	b.tokens += now.Sub(b.at).Seconds() / l.per.Seconds()
	if b.tokens > float64(l.burst) {
		b.tokens = float64(l.burst)
	}
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// Per-address limits of the public endpoints (docs/security.md): booking
// (book, cancel, reschedule), tracking look-ups (a code is a key: guessing
// one costs a request) and kiosk check-in. People signed in are not
// limited: a clerk books for callers on the phone.
const (
	limitBook    = "book"
	limitTrack   = "track"
	limitCheckIn = "check-in"
	limitPhone   = "phone" // tickets from phones (扫码取号), per address
)

// publicLimits are the token buckets of the limits, per address.
func publicLimits() map[string]*rateLimiter {
	return map[string]*rateLimiter{
		limitBook:    {burst: 10, per: 2 * time.Minute},
		limitTrack:   {burst: 60, per: time.Second},
		limitCheckIn: {burst: 20, per: 3 * time.Second},
		limitPhone:   {burst: 5, per: 10 * time.Minute},
	}
}

// limited wraps a handler in the per-address limit of kind: 429 once the
// address has used its burst, until the bucket refills.
func (s *Server) limited(kind string, next fiber.Handler) fiber.Handler {
	l := s.publicLimit[kind]
	return func(c *fiber.Ctx) error {
		if principal(c).Kind == "user" || l.allow(c.IP(), s.hall.Now()) {
			return next(c)
		}
		s.log.Warn("rate limited", "limit", kind, "addr", c.IP(), "path", c.Path())
		return queue.Err(queue.ERATELIMIT, "err.web.too_many_requests_please_try")
	}
}
