package region_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"hallq/account"
	"hallq/casework"
	"hallq/casework/cases"
	"hallq/catalogsync"
	"hallq/hall"
	"hallq/hall/config"
	"hallq/hall/store"
	"hallq/rating"
	"hallq/region"
	"hallq/region/pgtest"
	"hallq/report"
	"hallq/sim"
	webregion "hallq/web/region"
)

var quiet = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))

// The simulated history: eight days ending the day before end.
var (
	end      = time.Date(2026, 12, 1, 12, 0, 0, 0, time.FixedZone("CST", 8*3600))
	from, to = "2026-11-23", "2026-11-30"
)

// newHall simulates a hall with id into a fresh directory (hall.json
// names it) and opens it late on the last simulated day.
func newHall(t *testing.T, id string, seed uint64) caseHall {
	t.Helper()
	dir := t.TempDir()
	var cfg map[string]any
	raw, _ := json.Marshal(config.Default())
	json.Unmarshal(raw, &cfg)
	cfg["id"] = id
	cfg["name_zh"] = "示范营业厅 " + id
	cfg["name_en"] = "Hall " + id
	raw, _ = json.Marshal(cfg)
	if err := os.WriteFile(filepath.Join(dir, config.File), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	nh := config.Default()
	nh.NameZH, nh.NameEN = "示范营业厅 "+id, "Hall "+id
	if _, err := sim.Run(st, sim.Options{Days: 8, Seed: seed, End: end, NewHall: nh}); err != nil {
		t.Fatalf("simulate %s: %v", id, err)
	}
	st.Close()
	now := end.Add(-8 * time.Hour)
	h, err := hall.Open(hall.Options{Dir: dir, Logger: quiet, Now: func() time.Time { return now }, Tick: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	h.Authorise(account.Rules{})
	t.Cleanup(func() { h.Close() })
	return caseHall{h, casework.New(h)}
}

// caseHall is a hall with its casework (the catalog the region's bundles
// merge into).
type caseHall struct {
	*hall.Hall
	cw *casework.Service
}

// liveHall is a fresh hall-c working on the day of end: counters 1 and 2
// opened at 11:30, customers at 11:35, 11:40 … 12:00 for service A, the
// first called at counter 1 at 11:58; the clock stops at 12:00.
func liveHall(t *testing.T) *hall.Hall {
	t.Helper()
	dir := t.TempDir()
	var cfg map[string]any
	raw, _ := json.Marshal(config.Default())
	json.Unmarshal(raw, &cfg)
	cfg["id"], cfg["name_zh"], cfg["name_en"] = "hall-c", "今日营业厅", "Hall today"
	raw, _ = json.Marshal(cfg)
	if err := os.WriteFile(filepath.Join(dir, config.File), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	now := end.Add(-30 * time.Minute)
	set := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
	h, err := hall.Open(hall.Options{Dir: dir, Logger: quiet, Tick: time.Hour,
		Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	if err != nil {
		t.Fatal(err)
	}
	h.Authorise(account.Rules{})
	t.Cleanup(func() { h.Close() })
	ctx := context.Background()
	mgr := hall.Principal{Kind: "user", Name: "mgr", Role: hall.RoleManager}
	for _, n := range []int{1, 2} {
		if _, err := h.SetCounterOpen(ctx, mgr, n, true); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 6; i++ {
		set(end.Add(time.Duration(-25+5*i) * time.Minute))
		if _, err := h.Issue(ctx, mgr, hall.IssueRequest{Service: "A", Priority: "normal"}); err != nil {
			t.Fatal(err)
		}
	}
	set(end.Add(-2 * time.Minute))
	if _, err := h.Operate(ctx, mgr, 1, hall.CounterOp{Action: "call"}); err != nil {
		t.Fatal(err)
	}
	set(end)
	return h
}

// console starts the region console on a real listener.
func console(t *testing.T, db *pgxpool.Pool) string {
	t.Helper()
	srv := webregion.New(db, webregion.Options{Logger: quiet, Now: func() time.Time { return end }})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
	return "http://" + ln.Addr().String()
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// TestRegionConsole: two simulated halls ship into a real PostgreSQL; the
// region console's figures for each hall — customers, mean and p90 wait,
// service level, no-shows, 满意率, cases by class, and the peak report's
// slots — equal the hall's own report; the region's total adds them up;
// the CSV export carries the same rows. Then the region publishes a
// catalog and both halls pull it from the console: each runs the new
// version and the classifier knows the new item; a hall's own script
// survives the next version.
func TestRegionConsole(t *testing.T) {
	pg := pgtest.Start(t)
	ctx := context.Background()
	db, err := pgxpool.New(ctx, pg.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := region.Migrate(ctx, db, end, 2); err != nil {
		t.Fatal(err)
	}
	if err := region.EnsureMonths(ctx, db, end.AddDate(0, -1, 0), end); err != nil {
		t.Fatal(err)
	}
	halls := map[string]caseHall{"hall-a": newHall(t, "hall-a", 1), "hall-b": newHall(t, "hall-b", 2)}
	for id, h := range halls {
		s := &region.Shipper{DB: db, Source: region.LocalSource{Hall: h.Hall, Catalog: h.cw.Catalog}, Batch: 2000}
		if _, err := s.CatchUp(ctx); err != nil {
			t.Fatalf("ship %s: %v", id, err)
		}
	}
	// A third hall works today: two counters opened, six customers from
	// 11:35 on, one called — five waiting, the longest since 11:40.
	live := liveHall(t)
	if _, err := (&region.Shipper{DB: db, Source: region.LocalSource{Hall: live}}).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	url := console(t, db)

	var ov region.Overview
	getJSON(t, url+"/api/v1/overview?from="+from+"&to="+to, &ov)
	if len(ov.Halls) != 3 {
		t.Fatalf("the console shows %d halls, want 3", len(ov.Halls))
	}
	var sum region.RangeFigures
	for _, row := range ov.Halls {
		if row.Hall == "hall-c" {
			want := region.Live{Waiting: 5, LongestWaitS: 20 * 60, CountersOpen: 2}
			if row.Live != want || row.Range.Customers != 0 {
				t.Errorf("hall-c live %+v (range %d customers), want %+v", row.Live, row.Range.Customers, want)
			}
			continue
		}
		if row.Live != (region.Live{}) {
			t.Errorf("%s: live %+v on a day it did not work", row.Hall, row.Live)
		}
		h := halls[row.Hall]
		if h.Hall == nil {
			t.Fatalf("unknown hall %q", row.Hall)
		}
		p := report.Params{From: from, To: to}
		if err := p.Validate(h.Config()); err != nil {
			t.Fatal(err)
		}
		rep, err := report.Build(h.Store(), h.Config(), p, end)
		if err != nil {
			t.Fatal(err)
		}
		rates, err := rating.New(h.Hall, rating.Options{Every: -1}).Figures(from, to)
		if err != nil {
			t.Fatal(err)
		}
		s, g := rep.Summary, row.Range
		type fig struct {
			Customers, Called, NoShows, P90 int
			Avg, Level, NoShowRate          float64
			Rated                           int
			Satisfied                       float64
		}
		want := fig{s.Tickets, s.Called, s.NoShows, s.P90WaitS, s.AvgWaitS, s.ServiceLevel, s.NoShowRate, rates.Total.Rated, math.Round(rates.Total.Satisfaction*1e4) / 1e4} // the console shows 4 places
		got := fig{g.Customers, g.Called, g.NoShows, g.P90WaitS, g.AvgWaitS, g.ServiceLevel, g.NoShowRate, g.Rated, g.Satisfied}
		if got != want {
			t.Errorf("%s: the console's figures\n %+v\nthe hall's report\n %+v", row.Hall, got, want)
		}
		if s.Tickets == 0 || s.NoShows == 0 || rates.Total.Rated == 0 {
			t.Errorf("%s: a thin test: %+v", row.Hall, want)
		}
		if rep.Cases != nil {
			for _, c := range rep.Cases.ByClass {
				if g.ByClass[c.Class] != c.Count {
					t.Errorf("%s: class %s: console %d, report %d", row.Hall, c.Class, g.ByClass[c.Class], c.Count)
				}
			}
		}
		// The peak report of the one hall equals the hall's slots.
		var pk region.Peaks
		getJSON(t, url+"/api/v1/peaks?from="+from+"&to="+to+"&hall="+row.Hall, &pk)
		type slot struct {
			Wd               int
			Start            string
			Arrivals, Called int
			PerDay, Avg      float64
			P90              int
		}
		var wantSlots, gotSlots []slot
		for _, sl := range rep.Slots {
			if sl.Arrivals > 0 {
				wantSlots = append(wantSlots, slot{sl.Weekday, sl.Start, sl.Arrivals, sl.Called, sl.ArrivalsPerDay, sl.AvgWaitS, sl.P90WaitS})
			}
		}
		for _, sl := range pk.Slots {
			gotSlots = append(gotSlots, slot{sl.Weekday, sl.Start, sl.Arrivals, sl.Called, sl.ArrivalsPerDay, sl.AvgWaitS, sl.P90WaitS})
		}
		if len(gotSlots) != len(wantSlots) || len(wantSlots) == 0 {
			t.Errorf("%s: %d peak slots, the report has %d", row.Hall, len(gotSlots), len(wantSlots))
		} else {
			for i := range wantSlots {
				if gotSlots[i] != wantSlots[i] {
					t.Errorf("%s: slot %d: console %+v, report %+v", row.Hall, i, gotSlots[i], wantSlots[i])
					break
				}
			}
		}
		sum.Customers += g.Customers
		sum.NoShows += g.NoShows
	}
	if ov.Total.Customers != sum.Customers || ov.Total.NoShows != sum.NoShows {
		t.Errorf("region total %d customers %d no-shows, the halls add up to %d and %d", ov.Total.Customers, ov.Total.NoShows, sum.Customers, sum.NoShows)
	}

	// The export: one row per hall and the total, same figures.
	resp, err := http.Get(url + "/export/halls.csv?from=" + from + "&to=" + to)
	if err != nil {
		t.Fatal(err)
	}
	csv, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	lines := strings.Split(strings.TrimSpace(string(csv)), "\n")
	if len(lines) != 5 || !strings.Contains(lines[1], "hall-a") {
		t.Errorf("halls.csv:\n%s", csv)
	}
	// The pages render in both languages.
	for _, path := range []string{"/?lang=zh", "/?lang=en", "/peaks?hall=hall-a&from=" + from + "&to=" + to, "/catalog"} {
		resp, err := http.Get(url + path)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %v %v", path, err, resp.Status)
		}
		resp.Body.Close()
	}
	var bad map[string]map[string]string
	resp, _ = http.Get(url + "/api/v1/overview?from=2026-12-01&to=2026-11-01")
	json.NewDecoder(resp.Body).Decode(&bad)
	resp.Body.Close()
	if resp.StatusCode != 422 || bad["error"]["code"] != "invalid" {
		t.Errorf("a reversed range answers %d %v", resp.StatusCode, bad)
	}

	// One catalog for all halls, through the console.
	pub, priv, _ := ed25519.GenerateKey(nil)
	resp, _ = http.Get(url + catalogsync.BundlePath)
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("no bundle yet answers %d", resp.StatusCode)
	}
	cat := cases.DefaultCatalog()
	inv, _ := cat.Item("invoice")
	inv.Script = "好的，我们可以为您开具电费发票（区域统一话术）。"
	cat.Put(inv)
	cat.Put(cases.Item{ID: "green_cert", NameZH: "绿电证书咨询", NameEN: "Green certificates", Class: cases.Immediate, Service: "D",
		Keywords: []cases.Rule{{Words: []string{"绿证|绿电证书"}, Weight: 3}}, Script: "我们可以为您介绍绿电证书的购买方式。"})
	if _, err := region.PublishCatalog(ctx, db, priv, "centre", region.CatalogInput{Catalog: cat}); err != nil {
		t.Fatal(err)
	}
	manager := hall.Principal{Kind: "user", Name: "mgr", Role: hall.RoleManager}
	a := halls["hall-a"]
	own, _ := a.cw.Catalog().Item("invoice")
	own.Script = "您好，本厅发票在 3 号窗口开具。"
	if _, err := a.cw.SaveCatalogItem(ctx, manager, own); err != nil {
		t.Fatal(err)
	}
	for id, h := range halls {
		s := catalogsync.New(h.cw, catalogsync.Source{URL: url, PublicKey: pub}, quiet)
		st, err := s.Pull(ctx, manager)
		if err != nil || st.Version != 1 {
			t.Fatalf("%s: pull: %+v %v", id, st, err)
		}
		if r, err := h.cw.Classify("", "绿证怎么买"); err != nil || r.Item != "green_cert" {
			t.Errorf("%s: the region's new item is not classified: %+v %v", id, r, err)
		}
	}
	inv.Script = "好的，我们可以为您开具电费发票（区域统一话术 v2）。"
	cat.Put(inv)
	if _, err := region.PublishCatalog(ctx, db, priv, "centre", region.CatalogInput{Catalog: cat}); err != nil {
		t.Fatal(err)
	}
	for id, h := range halls {
		s := catalogsync.New(h.cw, catalogsync.Source{URL: url, PublicKey: pub}, quiet)
		if st, err := s.Pull(ctx, manager); err != nil || st.Version != 2 {
			t.Fatalf("%s: pull v2: %+v %v", id, st, err)
		}
		want := inv.Script
		if h == a {
			want = own.Script
		}
		if got, _ := h.cw.Catalog().Item("invoice"); got.Script != want {
			t.Errorf("%s: invoice script %q, want %q", id, got.Script, want)
		}
	}
}
