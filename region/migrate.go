// Package region is the regional service centre's side of hallq: the
// PostgreSQL store many halls ship their event feeds into (schema and
// migrations in migrations/*.sql), the shipper that carries one hall's feed
// there, and the queries the region console reads. It imports hall; hall
// never imports it (and knows nothing of PostgreSQL).
package region

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migration is one schema step: migrations/NNN_name.sql.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the embedded migrations in order.
func Migrations() ([]Migration, error) {
	ents, err := fs.ReadDir(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range ents {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: the name must start with NNN_", name)
		}
		raw, err := migrations.ReadFile("migrations/" + name)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: strings.TrimSuffix(name, ".sql"), SQL: string(raw)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// lockMigrations is the advisory lock id migrating takes, so two shippers
// starting at once do not both apply a step.
const lockMigrations = 0x68616c6c71 // "hallq"

// Migrate applies the migrations the database has not seen, each in its own
// transaction with its row in schema_migrations, and creates the monthly
// partitions from the month before now to monthsAhead months after it. It
// returns the versions applied.
func Migrate(ctx context.Context, db *pgxpool.Pool, now time.Time, monthsAhead int) ([]int, error) {
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	conn, err := db.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, lockMigrations); err != nil {
		return nil, fmt.Errorf("migrate: lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, lockMigrations)
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    int PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	var applied []int
	for _, m := range ms {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, m.Version).Scan(&n); err != nil {
			return applied, fmt.Errorf("migrate: %w", err)
		}
		if n > 0 {
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name)
			return err
		})
		if err != nil {
			return applied, fmt.Errorf("migrate %s: %w", m.Name, err)
		}
		applied = append(applied, m.Version)
	}
	if err := EnsureMonths(ctx, conn, now.AddDate(0, -1, 0), now.AddDate(0, monthsAhead, 0)); err != nil {
		return applied, err
	}
	return applied, nil
}

type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// EnsureMonths creates the monthly partitions of every month from from to
// to (inclusive); existing ones are left alone.
func EnsureMonths(ctx context.Context, db execer, from, to time.Time) error {
	m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(to.Year(), to.Month(), 1, 0, 0, 0, 0, time.UTC)
	for ; !m.After(end); m = m.AddDate(0, 1, 0) {
		if _, err := db.Exec(ctx, `SELECT region_ensure_month($1::date)`, m.Format(time.DateOnly)); err != nil {
			return fmt.Errorf("create partitions for %s: %w", m.Format("2006-01"), err)
		}
	}
	return nil
}
