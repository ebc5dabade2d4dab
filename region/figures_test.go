package region_test

import (
	"context"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5/pgxpool"
)

// The region's console reads its range figures from the day rollups
// (console.go, rangeFigures). These are the test's references for them: the
// same headline figures computed from the rollups and, independently, from
// the tickets themselves, which TestRegionShipping compares with each other and with
// the hall's own report, and BenchmarkRegionReport times.

// Figures are one hall's headline figures over a range of days, computed in
// the region's database by the definitions of the hall's own report
// (report: customers are tickets not continuing a transfer; a wait is
// floor(called_at − issued_at) of the first call; p90 is the nearest-rank
// 90th percentile; service level is customers called within their
// service's target wait / customers called; no-show rate is no-shows /
// called) and of its satisfaction figures (rating.(*Service).Figures: every
// finished ticket is served; 满意率 = rated 4–5 / rated 1–5).
type Figures struct {
	Hall         string  `json:"hall"`
	Customers    int     `json:"customers"`
	Called       int     `json:"called"`
	Served       int     `json:"served"`
	NoShows      int     `json:"no_shows"`
	Cancelled    int     `json:"cancelled"`
	AvgWaitS     float64 `json:"avg_wait_s"`
	P90WaitS     int     `json:"p90_wait_s"`
	MaxWaitS     int     `json:"max_wait_s"`
	ServiceLevel float64 `json:"service_level"`
	NoShowRate   float64 `json:"no_show_rate"`
	// Satisfaction figures: finished tickets, of them rated 1–5, rated 4–5.
	Finished     int     `json:"finished"`
	Rated        int     `json:"rated"`
	Satisfied    int     `json:"satisfied"`
	Satisfaction float64 `json:"satisfaction"`
}

// rollupSQL computes Figures for every hall over days $1…$2 from the day
// rollups (migration 002): sums, and the exact p90 from the days' sorted
// waits.
const rollupSQL = `
WITH s AS (
    SELECT hall_id, sum(customers) AS customers, sum(called) AS called, sum(served) AS served,
        sum(no_shows) AS no_shows, sum(cancelled) AS cancelled, sum(wait_sum) AS wait_sum,
        max(max_wait) AS max_wait, sum(within) AS within, sum(finished) AS finished,
        sum(rated) AS rated, sum(satisfied) AS satisfied
    FROM ticket_days WHERE day BETWEEN $1::date AND $2::date GROUP BY hall_id
), p AS (
    SELECT hall_id, percentile_disc(0.9) WITHIN GROUP (ORDER BY w) AS p90
    FROM wait_days, unnest(waits) AS w
    WHERE day BETWEEN $1::date AND $2::date AND $3
    GROUP BY hall_id
)
SELECT s.hall_id, customers, called, served, no_shows, cancelled, wait_sum, coalesce(p90, 0), max_wait, within,
       finished, rated, satisfied
FROM s LEFT JOIN p USING (hall_id)
ORDER BY s.hall_id`

// figuresSQL computes Figures for every hall over days $1…$2 (dates)
// straight from the tickets (the rollups' reference).
const figuresSQL = `
WITH t AS (
    SELECT * FROM tickets WHERE day BETWEEN $1::date AND $2::date
), c AS (
    SELECT hall_id,
        count(*) FILTER (WHERE NOT transferred)                                              AS customers,
        count(*) FILTER (WHERE NOT transferred AND wait_s IS NOT NULL)                       AS called,
        count(*) FILTER (WHERE NOT transferred AND status = 'done' AND service_s >= 0)       AS served,
        count(*) FILTER (WHERE NOT transferred AND status = 'no_show')                       AS no_shows,
        count(*) FILTER (WHERE NOT transferred AND status = 'cancelled')                     AS cancelled,
        coalesce(sum(wait_s) FILTER (WHERE NOT transferred), 0)                             AS wait_sum,
        coalesce(percentile_disc(0.9) WITHIN GROUP (ORDER BY wait_s) FILTER (WHERE NOT transferred), 0) AS p90,
        coalesce(max(wait_s) FILTER (WHERE NOT transferred), 0)                              AS max_wait,
        count(*) FILTER (WHERE NOT transferred AND wait_s IS NOT NULL
            AND wait_s <= CASE WHEN coalesce(target_wait_s, 0) > 0 THEN target_wait_s ELSE 600 END) AS within,
        count(*) FILTER (WHERE status = 'done')                                              AS finished
    FROM t GROUP BY hall_id
), r AS (
    SELECT t.hall_id,
        count(*) FILTER (WHERE r.score BETWEEN 1 AND 5) AS rated,
        count(*) FILTER (WHERE r.score >= 4)            AS satisfied
    FROM t JOIN ratings r ON r.hall_id = t.hall_id AND r.day = t.day AND r.ticket_id = t.ticket_id
    WHERE t.status = 'done'
    GROUP BY t.hall_id
)
SELECT c.hall_id, customers, called, served, no_shows, cancelled, wait_sum, p90, max_wait, within, finished,
       coalesce(rated, 0), coalesce(satisfied, 0)
FROM c LEFT JOIN r USING (hall_id)
ORDER BY c.hall_id`

// hallFigures returns the figures of every hall with tickets from day from
// to day to (YYYY-MM-DD, inclusive), by hall id, from the day rollups; with
// noP90 the percentile (the costly part) is left 0.
func hallFigures(ctx context.Context, db *pgxpool.Pool, from, to string, noP90 bool) (map[string]Figures, error) {
	return figures(ctx, db, rollupSQL, from, to, !noP90)
}

// hallFiguresFromTickets is hallFigures computed from the tickets
// themselves (slow over long ranges: the rollups' reference).
func hallFiguresFromTickets(ctx context.Context, db *pgxpool.Pool, from, to string) (map[string]Figures, error) {
	return figures(ctx, db, figuresSQL, from, to)
}

func figures(ctx context.Context, db *pgxpool.Pool, sql, from, to string, args ...any) (map[string]Figures, error) {
	rows, err := db.Query(ctx, sql, append([]any{from, to}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("region figures: %w", err)
	}
	defer rows.Close()
	out := map[string]Figures{}
	for rows.Next() {
		var f Figures
		var within int
		var waitSum int64
		if err := rows.Scan(&f.Hall, &f.Customers, &f.Called, &f.Served, &f.NoShows, &f.Cancelled, &waitSum, &f.P90WaitS,
			&f.MaxWaitS, &within, &f.Finished, &f.Rated, &f.Satisfied); err != nil {
			return nil, fmt.Errorf("region figures: %w", err)
		}
		if f.Called > 0 {
			f.AvgWaitS = math.Round(float64(waitSum)/float64(f.Called)*10) / 10
			f.ServiceLevel = round4(float64(within) / float64(f.Called))
			f.NoShowRate = round4(float64(f.NoShows) / float64(f.Called))
		}
		if f.Rated > 0 {
			f.Satisfaction = float64(f.Satisfied) / float64(f.Rated)
		}
		out[f.Hall] = f
	}
	return out, rows.Err()
}

func round4(x float64) float64 { return math.Round(x*10000) / 10000 }
