package region

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"hallq/queue"
	"hallq/region/feed"
)

// DefaultBatch is how many events one shipment carries at most: memory
// stays bounded whatever the backlog after an outage.
const DefaultBatch = 5000

// Shipper carries one hall's feed into the region's PostgreSQL: it reads
// the region's cursor for the hall's epoch, reads the events after it from
// the hall, and writes them — raw events, ticket facts, ratings, cases and
// the moved cursor — in one transaction, so a shipment is all in or not at
// all, and a shipper that died, a second shipper, or a hall restored from a
// backup resumes from what the region really holds. Rows are COPYed into
// temporary tables and inserted with ON CONFLICT, so a re-sent event is
// never counted twice.
type Shipper struct {
	DB     *pgxpool.Pool
	Source Source
	Batch  int           // events per shipment (DefaultBatch)
	Every  time.Duration // pause when caught up (10s)
	// MaxBackoff caps the pause after failures (5 minutes); the pause starts
	// at a second and doubles.
	MaxBackoff time.Duration
	Log        *slog.Logger
	Now        func() time.Time

	mu    sync.Mutex
	stats Stats
}

// Stats are the shipper's figures for /metrics.
type Stats struct {
	Hall       string
	Epoch      string
	Shipped    uint64    // events shipped by this process
	Cursor     uint64    // the region's cursor for the hall's epoch
	CursorAt   time.Time // that event's time
	Head       uint64    // the hall's newest event
	HeadAt     time.Time
	Failures   uint64 // failed shipments since start
	LastError  string
	LastOK     time.Time // the last shipment that reached the region
	Migrated   bool
	Connected  bool
	LagEvents  uint64
	LagSeconds float64
}

// Stats returns the shipper's figures.
func (s *Shipper) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	if st.Head > st.Cursor {
		st.LagEvents = st.Head - st.Cursor
		if !st.CursorAt.IsZero() && st.HeadAt.After(st.CursorAt) {
			st.LagSeconds = st.HeadAt.Sub(st.CursorAt).Seconds()
		} else if !st.HeadAt.IsZero() && st.CursorAt.IsZero() {
			st.LagSeconds = s.now().Sub(st.HeadAt).Seconds()
		}
	}
	return st
}

// WriteMetrics writes the shipper's Prometheus gauges and counters.
func (s *Shipper) WriteMetrics(w io.Writer) {
	st := s.Stats()
	fmt.Fprintf(w, "# HELP hallq_ship_lag_events Events the hall has committed that the region does not hold yet.\n# TYPE hallq_ship_lag_events gauge\nhallq_ship_lag_events %d\n", st.LagEvents)
	fmt.Fprintf(w, "# HELP hallq_ship_lag_seconds How far behind the hall's newest event the region's newest event of this hall is.\n# TYPE hallq_ship_lag_seconds gauge\nhallq_ship_lag_seconds %g\n", st.LagSeconds)
	fmt.Fprintf(w, "# HELP hallq_ship_cursor_seq The region's cursor (last sequence it holds) for this hall's epoch.\n# TYPE hallq_ship_cursor_seq gauge\nhallq_ship_cursor_seq %d\n", st.Cursor)
	fmt.Fprintf(w, "# HELP hallq_ship_events_total Events shipped to the region since start.\n# TYPE hallq_ship_events_total counter\nhallq_ship_events_total %d\n", st.Shipped)
	fmt.Fprintf(w, "# HELP hallq_ship_failures_total Shipments that failed (the region unreachable, refused) since start; each is retried.\n# TYPE hallq_ship_failures_total counter\nhallq_ship_failures_total %d\n", st.Failures)
	ok := 0.0
	if !st.LastOK.IsZero() {
		ok = float64(st.LastOK.Unix())
	}
	fmt.Fprintf(w, "# HELP hallq_ship_last_success_timestamp_seconds When a shipment last reached the region (0: never since start).\n# TYPE hallq_ship_last_success_timestamp_seconds gauge\nhallq_ship_last_success_timestamp_seconds %g\n", ok)
}

func (s *Shipper) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Shipper) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// Run ships until ctx ends: at once while there is a backlog, every Every
// when caught up, and after a failure (the region or the WAN down) again
// after a pause that doubles up to MaxBackoff, with jitter. The hall is
// never waited on: a shipper that cannot ship only grows its lag.
func (s *Shipper) Run(ctx context.Context) error {
	every := s.Every
	if every <= 0 {
		every = 10 * time.Second
	}
	maxb := s.MaxBackoff
	if maxb <= 0 {
		maxb = 5 * time.Minute
	}
	backoff := time.Duration(0)
	for {
		n, err := s.Once(ctx)
		var wait time.Duration
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			backoff = min(max(2*backoff, time.Second), maxb)
			wait = backoff/2 + rand.N(backoff/2+1)
			s.log().Warn("ship to region failed; retrying", "in", wait.Round(time.Millisecond), "err", err)
		case n >= s.batch():
			backoff = 0
			continue
		default:
			backoff = 0
			wait = every
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

func (s *Shipper) batch() int {
	if s.Batch > 0 {
		return s.Batch
	}
	return DefaultBatch
}

// Once ships one batch and returns how many events it carried (0 when the
// region already holds everything).
func (s *Shipper) Once(ctx context.Context) (int, error) {
	n, err := s.once(ctx)
	s.mu.Lock()
	if err != nil {
		s.stats.Failures++
		s.stats.LastError = err.Error()
		s.stats.Connected = false
	} else {
		s.stats.Shipped += uint64(n)
		s.stats.LastOK = s.now()
		s.stats.Connected = true
	}
	s.mu.Unlock()
	return n, err
}

// CatchUp ships until the region holds every event the hall had when it
// began (or an error).
func (s *Shipper) CatchUp(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := s.Once(ctx)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

func (s *Shipper) once(ctx context.Context) (int, error) {
	info, err := s.Source.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("read the hall: %w", err)
	}
	ep := info.Epoch
	if ep.ID == "" {
		ep.ID = "0"
	}
	s.mu.Lock()
	migrated := s.stats.Migrated
	s.stats.Hall, s.stats.Epoch = info.ID, ep.ID
	s.mu.Unlock()
	if !migrated {
		if _, err := Migrate(ctx, s.DB, s.now(), 2); err != nil {
			return 0, err
		}
		s.mu.Lock()
		s.stats.Migrated = true
		s.mu.Unlock()
	}
	cursor, cursorAt, ok, err := readCursor(ctx, s.DB, info.ID, ep.ID)
	if err != nil {
		return 0, err
	}
	target, since, until := ep.ID, cursor, uint64(0)
	if !ok {
		// A new epoch (a fresh store, or one restored from a backup): its
		// own events follow its floor. Those before it belong to the epoch
		// before; what the region lacks of them (the backup was newer than
		// the region's cursor) goes first, under that epoch's name, so
		// nothing is lost or counted twice.
		target, since = ep.ID, ep.From
		if ep.Prev != "" && ep.From > 0 {
			pc, _, pok, err := readCursor(ctx, s.DB, info.ID, ep.Prev)
			if err != nil {
				return 0, err
			}
			if pok && pc < ep.From {
				target, since, until = ep.Prev, pc, ep.From
			}
		}
	}
	lines, head, err := s.Source.Read(ctx, since, s.batch())
	if err != nil {
		return 0, fmt.Errorf("read the hall's events after %d: %w", since, err)
	}
	if until > 0 {
		k := 0
		for k < len(lines) && lines[k].Seq <= until {
			k++
		}
		if k == 0 { // the epoch before is complete: on to this one
			target, since = ep.ID, ep.From
			if lines, head, err = s.Source.Read(ctx, since, s.batch()); err != nil {
				return 0, fmt.Errorf("read the hall's events after %d: %w", since, err)
			}
		} else {
			lines = lines[:k]
		}
	}
	s.mu.Lock()
	s.stats.Head, s.stats.HeadAt = head.Seq, head.At
	if ok {
		s.stats.Cursor, s.stats.CursorAt = cursor, cursorAt
	} else {
		s.stats.Cursor, s.stats.CursorAt = ep.From, time.Time{}
	}
	s.mu.Unlock()
	if len(lines) == 0 {
		return 0, nil
	}
	for i := range lines {
		// the shipment is of the epoch its cursor names
		lines[i].Epoch, lines[i].Hall = target, info.ID
	}
	if err := Write(ctx, s.DB, info, target, since, lines); err != nil {
		if errors.Is(err, ErrCursorMoved) {
			return 0, nil // another shipper moved it: read it again next time
		}
		return 0, err
	}
	if target == ep.ID {
		last := lines[len(lines)-1]
		s.mu.Lock()
		s.stats.Cursor, s.stats.CursorAt = last.Seq, last.At
		s.mu.Unlock()
	}
	return len(lines), nil
}

// readCursor reads the region's cursor of a hall's epoch; ok is false when
// the region has none.
func readCursor(ctx context.Context, db *pgxpool.Pool, hallID, epoch string) (seq uint64, at time.Time, ok bool, err error) {
	var atp *time.Time
	err = db.QueryRow(ctx, `SELECT seq, event_at FROM ship_cursors WHERE hall_id = $1 AND epoch = $2`, hallID, epoch).Scan(&seq, &atp)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, at, false, nil
	}
	if err != nil {
		return 0, at, false, fmt.Errorf("read the region's cursor: %w", err)
	}
	if atp != nil {
		at = *atp
	}
	return seq, at, true, nil
}

// ErrCursorMoved: the region's cursor is no longer where the shipment began
// (another shipper of the same hall was faster); nothing was written.
var ErrCursorMoved = errors.New("the region's cursor moved under the shipment")

// Write stores lines (the events of one hall and epoch after sequence from,
// in order) in one transaction with the cursor moved to the last of them.
// The cursor row is locked first and must still read from: two shippers of
// one hall never interleave. Every row is keyed so that writing the same
// line twice changes nothing.
func Write(ctx context.Context, db *pgxpool.Pool, info HallInfo, epoch string, from uint64, lines []feed.Line) error {
	if len(lines) == 0 {
		return nil
	}
	lo, hi := lines[0].At, lines[0].At
	for _, l := range lines {
		lo, hi = minTime(lo, l.At), maxTime(hi, l.At)
		for _, t := range l.Tickets {
			lo, hi = minTime(lo, t.IssuedAt), maxTime(hi, t.IssuedAt)
		}
	}
	// Partitions are created outside the shipment's transaction (DDL takes
	// strong locks; keep them short) and are idempotent.
	if err := EnsureMonths(ctx, db, lo.AddDate(0, 0, -1), hi.AddDate(0, 0, 1)); err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		last := lines[len(lines)-1]
		if _, err := tx.Exec(ctx, `INSERT INTO halls (hall_id, name_zh, name_en, timezone) VALUES ($1, $2, $3, $4)
			ON CONFLICT (hall_id) DO UPDATE SET name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en,
				timezone = EXCLUDED.timezone, last_seen = now()`,
			info.ID, info.NameZH, info.NameEN, cmpOr(info.Timezone, "Asia/Shanghai")); err != nil {
			return fmt.Errorf("hall row: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO ship_cursors (hall_id, epoch, seq) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, info.ID, epoch, int64(from)); err != nil {
			return fmt.Errorf("cursor: %w", err)
		}
		var cur uint64
		if err := tx.QueryRow(ctx, `SELECT seq FROM ship_cursors WHERE hall_id = $1 AND epoch = $2 FOR UPDATE`, info.ID, epoch).Scan(&cur); err != nil {
			return fmt.Errorf("cursor: %w", err)
		}
		if cur != from {
			return ErrCursorMoved
		}
		if err := copyEvents(ctx, tx, lines); err != nil {
			return err
		}
		if err := copyTickets(ctx, tx, lines); err != nil {
			return err
		}
		if err := copyRatings(ctx, tx, lines); err != nil {
			return err
		}
		if err := copyCases(ctx, tx, lines); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT region_refresh_days($1, $2::date[])`, info.ID, touchedDays(lines)); err != nil {
			return fmt.Errorf("day rollups: %w", err)
		}
		_, err := tx.Exec(ctx, `UPDATE ship_cursors SET seq = $3, event_at = $4, shipped_at = now() WHERE hall_id = $1 AND epoch = $2`,
			info.ID, epoch, last.Seq, last.At)
		return err
	})
}

// touchedDays are the days whose tickets or ratings lines may change.
func touchedDays(lines []feed.Line) []string {
	seen := map[string]bool{}
	var out []string
	add := func(d string) {
		if d != "" && !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	for _, l := range lines {
		if l.Score != nil {
			add(l.Day)
		}
		for _, t := range l.Tickets {
			add(t.Day)
		}
	}
	return out
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// stage creates a temporary copy of table's columns dropped at commit.
func stage(ctx context.Context, tx pgx.Tx, table string) (string, error) {
	name := "stage_" + table
	_, err := tx.Exec(ctx, `CREATE TEMP TABLE `+name+` (LIKE `+table+`) ON COMMIT DROP`)
	if err != nil {
		return "", fmt.Errorf("staging %s: %w", table, err)
	}
	return name, nil
}

func copyInto(ctx context.Context, tx pgx.Tx, table string, cols []string, rows [][]any, insert string) error {
	if len(rows) == 0 {
		return nil
	}
	st, err := stage(ctx, tx, table)
	if err != nil {
		return err
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{st}, cols, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("copy %s: %w", table, err)
	}
	if _, err := tx.Exec(ctx, insert); err != nil {
		return fmt.Errorf("insert %s: %w", table, err)
	}
	return nil
}

func day(s string) time.Time {
	d, _ := time.Parse(time.DateOnly, s)
	return d
}

func copyEvents(ctx context.Context, tx pgx.Tx, lines []feed.Line) error {
	cols := []string{"hall_id", "epoch", "seq", "type", "at", "day", "actor", "counter", "ticket", "reason", "score", "item", "class", "tickets"}
	rows := make([][]any, 0, len(lines))
	for _, l := range lines {
		var score any
		if l.Score != nil {
			score = int16(*l.Score)
		}
		var tickets any
		if len(l.Tickets) > 0 {
			tickets = l.Tickets
		}
		rows = append(rows, []any{l.Hall, l.Epoch, int64(l.Seq), l.Type, l.At, day(l.Day), l.Actor, l.Counter, int64(l.Ticket), l.Reason, score, l.Item, l.Class, tickets})
	}
	return copyInto(ctx, tx, "events", cols, rows,
		`INSERT INTO events SELECT * FROM stage_events ON CONFLICT DO NOTHING`)
}

// copyTickets writes each ticket's latest state in the batch; a state
// replaces the region's when it comes from a later event of the same epoch
// or from another epoch (a restored hall ships its new epoch after the
// old one, and what it says now is the truth).
func copyTickets(ctx context.Context, tx pgx.Tx, lines []feed.Line) error {
	type key struct {
		day string
		id  uint64
	}
	latest := map[key]int{}
	var rows [][]any
	for _, l := range lines {
		for _, t := range l.Tickets {
			row := []any{l.Hall, day(t.Day), int64(t.ID), t.Number, t.Service, string(t.Priority), string(t.Status), t.Item, "",
				t.IssuedAt, t.CalledAt, t.StartedAt, t.FinishedAt, waitS(t), serviceS(t), l.TargetWaitS, t.Counter, t.Clerk,
				t.TransferredFrom != 0, t.Rev, l.Epoch, int64(l.Seq)}
			if len(l.Tickets) > 0 && l.Tickets[0].ID != t.ID {
				row[15] = nil // the target named is the first ticket's
			}
			if l.Class != "" && t.Item == l.Item {
				row[8] = l.Class
			}
			k := key{t.Day, t.ID}
			if i, ok := latest[k]; ok {
				if row[8] == "" {
					row[8] = rows[i][8]
				}
				if row[15] == nil {
					row[15] = rows[i][15]
				}
				rows[i] = row
			} else {
				latest[k] = len(rows)
				rows = append(rows, row)
			}
		}
	}
	cols := []string{"hall_id", "day", "ticket_id", "number", "service", "priority", "status", "item", "class",
		"issued_at", "called_at", "started_at", "finished_at", "wait_s", "service_s", "target_wait_s", "counter", "clerk",
		"transferred", "rev", "epoch", "seq"}
	return copyInto(ctx, tx, "tickets", cols, rows, `INSERT INTO tickets SELECT * FROM stage_tickets
		ON CONFLICT (hall_id, day, ticket_id) DO UPDATE SET
			number = EXCLUDED.number, service = EXCLUDED.service, priority = EXCLUDED.priority, status = EXCLUDED.status,
			item = EXCLUDED.item, class = COALESCE(NULLIF(EXCLUDED.class, ''), tickets.class),
			issued_at = EXCLUDED.issued_at, called_at = EXCLUDED.called_at, started_at = EXCLUDED.started_at,
			finished_at = EXCLUDED.finished_at, wait_s = EXCLUDED.wait_s, service_s = EXCLUDED.service_s,
			target_wait_s = COALESCE(EXCLUDED.target_wait_s, tickets.target_wait_s), counter = EXCLUDED.counter,
			clerk = EXCLUDED.clerk, transferred = EXCLUDED.transferred, rev = EXCLUDED.rev, epoch = EXCLUDED.epoch, seq = EXCLUDED.seq
		WHERE tickets.epoch <> EXCLUDED.epoch OR tickets.seq <= EXCLUDED.seq`)
}

func waitS(t queue.Ticket) any {
	if t.CalledAt == nil {
		return nil
	}
	return int32(t.CalledAt.Sub(t.IssuedAt) / time.Second)
}

func serviceS(t queue.Ticket) any {
	if t.StartedAt == nil || t.FinishedAt == nil {
		return nil
	}
	return int32(t.FinishedAt.Sub(*t.StartedAt) / time.Second)
}

func copyRatings(ctx context.Context, tx pgx.Tx, lines []feed.Line) error {
	idx := map[string]int{}
	var rows [][]any
	for _, l := range lines {
		if l.Score == nil || l.Ticket == 0 {
			continue
		}
		svc := ""
		if len(l.Tickets) > 0 {
			svc = l.Tickets[0].Service
		}
		row := []any{l.Hall, day(l.Day), int64(l.Ticket), int16(*l.Score), l.RatingReason, l.Counter, l.Clerk, svc, l.Class, l.At}
		k := l.Day + "/" + fmt.Sprint(l.Ticket)
		if i, ok := idx[k]; ok {
			rows[i] = row
		} else {
			idx[k] = len(rows)
			rows = append(rows, row)
		}
	}
	cols := []string{"hall_id", "day", "ticket_id", "score", "reason", "counter", "clerk", "service", "class", "at"}
	return copyInto(ctx, tx, "ratings", cols, rows, `INSERT INTO ratings SELECT * FROM stage_ratings
		ON CONFLICT (hall_id, day, ticket_id) DO UPDATE SET score = EXCLUDED.score, reason = EXCLUDED.reason,
			counter = EXCLUDED.counter, clerk = EXCLUDED.clerk, service = EXCLUDED.service, class = EXCLUDED.class, at = EXCLUDED.at
		WHERE ratings.at <= EXCLUDED.at`)
}

func copyCases(ctx context.Context, tx pgx.Tx, lines []feed.Line) error {
	var rows [][]any
	for _, l := range lines {
		if l.Score != nil || (l.Item == "" && l.Class == "") {
			continue
		}
		rows = append(rows, []any{l.Hall, l.Epoch, int64(l.Seq), day(l.Day), l.At, l.Type, int64(l.Ticket), l.Item, l.Class})
	}
	cols := []string{"hall_id", "epoch", "seq", "day", "at", "kind", "ticket", "item", "class"}
	return copyInto(ctx, tx, "cases", cols, rows, `INSERT INTO cases SELECT * FROM stage_cases ON CONFLICT DO NOTHING`)
}
