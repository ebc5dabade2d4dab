package web_test

import (
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// TestFieldsHaveNames: every input and select of the staff pages has an
// accessible name — a wrapping <label>, a <label for>, aria-label or
// aria-labelledby — and the names say which field it is: the opening
// hours name their weekday, the booking plans their service, the role
// selects their account. (TestAccessibility checks the rendered pages with
// axe-core; this is the fast check of the templates, in both languages.)
func TestFieldsHaveNames(t *testing.T) {
	e := apiNewServer(t)
	mgr := e.login("manager", 0)
	clerk := e.login("clerk1", 1)
	for _, lang := range []string{"zh", "en"} {
		pages := []struct {
			path string
			who  apiCred
		}{
			{"/manager/services", mgr}, {"/manager/hall", mgr}, {"/manager/appointments", mgr},
			{"/manager/staff", mgr}, {"/manager/devices", mgr}, {"/desk", clerk}, {"/login", apiCred{}},
		}
		for _, p := range pages {
			doc := apiDoc(t, e.do("GET", p.path+"?lang="+lang, p.who, nil))
			doc.Find("input, select, textarea").Each(func(_ int, f *goquery.Selection) {
				if typ, _ := f.Attr("type"); typ == "hidden" || typ == "submit" || typ == "button" {
					return
				}
				if fieldName(doc, f) == "" {
					h, _ := goquery.OuterHtml(f)
					t.Errorf("%s (%s): a field without a name: %.160s", p.path, lang, h)
				}
			})
		}
		named := []struct {
			path string
			who  apiCred
			sel  string
			want string
		}{
			{"/manager/hall", mgr, `input[name="hours.1.open"]`, map[string]string{"zh": "星期一", "en": "Monday"}[lang]},
			{"/manager/hall", mgr, `input[name="hours.7.close"]`, map[string]string{"zh": "星期日", "en": "Sunday"}[lang]},
			{"/manager/appointments", mgr, `[data-testid="ma-slot-A"]`, "A "},
			{"/manager/appointments", mgr, `[data-testid="ma-capacity-B"]`, "B "},
			{"/manager/staff", mgr, `[data-testid="user-clerk1"] select[name=role]`, "clerk1"},
			{"/desk", clerk, `[data-testid="desk-case-item"]`, map[string]string{"zh": "业务目录", "en": "catalog"}[lang]},
		}
		for _, n := range named {
			doc := apiDoc(t, e.do("GET", n.path+"?lang="+lang, n.who, nil))
			f := doc.Find(n.sel).First()
			if f.Length() == 0 {
				t.Errorf("%s (%s): no %s", n.path, lang, n.sel)
				continue
			}
			if got := fieldName(doc, f); !strings.Contains(got, n.want) {
				t.Errorf("%s (%s): %s is named %q, want it to say %q", n.path, lang, n.sel, got, n.want)
			}
		}
	}
}

// fieldName is a form field's accessible name from its markup ("" if none).
func fieldName(doc *goquery.Document, f *goquery.Selection) string {
	if v := strings.TrimSpace(f.AttrOr("aria-label", "")); v != "" {
		return v
	}
	if ids := f.AttrOr("aria-labelledby", ""); ids != "" {
		var parts []string
		for _, id := range strings.Fields(ids) {
			parts = append(parts, strings.TrimSpace(doc.Find("#"+id).Text()))
		}
		return strings.Join(parts, " ")
	}
	if id := f.AttrOr("id", ""); id != "" {
		if l := doc.Find(`label[for="` + id + `"]`); l.Length() > 0 {
			return strings.TrimSpace(l.Text())
		}
	}
	if l := f.Closest("label"); l.Length() > 0 {
		return strings.TrimSpace(l.Text())
	}
	return strings.TrimSpace(f.AttrOr("title", ""))
}
