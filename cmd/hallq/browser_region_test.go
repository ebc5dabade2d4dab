package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"hallq/account"
	"hallq/hall"
	"hallq/hall/config"
	"hallq/hall/store"
	"hallq/region"
	"hallq/region/pgtest"
	"hallq/sim"
)

// readableJS checks every element with its own text on the page: at least
// 13 px, and a contrast of at least 4.5:1 against the first opaque
// background behind it. It returns the offenders.
const readableJS = `(function () {
	function rgb(s) { var m = s.match(/[\d.]+/g) || [0, 0, 0, 0]; return m.map(Number); }
	function lum(c) { var a = c.slice(0, 3).map(function (v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
		return 0.2126 * a[0] + 0.7152 * a[1] + 0.0722 * a[2]; }
	function bg(e) { for (; e; e = e.parentElement) { var c = rgb(getComputedStyle(e).backgroundColor); if (c.length < 4 || c[3] > 0.5) return c; } return [255, 255, 255]; }
	var bad = [];
	document.querySelectorAll('body *').forEach(function (e) {
		var own = [].some.call(e.childNodes, function (n) { return n.nodeType === 3 && n.textContent.trim(); });
		if (!own || !e.offsetParent && getComputedStyle(e).position !== 'fixed') return;
		var st = getComputedStyle(e), px = parseFloat(st.fontSize);
		var l1 = lum(rgb(st.color)), l2 = lum(bg(e));
		var ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
		if (px < 13 || ratio < 4.5) bad.push(e.tagName + ' "' + e.textContent.trim().slice(0, 20) + '" ' + px + 'px ' + ratio.toFixed(2));
	});
	return bad;
})()`

// TestBrowserRegionConsole: three simulated halls shipped into a real
// PostgreSQL, shown side by side by `hallq region serve` at 1440×900, in
// Chinese and English, then the peak report of one hall; every text is
// readable (≥ 13 px, contrast ≥ 4.5:1). Screenshots region-console.zh.png,
// region-console.en.png and region-peaks.zh.png.
func TestBrowserRegionConsole(t *testing.T) {
	t.Parallel()
	pg := pgtest.Start(t)
	ctx := context.Background()
	end := time.Date(2026, 12, 1, 12, 0, 0, 0, time.FixedZone("CST", 8*3600))
	db, err := pgxpool.New(ctx, pg.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := region.Migrate(ctx, db, end, 1); err != nil {
		t.Fatal(err)
	}
	if err := region.EnsureMonths(ctx, db, end.AddDate(0, -1, 0), end); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"城东营业厅", "城西营业厅", "高新区营业厅"} {
		dir := t.TempDir()
		cfg := config.Default()
		cfg.NameZH, cfg.NameEN = name, []string{"East City Hall", "West City Hall", "Hi-tech Zone Hall"}[i]
		var file map[string]any
		raw, _ := json.Marshal(cfg)
		json.Unmarshal(raw, &file)
		file["id"] = []string{"sz-east", "sz-west", "sz-hitech"}[i]
		raw, _ = json.Marshal(file)
		os.WriteFile(filepath.Join(dir, config.File), raw, 0o644)
		st, err := store.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sim.Run(st, sim.Options{Days: 7, Seed: uint64(i + 1), End: end, NewHall: cfg}); err != nil {
			t.Fatal(err)
		}
		st.Close()
		// Today, 11:30–12:00: counters open, customers arrive, the first
		// of them are called.
		var mu sync.Mutex
		now := end.Add(-30 * time.Minute)
		set := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
		h, err := hall.Open(hall.Options{Dir: dir, Tick: time.Hour, Logger: quietLogger(),
			Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
		if err != nil {
			t.Fatal(err)
		}
		h.Authorise(account.Rules{})
		mgr := hall.Principal{Kind: "user", Name: "mgr", Role: hall.RoleManager}
		for n := 1; n <= 3+i; n++ {
			if _, err := h.SetCounterOpen(ctx, mgr, n, true); err != nil {
				t.Fatal(err)
			}
		}
		for k := 0; k < 8+5*i; k++ {
			set(end.Add(time.Duration(-28+k*2/(i+1)) * time.Minute))
			if _, err := h.Issue(ctx, mgr, hall.IssueRequest{Service: string(rune('A' + k%4)), Priority: "normal"}); err != nil {
				t.Fatal(err)
			}
		}
		set(end.Add(-time.Minute))
		for n := 1; n <= 2; n++ {
			if _, err := h.Operate(ctx, mgr, n, hall.CounterOp{Action: "call"}); err != nil {
				t.Fatal(err)
			}
		}
		set(end)
		s := &region.Shipper{DB: db, Source: region.LocalSource{Hall: h}}
		if _, err := s.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		h.Close()
	}
	r := &RegionMain{PG: pg.DSN(), Addr: "127.0.0.1:0", Logger: quietLogger(), Now: func() time.Time { return end }}
	if err := r.Run(ctx); err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	th := newTestHall(t)
	tab := th.Browser(t)
	q := "from=2026-11-24&to=2026-11-30"
	for _, lang := range []string{"zh", "en"} {
		th.run(t, tab, open(r.URL+"/?"+q+"&lang="+lang), waitJS(`document.querySelectorAll('[data-testid=halls] tbody tr').length === 4`, "three halls and the total"))
		if bad := eval[[]string](t, tab, readableJS); len(bad) > 0 {
			t.Errorf("%s: unreadable text: %v", lang, bad)
		}
		th.run(t, tab, screenshot(t, shotPath(t, "region-console."+lang+".png")))
	}
	th.run(t, tab, open(r.URL+"/peaks?"+q+"&hall=sz-east&lang=zh"), waitJS(`!!document.querySelector('[data-testid=slots]')`, "the peak table"))
	if bad := eval[[]string](t, tab, readableJS); len(bad) > 0 {
		t.Errorf("peaks: unreadable text: %v", bad)
	}
	th.run(t, tab, screenshot(t, shotPath(t, "region-peaks.zh.png")))
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
