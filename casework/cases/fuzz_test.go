package cases

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzClassify: any text a customer or clerk types gets an answer that is
// either a clear error or a result naming a real item of a valid class,
// with a confidence in [0, 1] and never a nil list.
func FuzzClassify(f *testing.F) {
	for _, s := range []string{"电表走得太快了想校验一下", "帮我查查邻居家用了多少电", "", " ", "交电费", "\x00\xff", "不能 不会", strings.Repeat("电", 5000), "ＡＢＣ１２３", "🙂充电桩"} {
		f.Add(s)
	}
	c := DefaultCatalog()
	f.Fuzz(func(t *testing.T, text string) {
		r, err := c.Classify("", text)
		if err != nil {
			if Code(err) == "" {
				t.Fatalf("error without a code: %v", err)
			}
			return
		}
		it, ok := c.Item(r.Item)
		if !ok || it.Class != r.Class || !r.Class.Valid() {
			t.Fatalf("text %q: result item %q class %q is not a catalog item of that class", text, r.Item, r.Class)
		}
		if r.Confidence < 0 || r.Confidence > 1 || r.Alternatives == nil || r.Documents == nil || r.Why == "" {
			t.Fatalf("text %q: malformed result %+v", text, r)
		}
		if !utf8.ValidString(r.Why) {
			t.Fatalf("why is not valid UTF-8: %q", r.Why)
		}
	})
}

// FuzzCheckScript: the forbidden-phrase check never panics, and a finding
// names a listed phrase at a position inside the text.
func FuzzCheckScript(f *testing.F) {
	for _, s := range []string{"您好，这个我们不能办理", "不 能", "不，能", "", "ｂｕ能", "不可以不会不愿意", "\xff不能"} {
		f.Add(s)
	}
	forbidden := DefaultForbidden()
	f.Fuzz(func(t *testing.T, text string) {
		err := CheckScript(text, forbidden)
		if err == nil {
			return
		}
		var pe *PhraseError
		if !errors.As(err, &pe) {
			t.Fatalf("CheckScript error is not a *PhraseError: %v", err)
		}
		found := false
		for _, p := range forbidden {
			found = found || p == pe.Phrase
		}
		if !found || pe.Pos < 0 || pe.Pos >= utf8.RuneCountInString(text) {
			t.Fatalf("text %q: phrase %q at %d is not a listed phrase inside the text", text, pe.Phrase, pe.Pos)
		}
	})
}
