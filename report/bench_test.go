package report_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"hallq/hall/config"
	"hallq/hall/store"
	"hallq/queue"
	"hallq/report"
	"hallq/sim"
)

// Benchmarks behind the "Reports" section of docs/benchmarks.md (run by
// `make bench`, not by plain go test):
//
//	BenchmarkPeakReport/1y, /5y   the peak report over one and five years of
//	                              the large profile (≈3,000 customers a day),
//	                              and in the same run a full scan of the raw
//	                              event log computing the same figures; the
//	                              figures must be identical
//	BenchmarkSimulate             simulator throughput and data per year
//
// Generating years of the large profile takes a while (about a minute a
// year on 2 cores), so the data directories are cached under
// os.TempDir()/hallq-bench-* keyed by profile, seed, days and a hash of the
// code that writes them; delete them to free the space (≈2.3 GB a year).

var benchEnd = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// codeHash is a hash of the sources whose output the cache holds.
func codeHash(tb testing.TB) string {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..")
	h := sha256.New()
	var files []string
	for _, pat := range []string{"sim/*.go", "hall/store/rollup.go", "hall/store/bulk.go", "hall/store/store.go", "queue/*.go", "casework/cases/default_catalog.json", "hall/config/default_hall.json"} {
		m, _ := filepath.Glob(filepath.Join(root, pat))
		files = append(files, m...)
	}
	slices.Sort(files)
	for _, f := range files {
		if filepath.Ext(f) == ".go" && len(f) > 8 && f[len(f)-8:] == "_test.go" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

var benchMu sync.Mutex

// benchData returns a data directory with days of the profile, generating
// it once.
func benchData(tb testing.TB, profile string, days int, seed uint64) string {
	benchMu.Lock()
	defer benchMu.Unlock()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("hallq-bench-%s-s%d-d%d-%s", profile, seed, days, codeHash(tb)))
	if _, err := os.Stat(filepath.Join(dir, store.FileName)); err == nil {
		return dir
	}
	tmp := dir + ".tmp"
	os.RemoveAll(tmp)
	st, err := store.Open(tmp)
	if err != nil {
		tb.Fatal(err)
	}
	start := time.Now()
	res, err := sim.Run(st, sim.Options{Days: days, Seed: seed, Profile: profile, NewHall: config.Default(), End: benchEnd})
	st.Close()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Logf("generated %d days of the %s profile in %s: %d customers, %d events", days, profile, time.Since(start).Round(time.Second), res.Tickets, res.Events)
	if err := os.Rename(tmp, dir); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// scanFigures is the full scan: every event of the log decoded (Store.Events), each
// ticket's newest revision kept, then the summary, weekday × slot and day
// of month figures computed from the tickets — what the report computes
// from its rollups.
type scanFigures struct {
	Summary   report.Summary
	Slots     []report.Slot
	MonthDays []report.MonthDay
}

func fullScan(tb testing.TB, st *store.Store, cfg queue.Config, from, to string) scanFigures {
	latest := map[uint64]queue.Ticket{}
	var since uint64
	for {
		evs, err := st.Events(since, 20000)
		if err != nil {
			tb.Fatal(err)
		}
		if len(evs) == 0 {
			break
		}
		for _, e := range evs {
			for _, t := range e.Tickets {
				if t.Day < from || t.Day > to {
					continue
				}
				if old, ok := latest[t.ID]; !ok || t.Rev >= old.Rev {
					latest[t.ID] = t
				}
			}
			since = e.Seq
		}
	}
	loc, _ := time.LoadLocation(queue.DefaultTimeZone)
	targets := map[string]int{}
	for _, s := range cfg.Services {
		targets[s.Prefix] = s.TargetWaitS
	}
	type cell struct {
		n     int
		waits []int32
	}
	slots := map[[2]int]*cell{}
	mdays := map[int]*cell{}
	var all []int32
	wdDays, domDays := map[int]map[string]bool{}, map[int]map[string]bool{}
	days := map[string]bool{}
	var f scanFigures
	within, noShows, served := 0, 0, 0
	var serviceSum int64
	for _, t := range latest {
		if t.TransferredFrom != 0 {
			continue
		}
		day, _ := time.ParseInLocation(time.DateOnly, t.Day, loc)
		wd := int(day.Weekday())
		if wd == 0 {
			wd = 7
		}
		days[t.Day] = true
		if wdDays[wd] == nil {
			wdDays[wd] = map[string]bool{}
		}
		wdDays[wd][t.Day] = true
		if domDays[day.Day()] == nil {
			domDays[day.Day()] = map[string]bool{}
		}
		domDays[day.Day()][t.Day] = true
		k := [2]int{wd, int(t.IssuedAt.Sub(day)/time.Second) / 1800}
		if slots[k] == nil {
			slots[k] = &cell{}
		}
		if mdays[day.Day()] == nil {
			mdays[day.Day()] = &cell{}
		}
		slots[k].n++
		mdays[day.Day()].n++
		f.Summary.Tickets++
		if t.CalledAt != nil {
			w := int32(t.CalledAt.Sub(t.IssuedAt) / time.Second)
			slots[k].waits = append(slots[k].waits, w)
			mdays[day.Day()].waits = append(mdays[day.Day()].waits, w)
			all = append(all, w)
			if int(w) <= targets[t.Service] {
				within++
			}
		}
		switch t.Status {
		case queue.NoShow:
			noShows++
		case queue.Cancelled:
			f.Summary.Cancelled++
		case queue.Done:
			if t.StartedAt != nil && t.FinishedAt != nil {
				serviceSum += int64(t.FinishedAt.Sub(t.IssuedAt)/time.Second) - int64(t.StartedAt.Sub(t.IssuedAt)/time.Second)
				served++
			}
		}
	}
	stats := func(w []int32) (float64, int) {
		if len(w) == 0 {
			return 0, 0
		}
		slices.Sort(w)
		var s int64
		for _, x := range w {
			s += int64(x)
		}
		return math.Round(float64(s)/float64(len(w))*10) / 10, int(w[int(math.Ceil(0.9*float64(len(w))))-1])
	}
	sm := &f.Summary
	sm.Called, sm.NoShows, sm.Served, sm.Days = len(all), noShows, served, len(days)
	sm.AvgWaitS, sm.P90WaitS = stats(all)
	if len(all) > 0 {
		sm.MaxWaitS = int(all[len(all)-1])
		sm.ServiceLevel = math.Round(float64(within)/float64(len(all))*10000) / 10000
		sm.NoShowRate = math.Round(float64(noShows)/float64(len(all))*10000) / 10000
	}
	if served > 0 {
		sm.AvgServiceS = math.Round(float64(serviceSum)/float64(served)*10) / 10
	}
	for wd := 1; wd <= 7; wd++ {
		for k := 0; k < 48; k++ {
			c := slots[[2]int{wd, k}]
			if c == nil {
				continue
			}
			s := report.Slot{Weekday: wd, Start: fmt.Sprintf("%02d:%02d", k/2, k%2*30), Arrivals: c.n, Called: len(c.waits),
				ArrivalsPerDay: math.Round(float64(c.n)/float64(len(wdDays[wd]))*10) / 10}
			s.AvgWaitS, s.P90WaitS = stats(c.waits)
			f.Slots = append(f.Slots, s)
		}
	}
	for d := 1; d <= 31; d++ {
		c := mdays[d]
		if c == nil {
			continue
		}
		m := report.MonthDay{Day: d, Arrivals: c.n, Called: len(c.waits), ArrivalsPerDay: math.Round(float64(c.n)/float64(len(domDays[d]))*10) / 10}
		m.AvgWaitS, m.P90WaitS = stats(c.waits)
		f.MonthDays = append(f.MonthDays, m)
	}
	return f
}

func benchPeak(b *testing.B, years int) {
	days := 365 * years
	dir := benchData(b, "large", days, 1)
	st, err := store.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := st.EnsureRollups(); err != nil {
		b.Fatal(err)
	}
	var cfg queue.Config
	if _, err := st.GetMeta("config", &cfg); err != nil {
		b.Fatal(err)
	}
	end := benchEnd.AddDate(0, 0, -1).Format(time.DateOnly)
	from := benchEnd.AddDate(0, 0, -days).Format(time.DateOnly)
	p := report.Params{From: from, To: end}
	if err := p.Validate(cfg); err != nil {
		b.Fatal(err)
	}
	now := benchEnd
	// The full scan, once, timed by hand.
	scanStart := time.Now()
	scan := fullScan(b, st, cfg, from, end)
	scanTime := time.Since(scanStart)

	// The first report after the scan reads rollup pages the scan pushed out
	// of the page cache (a 5-year file is larger than this machine's RAM):
	// timed apart as the cold figure; the loop measures the warm one.
	coldStart := time.Now()
	r, err := report.Build(st, cfg, p, now)
	if err != nil {
		b.Fatal(err)
	}
	cold := time.Since(coldStart)
	b.ResetTimer()
	for b.Loop() {
		if r, err = report.Build(st, cfg, p, now); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	perOp := b.Elapsed() / time.Duration(b.N)
	if r.Summary != scan.Summary {
		b.Fatalf("summary differs:\nreport %+v\nscan   %+v", r.Summary, scan.Summary)
	}
	if !slices.Equal(r.Slots, scan.Slots) || !slices.Equal(r.MonthDays, scan.MonthDays) {
		b.Fatalf("slots or days of month differ (%d/%d slots, %d/%d days)", len(r.Slots), len(scan.Slots), len(r.MonthDays), len(scan.MonthDays))
	}
	fi, _ := os.Stat(st.Path())
	b.ReportMetric(float64(perOp.Microseconds())/1000, "ms/report")
	b.ReportMetric(cold.Seconds()*1000, "ms/cold-report")
	b.ReportMetric(scanTime.Seconds()*1000, "ms/scan")
	b.ReportMetric(float64(scanTime)/float64(perOp), "x_faster")
	b.ReportMetric(float64(r.Summary.Tickets), "customers")
	b.ReportMetric(float64(fi.Size())/(1<<20)/float64(years), "MB/year")
}

func BenchmarkPeakReport(b *testing.B) {
	b.Run("1y", func(b *testing.B) { benchPeak(b, 1) })
	b.Run("5y", func(b *testing.B) { benchPeak(b, 5) })
}

// BenchmarkSimulate measures the simulator on 30 days of the large profile
// into a fresh store (not cached): events per second and the data file per
// simulated year.
func BenchmarkSimulate(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		st, err := store.Open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		res, err := sim.Run(st, sim.Options{Days: 30, Seed: 3, Profile: "large", NewHall: config.Default(), End: benchEnd})
		el := time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		fi, _ := os.Stat(st.Path())
		st.Close()
		b.ReportMetric(float64(res.Events)/el.Seconds(), "events/s")
		b.ReportMetric(float64(res.Tickets)/el.Seconds(), "customers/s")
		b.ReportMetric(el.Seconds()*365/30, "s/simulated-year")
		b.ReportMetric(float64(fi.Size())/(1<<20)*365/30, "MB/year")
		b.StartTimer()
	}
}
