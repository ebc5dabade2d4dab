// Package textcheck refuses the characters that must not reach screens,
// tickets and other people (names, notices, reasons, notes): control
// characters and the bidirectional overrides and isolates, which can make a
// counter screen or a keypad show text other than what is stored (U+202E
// turns "abc" into "cba"). Notes may keep line breaks and tabs. The kernel
// and every feature check their text fields with it (was hall/text.go).
package textcheck

import (
	"fmt"
	"strings"
	"unicode"

	_ "hallq/i18n" // queue.Err renders its keys with the catalog that i18n registers in its init
	"hallq/queue"
)

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

// Text refuses control characters and bidi controls in a one-line text
// field (EINVALID naming the field and the character).
func Text(field, zh, s string) error { return Chars(field, zh, s, false) }

// Chars is Text of a text that may span lines when multiline.
func Chars(field, zh, s string, multiline bool) error {
	if r, bad := badRune(s, multiline); bad {
		return queue.Err(queue.EINVALID, "err.hall.contains_the_control_character", zh, fmt.Sprintf("U+%04X", r), field)
	}
	return nil
}

// Names is Text of several texts of one field.
func Names(field, zh string, texts ...string) error {
	for _, s := range texts {
		if err := Text(field, zh, s); err != nil {
			return err
		}
	}
	return nil
}
