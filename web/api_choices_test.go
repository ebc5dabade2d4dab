package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestAPIClassifyChoices: a weak answer's chosen candidate is recorded by the
// desk or the kiosk; managers list the misses and adopt one with one call,
// after which the same text is answered with the chosen item.
func TestAPIClassifyChoices(t *testing.T) {
	e := apiNewServer(t)
	mgr := e.login("manager", 0)
	clerk := e.login("clerk1", 1)
	const text = "又停了！金港花园"
	r := e.do("POST", "/api/v1/classify", clerk, map[string]any{"text": text})
	m := r.Map(t)
	if r.Status != http.StatusOK || m["weak"] != true {
		t.Fatalf("the test needs a weak answer: %d %s", r.Status, r.Body)
	}
	answer := m["item"].(string)
	// The clerk chooses another of the candidates than the answer: a miss.
	chosen := ""
	cands, _ := m["candidates"].([]any)
	for _, c := range cands {
		if id, _ := c.(map[string]any)["item"].(string); id != "" && id != answer {
			chosen = id
			break
		}
	}
	if chosen == "" {
		t.Fatalf("the test needs a candidate other than the answer: %s", r.Body)
	}

	// Bad input records nothing.
	before := e.state()
	for _, body := range []map[string]any{
		{"text": text, "answer": answer, "chosen": "no_such_item", "who": "desk"},
		{"text": "", "answer": answer, "chosen": chosen, "who": "desk"},
		{"text": text, "answer": answer, "chosen": chosen, "who": "robot"},
	} {
		apiCheckError(t, e.do("POST", "/api/v1/classify/choices", clerk, body), 422, "invalid")
	}
	e.unchanged(before, "bad choices")
	apiCheckError(t, e.do("GET", "/api/v1/classify/choices", clerk, nil), 403, "forbidden")

	r = e.do("POST", "/api/v1/classify/choices", clerk, map[string]any{"text": text, "answer": answer, "chosen": chosen, "who": "desk"})
	if r.Status != http.StatusCreated {
		t.Fatalf("record choice: %d %s", r.Status, r.Body)
	}
	key := r.Map(t)["key"].(string)
	// The kiosk's customer chose what was answered: not a miss.
	if r = e.do("POST", "/api/v1/classify/choices", e.kiosk(), map[string]any{"text": "电表", "answer": "meter_check", "chosen": "meter_check", "who": "kiosk"}); r.Status != http.StatusCreated {
		t.Fatalf("kiosk choice: %d %s", r.Status, r.Body)
	}
	r = e.do("GET", "/api/v1/classify/choices", mgr, nil)
	list, _ := r.Map(t)["choices"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["key"] != key || list[0].(map[string]any)["who"] != "desk" || list[0].(map[string]any)["actor"] == "" {
		t.Fatalf("misses: %s", r.Body)
	}
	if r = e.do("GET", "/api/v1/classify/choices?all=1", mgr, nil); len(r.Map(t)["choices"].([]any)) != 2 {
		t.Errorf("all choices: %s", r.Body)
	}

	// The catalog page lists the miss with its one-click button.
	if r = e.do("GET", "/cases/catalog", mgr, nil); r.Status != 200 || !strings.Contains(string(r.Body), text) || !strings.Contains(string(r.Body), `data-adopt="`+key+`"`) {
		t.Errorf("catalog page lacks the miss: %d", r.Status)
	}
	apiCheckError(t, e.do("POST", "/api/v1/classify/choices/nope/adopt", mgr, nil), 404, "not_found")
	apiCheckError(t, e.do("POST", "/api/v1/classify/choices/"+key+"/adopt", clerk, nil), 403, "forbidden")
	if r = e.do("POST", "/api/v1/classify/choices/"+key+"/adopt", mgr, nil); r.Status != 200 || r.Map(t)["adopted"] != true {
		t.Fatalf("adopt: %d %s", r.Status, r.Body)
	}
	r = e.do("GET", "/api/v1/catalog?full=1", mgr, nil)
	if !strings.Contains(string(r.Body), text) {
		t.Errorf("the example was not added to %s", chosen)
	}
	if r = e.do("GET", "/cases/catalog", mgr, nil); strings.Contains(string(r.Body), `data-adopt="`+key+`"`) {
		t.Errorf("the adopted miss still offers its button")
	}
	r = e.do("POST", "/api/v1/classify", clerk, map[string]any{"text": text})
	if m = r.Map(t); m["item"] != chosen {
		t.Errorf("after adopting, %q is answered %s: %s", text, m["item"], r.Body)
	}
}
