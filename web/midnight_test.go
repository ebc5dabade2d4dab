package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// TestMidnightClerkAndTracking: over the hall's midnight the clerk serving
// a customer stays signed in and finishes them (no "someone else signed
// in"), and yesterday's tracking code answers with the ticket, saying it is
// yesterday's and how it ended.
func TestMidnightClerkAndTracking(t *testing.T) {
	e := apiNewServerWith(t, apiSetup{Now: time.Date(2026, 11, 23, 23, 58, 0, 0, apiLoc), Tick: 5 * time.Millisecond})
	clerk := e.login("clerk1", 1)
	served := e.issue("A", "normal", "")
	left := e.issue("A", "normal", "")
	e.actTicket(clerk, 1, "call", nil)
	e.actTicket(clerk, 1, "start", nil)

	e.rollTo(time.Date(2026, 11, 24, 0, 1, 0, 0, apiLoc))
	done := e.actTicket(clerk, 1, "finish", nil)
	if done.ID != served.ID || done.Status != "done" {
		t.Errorf("finish after midnight: %+v", done)
	}
	e.act(clerk, 1, "call", nil, http.StatusNoContent) // still signed in; no one waits today

	r := e.do("GET", "/api/v1/track/"+left.Tracking, apiAnon, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("yesterday's tracking code: %d %s", r.Status, r.Body)
	}
	var tk struct {
		Number, Status, Day string
		Past                *struct {
			Day       string `json:"day"`
			Yesterday bool   `json:"yesterday"`
			TextZH    string `json:"text_zh"`
		}
	}
	r.JSON(t, &tk)
	if tk.Number != left.Number || tk.Status != "cancelled" || tk.Day != "2026-11-23" || tk.Past == nil ||
		!tk.Past.Yesterday || tk.Past.Day != "2026-11-23" || !strings.Contains(tk.Past.TextZH, "昨天") {
		t.Errorf("yesterday's ticket: %s", r.Body)
	}

	page := e.do("GET", "/t/"+left.Tracking, apiAnon, nil)
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(page.Body)))
	if err != nil {
		t.Fatal(err)
	}
	if page.Status != http.StatusOK || !strings.Contains(doc.Find(`[data-testid="track-past"]`).Text(), "昨天") {
		t.Errorf("tracking page of yesterday's code: %d, past notice %q", page.Status, doc.Find(`[data-testid="track-past"]`).Text())
	}
}
