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
		return queue.Errorf(queue.EBADREQUEST, "请以 JSON 提交（Content-Type: application/json）/ send JSON with Content-Type: application/json")
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
			return queue.Errorf(queue.EBADREQUEST, "请求内容为空 / the request body is empty")
		case errors.As(err, &ute) && ute.Field == "":
			return queue.Errorf(queue.EBADREQUEST, "请以 JSON 对象提交 / the body must be a JSON object")
		case errors.As(err, &ute):
			return queue.Errorf(queue.EBADREQUEST, "字段 %s 类型错误 / field %q has the wrong type", ute.Field, ute.Field)
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return queue.Errorf(queue.EBADREQUEST, "未知字段 %s / unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "), strings.TrimPrefix(err.Error(), "json: unknown field "))
		}
		return queue.Errorf(queue.EBADREQUEST, "JSON 格式错误 / malformed JSON")
	}
	// Anything but the end after the value: another value, or stray
	// characters such as the "}" of `{}}` (dec.More misses those).
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return queue.Errorf(queue.EBADREQUEST, "JSON 之后还有多余内容 / trailing data after the JSON value")
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
		return 0, queue.Errorf(queue.ENOTFOUND, "%s 无效 / invalid %s %q", name, name, c.Params(name))
	}
	return n, nil
}
