package queue

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"unicode"
)

// Error codes shared by every layer of hallq. The web layer maps each code to
// one HTTP status; the message is safe to show to a customer or clerk.
const (
	EINVALID      = "invalid"      // the request is malformed or breaks a rule (422)
	EBADREQUEST   = "bad_request"  // the request could not be read at all (400)
	ENOTFOUND     = "not_found"    // the thing asked for does not exist (404)
	ECONFLICT     = "conflict"     // the state does not allow it now (409)
	ELIMIT        = "limit"        // a daily limit was reached (409)
	ECLOSED       = "closed"       // the hall or the counter is closed (409)
	EUNAUTHORIZED = "unauthorized" // no valid session or device token (401)
	EFORBIDDEN    = "forbidden"    // authenticated, but not allowed (403)
	ETOOLARGE     = "too_large"    // the body is too large (413)
	ERATELIMIT    = "rate_limited" // too many attempts or requests; try later (429)
	EUNAVAILABLE  = "unavailable"  // the hall cannot save now (disk full, read-only); nothing changed (503)
	EINTERNAL     = "internal"     // something went wrong on our side (500)
)

// Error is a user-safe error with a code. Message is written for the person
// at the screen: Chinese first, English after a slash. An error made by Err
// also keeps the catalog key of its message and the key's arguments, so that
// MessageOf can give the message in one language.
type Error struct {
	Code    string
	Message string
	Key     string // i18n catalog key of Message; "" for a message with no key
	Args    []any  // arguments of Key's formats
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Err returns an *Error with the code and the message of the i18n catalog's
// key formatted with args (both languages in Message).
func Err(code, key string, args ...any) *Error {
	return &Error{Code: code, Message: render("", key, args...), Key: key, Args: args}
}

// texts is the renderer of catalog keys that the catalog (hallq/i18n)
// registers with SetTexts in its init. queue imports only the standard
// library, so it cannot call the catalog itself; every program and test that
// makes or shows keyed errors links hallq/i18n (a blank import where it is
// not used otherwise), and so has the renderer before any error is made.
type texts struct {
	render func(lang, key string, args ...any) string
	has    func(key string) bool
}

var registered atomic.Pointer[texts]

// SetTexts registers the catalog's renderer: render gives key's text in lang
// ("zh" or "en"; any other lang both languages, "中文 / English") formatted
// with args, and has reports whether key is in the catalog. hallq/i18n calls
// it in its init; a nil func leaves the fallback in its place.
func SetTexts(render func(lang, key string, args ...any) string, has func(key string) bool) {
	registered.Store(&texts{render: render, has: has})
}

// render returns key's text in lang from the registered catalog or, with no
// catalog registered, the key followed by its arguments (never a panic).
func render(lang, key string, args ...any) string {
	return renderWith(registered.Load(), lang, key, args...)
}

// renderWith is render with the catalog t (nil: none registered).
func renderWith(t *texts, lang, key string, args ...any) string {
	if t != nil && t.render != nil {
		return t.render(lang, key, args...)
	}
	parts := make([]string, 0, 1+len(args))
	parts = append(parts, key)
	for _, a := range args {
		parts = append(parts, fmt.Sprint(a))
	}
	return strings.Join(parts, " ")
}

// hasText reports whether the registered catalog has key; false with none.
func hasText(key string) bool {
	t := registered.Load()
	return t != nil && t.has != nil && t.has(key)
}

// Errorf returns an *Error with the code and a formatted message. Prefer Err:
// a message from the catalog can be given in the reader's language alone.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of err; internal errors get a
// generic message so that no internal detail reaches a client.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return render("", keyInternal)
}

// keyInternal is the message of every error that is not an *Error.
const keyInternal = "err.queue.internal"

// MessageOf returns the user-safe message of err in lang ("zh" or "en"; any
// other lang gets both languages, as ErrorMessage): from the catalog for an
// error made by Err, else the part of the bilingual message in lang
// (MessageIn).
func MessageOf(err error, lang string) string {
	var e *Error
	if err == nil {
		return ""
	} else if !errors.As(err, &e) {
		return render(lang, keyInternal)
	} else if e.Key != "" && hasText(e.Key) {
		return render(lang, e.Key, e.Args...)
	}
	return MessageIn(e.Message, lang)
}

// MessageIn returns the part of a bilingual message ("中文 / English", or
// "中文（…）/ English") in lang, "zh" or "en"; any other lang, or a message
// that is not bilingual, is returned whole. The two halves are split at the
// first "/ " that follows a space or a non-ASCII character and has Chinese
// before it, so "counter/N" or "YYYY-MM-DD" inside a half do not split it.
func MessageIn(msg, lang string) string {
	if lang != "zh" && lang != "en" {
		return msg
	}
	for i := 1; i+2 <= len(msg); i++ {
		if msg[i] != '/' || i+1 >= len(msg) || msg[i+1] != ' ' {
			continue
		}
		if prev := msg[i-1]; prev != ' ' && prev < 0x80 {
			continue
		}
		zh, en := strings.TrimSpace(msg[:i]), strings.TrimSpace(msg[i+2:])
		if zh == "" || en == "" || !hasCJK(zh) {
			continue
		}
		if lang == "zh" {
			return zh
		}
		return en
	}
	return msg
}

// hasCJK reports whether s holds a Chinese character.
func hasCJK(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}
