package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hallq/hall/config"
	"hallq/region"
	"hallq/region/pgtest"
)

// TestCLIRegionCatalog: the region's CLI makes a key and publishes an
// edited catalog; `hallq region serve` serves it; a `hallq serve` whose
// hall.json names the region and its key pulls it by itself at start and
// runs it (version on /healthz, the region's script in the classifier).
// A hall.json with the wrong key leaves the hall on its own catalog, with
// the refusal in the region status. Then the region publishes version 2 and
// the manager pulls it with the catalog page's button (screenshot
// catalog_region.zh.png).
func TestCLIRegionCatalog(t *testing.T) {
	t.Parallel()
	pg := pgtest.Start(t)
	ctx := context.Background()
	dir := t.TempDir()
	key := filepath.Join(dir, "region.key")
	var out bytes.Buffer
	if err := Dispatch(ctx, []string{"region", "keygen", "--key", key}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	pub := strings.SplitN(out.String(), "\n", 2)[0]
	out.Reset()
	if err := Dispatch(ctx, []string{"region", "catalog", "template"}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var in region.CatalogInput
	if err := json.Unmarshal(out.Bytes(), &in); err != nil {
		t.Fatal(err)
	}
	pay, _ := in.Catalog.Item("pay_bill")
	pay.Script = "您好，请出示户号（区域统一话术）。"
	in.Catalog.Put(pay)
	raw, _ := json.Marshal(in)
	catFile := filepath.Join(dir, "catalog.json")
	os.WriteFile(catFile, raw, 0o644)
	out.Reset()
	if err := Dispatch(ctx, []string{"region", "catalog", "publish", "--pg", pg.DSN(), "--key", key, "--note", "统一话术", catFile}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "version 1") {
		t.Errorf("publish said %q", out.String())
	}
	r := &RegionMain{PG: pg.DSN(), Addr: "127.0.0.1:0", Logger: quietLogger()}
	if err := r.Run(ctx); err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	th := newTestHall(t)
	writeRegion := func(pub string) {
		th.Stop(t)
		var cfg map[string]any
		raw, _ := json.Marshal(config.Default())
		json.Unmarshal(raw, &cfg)
		cfg["region_catalog"] = map[string]any{"url": r.URL, "public_key": pub}
		raw, _ = json.Marshal(cfg)
		if err := os.WriteFile(filepath.Join(th.Dir, config.File), raw, 0o644); err != nil {
			t.Fatal(err)
		}
		th.Start(t)
	}
	version := func() float64 {
		resp, err := http.Get(th.URL + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		json.NewDecoder(resp.Body).Decode(&body)
		v, _ := body["catalog_version"].(float64)
		return v
	}
	// The wrong key first: the hall keeps its catalog.
	other, _, _ := ed25519.GenerateKey(nil)
	writeRegion(base64.StdEncoding.EncodeToString(other))
	waitFor(t, "the refused pull", func() bool { return th.Main.Hall != nil && regionError(th) != "" })
	if v := version(); v != 0 {
		t.Errorf("a bundle under another key was applied: version %v", v)
	}
	if !strings.Contains(regionError(th), "signature") {
		t.Errorf("the refusal says %q", regionError(th))
	}
	// The right key: the hall pulls at start and runs version 1.
	writeRegion(pub)
	waitFor(t, "catalog version 1", func() bool { return version() == 1 })
	if it, _ := th.Main.Features.Casework.Catalog().Item("pay_bill"); it.Script != pay.Script {
		t.Errorf("the hall runs script %q", it.Script)
	}

	// Version 2, pulled by the manager from the catalog page.
	pay.Script = "您好，请出示户号（区域统一话术 第二版）。"
	in.Catalog.Put(pay)
	raw, _ = json.Marshal(in)
	os.WriteFile(catFile, raw, 0o644)
	if err := Dispatch(ctx, []string{"region", "catalog", "publish", "--pg", pg.DSN(), "--key", key, catFile}, nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	tab := th.Browser(t)
	th.run(t, tab, loginAs("manager", th.Password("manager"), 0), open("/cases/catalog"),
		waitText("[data-testid=cat-region-version]", "第 1 版"),
		chromedp.Click(chromedp.CSS("[data-testid=cat-pull]")),
		waitText("[data-testid=cat-region-version]", "第 2 版"))
	if it, _ := th.Main.Features.Casework.Catalog().Item("pay_bill"); it.Script != pay.Script {
		t.Errorf("after the manager's pull the hall runs %q", it.Script)
	}
	th.run(t, tab, screenshot(t, shotPath(t, "catalog_region.zh.png")))
}

// regionError is the last pull's error of the running hall.
func regionError(th *testHall) string {
	if th.Main == nil || th.Main.Server == nil || th.Main.Catalog == nil {
		return ""
	}
	return th.Main.Catalog.Status().LastError
}

// waitFor polls cond until it holds, failing after waitTimeout.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(waitTimeout); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", waitTimeout, what)
		}
	}
}
