package web_test

import (
	"crypto/ed25519"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"hallq/casework/cases"
	"hallq/catalogsync"
)

// TestAPICatalogRegion: a manager pulls the region's catalog now; the hall
// runs it at once (the classifier speaks the region's script) and shows its
// version in /api/v1/catalog, its header, /healthz and the region status; a
// clerk may not pull; a tampered bundle is 422 naming the signature and
// changes nothing; the catalog page shows the version and the button.
func TestAPICatalogRegion(t *testing.T) {
	t.Parallel()
	pub, priv, _ := ed25519.GenerateKey(nil)
	var mu sync.Mutex
	var bundle []byte
	reg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Write(bundle)
	}))
	defer reg.Close()
	cat := cases.DefaultCatalog()
	pay, _ := cat.Item("pay_bill")
	pay.Script = "您好，请出示户号（区域统一话术）。"
	cat.Put(pay)
	signed, err := catalogsync.Sign(priv, catalogsync.Bundle{Version: 7, Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	bundle = signed

	e := apiNewServerWith(t, apiSetup{Region: &catalogsync.Source{URL: reg.URL, PublicKey: pub}})
	mgr := e.login("manager", 0)
	clerk := e.login("clerk1", 1)

	var st catalogsync.Status
	e.do("GET", "/api/v1/catalog/region", mgr, nil).JSON(t, &st)
	if !st.Configured || st.Version != 0 {
		t.Fatalf("before the first pull: %+v", st)
	}
	apiCheckError(t, e.do("POST", "/api/v1/catalog/region/pull", clerk, map[string]any{}), http.StatusForbidden, "forbidden")

	r := e.do("POST", "/api/v1/catalog/region/pull", mgr, map[string]any{})
	if r.Status != 200 {
		t.Fatalf("pull: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &st)
	if st.Version != 7 || st.LastError != "" {
		t.Fatalf("after the pull: %+v", st)
	}
	var got struct {
		Script string `json:"script"`
	}
	e.do("POST", "/api/v1/classify", mgr, map[string]any{"item": "pay_bill"}).JSON(t, &got)
	if got.Script != pay.Script {
		t.Errorf("the classifier still speaks %q", got.Script)
	}
	c := e.do("GET", "/api/v1/catalog", clerk, nil)
	if c.Header.Get("X-Catalog-Version") != "7" || c.Map(t)["version"] != float64(7) {
		t.Errorf("/api/v1/catalog: header %q body version %v", c.Header.Get("X-Catalog-Version"), c.Map(t)["version"])
	}
	if v := e.do("GET", "/healthz", apiCred{}, nil).Map(t)["catalog_version"]; v != float64(7) {
		t.Errorf("/healthz catalog_version %v", v)
	}

	// Tampered: the payload's version raised after signing.
	var s catalogsync.Signed
	json.Unmarshal(signed, &s)
	s.Payload = []byte(strings.Replace(string(s.Payload), `"version":7`, `"version":8`, 1))
	mu.Lock()
	bundle, _ = json.Marshal(s)
	mu.Unlock()
	before := e.do("GET", "/api/v1/catalog?full=1", mgr, nil).Body
	r = e.do("POST", "/api/v1/catalog/region/pull", mgr, map[string]any{})
	apiCheckError(t, r, http.StatusUnprocessableEntity, "invalid")
	if !strings.Contains(string(r.Body), "signature") {
		t.Errorf("the refusal does not name the signature: %s", r.Body)
	}
	if after := e.do("GET", "/api/v1/catalog?full=1", mgr, nil).Body; string(after) != string(before) {
		t.Error("a tampered bundle changed the catalog")
	}
	page := e.do("GET", "/cases/catalog", mgr, nil)
	if !strings.Contains(string(page.Body), `data-testid="cat-pull"`) || !strings.Contains(string(page.Body), "第 7 版") {
		t.Errorf("the catalog page shows no region version or pull button")
	}
}
