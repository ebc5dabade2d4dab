package queue_test

import (
	"errors"
	"fmt"
	"testing"

	_ "hallq/i18n" // the catalog registers its texts with queue (SetTexts), as in every program
	"hallq/queue"
)

// TestMessageIn: a bilingual message gives each half by language, whatever
// the punctuation before the slash; other messages come back whole.
func TestMessageIn(t *testing.T) {
	cases := []struct {
		name, msg, zh, en string
	}{
		{"spaced", "没有这个地址 / no such page", "没有这个地址", "no such page"},
		{"full-width bracket", "过号前请先重呼 1 次（已重呼 0 次）/ recall 1 times before a no-show (recalled 0)",
			"过号前请先重呼 1 次（已重呼 0 次）", "recall 1 times before a no-show (recalled 0)"},
		{"slashes inside", "没有这个频道 \"x\"（display、counter/N）/ unknown topic \"x\" (display, counter/N)",
			"没有这个频道 \"x\"（display、counter/N）", "unknown topic \"x\" (display, counter/N)"},
		{"english only", "malformed JSON / body", "malformed JSON / body", "malformed JSON / body"},
		{"chinese only", "请稍后再试", "请稍后再试", "请稍后再试"},
		{"empty", "", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := queue.MessageIn(c.msg, "zh"); got != c.zh {
				t.Errorf("zh: got %q, want %q", got, c.zh)
			}
			if got := queue.MessageIn(c.msg, "en"); got != c.en {
				t.Errorf("en: got %q, want %q", got, c.en)
			}
			if got := queue.MessageIn(c.msg, ""); got != c.msg {
				t.Errorf("no language: got %q, want the whole message", got)
			}
		})
	}
}

// TestMessageOf: an error from the catalog gives its message in the asked
// language and both languages otherwise (ErrorMessage's form, with the code
// unchanged); an error with a free message falls back to MessageIn; an
// internal error never shows its text.
func TestMessageOf(t *testing.T) {
	keyed := queue.Err(queue.ECONFLICT, "err.queue.recall_times_before_a", 2, 1)
	free := queue.Errorf(queue.EINVALID, "没有这个地址 / no such page")
	internal := errors.New("disk on fire")
	cases := []struct {
		name, lang string
		err        error
		want       string
	}{
		{"keyed zh", "zh", keyed, "过号前请先重呼 2 次（已重呼 1 次）"},
		{"keyed en", "en", keyed, "recall 2 times before a no-show (recalled 1)"},
		{"keyed both", "", keyed, "过号前请先重呼 2 次（已重呼 1 次）/ recall 2 times before a no-show (recalled 1)"},
		{"wrapped keyed en", "en", fmt.Errorf("no-show: %w", keyed), "recall 2 times before a no-show (recalled 1)"},
		{"free zh", "zh", free, "没有这个地址"},
		{"free en", "en", free, "no such page"},
		{"internal zh", "zh", internal, "系统内部错误，请稍后再试"},
		{"internal en", "en", internal, "Internal error, please try again"},
		{"internal both", "", internal, "系统内部错误，请稍后再试 / Internal error, please try again"},
		{"nil", "en", nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := queue.MessageOf(c.err, c.lang); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
	if keyed.Code != queue.ECONFLICT || keyed.Message != queue.MessageOf(keyed, "") || queue.ErrorMessage(keyed) != keyed.Message {
		t.Errorf("Err: code %q, message %q", keyed.Code, keyed.Message)
	}
}

// TestTextsFallback: with no catalog registered, a key renders as the key and
// its arguments, so an error never panics or loses its message; with the
// catalog (this binary links hallq/i18n) the engine's own keys render in
// both languages.
func TestTextsFallback(t *testing.T) {
	cases := []struct {
		key  string
		args []any
		want string
	}{
		{"err.queue.internal", nil, "err.queue.internal"},
		{"err.queue.recall_times_before_a", []any{2, 1}, "err.queue.recall_times_before_a 2 1"},
		{"err.x", []any{"A001", 3.5, nil}, "err.x A001 3.5 <nil>"},
	}
	for _, c := range cases {
		if got := queue.FallbackText(c.key, c.args...); got != c.want {
			t.Errorf("FallbackText(%q, %v) = %q, want %q", c.key, c.args, got, c.want)
		}
	}
	e := queue.Err(queue.EINVALID, "err.queue.internal")
	if e.Message != "系统内部错误，请稍后再试 / Internal error, please try again" {
		t.Errorf("Err with the catalog registered: message %q", e.Message)
	}
}
