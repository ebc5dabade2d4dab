package web

import (
	"encoding/json"
	"strings"
	"testing"

	"hallq/hall"
	"hallq/queue"
)

// FuzzDecodeBody: the strict JSON decoder used by every handler answers any
// body with either a value or a bad-request error whose message carries no
// Go error text, and never panics.
func FuzzDecodeBody(f *testing.F) {
	for _, s := range []string{`{"service":"A"}`, `{"service":"A","priority":"green","phone":"13800000000"}`, `[]`, `"x"`, `{`, `{"service":1}`,
		`{"service":"A"} {"service":"B"}`, `{"unknown":true}`, ``, `null`, `{"service":"A","item":"` + strings.Repeat("x", 1000) + `"}`, "\xff\xfe"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, v := range []any{&hall.IssueRequest{}, &struct {
			Service string `json:"service"`
			Counter int    `json:"counter"`
			Reason  string `json:"reason"`
		}{}, &struct {
			User     string `json:"user"`
			Password string `json:"password"`
			Counter  int    `json:"counter"`
		}{}} {
			err := decodeBytes(body, v)
			if err == nil {
				if !json.Valid(body) {
					t.Fatalf("accepted invalid JSON %q", body)
				}
				continue
			}
			if queue.ErrorCode(err) != queue.EBADREQUEST {
				t.Fatalf("body %q: error code %q, want bad_request", body, queue.ErrorCode(err))
			}
			msg := queue.ErrorMessage(err)
			for _, leak := range []string{"json:", "invalid character", "unexpected EOF", "%!"} {
				if strings.Contains(msg, leak) {
					t.Fatalf("body %q: message leaks %q: %s", body, leak, msg)
				}
			}
		}
	})
}
