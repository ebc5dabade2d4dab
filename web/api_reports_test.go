package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"hallq/hall"
	"hallq/hall/config"
	"hallq/hall/store"
	"hallq/internal/halltest"
	"hallq/report"
	"hallq/sim"
	"hallq/web"
)

// reportEnv is a hall with 28 simulated days of history (small profile,
// ending the day before apiMonday10) behind a web server.
func reportEnv(t *testing.T) *apiEnv {
	t.Helper()
	return reportEnvWith(t, sim.Options{Days: 28, Seed: 11, Profile: "small"})
}

// reportEnvWith is reportEnv with opt's days, seed, profile and sealing.
func reportEnvWith(t *testing.T, opt sim.Options) *apiEnv {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	opt.NewHall, opt.End = config.Default(), apiMonday10
	if _, err := sim.Run(st, opt); err != nil {
		t.Fatal(err)
	}
	st.Close()
	clock := &apiClock{t: apiMonday10}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := hall.Open(hall.Options{Dir: dir, Now: clock.Now, Logger: log, Tick: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() {
		cancel()
		<-done
		if err := h.Store().Check(); err != nil {
			t.Errorf("store consistency check: %v", err)
		}
		h.Close()
	})
	demo, err := halltest.Accounts(h).SeedDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	srv := web.New(h, web.Options{Logger: log})
	go func() { srv.Hub().Run(ctx); close(done) }()
	return &apiEnv{t: t, dir: dir, clock: clock, hall: h, srv: srv, app: srv.App(), demo: demo}
}

const repRange = "from=2026-10-26&to=2026-11-22"

// The report equals a naive recomputation from tickets.csv: the rollups
// and the raw tickets tell the same story.
func TestPeakReportEqualsTicketsCSV(t *testing.T) {
	t.Parallel()
	e := reportEnv(t)
	mgr := e.login("manager", 0)
	res := e.do("GET", "/api/v1/reports/peak?"+repRange, mgr, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("peak: %d %s", res.Status, res.Body)
	}
	var r report.Report
	res.JSON(t, &r)
	csvRes := e.do("GET", "/api/v1/reports/tickets.csv?"+repRange, mgr, nil)
	if csvRes.Status != http.StatusOK || !strings.HasPrefix(csvRes.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("tickets.csv: %d %s", csvRes.Status, csvRes.Header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(bytes.NewReader(csvRes.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, h := range []string{"id", "number", "service", "status", "issued_at", "called_at", "started_at", "finished_at", "counter", "clerk", "transferred_from"} {
		if _, ok := col[h]; !ok {
			t.Fatalf("tickets.csv has no %q column: %v", h, rows[0])
		}
	}
	targets := map[string]int{}
	for _, s := range e.hall.Config().Services {
		targets[s.Prefix] = s.TargetWaitS
	}
	type cell struct {
		n     int
		waits []int
	}
	cells := map[[2]int]*cell{}
	var all []int
	customers, within, noShows := 0, 0, 0
	for _, row := range rows[1:] {
		if row[col["transferred_from"]] != "" {
			continue
		}
		customers++
		issued, err := time.Parse(time.RFC3339Nano, row[col["issued_at"]])
		if err != nil {
			t.Fatal(err)
		}
		day, _ := time.ParseInLocation(time.DateOnly, row[col["day"]], apiLoc)
		wd := int(day.Weekday())
		if wd == 0 {
			wd = 7
		}
		k := [2]int{wd, int(issued.Sub(day)/time.Second) / 1800}
		c := cells[k]
		if c == nil {
			c = &cell{}
			cells[k] = c
		}
		c.n++
		if s := row[col["called_at"]]; s != "" {
			called, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				t.Fatal(err)
			}
			w := int(called.Sub(issued) / time.Second)
			c.waits = append(c.waits, w)
			all = append(all, w)
			if w <= targets[row[col["service"]]] {
				within++
			}
		}
		if row[col["status"]] == "no_show" {
			noShows++
		}
	}
	avgP90 := func(w []int) (float64, int) {
		if len(w) == 0 {
			return 0, 0
		}
		s := slices.Clone(w)
		slices.Sort(s)
		sum := 0
		for _, x := range s {
			sum += x
		}
		return math.Round(float64(sum)/float64(len(s))*10) / 10, s[int(math.Ceil(0.9*float64(len(s))))-1]
	}
	if customers < 28*150 {
		t.Fatalf("only %d customers in 28 days", customers)
	}
	avg, p90 := avgP90(all)
	sm := r.Summary
	if sm.Tickets != customers || sm.Called != len(all) || sm.AvgWaitS != avg || sm.P90WaitS != p90 ||
		sm.ServiceLevel != math.Round(float64(within)/float64(len(all))*10000)/10000 ||
		sm.NoShowRate != math.Round(float64(noShows)/float64(len(all))*10000)/10000 {
		t.Errorf("summary %+v; naive: customers %d called %d avg %v p90 %d within %d no-shows %d", sm, customers, len(all), avg, p90, within, noShows)
	}
	if len(r.Slots) != len(cells) {
		t.Errorf("%d slots, naive %d", len(r.Slots), len(cells))
	}
	for _, s := range r.Slots {
		c := cells[[2]int{s.Weekday, (int(s.Start[0]-'0')*10+int(s.Start[1]-'0'))*2 + int(s.Start[3]-'0')/3}]
		if c == nil {
			t.Errorf("slot %+v not in the naive count", s)
			continue
		}
		a, p := avgP90(c.waits)
		if s.Arrivals != c.n || s.Called != len(c.waits) || s.AvgWaitS != a || s.P90WaitS != p {
			t.Errorf("slot %d %s: report %+v, naive n %d avg %v p90 %d", s.Weekday, s.Start, s, c.n, a, p)
		}
	}
	// The simulated hall has payment peaks in the first days of the month.
	if !strings.Contains(r.PeakText, "每月") || !strings.Contains(r.PeakText, "平均等候") || len(r.Staffing) == 0 {
		t.Errorf("peak text %q, %d staffing rows", r.PeakText, len(r.Staffing))
	}
}

func TestReportExportsAndErrors(t *testing.T) {
	t.Parallel()
	e := reportEnv(t)
	mgr := e.login("manager", 0)

	x := e.do("GET", "/api/v1/reports/peak.xlsx?"+repRange+"&slot=15", mgr, nil)
	if x.Status != http.StatusOK {
		t.Fatalf("xlsx: %d %s", x.Status, x.Body)
	}
	f, err := excelize.OpenReader(bytes.NewReader(x.Body))
	if err != nil {
		t.Fatalf("the XLSX does not open: %v", err)
	}
	rows, _ := f.GetRows("时段热力")
	if len(rows) < 20 || rows[0][1] != "时段开始" || !strings.HasPrefix(rows[1][0], "星期") {
		t.Errorf("slots sheet: %d rows, head %v", len(rows), rows[0])
	}
	clerks, _ := f.GetRows("柜员")
	if len(clerks) < 7 || clerks[0][0] != "柜员" {
		t.Errorf("clerks sheet: %v", clerks)
	}
	f.Close()

	c := e.do("GET", "/api/v1/reports/peak.csv?"+repRange+"&table=staffing", mgr, nil)
	recs, err := csv.NewReader(bytes.NewReader(c.Body)).ReadAll()
	if c.Status != http.StatusOK || err != nil || len(recs) < 10 || recs[0][0] != "weekday" || recs[0][4] != "needed" {
		t.Errorf("staffing csv: %d %v %v", c.Status, err, recs[:min(2, len(recs))])
	}

	for _, bad := range []struct {
		path string
		code int
	}{
		{"/api/v1/reports/peak?from=2026-10-01", http.StatusBadRequest},
		{"/api/v1/reports/peak?from=2026-10-01&to=2026-13-40", http.StatusUnprocessableEntity},
		{"/api/v1/reports/peak?from=yesterday&to=2026-11-01", http.StatusUnprocessableEntity},
		{"/api/v1/reports/peak?from=2026-11-02&to=2026-11-01", http.StatusUnprocessableEntity},
		{"/api/v1/reports/peak?" + repRange + "&slot=20", http.StatusUnprocessableEntity},
		{"/api/v1/reports/peak?" + repRange + "&service=Q", http.StatusUnprocessableEntity},
		{"/api/v1/reports/peak.csv?" + repRange + "&table=nope", http.StatusUnprocessableEntity},
		{"/api/v1/reports/peak.xlsx?to=2026-11-01", http.StatusBadRequest},
		{"/api/v1/reports/tickets.csv?from=2026-11-01&to=bad", http.StatusUnprocessableEntity},
	} {
		r := e.do("GET", bad.path, mgr, nil)
		m := r.Map(t)
		if r.Status != bad.code || m["error"] == nil {
			t.Errorf("%s: %d %s, want %d with an error", bad.path, r.Status, r.Body, bad.code)
		}
	}
	// A clerk cannot read reports.
	if r := e.do("GET", "/api/v1/reports/peak?"+repRange, e.login("clerk1", 1), nil); r.Status != http.StatusForbidden {
		t.Errorf("clerk: %d", r.Status)
	}

	// What-if: the observed schedule predicts waits close to the real ones;
	// one counter instead predicts far longer waits.
	w := e.do("POST", "/api/v1/reports/whatif", mgr, map[string]any{"from": "2026-11-02", "to": "2026-11-15"})
	if w.Status != http.StatusOK {
		t.Fatalf("what-if: %d %s", w.Status, w.Body)
	}
	var base report.WhatIf
	w.JSON(t, &base)
	if len(base.Shifts) < 4 || base.Customers < 14*150 || base.Predicted.Called < base.Customers*9/10 || len(base.Slots) == 0 {
		t.Fatalf("what-if baseline: %d shifts, %d customers, predicted %+v", len(base.Shifts), base.Customers, base.Predicted)
	}
	one := e.do("POST", "/api/v1/reports/whatif", mgr, map[string]any{"from": "2026-11-02", "to": "2026-11-15",
		"shifts": []map[string]any{{"counter": 1, "open": "08:30", "close": "17:30"}, {"counter": 4, "open": "08:30", "close": "17:30"}}})
	var thin report.WhatIf
	one.JSON(t, &thin)
	if one.Status != http.StatusOK || thin.Predicted.AvgWaitS < 3*base.Predicted.AvgWaitS || thin.Predicted.CounterHours != 18 {
		t.Errorf("two counters: %d, predicted %+v vs baseline %+v", one.Status, thin.Predicted, base.Predicted)
	}
	for _, body := range []map[string]any{
		{"from": "2026-01-01", "to": "2026-11-15"},
		{"from": "2026-11-02", "to": "2026-11-15", "shifts": []map[string]any{{"counter": 77, "open": "08:30", "close": "17:30"}}},
		{"from": "2026-11-02", "to": "2026-11-15", "shifts": []map[string]any{{"counter": 1, "open": "18:30", "close": "17:30"}}},
		{"from": "2026-11-02", "to": "2026-11-15", "shifts": []map[string]any{}},
	} {
		if r := e.do("POST", "/api/v1/reports/whatif", mgr, body); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("what-if %v: %d %s", body, r.Status, r.Body)
		}
	}

	// The page renders the figures on the server.
	p := e.do("GET", "/reports?"+repRange, mgr, nil)
	if p.Status != http.StatusOK || !bytes.Contains(p.Body, []byte(`data-testid="rp-report"`)) || !bytes.Contains(p.Body, []byte("人员配置建议")) ||
		!bytes.Contains(p.Body, []byte("vendor/echarts.min.js")) {
		t.Errorf("reports page: %d", p.Status)
	}
	if p := e.do("GET", "/reports?from=2026-11-30&to=2026-11-01", mgr, nil); p.Status != http.StatusUnprocessableEntity || !bytes.Contains(p.Body, []byte("结束日期早于开始日期")) {
		t.Errorf("reports page with reversed dates: %d", p.Status)
	}
	if p := e.do("GET", "/assets/js/vendor/echarts.min.js", apiAnon, nil); p.Status != http.StatusOK || len(p.Body) < 500_000 {
		t.Errorf("echarts asset: %d, %d bytes", p.Status, len(p.Body))
	}
}

// TestTicketsCSVDamagedDay: tickets.csv over a range whose sealed day is
// damaged is an error response naming the day's file, never a CSV cut at
// the damage and answered 200; the range before it still exports.
func TestTicketsCSVDamagedDay(t *testing.T) {
	t.Parallel()
	e := reportEnvWith(t, sim.Options{Days: 3, Seed: 5, Profile: "small", Seal: true})
	mgr := e.login("manager", 0)
	segs, _ := filepath.Glob(filepath.Join(e.hall.Dir(), "history", "*", "*.seg"))
	if len(segs) < 2 {
		t.Fatalf("sealed days: %v", segs)
	}
	slices.Sort(segs)
	last := segs[len(segs)-1]
	day := strings.TrimSuffix(filepath.Base(last), ".seg")
	first := strings.TrimSuffix(filepath.Base(segs[0]), ".seg")
	whole := e.do("GET", "/api/v1/reports/tickets.csv?from="+first+"&to="+day, mgr, nil)
	if whole.Status != http.StatusOK || bytes.Count(whole.Body, []byte("\n")) < 10 {
		t.Fatalf("tickets.csv before the damage: %d, %d bytes", whole.Status, len(whole.Body))
	}
	raw, err := os.ReadFile(last)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/3] ^= 0xff
	if err := os.WriteFile(last, raw, 0o640); err != nil {
		t.Fatal(err)
	}
	res := e.do("GET", "/api/v1/reports/tickets.csv?from="+first+"&to="+day, mgr, nil)
	if res.Status < 500 || strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("tickets.csv over a damaged day: %d %q, %d bytes: want an error, not a cut CSV", res.Status, res.Header.Get("Content-Type"), len(res.Body))
	}
	before := e.do("GET", "/api/v1/reports/tickets.csv?from="+first+"&to="+first, mgr, nil)
	if before.Status != http.StatusOK || !bytes.HasPrefix(whole.Body, before.Body[:bytes.IndexByte(before.Body, '\n')]) {
		t.Fatalf("tickets.csv of the day before the damage: %d", before.Status)
	}
}
