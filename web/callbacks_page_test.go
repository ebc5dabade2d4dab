package web_test

import (
	"testing"

	"hallq/hall"
)

// TestCallbacksPageChoosesNothing: an open call-back's form makes the
// manager choose the outcome (nothing preselected, the choice required), and
// the call-back and case pages lead back to the console.
func TestCallbacksPageChoosesNothing(t *testing.T) {
	t.Parallel()
	e := apiNewServer(t)
	clerk := e.login("clerk1", 1)
	mgr := e.login("manager", 0)
	bad := ratingServed(e, clerk, 1)
	if r := e.do("POST", "/api/v1/ratings", e.device(hall.KindKeypad, 1), map[string]any{"ticket": bad.ID, "score": 1}); r.Status != 201 {
		t.Fatalf("rate: %d %s", r.Status, r.Body)
	}
	doc := pageDoc(t, e, "/callbacks", mgr)
	sel := doc.Find("[data-testid=callback-open] [data-testid=callback-outcome]")
	if sel.Length() != 1 {
		t.Fatalf("%d outcome choices, want 1", sel.Length())
	}
	if _, ok := sel.Attr("required"); !ok {
		t.Error("the outcome is not required")
	}
	chosen := sel.Find("option[selected]")
	if chosen.Length() != 1 || chosen.AttrOr("value", "x") != "" {
		t.Errorf("preselected outcome %q, want the empty prompt", chosen.AttrOr("value", "none"))
	}
	if doc.Find("[data-testid=callbacks-console][href='/manager']").Length() != 1 {
		t.Error("the call-back page has no way back to the console")
	}
	for _, path := range []string{"/cases/workorders", "/cases/approvals"} {
		if pageDoc(t, e, path, mgr).Find("[data-testid=cases-console][href='/manager']").Length() != 1 {
			t.Errorf("%s has no way back to the console", path)
		}
	}
}
