package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"hallq/i18n"
	"hallq/web/view"
)

// LangCookie remembers the language a device or person chose with ?lang=.
const LangCookie = "hallq_lang"

// pageLang is the page's language: ?lang=zh|en (remembered in a cookie), the
// cookie, or Chinese.
func pageLang(c *fiber.Ctx) string {
	if q := c.Query("lang"); q == "zh" || q == "en" {
		c.Cookie(&fiber.Cookie{Name: LangCookie, Value: q, Path: "/", SameSite: fiber.CookieSameSiteLaxMode,
			Expires: time.Now().AddDate(5, 0, 0)})
		return q
	}
	if v := c.Cookies(LangCookie); v == "en" {
		return v
	}
	return "zh"
}

// translator is the T of a page in lang.
func translator(lang string) view.T { return view.T{Lang: lang, Msgs: i18n.Pages()} }
