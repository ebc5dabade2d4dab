package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"hallq/queue"
)

// maxBodyDepth is the deepest nesting a request body may have; the API's
// bodies are two or three levels deep.
const maxBodyDepth = 32

// guardBody refuses, before any handler runs, a request body no handler
// should see: not valid UTF-8 (encoding/json would turn the bytes into
// U+FFFD and store them), not one JSON object, nested deeper than
// maxBodyDepth, or with a string holding a control character (NUL…; tab,
// line feed and carriage return are text) or a bidirectional control
// (U+200E/F, U+202A–E, U+2066–9: they make stored text read differently
// on another user's screen). A handler that ignores its body is covered
// too. EBADREQUEST, naming what is wrong.
func guardBody(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch, fiber.MethodDelete:
	default:
		return c.Next()
	}
	body := bytes.TrimSpace(c.Body())
	if len(body) == 0 {
		return c.Next()
	}
	if err := checkBody(body); err != nil {
		return err
	}
	return c.Next()
}

// checkBody is guardBody's test of one body.
func checkBody(body []byte) error {
	if !utf8.Valid(body) {
		return queue.Err(queue.EBADREQUEST, "err.web.the_body_is_not_valid")
	}
	if body[0] != '{' {
		return queue.Err(queue.EBADREQUEST, "err.web.the_body_must_be_a")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil { // the end before the object closed, or not JSON
			return queue.Err(queue.EBADREQUEST, "err.web.malformed_json")
		}
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' || v == '[' {
				if depth++; depth > maxBodyDepth {
					return queue.Err(queue.EBADREQUEST, "err.web.json_nested_deeper_than_levels", maxBodyDepth, maxBodyDepth)
				}
			} else if depth--; depth == 0 {
				// The object is whole: nothing may follow it.
				if _, err := dec.Token(); !errors.Is(err, io.EOF) {
					return queue.Err(queue.EBADREQUEST, "err.web.trailing_data_after_the_json")
				}
				return nil
			}
		case string:
			if r, ok := forbiddenRune(v); ok {
				return queue.Err(queue.EINVALID, "err.web.text_holds_the_control_character", r, r)
			}
		}
	}
}

// forbiddenRune returns the first control or bidirectional-control rune of
// s (tab, line feed and carriage return allowed).
func forbiddenRune(s string) (rune, bool) {
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
		case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f,
			r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return r, true
		}
	}
	return 0, false
}
