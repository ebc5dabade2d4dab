// Command duckdb is a benchmark-only tool, a module of its own so that
// DuckDB never enters the hallq binary's go.mod: it computes the peak
// report's figures (the summary, the weekday × 30-minute slot table and the
// day-of-month table) from the tickets hallq exports (tickets.csv) with
// DuckDB, times them the way BenchmarkYears times hallq's report (the first
// query after opening the database, and warm), and checks that they equal
// the figures of hallq's report over the same range.
//
//	go run . -in DIR [-runs 5]
//
// DIR holds what BenchmarkYears writes with HALLQ_BENCH_EXPORT=DIR
// (`make bench-years`): tickets.csv, peak.json (hallq's report) and
// targets.json (each service's target wait, s). The tool loads the tickets
// into DIR/tickets.duckdb (timed apart), closes it, then opens it and runs
// the figures' queries. It exits 1 when a figure differs.
//
// Times are the hall's local wall times (tickets.csv gives them with their
// offset; the offset is dropped, so a day is local midnight to midnight, as
// in hallq's report — exact for zones without daylight saving, such as the
// hall's Asia/Shanghai).
package main

import (
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

func main() {
	in := flag.String("in", "", "directory with tickets.csv, peak.json and targets.json")
	runs := flag.Int("runs", 5, "warm runs (the median is reported)")
	flag.Parse()
	if *in == "" || *runs < 1 {
		fmt.Fprintln(os.Stderr, "usage: go run . -in DIR [-runs 5]")
		os.Exit(2)
	}
	res, err := run(*in, *runs)
	if err != nil {
		fmt.Fprintln(os.Stderr, "duckdb bench:", err)
		os.Exit(1)
	}
	fmt.Print(res.String())
	if len(res.Diffs) > 0 {
		os.Exit(1)
	}
}

// Result is one run of the tool.
type Result struct {
	Tickets      int // rows of tickets.csv
	Load         time.Duration
	First, Warm  time.Duration
	Figures      Figures
	Diffs        []string // figures that differ from hallq's report
	DBBytes      int64
	CompareSlots int
	CompareDays  int
}

func (r Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "duckdb: %d tickets; load from tickets.csv %.2f s (database %.1f MB); figures first after open %.0f ms, warm %.0f ms (median)\n",
		r.Tickets, r.Load.Seconds(), float64(r.DBBytes)/(1<<20), ms(r.First), ms(r.Warm))
	if len(r.Diffs) == 0 {
		fmt.Fprintf(&b, "figures agree with hallq's report: the summary (%d customers), %d slots, %d days of the month\n",
			r.Figures.Summary.Tickets, r.CompareSlots, r.CompareDays)
	} else {
		fmt.Fprintf(&b, "%d figures differ from hallq's report:\n  %s\n", len(r.Diffs), strings.Join(r.Diffs, "\n  "))
	}
	return b.String()
}

func ms(d time.Duration) float64 { return d.Seconds() * 1000 }

// Figures are the report's figures this tool computes, with the JSON names
// of hallq's report.
type Figures struct {
	Summary   Summary    `json:"summary"`
	Slots     []Slot     `json:"slots"`
	MonthDays []MonthDay `json:"month_days"`
}

type Summary struct {
	Tickets      int     `json:"tickets"`
	Called       int     `json:"called"`
	Served       int     `json:"served"`
	NoShows      int     `json:"no_shows"`
	Cancelled    int     `json:"cancelled"`
	AvgWaitS     float64 `json:"avg_wait_s"`
	P90WaitS     int     `json:"p90_wait_s"`
	MaxWaitS     int     `json:"max_wait_s"`
	ServiceLevel float64 `json:"service_level"`
	NoShowRate   float64 `json:"no_show_rate"`
	AvgServiceS  float64 `json:"avg_service_s"`
	Days         int     `json:"days"`
}

type Slot struct {
	Weekday        int     `json:"weekday"`
	Start          string  `json:"start"`
	Arrivals       int     `json:"arrivals"`
	ArrivalsPerDay float64 `json:"arrivals_per_day"`
	Called         int     `json:"called"`
	AvgWaitS       float64 `json:"avg_wait_s"`
	P90WaitS       int     `json:"p90_wait_s"`
}

type MonthDay struct {
	Day            int     `json:"day"`
	Arrivals       int     `json:"arrivals"`
	ArrivalsPerDay float64 `json:"arrivals_per_day"`
	Called         int     `json:"called"`
	AvgWaitS       float64 `json:"avg_wait_s"`
	P90WaitS       int     `json:"p90_wait_s"`
}

func run(dir string, runs int) (Result, error) {
	var res Result
	var want Figures
	if err := readJSON(filepath.Join(dir, "peak.json"), &want); err != nil {
		return res, err
	}
	var targets map[string]int
	if err := readJSON(filepath.Join(dir, "targets.json"), &targets); err != nil {
		return res, err
	}
	dbPath := filepath.Join(dir, "tickets.duckdb")
	for _, p := range []string{dbPath, dbPath + ".wal"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return res, err
		}
	}
	t0 := time.Now()
	n, err := load(dbPath, filepath.Join(dir, "tickets.csv"), targets)
	if err != nil {
		return res, err
	}
	res.Load, res.Tickets = time.Since(t0), n
	if fi, err := os.Stat(dbPath); err == nil {
		res.DBBytes = fi.Size()
	}

	t0 = time.Now()
	db, err := sql.Open("duckdb", dbPath+"?access_mode=read_only")
	if err != nil {
		return res, err
	}
	defer db.Close()
	got, err := figures(db)
	if err != nil {
		return res, err
	}
	res.First = time.Since(t0)
	var warm []time.Duration
	for range runs {
		t0 = time.Now()
		if _, err := figures(db); err != nil {
			return res, err
		}
		warm = append(warm, time.Since(t0))
	}
	slices.Sort(warm)
	res.Warm = warm[len(warm)/2]
	res.Figures = got
	res.Diffs = compare(got, want)
	res.CompareSlots, res.CompareDays = len(want.Slots), len(want.MonthDays)
	return res, nil
}

func readJSON(path string, v any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// load imports tickets.csv into a new database at dbPath: one typed row per
// ticket (times as local wall times, ns), and the services' targets. It
// returns the tickets loaded.
func load(dbPath, csvPath string, targets map[string]int) (int, error) {
	db, err := sql.Open("duckdb", dbPath)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	// RFC 3339 with nanoseconds and the hall's offset: the wall time is the
	// text before the offset (the last 6 characters, or a final Z).
	local := func(col string) string {
		return fmt.Sprintf(`CASE WHEN %[1]s IS NULL OR %[1]s = '' THEN NULL
			ELSE CAST(regexp_replace(%[1]s, '(Z|[+-]\d\d:\d\d)$', '') AS TIMESTAMP_NS) END`, col)
	}
	q := fmt.Sprintf(`CREATE TABLE tickets AS SELECT
		CAST(id AS BIGINT) AS id, CAST(day AS DATE) AS day, service, status,
		%s AS issued_at, %s AS called_at, %s AS started_at, %s AS finished_at,
		CAST(NULLIF(transferred_from, '') AS BIGINT) AS transferred_from
		FROM read_csv(?, header = true, all_varchar = true)`,
		local("issued_at"), local("called_at"), local("started_at"), local("finished_at"))
	if _, err := db.Exec(q, csvPath); err != nil {
		return 0, fmt.Errorf("load tickets.csv: %w", err)
	}
	if _, err := db.Exec(`CREATE TABLE targets (service VARCHAR PRIMARY KEY, target_s INTEGER)`); err != nil {
		return 0, err
	}
	for svc, s := range targets {
		if _, err := db.Exec(`INSERT INTO targets VALUES (?, ?)`, svc, s); err != nil {
			return 0, err
		}
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM tickets`).Scan(&n); err != nil {
		return 0, err
	}
	if _, err := db.Exec(`CHECKPOINT`); err != nil {
		return 0, err
	}
	return n, nil
}

// base is the customers (tickets not made by a transfer) with what the
// figures need: ISO weekday, day of month, 30-minute slot of the issue,
// the wait to the first call and the service time, in whole seconds as
// hallq truncates them.
const base = `WITH c AS (
	SELECT t.day, isodow(t.day) AS wd, dayofmonth(t.day) AS dom, t.status,
		(epoch_ns(t.issued_at) - epoch_ns(CAST(t.day AS TIMESTAMP_NS))) // 1000000000 // 1800 AS slot,
		(epoch_ns(t.called_at) - epoch_ns(t.issued_at)) // 1000000000 AS w,
		CASE WHEN t.status = 'done' AND t.started_at IS NOT NULL AND t.finished_at IS NOT NULL THEN
			(epoch_ns(t.finished_at) - epoch_ns(t.issued_at)) // 1000000000 - (epoch_ns(t.started_at) - epoch_ns(t.issued_at)) // 1000000000
		END AS svc,
		coalesce(g.target_s, 0) AS target
	FROM tickets t LEFT JOIN targets g ON g.service = t.service
	WHERE t.transferred_from IS NULL)`

// p90 is hallq's nearest-rank 90th percentile of column w.
const p90 = `coalesce(list_sort(list(w) FILTER (WHERE w IS NOT NULL))[CAST(ceil(0.9 * count(w)) AS BIGINT)], 0)`

// figures runs the three queries and rounds as hallq's report does.
func figures(db *sql.DB) (Figures, error) {
	var f Figures
	var waitSum, svcSum sql.NullInt64
	var within, served, maxW int64
	s := &f.Summary
	err := db.QueryRow(base+`SELECT count(*), count(w), coalesce(sum(w), 0), `+p90+`, coalesce(max(w), 0),
		count(*) FILTER (WHERE w IS NOT NULL AND w <= target),
		count(*) FILTER (WHERE status = 'no_show'), count(*) FILTER (WHERE status = 'cancelled'),
		count(svc), coalesce(sum(svc), 0), count(DISTINCT day)
		FROM c`).Scan(&s.Tickets, &s.Called, &waitSum, &s.P90WaitS, &maxW, &within, &s.NoShows, &s.Cancelled, &served, &svcSum, &s.Days)
	if err != nil {
		return f, fmt.Errorf("summary: %w", err)
	}
	s.Served, s.MaxWaitS = int(served), int(maxW)
	s.AvgWaitS = avg(waitSum.Int64, s.Called)
	if s.Called > 0 {
		s.ServiceLevel = math.Round(float64(within)/float64(s.Called)*10000) / 10000
		s.NoShowRate = math.Round(float64(s.NoShows)/float64(s.Called)*10000) / 10000
	}
	s.AvgServiceS = avg(svcSum.Int64, s.Served)

	rows, err := db.Query(base + `, d AS (SELECT wd, count(DISTINCT day) AS days FROM c GROUP BY wd)
		SELECT c.wd, slot, count(*), any_value(d.days), count(w), coalesce(sum(w), 0), ` + p90 + `
		FROM c JOIN d ON d.wd = c.wd GROUP BY c.wd, slot ORDER BY c.wd, slot`)
	if err != nil {
		return f, fmt.Errorf("slots: %w", err)
	}
	for rows.Next() {
		var sl Slot
		var slot, days, sum int64
		if err := rows.Scan(&sl.Weekday, &slot, &sl.Arrivals, &days, &sl.Called, &sum, &sl.P90WaitS); err != nil {
			rows.Close()
			return f, err
		}
		sl.Start = fmt.Sprintf("%02d:%02d", slot/2, slot%2*30)
		sl.ArrivalsPerDay = math.Round(float64(sl.Arrivals)/float64(days)*10) / 10
		sl.AvgWaitS = avg(sum, sl.Called)
		f.Slots = append(f.Slots, sl)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return f, err
	}

	rows, err = db.Query(base + `SELECT dom, count(*), count(DISTINCT day), count(w), coalesce(sum(w), 0), ` + p90 + `
		FROM c GROUP BY dom ORDER BY dom`)
	if err != nil {
		return f, fmt.Errorf("days of the month: %w", err)
	}
	for rows.Next() {
		var m MonthDay
		var days, sum int64
		if err := rows.Scan(&m.Day, &m.Arrivals, &days, &m.Called, &sum, &m.P90WaitS); err != nil {
			rows.Close()
			return f, err
		}
		m.ArrivalsPerDay = math.Round(float64(m.Arrivals)/float64(days)*10) / 10
		m.AvgWaitS = avg(sum, m.Called)
		f.MonthDays = append(f.MonthDays, m)
	}
	return f, errors.Join(rows.Err(), rows.Close())
}

// avg is hallq's mean, rounded to a tenth.
func avg(sum int64, n int) float64 {
	if n == 0 {
		return 0
	}
	return math.Round(float64(sum)/float64(n)*10) / 10
}

// compare lists the figures of got that differ from want.
func compare(got, want Figures) []string {
	var diffs []string
	if got.Summary != want.Summary {
		diffs = append(diffs, fmt.Sprintf("summary: duckdb %+v, hallq %+v", got.Summary, want.Summary))
	}
	if len(got.Slots) != len(want.Slots) {
		diffs = append(diffs, fmt.Sprintf("slots: duckdb %d, hallq %d", len(got.Slots), len(want.Slots)))
	}
	for i := range min(len(got.Slots), len(want.Slots)) {
		if got.Slots[i] != want.Slots[i] {
			diffs = append(diffs, fmt.Sprintf("slot %d: duckdb %+v, hallq %+v", i, got.Slots[i], want.Slots[i]))
		}
	}
	if len(got.MonthDays) != len(want.MonthDays) {
		diffs = append(diffs, fmt.Sprintf("days of the month: duckdb %d, hallq %d", len(got.MonthDays), len(want.MonthDays)))
	}
	for i := range min(len(got.MonthDays), len(want.MonthDays)) {
		if got.MonthDays[i] != want.MonthDays[i] {
			diffs = append(diffs, fmt.Sprintf("day of the month %d: duckdb %+v, hallq %+v", got.MonthDays[i].Day, got.MonthDays[i], want.MonthDays[i]))
		}
	}
	return diffs
}
