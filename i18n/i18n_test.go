package i18n_test

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"hallq/i18n"
)

// verbRE matches one fmt verb, with its optional argument index.
var verbRE = regexp.MustCompile(`%(%|[-+# 0]*[0-9]*(?:\.[0-9]+)?(?:\[([0-9]+)\])?([a-zA-Z]))`)

// argsOf returns sample arguments for the formats of one key: as many as
// the formats use, each of the type its verb wants.
func argsOf(formats ...string) []any {
	var args []any
	for _, f := range formats {
		next := 0
		for _, m := range verbRE.FindAllStringSubmatch(f, -1) {
			if m[1] == "%" {
				continue
			}
			n := next
			if m[2] != "" {
				n, _ = strconv.Atoi(m[2])
				n--
			}
			next = n + 1
			for len(args) <= n {
				args = append(args, nil)
			}
			if args[n] == nil {
				switch m[3] {
				case "d", "x", "X", "c":
					args[n] = 7
				case "f", "g", "e":
					args[n] = 1.5
				case "t":
					args[n] = true
				default:
					args[n] = "x"
				}
			}
		}
	}
	return args
}

// TestCatalog: every key has both languages (a page string may leave the
// English empty on purpose, "号"; an error message may not), and both
// formats of a key take the same arguments: formatting each with the
// arguments its verbs want gives no fmt complaint (%!) in either language.
func TestCatalog(t *testing.T) {
	keys := i18n.Keys()
	sort.Strings(keys)
	if len(keys) == 0 {
		t.Fatal("empty catalog")
	}
	for _, k := range keys {
		zh, en, ok := i18n.Formats(k)
		if !ok {
			t.Fatalf("%s: listed but not found", k)
		}
		if zh == "" {
			t.Errorf("%s: no Chinese", k)
		}
		if en == "" && strings.HasPrefix(k, i18n.ErrPrefix) {
			t.Errorf("%s: no English", k)
		}
		args := argsOf(zh, en)
		for _, lang := range []string{i18n.ZH, i18n.EN, ""} {
			if got := i18n.Text(lang, k, args...); strings.Contains(got, "%!") {
				t.Errorf("%s in %q: %q", k, lang, got)
			}
		}
	}
}

// TestText: a key gives its language, both languages joined when none is
// asked, arguments picked by index; an unknown key comes back as itself.
func TestText(t *testing.T) {
	const key = "err.queue.counter_names_unknown_service" // "%d 号窗口的业务 %q 不存在" / "counter %d names unknown service %q"
	cases := []struct{ name, lang, key, want string }{
		{"chinese", "zh", key, `3 号窗口的业务 "Z" 不存在`},
		{"english", "en", key, `counter 3 names unknown service "Z"`},
		{"both", "", key, `3 号窗口的业务 "Z" 不存在 / counter 3 names unknown service "Z"`},
		{"other language", "fr", key, `3 号窗口的业务 "Z" 不存在 / counter 3 names unknown service "Z"`},
		{"unknown key", "zh", "err.nope", "err.nope"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := i18n.Text(c.lang, c.key, 3, "Z"); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
	// One language may use an argument the other leaves out.
	if got := i18n.Text("en", "err.queue.duplicate_counter_number", 5); got != "duplicate counter number 5" {
		t.Errorf("en: %q", got)
	}
	if got := i18n.Text("zh", "err.queue.duplicate_counter_number", 5); got != "窗口号重复" {
		t.Errorf("zh: %q", got)
	}
}

// TestPages: the page strings hold no error message (those stay on the
// server) and every other key.
func TestPages(t *testing.T) {
	pages := i18n.Pages()
	n := 0
	for _, k := range i18n.Keys() {
		_, inPages := pages[k]
		if isErr := strings.HasPrefix(k, i18n.ErrPrefix); isErr == inPages {
			t.Errorf("%s: in the pages' strings %v", k, inPages)
		}
		if !strings.HasPrefix(k, i18n.ErrPrefix) {
			n++
		}
	}
	if len(pages) != n {
		t.Errorf("pages hold %d strings, want %d", len(pages), n)
	}
}

// errKeyRE matches an error key written in Go source.
var errKeyRE = regexp.MustCompile(`"(err\.[a-z0-9_]+\.[a-z0-9_]+)"`)

// TestErrorKeysUsed: every error key the project's Go code names is in the
// catalog, and every error key of the catalog is named somewhere (no dead
// messages).
func TestErrorKeysUsed(t *testing.T) {
	used := map[string][]string{}
	err := filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && d.Name() != ".." || path == filepath.Join("..", "i18n")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range errKeyRE.FindAllStringSubmatch(string(src), -1) {
			used[m[1]] = append(used[m[1]], path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(used) == 0 {
		t.Fatal("no error key found in the source")
	}
	for k, paths := range used {
		if !i18n.Has(k) {
			t.Errorf("%s (used in %s) is not in the catalog", k, strings.Join(paths, ", "))
		}
	}
	for _, k := range i18n.Keys() {
		if strings.HasPrefix(k, i18n.ErrPrefix) && used[k] == nil {
			t.Errorf("%s is in the catalog but no code uses it", k)
		}
	}
}

// TestJoin: the bilingual form keeps the slash's spacing that each message
// was published with.
func TestJoin(t *testing.T) {
	cases := []struct{ name, key, zh, both string }{
		{"plain", "err.queue.at_least_one_service", "至少需要一个业务类别", "至少需要一个业务类别 / at least one service is required"},
		{"parenthesis", "err.queue.recall_times_before_a", "过号前请先重呼 1 次（已重呼 0 次）", "过号前请先重呼 1 次（已重呼 0 次）/ recall 1 times before a no-show (recalled 0)"},
		{"parenthesis and space", "err.queue.counter_open_hours_must", "1 号窗口的开放时间无效（HH:MM，结束晚于开始）",
			"1 号窗口的开放时间无效（HH:MM，结束晚于开始） / counter 1: open hours must be HH:MM with the close after the open"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := []any{1, 0}
			if c.key == "err.queue.counter_open_hours_must" {
				args = args[:1]
			}
			if got := i18n.Text("zh", c.key, args...); got != c.zh {
				t.Errorf("zh %q, want %q", got, c.zh)
			}
			if got := i18n.Text("", c.key, args...); got != c.both {
				t.Errorf("both %q, want %q", got, c.both)
			}
		})
	}
}
