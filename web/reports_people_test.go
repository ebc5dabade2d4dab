package web_test

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

func pageDoc(t *testing.T, e *apiEnv, path string, cred apiCred) *goquery.Document {
	t.Helper()
	r := e.do("GET", path, cred, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("%s: %d", path, r.Status)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(r.Body)))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestReportsPagePeople: the report lists clerks by name and 工号 (not by
// login), says "Peaks:" once in English, and the language switch of the
// report and manager pages names the other language.
func TestReportsPagePeople(t *testing.T) {
	e := reportEnv(t)
	mgr := e.login("manager", 0)
	zh := pageDoc(t, e, "/reports?"+repRange, mgr)
	cells := zh.Find("[data-testid=rp-clerks] [data-testid=rp-clerk]")
	if cells.Length() == 0 {
		t.Fatal("no clerk rows")
	}
	login := regexp.MustCompile(`^clerk\d+$`)
	named := false
	cells.Each(func(_ int, c *goquery.Selection) {
		text := strings.Join(strings.Fields(c.Text()), " ")
		if text == "王丽 工号 GD1001" {
			named = true
		}
		if n, _ := strconv.Atoi(strings.TrimPrefix(text, "clerk")); login.MatchString(text) && n <= 6 {
			t.Errorf("clerk %s has a demo account but shows the login", text)
		}
	})
	if !named {
		t.Errorf("no clerk cell reads 王丽 工号 GD1001: %q", cells.Text())
	}
	if got := strings.TrimSpace(zh.Find("[data-testid=rp-lang]").Text()); got != "English" {
		t.Errorf("Chinese report's language switch says %q, want English", got)
	}
	en := pageDoc(t, e, "/reports?lang=en&"+repRange, mgr)
	peak := strings.Join(strings.Fields(en.Find("[data-testid=rp-peak-text]").Text()), " ")
	if strings.Count(peak, "Peaks:") != 1 || !strings.HasPrefix(peak, "Peaks:") {
		t.Errorf("English peak text %q, want one Peaks: at the start", peak)
	}
	if got := strings.TrimSpace(en.Find("[data-testid=rp-lang]").Text()); got != "中文" {
		t.Errorf("English report's language switch says %q, want 中文", got)
	}
	mg := pageDoc(t, e, "/manager", mgr)
	if got := strings.TrimSpace(mg.Find("[data-testid=mg-lang]").Text()); got != "English" {
		t.Errorf("Chinese manager page's language switch says %q, want English", got)
	}
}
