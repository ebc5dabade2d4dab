package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"hallq/queue"
)

// decode reads a JSON body strictly: the content type must be JSON, unknown
// fields and trailing data are refused.
func decode(c *fiber.Ctx, v any) error {
	if !strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationJSON) {
		return queue.Err(queue.EBADREQUEST, "err.web.send_json_with_content_type")
	}
	return decodeBytes(c.Body(), v)
}

func decodeBytes(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var ute *json.UnmarshalTypeError
		switch {
		case errors.Is(err, io.EOF):
			return queue.Err(queue.EBADREQUEST, "err.web.the_request_body_is_empty")
		case errors.As(err, &ute) && ute.Field == "":
			return queue.Err(queue.EBADREQUEST, "err.web.the_body_must_be_a")
		case errors.As(err, &ute):
			return queue.Err(queue.EBADREQUEST, "err.web.field_has_the_wrong_type", ute.Field, ute.Field)
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return queue.Err(queue.EBADREQUEST, "err.web.unknown_field", strings.TrimPrefix(err.Error(), "json: unknown field "), strings.TrimPrefix(err.Error(), "json: unknown field "))
		}
		return queue.Err(queue.EBADREQUEST, "err.web.malformed_json")
	}
	// Anything but the end after the value: another value, or stray
	// characters such as the "}" of `{}}` (dec.More misses those).
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return queue.Err(queue.EBADREQUEST, "err.web.trailing_data_after_the_json")
	}
	return nil
}

// decodeOptional is decode for actions whose body may be empty.
func decodeOptional(c *fiber.Ctx, v any) error {
	if len(bytes.TrimSpace(c.Body())) == 0 {
		return nil
	}
	return decode(c, v)
}

func pathInt(c *fiber.Ctx, name string) (int, error) {
	n, err := strconv.Atoi(c.Params(name))
	if err != nil || n <= 0 {
		return 0, queue.Err(queue.ENOTFOUND, "err.web.invalid_path_param", name, name, c.Params(name))
	}
	return n, nil
}
