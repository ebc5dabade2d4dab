package region_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"hallq/hall"
	"hallq/hall/config"
	"hallq/hall/store"
	"hallq/region"
	"hallq/region/pgtest"
	"hallq/sim"
)

// BenchmarkShip: events shipped per second into one PostgreSQL from
// BENCH_HALLS (default 4) simulated halls shipping at once (each hall 20
// simulated days, about 1,900 events a day, batches of 5,000).
func BenchmarkShip(b *testing.B) {
	n := 4
	if v, err := strconv.Atoi(os.Getenv("BENCH_HALLS")); err == nil && v > 0 {
		n = v
	}
	pg := pgtest.Start(b)
	ctx := context.Background()
	db, err := pgxpool.New(ctx, pg.DSN()+"&pool_max_conns=32")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	end := time.Date(2026, 11, 3, 7, 0, 0, 0, loc)
	halls := make([]*hall.Hall, n)
	for i := range halls {
		rh := regionHall{id: fmt.Sprintf("bench-%d", i), dir: filepath.Join(b.TempDir(), "h")}
		os.MkdirAll(rh.dir, 0o700)
		os.WriteFile(filepath.Join(rh.dir, config.File), []byte(`{"id": "`+rh.id+`"}`), 0o600)
		st, err := store.Open(rh.dir)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := sim.Run(st, sim.Options{Days: 20, Seed: uint64(i), End: end, NewHall: config.Default()}); err != nil {
			b.Fatal(err)
		}
		st.Close()
		h, err := hall.Open(hall.Options{Dir: rh.dir, Now: func() time.Time { return end.Add(-8 * time.Hour) }, Tick: time.Hour})
		if err != nil {
			b.Fatal(err)
		}
		defer h.Close()
		halls[i] = h
	}
	if _, err := region.Migrate(ctx, db, end, 1); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	total := 0
	for range b.N {
		db.Exec(ctx, `TRUNCATE events, tickets, ratings, cases, ship_cursors`)
		start := time.Now()
		var wg sync.WaitGroup
		var mu sync.Mutex
		for _, h := range halls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := &region.Shipper{DB: db, Source: region.LocalSource{Hall: h}}
				k, err := s.CatchUp(ctx)
				if err != nil {
					b.Error(err)
				}
				mu.Lock()
				total += k
				mu.Unlock()
			}()
		}
		wg.Wait()
		b.ReportMetric(float64(total)/time.Since(start).Seconds(), "events/s")
		total = 0
	}
}

// BenchmarkRegionReport: the region's figures for every hall over a year,
// from BENCH_REPORT_HALLS (default 100) halls × 365 days × 300 customers a
// day generated straight into PostgreSQL with generate_series (the hall
// simulator would take hours for this much).
func BenchmarkRegionReport(b *testing.B) {
	n := 100
	if v, err := strconv.Atoi(os.Getenv("BENCH_REPORT_HALLS")); err == nil && v > 0 {
		n = v
	}
	pg := pgtest.Start(b)
	ctx := context.Background()
	db, err := pgxpool.New(ctx, pg.DSN())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := region.Migrate(ctx, db, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 0); err != nil {
		b.Fatal(err)
	}
	if err := region.EnsureMonths(ctx, db, time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	for h := range n {
		_, err := db.Exec(ctx, `
INSERT INTO tickets (hall_id, day, ticket_id, number, service, status, issued_at, called_at, started_at, finished_at,
                     wait_s, service_s, target_wait_s, counter, clerk, rev, epoch, seq)
SELECT $1, d::date, g, 'A' || g, chr(65 + g % 6), CASE WHEN g % 29 = 0 THEN 'no_show' ELSE 'done' END,
       d + interval '8 hours' + (g % 500) * interval '1 minute',
       d + interval '8 hours' + (g % 500) * interval '1 minute' + (g * 7919 % 1800) * interval '1 second',
       NULL, NULL, g * 7919 % 1800, 300, 600, 1 + g % 8, 'c' || (g % 12), 1, '0', g
FROM generate_series('2026-01-01'::date, '2026-12-31'::date, interval '1 day') AS d,
     generate_series(1, 300) AS g`, fmt.Sprintf("h%03d", h))
		if err != nil {
			b.Fatal(err)
		}
		db.Exec(ctx, `INSERT INTO ratings (hall_id, day, ticket_id, score, at)
			SELECT hall_id, day, ticket_id, 1 + ticket_id % 5, issued_at FROM tickets WHERE hall_id = $1 AND ticket_id % 3 = 0`, fmt.Sprintf("h%03d", h))
		if _, err := db.Exec(ctx, `SELECT region_refresh_days($1, ARRAY(SELECT d::date FROM generate_series('2026-01-01'::date, '2026-12-31'::date, interval '1 day') d))`, fmt.Sprintf("h%03d", h)); err != nil {
			b.Fatal(err)
		}
	}
	db.Exec(ctx, `VACUUM ANALYZE`)
	var rows int64
	db.QueryRow(ctx, `SELECT count(*) FROM tickets`).Scan(&rows)
	b.Logf("generated %d tickets of %d halls in %s", rows, n, time.Since(t0).Round(time.Second))
	for _, c := range []struct {
		name string
		fn   func() (map[string]Figures, error)
	}{
		{"rollups", func() (map[string]Figures, error) {
			return hallFigures(ctx, db, "2026-01-01", "2026-12-31", false)
		}},
		{"rollups-no-p90", func() (map[string]Figures, error) {
			return hallFigures(ctx, db, "2026-01-01", "2026-12-31", true)
		}},
		{"tickets", func() (map[string]Figures, error) {
			return hallFiguresFromTickets(ctx, db, "2026-01-01", "2026-12-31")
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				figs, err := c.fn()
				if err != nil || len(figs) != n {
					b.Fatalf("%d halls, %v", len(figs), err)
				}
			}
		})
	}
}
