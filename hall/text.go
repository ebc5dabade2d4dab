package hall

import (
	"fmt"
	"strings"
	"unicode"

	"hallq/queue"
)

// Text that reaches screens, tickets and other people (names, notices,
// reasons, notes) refuses control characters and the bidirectional
// overrides and isolates, which can make a counter screen or a keypad show
// text other than what is stored (U+202E turns "abc" into "cba"). Notes may
// keep line breaks and tabs.

// bidiControls are the invisible direction marks, overrides and isolates.
const bidiControls = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"

// badRune returns the first rune of s that a text field refuses (multiline:
// line breaks and tabs allowed), and whether there is one.
func badRune(s string, multiline bool) (rune, bool) {
	for _, r := range s {
		if multiline && (r == '\n' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) || strings.ContainsRune(bidiControls, r) || r == '\u2028' || r == '\u2029' || r == unicode.ReplacementChar {
			return r, true
		}
	}
	return 0, false
}

// checkText refuses control characters and bidi controls in a one-line text
// field (EINVALID naming the field and the character).
func checkText(field, zh, s string) error { return checkChars(field, zh, s, false) }

// CheckText is checkText for the features beside the kernel.
func CheckText(field, zh, s string) error { return checkText(field, zh, s) }

// checkNames is checkText of several texts of one field.
func checkNames(field, zh string, texts ...string) error {
	for _, s := range texts {
		if err := checkText(field, zh, s); err != nil {
			return err
		}
	}
	return nil
}

func checkChars(field, zh, s string, multiline bool) error {
	if r, bad := badRune(s, multiline); bad {
		return queue.Err(queue.EINVALID, "err.hall.contains_the_control_character", zh, fmt.Sprintf("U+%04X", r), field)
	}
	return nil
}
