package region

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	_ "hallq/i18n" // queue.Err renders its keys with the catalog that i18n registers in its init
	"hallq/queue"
)

// The region console's figures, computed in PostgreSQL from the shipped
// tables with the definitions of the hall's own report (report/):
//
//   - customers: tickets that do not continue a transfer;
//   - a wait is wait_s of the ticket's first call; mean rounded to 0.1 s,
//     p90 the nearest-rank 90th percentile (percentile_disc(0.9));
//   - service level: called customers whose wait was within their service's
//     target, over called customers; no-show rate: no-shows over called;
//   - 满意率: ratings of 4–5 over rated services (未评价 left out);
//   - cases by class: served customers by the class of the recorded item;
//     refusals are the must_refuse ones; work orders are those opened.

// Live is a hall today, from the latest shipped events.
type Live struct {
	Waiting      int `json:"waiting"`
	LongestWaitS int `json:"longest_wait_s"`
	CountersOpen int `json:"counters_open"`
}

// RangeFigures are a hall's (or the region's) figures over a date range.
type RangeFigures struct {
	Customers    int            `json:"customers"`
	Called       int            `json:"called"`
	NoShows      int            `json:"no_shows"`
	AvgWaitS     float64        `json:"avg_wait_s"`
	P90WaitS     int            `json:"p90_wait_s"`
	ServiceLevel float64        `json:"service_level"`
	NoShowRate   float64        `json:"no_show_rate"`
	Rated        int            `json:"rated"`
	Satisfied    float64        `json:"satisfied"` // 满意率
	ByClass      map[string]int `json:"by_class"`
	Refusals     int            `json:"refusals"`
	WorkOrders   int            `json:"work_orders"`
}

// HallRow is one hall in the side-by-side table.
type HallRow struct {
	Hall     string       `json:"hall"`
	NameZH   string       `json:"name_zh"`
	NameEN   string       `json:"name_en"`
	TimeZone string       `json:"timezone"`
	LastSeen time.Time    `json:"last_seen"`
	Live     Live         `json:"live"`
	Range    RangeFigures `json:"range"`
}

// Overview is every hall side by side, and the region's total.
type Overview struct {
	From  string       `json:"from"`
	To    string       `json:"to"`
	Now   time.Time    `json:"now"`
	Halls []HallRow    `json:"halls"`
	Total RangeFigures `json:"total"`
}

func rnd1(x float64) float64 { return math.Round(x*10) / 10 }
func rnd4(x float64) float64 { return math.Round(x*10000) / 10000 }

// CheckRange validates a YYYY-MM-DD range (EBADREQUEST missing, EINVALID bad).
func CheckRange(from, to string) error {
	if from == "" || to == "" {
		return queue.Err(queue.EBADREQUEST, "err.region.from_and_to_are")
	}
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	if err1 != nil || err2 != nil {
		return queue.Err(queue.EINVALID, "err.region.dates_must_be_yyyy")
	}
	if t.Before(f) {
		return queue.Err(queue.EINVALID, "err.region.to_is_before_from")
	}
	if t.Sub(f) > 3700*24*time.Hour {
		return queue.Err(queue.EINVALID, "err.region.range_may_span_at")
	}
	return nil
}

// GetOverview reads every hall's live state at now and its figures over
// from…to (inclusive, the halls' local days).
func GetOverview(ctx context.Context, db *pgxpool.Pool, from, to string, now time.Time) (*Overview, error) {
	if err := CheckRange(from, to); err != nil {
		return nil, err
	}
	ov := &Overview{From: from, To: to, Now: now, Halls: []HallRow{}}
	rows, err := db.Query(ctx, `SELECT hall_id, name_zh, name_en, timezone, last_seen FROM halls ORDER BY hall_id`)
	if err != nil {
		return nil, fmt.Errorf("list halls: %w", err)
	}
	idx := map[string]int{}
	for rows.Next() {
		var h HallRow
		if err := rows.Scan(&h.Hall, &h.NameZH, &h.NameEN, &h.TimeZone, &h.LastSeen); err != nil {
			rows.Close()
			return nil, err
		}
		h.Range.ByClass = map[string]int{}
		idx[h.Hall] = len(ov.Halls)
		ov.Halls = append(ov.Halls, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	at := func(hall string) *HallRow {
		if i, ok := idx[hall]; ok {
			return &ov.Halls[i]
		}
		return nil
	}
	if err := liveFigures(ctx, db, now, at); err != nil {
		return nil, err
	}
	if err := rangeFigures(ctx, db, from, to, "", at); err != nil {
		return nil, err
	}
	total := map[string]*HallRow{"": {Range: RangeFigures{ByClass: map[string]int{}}}}
	if err := rangeFigures(ctx, db, from, to, "all", func(string) *HallRow { return total[""] }); err != nil {
		return nil, err
	}
	ov.Total = total[""].Range
	return ov, nil
}

// liveFigures fills each hall's live state on its local day of now.
func liveFigures(ctx context.Context, db *pgxpool.Pool, now time.Time, at func(string) *HallRow) error {
	rows, err := db.Query(ctx, `
		SELECT h.hall_id, count(t.ticket_id),
		       coalesce(max(extract(epoch FROM $1::timestamptz - t.issued_at)), 0)::int
		FROM halls h
		JOIN tickets t ON t.hall_id = h.hall_id AND t.day = ($1::timestamptz AT TIME ZONE h.timezone)::date
		WHERE t.status = 'waiting'
		GROUP BY h.hall_id`, now)
	if err != nil {
		return fmt.Errorf("live queues: %w", err)
	}
	for rows.Next() {
		var hall string
		var l Live
		if err := rows.Scan(&hall, &l.Waiting, &l.LongestWaitS); err != nil {
			rows.Close()
			return err
		}
		if h := at(hall); h != nil {
			h.Live.Waiting, h.Live.LongestWaitS = l.Waiting, max(l.LongestWaitS, 0)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	// A counter is open when its latest state change today opened or
	// resumed it, or it called or served a ticket since.
	rows, err = db.Query(ctx, `
		SELECT hall_id, count(*) FILTER (WHERE type NOT IN ('counter_paused', 'counter_closed'))
		FROM (
			SELECT DISTINCT ON (e.hall_id, e.counter) e.hall_id, e.type
			FROM events e JOIN halls h ON h.hall_id = e.hall_id
			WHERE e.at >= $1::timestamptz - interval '36 hours' AND e.at <= $1::timestamptz + interval '1 hour'
			  AND e.day = ($1::timestamptz AT TIME ZONE h.timezone)::date
			  AND e.counter > 0
			  AND e.type IN ('counter_opened', 'counter_resumed', 'counter_paused', 'counter_closed',
			                 'ticket_called', 'ticket_recalled', 'service_started', 'service_finished')
			ORDER BY e.hall_id, e.counter, e.at DESC, e.seq DESC
		) latest GROUP BY hall_id`, now)
	if err != nil {
		return fmt.Errorf("live counters: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var hall string
		var n int
		if err := rows.Scan(&hall, &n); err != nil {
			return err
		}
		if h := at(hall); h != nil {
			h.Live.CountersOpen = n
		}
	}
	return rows.Err()
}

// rangeFigures fills the range figures, per hall (group "") or for all halls
// together (group "all": every row goes to at("")).
func rangeFigures(ctx context.Context, db *pgxpool.Pool, from, to, group string, at func(string) *HallRow) error {
	key := "hall_id"
	if group == "all" {
		key = "''::text"
	}
	q := func(sql string) string { return fmt.Sprintf(sql, key) }
	// The headline figures from the day rollups (ticket_days, wait_days:
	// migration 002, refreshed by every shipment), so a year of a hundred
	// halls answers in well under a second.
	rows, err := db.Query(ctx, q(`
		SELECT %s, sum(customers)::int, sum(called)::int, sum(no_shows)::int, sum(wait_sum)::float8,
		       sum(within)::int, sum(rated)::int, sum(satisfied)::int
		FROM ticket_days WHERE day BETWEEN $1::date AND $2::date GROUP BY 1`), from, to)
	if err != nil {
		return fmt.Errorf("range figures: %w", err)
	}
	for rows.Next() {
		var hall string
		var f RangeFigures
		var waitSum float64
		var within, good int
		if err := rows.Scan(&hall, &f.Customers, &f.Called, &f.NoShows, &waitSum, &within, &f.Rated, &good); err != nil {
			rows.Close()
			return err
		}
		h := at(hall)
		if h == nil {
			continue
		}
		r := &h.Range
		r.Customers, r.Called, r.NoShows, r.Rated = f.Customers, f.Called, f.NoShows, f.Rated
		if f.Called > 0 {
			r.AvgWaitS = rnd1(waitSum / float64(f.Called))
			r.ServiceLevel = rnd4(float64(within) / float64(f.Called))
			r.NoShowRate = rnd4(float64(f.NoShows) / float64(f.Called))
		}
		if f.Rated > 0 {
			r.Satisfied = rnd4(float64(good) / float64(f.Rated))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = db.Query(ctx, q(`
		SELECT %s, percentile_disc(0.9) WITHIN GROUP (ORDER BY w)
		FROM wait_days, unnest(waits) AS w WHERE day BETWEEN $1::date AND $2::date GROUP BY 1`), from, to)
	if err != nil {
		return fmt.Errorf("range p90: %w", err)
	}
	for rows.Next() {
		var hall string
		var p90 int
		if err := rows.Scan(&hall, &p90); err != nil {
			rows.Close()
			return err
		}
		if h := at(hall); h != nil {
			h.Range.P90WaitS = p90
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = db.Query(ctx, q(`
		SELECT %s, class, count(*) FROM tickets
		WHERE day BETWEEN $1::date AND $2::date AND status = 'done' AND item <> '' AND class <> ''
		GROUP BY 1, 2`), from, to)
	if err != nil {
		return fmt.Errorf("range cases: %w", err)
	}
	for rows.Next() {
		var hall, class string
		var n int
		if err := rows.Scan(&hall, &class, &n); err != nil {
			rows.Close()
			return err
		}
		if h := at(hall); h != nil {
			h.Range.ByClass[class] = n
			if class == "must_refuse" {
				h.Range.Refusals = n
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = db.Query(ctx, q(`
		SELECT %s, count(*) FROM cases
		WHERE day BETWEEN $1::date AND $2::date AND kind = 'workorder_opened' GROUP BY 1`), from, to)
	if err != nil {
		return fmt.Errorf("range work orders: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var hall string
		var n int
		if err := rows.Scan(&hall, &n); err != nil {
			return err
		}
		if h := at(hall); h != nil {
			h.Range.WorkOrders = n
		}
	}
	return rows.Err()
}

// PeakSlot is one weekday × time-of-day cell of the peak report, as the
// hall's report has it (arrivals by issue time, waits of the called).
type PeakSlot struct {
	Weekday        int     `json:"weekday"` // ISO, 1 = Monday
	Start          string  `json:"start"`   // local HH:MM
	Arrivals       int     `json:"arrivals"`
	ArrivalsPerDay float64 `json:"arrivals_per_day"`
	Called         int     `json:"called"`
	AvgWaitS       float64 `json:"avg_wait_s"`
	P90WaitS       int     `json:"p90_wait_s"`
}

// Peaks is the peak report over a range for one hall or all of them.
type Peaks struct {
	From        string     `json:"from"`
	To          string     `json:"to"`
	Hall        string     `json:"hall,omitempty"`
	SlotMinutes int        `json:"slot_minutes"`
	Slots       []PeakSlot `json:"slots"`
}

// GetPeaks builds the peak report: 30-minute slots of each ISO weekday in
// each hall's local time; hall "" is every hall together. Only slots with
// arrivals are listed, in weekday and time order. ArrivalsPerDay divides by
// the days of that weekday with customers (summed over halls).
func GetPeaks(ctx context.Context, db *pgxpool.Pool, from, to, hall string) (*Peaks, error) {
	if err := CheckRange(from, to); err != nil {
		return nil, err
	}
	const step = 1800
	rows, err := db.Query(ctx, `
		WITH t AS (
			SELECT t.hall_id, t.day, t.wait_s,
			       extract(isodow FROM t.day)::int AS wd,
			       (extract(epoch FROM (t.issued_at AT TIME ZONE h.timezone) - t.day::timestamp)::int / $4) AS slot
			FROM tickets t JOIN halls h ON h.hall_id = t.hall_id
			WHERE t.day BETWEEN $1::date AND $2::date AND NOT t.transferred AND ($3 = '' OR t.hall_id = $3)
		), days AS (
			SELECT wd, count(DISTINCT (hall_id, day)) AS n FROM t GROUP BY wd
		)
		SELECT t.wd, t.slot, count(*), count(t.wait_s), coalesce(avg(t.wait_s), 0)::float8,
		       coalesce(percentile_disc(0.9) WITHIN GROUP (ORDER BY t.wait_s), 0), max(days.n)
		FROM t JOIN days ON days.wd = t.wd
		GROUP BY t.wd, t.slot ORDER BY t.wd, t.slot`, from, to, hall, step)
	if err != nil {
		return nil, fmt.Errorf("peak report: %w", err)
	}
	defer rows.Close()
	p := &Peaks{From: from, To: to, Hall: hall, SlotMinutes: step / 60, Slots: []PeakSlot{}}
	for rows.Next() {
		var s PeakSlot
		var slot, days int
		var avg float64
		if err := rows.Scan(&s.Weekday, &slot, &s.Arrivals, &s.Called, &avg, &s.P90WaitS, &days); err != nil {
			return nil, err
		}
		slot = min(max(slot, 0), 86400/step-1)
		s.Start = fmt.Sprintf("%02d:%02d", slot*step/3600, slot*step/60%60)
		if s.Called > 0 {
			s.AvgWaitS = rnd1(avg)
		}
		if days > 0 {
			s.ArrivalsPerDay = rnd1(float64(s.Arrivals) / float64(days))
		}
		p.Slots = append(p.Slots, s)
	}
	return p, rows.Err()
}

// ListHalls returns the halls that ever shipped, by id (no figures).
func ListHalls(ctx context.Context, db *pgxpool.Pool) ([]HallRow, error) {
	rows, err := db.Query(ctx, `SELECT hall_id, name_zh, name_en, timezone, last_seen FROM halls ORDER BY hall_id`)
	if err != nil {
		return nil, fmt.Errorf("list halls: %w", err)
	}
	defer rows.Close()
	out := []HallRow{}
	for rows.Next() {
		var h HallRow
		if err := rows.Scan(&h.Hall, &h.NameZH, &h.NameEN, &h.TimeZone, &h.LastSeen); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}
