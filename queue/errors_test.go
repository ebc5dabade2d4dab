package queue_test

import (
	"testing"

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
