package catalogsync_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"hallq/casework"
	"hallq/casework/cases"
	"hallq/catalogsync"
	"hallq/console"
	"hallq/hall"
	"hallq/hall/config"
	"hallq/queue"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

var manager = hall.Principal{Kind: "user", Name: "mgr", Role: hall.RoleManager}

// caseHall is a hall with its casework: the kernel's methods and casework's
// (the catalog) on one value.
type caseHall struct {
	*hall.Hall
	*casework.Service
}

// Catalog is casework's (the kernel has no catalog: casework.Service.Catalog
// is the only one).
func (h caseHall) Catalog() *cases.Catalog { return h.Service.Catalog() }

func openHall(t *testing.T) caseHall {
	t.Helper()
	h, err := hall.Open(hall.Options{Dir: t.TempDir(), Logger: quiet, AlwaysOpen: true, Tick: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return caseHall{h, casework.New(h)}
}

// region is a stand-in for the region console's bundle endpoint: it serves
// whatever signed bytes the test puts there.
type region struct {
	mu   sync.Mutex
	data []byte
	srv  *httptest.Server
}

func newRegion(t *testing.T) *region {
	r := &region{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != catalogsync.BundlePath {
			http.NotFound(w, req)
			return
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		w.Write(r.data)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *region) publish(t *testing.T, priv ed25519.PrivateKey, b catalogsync.Bundle) []byte {
	t.Helper()
	data, err := catalogsync.Sign(priv, b)
	if err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	r.data = data
	r.mu.Unlock()
	return data
}

func item(t *testing.T, c *cases.Catalog, id string) cases.Item {
	t.Helper()
	it, ok := c.Item(id)
	if !ok {
		t.Fatalf("no item %s", id)
	}
	return it
}

func service(t *testing.T, h caseHall, p string) queue.Service {
	t.Helper()
	for _, s := range h.Services() {
		if s.Prefix == p {
			return s
		}
	}
	t.Fatalf("no service %s", p)
	return queue.Service{}
}

// TestRegionCatalogReachesEveryHall: three halls pull the region's bundle;
// each runs it at once (the classifier knows the new item without a
// restart) and shows its version; a hall's own script, service target and
// forbidden phrase survive this push and the next; hours, counters and
// notices are never touched.
func TestRegionCatalogReachesEveryHall(t *testing.T) {
	ctx := context.Background()
	pub, priv, _ := ed25519.GenerateKey(nil)
	reg := newRegion(t)
	halls := []caseHall{openHall(t), openHall(t), openHall(t)}
	syncers := make([]*catalogsync.Syncer, len(halls))
	for i, h := range halls {
		syncers[i] = catalogsync.New(h.Service, catalogsync.Source{URL: reg.srv.URL, PublicKey: pub}, quiet)
	}

	// Hall 2's manager changes things of its own before the first push.
	local := halls[1]
	own := item(t, local.Catalog(), "invoice")
	own.Script = "您好，本厅发票在 3 号窗口开具，请告诉我户号和月份。"
	if _, err := local.SaveCatalogItem(ctx, manager, own); err != nil {
		t.Fatal(err)
	}
	a := service(t, local, "A")
	a.TargetWaitS = 300
	if _, err := local.SaveService(ctx, manager, a, false); err != nil {
		t.Fatal(err)
	}
	phrases := append(local.ForbiddenPhrases(), "等着吧")
	if _, err := local.SetForbiddenPhrases(ctx, manager, phrases); err != nil {
		t.Fatal(err)
	}
	settings := local.Settings()
	notice, err := console.New(local.Hall, console.Options{}).SaveNotice(ctx, manager, console.Notice{TextZH: "本厅周六下午盘点", Start: time.Now().Add(-time.Hour), End: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}

	// Version 1: the region rewrites two scripts, adds an item and renames
	// service A, sets its target wait.
	v1 := cases.DefaultCatalog()
	inv := item(t, v1, "invoice")
	inv.Script = "好的，我们可以为您开具电费发票（区域统一话术）。"
	pay := item(t, v1, "pay_bill")
	pay.Script = "您好，请出示户号（区域统一话术 v1）。"
	for _, it := range []cases.Item{inv, pay, {
		ID: "green_cert", NameZH: "绿电证书咨询", NameEN: "Green power certificates", Class: cases.Immediate, Service: "D",
		Keywords: []cases.Rule{{Words: []string{"绿证|绿电证书"}, Weight: 3}},
		Script:   "我们可以为您介绍绿电证书的购买方式。",
	}} {
		if err := v1.Put(it); err != nil {
			t.Fatal(err)
		}
	}
	svc := config.Default().Services
	svc[0].NameZH, svc[0].TargetWaitS = "电费缴纳（统一）", 480
	reg.publish(t, priv, catalogsync.Bundle{Version: 1, Issued: time.Now(), Catalog: v1, Services: svc})

	for i, s := range syncers {
		st, err := s.Pull(ctx, manager)
		if err != nil {
			t.Fatalf("hall %d: pull: %v", i, err)
		}
		if st.Version != 1 {
			t.Fatalf("hall %d runs version %d, want 1", i, st.Version)
		}
		h := halls[i]
		if got := item(t, h.Catalog(), "pay_bill").Script; got != pay.Script {
			t.Errorf("hall %d: pay_bill script %q, want the region's", i, got)
		}
		r, err := h.Classify("", "我想了解一下绿证怎么买")
		if err != nil || r.Item != "green_cert" {
			t.Errorf("hall %d: the new item is not classified at once: %+v %v", i, r, err)
		}
		if got := service(t, h, "A").NameZH; got != "电费缴纳（统一）" {
			t.Errorf("hall %d: service A is named %q", i, got)
		}
	}
	for i, h := range halls {
		want, wantWait := inv.Script, 480
		if h == local {
			want, wantWait = own.Script, 300
		}
		if got := item(t, h.Catalog(), "invoice").Script; got != want {
			t.Errorf("hall %d: invoice script %q, want %q", i, got, want)
		}
		if got := service(t, h, "A").TargetWaitS; got != wantWait {
			t.Errorf("hall %d: service A waits %d, want %d", i, got, wantWait)
		}
	}

	// Version 2 changes the same fields again: the hall's own stay.
	v2 := v1.Clone()
	inv.Script = "好的，我们可以为您开具电费发票（区域统一话术 v2）。"
	pay.Script = "您好，请出示户号（区域统一话术 v2）。"
	v2.Put(inv)
	v2.Put(pay)
	svc[0].TargetWaitS = 420
	reg.publish(t, priv, catalogsync.Bundle{Version: 2, Catalog: v2, Services: svc})
	st, err := syncers[1].Pull(ctx, manager)
	if err != nil || st.Version != 2 {
		t.Fatalf("pull v2: %+v %v", st, err)
	}
	if got := item(t, local.Catalog(), "invoice").Script; got != own.Script {
		t.Errorf("the hall's own script was overwritten by the next push: %q", got)
	}
	if got := item(t, local.Catalog(), "pay_bill").Script; got != pay.Script {
		t.Errorf("pay_bill did not follow the region: %q", got)
	}
	if got := service(t, local, "A").TargetWaitS; got != 300 {
		t.Errorf("the hall's own target wait became %d", got)
	}
	if !slices.Contains(local.ForbiddenPhrases(), "等着吧") {
		t.Error("the hall's own forbidden phrase was lost")
	}
	for _, o := range []string{"item invoice.script", "service A.target_wait_s", "forbidden +等着吧"} {
		if !slices.Contains(st.Overrides, o) {
			t.Errorf("overrides %v lack %q", st.Overrides, o)
		}
	}
	if got := local.Settings(); !settingsEqual(got, settings) {
		t.Errorf("hours changed: %+v, was %+v", got, settings)
	}
	if r, ok, _ := local.Record(console.KindNotice, notice.ID); !ok || !json.Valid(r.Data) {
		t.Error("the hall's notice is gone")
	}
}

func settingsEqual(a, b queue.Settings) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// TestBundleRefused: a tampered bundle, one signed by another key, and an
// older one are each refused with a clear error and change nothing.
func TestBundleRefused(t *testing.T) {
	ctx := context.Background()
	pub, priv, _ := ed25519.GenerateKey(nil)
	_, other, _ := ed25519.GenerateKey(nil)
	h := openHall(t)
	reg := newRegion(t)
	s := catalogsync.New(h.Service, catalogsync.Source{URL: reg.srv.URL, PublicKey: pub}, quiet)

	v2 := cases.DefaultCatalog()
	pay := item(t, v2, "pay_bill")
	pay.Script = "您好，请出示户号（v2）。"
	v2.Put(pay)
	reg.publish(t, priv, catalogsync.Bundle{Version: 2, Catalog: v2})
	if _, err := s.Pull(ctx, manager); err != nil {
		t.Fatal(err)
	}
	before, _ := json.Marshal(h.Catalog())

	check := func(name string, wantCode string, wantErr error) {
		t.Helper()
		st, err := s.Pull(ctx, manager)
		if !errors.Is(err, wantErr) || queue.ErrorCode(err) != wantCode {
			t.Fatalf("%s: err %v (code %s), want %v", name, err, queue.ErrorCode(err), wantErr)
		}
		if st.Version != 2 || st.LastError == "" {
			t.Errorf("%s: status %+v", name, st)
		}
		after, _ := json.Marshal(h.Catalog())
		if string(after) != string(before) {
			t.Errorf("%s: the catalog changed", name)
		}
	}

	// Tampered: the payload changed after signing.
	tampered := cases.DefaultCatalog()
	pay.Script = "您好（篡改）。"
	tampered.Put(pay)
	good := reg.publish(t, priv, catalogsync.Bundle{Version: 3, Catalog: tampered})
	var sg catalogsync.Signed
	json.Unmarshal(good, &sg)
	var b map[string]any
	json.Unmarshal(sg.Payload, &b)
	b["version"] = 4
	sg.Payload, _ = json.Marshal(b)
	reg.mu.Lock()
	reg.data, _ = json.Marshal(sg)
	reg.mu.Unlock()
	check("tampered", queue.EINVALID, catalogsync.ErrSignature)

	reg.publish(t, other, catalogsync.Bundle{Version: 5, Catalog: tampered})
	check("another key", queue.EINVALID, catalogsync.ErrSignature)

	reg.publish(t, priv, catalogsync.Bundle{Version: 1, Catalog: tampered})
	check("older", queue.ECONFLICT, catalogsync.ErrOlder)
}

// TestLoadSource: hall.json's region_catalog section is read (and accepted
// by the hall's own config check); a bad key is refused by name; no section
// is a hall without a region.
func TestLoadSource(t *testing.T) {
	pub, _, _ := ed25519.GenerateKey(nil)
	dir := t.TempDir()
	if src, err := catalogsync.LoadSource(dir); err != nil || src.URL != "" {
		t.Fatalf("no hall.json: %+v %v", src, err)
	}
	cfg := map[string]any{}
	raw, _ := json.Marshal(config.Default())
	json.Unmarshal(raw, &cfg)
	cfg["region_catalog"] = map[string]any{"url": "http://region.example:8090", "public_key": base64.StdEncoding.EncodeToString(pub), "every_s": 60}
	raw, _ = json.Marshal(cfg)
	path := filepath.Join(dir, config.File)
	os.WriteFile(path, raw, 0o644)
	if _, err := config.Load(path); err != nil {
		t.Fatalf("the hall refuses its region_catalog section: %v", err)
	}
	src, err := catalogsync.LoadSource(dir)
	if err != nil || src.URL != "http://region.example:8090" || !src.PublicKey.Equal(pub) || src.Every != time.Minute {
		t.Fatalf("LoadSource: %+v %v", src, err)
	}
	cfg["region_catalog"] = map[string]any{"url": "http://region.example:8090", "public_key": "bm90IGEga2V5"}
	raw, _ = json.Marshal(cfg)
	os.WriteFile(path, raw, 0o644)
	if _, err := catalogsync.LoadSource(dir); queue.ErrorCode(err) != queue.EINVALID || !strings.Contains(err.Error(), "public_key") {
		t.Errorf("a bad key: %v", err)
	}
}
