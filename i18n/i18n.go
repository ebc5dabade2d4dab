// Package i18n is hallq's one catalog of text in two languages: the strings
// of the pages and their scripts, and the messages of domain errors. A key
// names a pair of fmt formats, Chinese first, English second; both formats
// take the same arguments (a format may pick them by index, %[2]s, and may
// leave some out). The package imports only queue, with which it registers
// its renderer in init (queue.SetTexts): the engine imports only the standard
// library, and its errors (queue.Err) get their texts from here. A program or
// test that makes or shows keyed errors therefore links this package.
package i18n

import (
	"fmt"
	"strings"

	"hallq/queue"
)

// init gives queue the catalog, so that queue.Err, ErrorMessage and
// MessageOf render keys in both languages.
func init() { queue.SetTexts(Text, Has) }

// The languages a text can be asked in. Any other language gets both
// (Text).
const (
	ZH = "zh"
	EN = "en"
)

// ErrPrefix begins the key of every error message. Error messages stay on
// the server; Pages leaves them out of what pages send to their scripts.
const ErrPrefix = "err."

// messages is the catalog: key → {Chinese, English}.
var messages = merge(pageMessages, queueErrors, hallErrors, storeErrors, reportErrors, simErrors, calendarErrors, catalogsyncErrors, regionErrors, webErrors, kioskErrors, printingErrors, printingTexts, notifyErrors, appointmentTexts, simTexts)

// pages is the catalog without the error messages.
var pages = func() map[string][2]string {
	m := make(map[string][2]string, len(messages))
	for k, v := range messages {
		if !strings.HasPrefix(k, ErrPrefix) {
			m[k] = v
		}
	}
	return m
}()

// merge joins the catalog's parts; a key defined twice panics at start (and
// fails TestCatalog).
func merge(parts ...map[string][2]string) map[string][2]string {
	m := map[string][2]string{}
	for _, p := range parts {
		for k, v := range p {
			if _, dup := m[k]; dup {
				panic("i18n: key " + k + " defined twice")
			}
			m[k] = v
		}
	}
	return m
}

// Has reports whether key is in the catalog.
func Has(key string) bool { _, ok := messages[key]; return ok }

// Pages returns the page strings (every key but the error messages), which a
// page hands to its scripts. The map is shared: callers must not change it.
func Pages() map[string][2]string { return pages }

// Text returns the text of key in lang ("zh" or "en") formatted with args;
// any other lang gets both, "中文 / English" (Join): the form that error
// messages had before the catalog and still have for clients that ask for no
// language. A key not in the catalog is returned as is, so a missing string
// shows on screen instead of vanishing.
func Text(lang, key string, args ...any) string {
	m, ok := messages[key]
	switch {
	case !ok:
		return key
	case lang == ZH:
		return strings.TrimRight(format(m[0], args), " ")
	case lang == EN:
		return format(m[1], args)
	}
	return Join(format(m[0], args), format(m[1], args))
}

// Bilingual returns the text of key in both languages, "中文 / English", the
// form that error messages had before the catalog and still have for
// clients that ask for no language.
func Bilingual(key string, args ...any) string { return Text("", key, args...) }

// Join joins a Chinese and an English text into one bilingual text: "中文 /
// English", or "中文（…）/ English" after a closing full-width parenthesis.
// A Chinese text that ends in a space keeps it before the slash: a few
// messages were published as "中文（…） / English", and clients may compare
// them whole.
func Join(zh, en string) string {
	if strings.HasSuffix(zh, "）") || strings.HasSuffix(zh, " ") {
		return zh + "/ " + en
	}
	return zh + " / " + en
}

// format is fmt.Sprintf, except that a format with no verb ignores args (fmt
// would append them as %!(EXTRA …)): one language may need an argument that
// the other does not.
func format(f string, args []any) string {
	if len(args) == 0 || !strings.Contains(f, "%") {
		return f
	}
	return fmt.Sprintf(f, args...)
}
