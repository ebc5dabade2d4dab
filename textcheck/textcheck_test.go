package textcheck_test

import (
	"strings"
	"testing"

	"hallq/queue"
	"hallq/textcheck"
)

// TestRefusedCharacters: control characters and bidi overrides are refused
// (EINVALID naming the character); line breaks and tabs only in notes.
func TestRefusedCharacters(t *testing.T) {
	if err := textcheck.Text("the name", "姓名", "张三 Zhang"); err != nil {
		t.Errorf("plain name: %v", err)
	}
	for _, bad := range []string{"abc\u202e", "a\x00b", "line\nbreak", "\u2066x"} {
		err := textcheck.Text("the name", "姓名", bad)
		if queue.ErrorCode(err) != queue.EINVALID || !strings.Contains(err.Error(), "U+") {
			t.Errorf("Text(%q): %v, want EINVALID naming the character", bad, err)
		}
	}
	if err := textcheck.Chars("the note", "备注", "two\nlines\tand a tab", true); err != nil {
		t.Errorf("multiline note: %v", err)
	}
	if err := textcheck.Chars("the note", "备注", "two\nlines\u202e", true); queue.ErrorCode(err) != queue.EINVALID {
		t.Errorf("multiline with an override: %v", err)
	}
	if err := textcheck.Names("the counter's name", "窗口名称", "一号窗口", "Counter\x07"); queue.ErrorCode(err) != queue.EINVALID {
		t.Errorf("Names with a bell: %v", err)
	}
}
