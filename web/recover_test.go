package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// TestPanicAnswers500: a handler that panics answers 500 with an error id
// in the JSON error, and the server goes on serving the next request.
func TestPanicAnswers500(t *testing.T) {
	e := apiNewServer(t)
	e.app.Get("/api/v1/test-panic", func(c *fiber.Ctx) error {
		var m map[string]int
		m["boom"]++ // nil map write
		return nil
	})
	before := e.issue("A", "normal", "")

	r := e.do("GET", "/api/v1/test-panic", apiAnon, nil)
	if r.Status != http.StatusInternalServerError {
		t.Fatalf("panicking handler: %d %s, want 500", r.Status, r.Body)
	}
	var body struct {
		Error struct{ Code, Message, ID string }
	}
	r.JSON(t, &body)
	if body.Error.Code != "internal" || !regexp.MustCompile(`^[0-9a-f]{12}$`).MatchString(body.Error.ID) ||
		!strings.Contains(body.Error.Message, body.Error.ID) || strings.Contains(string(r.Body), "nil map") {
		t.Errorf("error body %s: want code internal, an error id named in the message, no panic text", r.Body)
	}

	after := e.issue("A", "normal", "")
	if after.ID != before.ID+1 {
		t.Errorf("ticket after the panic: id %d, want %d", after.ID, before.ID+1)
	}
	if r := e.do("GET", "/healthz", apiAnon, nil); r.Status != http.StatusOK {
		t.Errorf("healthz after the panic: %d %s", r.Status, r.Body)
	}
	if m := e.do("GET", "/metrics", apiAnon, nil); !strings.Contains(string(m.Body), "hallq_http_panics_total 1\n") {
		t.Errorf("metrics do not count the panic:\n%s", m.Body)
	}
}
