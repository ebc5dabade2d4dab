package web_test

import (
	"net/http"
	"testing"
)

// TestAPIErrorLanguage: an Accept-Language naming one language (as the
// hallq pages send it) gets the error message in that language alone, the
// JSON shape unchanged; a browser's list or no header gets both languages.
func TestAPIErrorLanguage(t *testing.T) {
	e := apiNewServer(t)
	e.issue("A", "normal", "")
	c1 := e.login("clerk1", 1)
	e.act(c1, 1, "call", nil, http.StatusOK)
	const zh, en = "过号前请先重呼 1 次（已重呼 0 次）", "recall 1 times before a no-show (recalled 0)"
	cases := []struct {
		name, lang, want string
	}{
		{"chinese page", "zh", zh},
		{"english page", "en", en},
		{"region tag", "en-US", en},
		{"browser list", "zh-CN,zh;q=0.9,en;q=0.8", zh + "/ " + en},
		{"no header", "", zh + "/ " + en},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cred := c1
			cred.Lang = c.lang
			r := e.do("POST", "/api/v1/counters/1/no-show", cred, nil)
			apiCheckError(t, r, http.StatusConflict, "conflict")
			var body struct {
				Error struct {
					Code    string `json:"code"`
					Message string `json:"message"`
				} `json:"error"`
			}
			r.JSON(t, &body)
			if body.Error.Message != c.want {
				t.Errorf("message %q, want %q", body.Error.Message, c.want)
			}
		})
	}
}
