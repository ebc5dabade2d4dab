package main

import (
	"bytes"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// TestStartPage: the first URL a newcomer opens, /, is a page (not a JSON
// 404) that links every page of the hall, each served by the program, and on
// a demo hall each demo device, whose link pairs the browser and opens the
// device's page. The banner prints the same pages.
func TestStartPage(t *testing.T) {
	t.Parallel()
	m, banner := cmdStartMain(t, t.TempDir())
	for _, lang := range []string{"zh", "en"} {
		status, body := cmdGet(t, m.URL+"/?lang="+lang, "")
		if status != http.StatusOK {
			t.Fatalf("GET / (%s) = %d %s", lang, status, body)
		}
		doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var pages []string
		doc.Find("[data-testid=start-pages] a").Each(func(_ int, a *goquery.Selection) {
			href, _ := a.Attr("href")
			pages = append(pages, href)
			if strings.TrimSpace(a.Text()) == "" || strings.TrimSpace(a.Parent().Find("span").Text()) == "" {
				t.Errorf("%s: link %s has no name or no note", lang, href)
			}
		})
		for _, want := range []string{"/kiosk", "/display", "/counter", "/keypad", "/desk", "/manager", "/reports", "/callbacks", "/cases/workorders", "/book", "/login", "/healthz"} {
			if !slices.Contains(pages, want) {
				t.Errorf("%s: the start page does not link %s (links %v)", lang, want, pages)
			}
			if !strings.Contains(banner, m.URL+want) {
				t.Errorf("the banner does not print %s", want)
			}
		}
		// Every page link is served: the public ones answer, the others
		// send a visitor to sign in or pair, none is a 404.
		for _, p := range pages {
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			res, err := client.Get(m.URL + p)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode == http.StatusNotFound || res.StatusCode >= 500 {
				t.Errorf("%s: %s answers %d", lang, p, res.StatusCode)
			}
		}
		devices := doc.Find("[data-testid=start-devices] a")
		if devices.Length() != len(m.DemoAccounts.Devices) || devices.Length() == 0 {
			t.Fatalf("%s: %d device links, want the %d demo devices", lang, devices.Length(), len(m.DemoAccounts.Devices))
		}
	}
	// The kiosk's link pairs a fresh browser and opens the kiosk.
	status, body := cmdGet(t, m.URL+"/", "")
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if status != http.StatusOK || err != nil {
		t.Fatalf("GET / = %d %v", status, err)
	}
	href, ok := doc.Find("[data-testid=start-device-kiosk]").First().Attr("href")
	if !ok {
		t.Fatal("no kiosk link on the demo hall's start page")
	}
	jar, _ := cookiejar.New(nil)
	res, err := (&http.Client{Jar: jar}).Get(m.URL + href)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := goquery.NewDocumentFromReader(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Request.URL.Path != "/kiosk" || page.Find("[data-testid=kiosk-start]").Length() != 1 {
		t.Errorf("the kiosk link led to %s (%d), want the kiosk page", res.Request.URL, res.StatusCode)
	}
}
