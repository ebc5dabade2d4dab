package region_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"hallq/region"
	"hallq/region/pgtest"
)

func TestMigrate(t *testing.T) {
	pg := pgtest.Start(t)
	ctx := context.Background()
	db, err := pgxpool.New(ctx, pg.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	got, err := region.Migrate(ctx, db, now, 2)
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := region.Migrations()
	if len(got) != len(ms) || len(ms) == 0 {
		t.Fatalf("applied %v of %d migrations", got, len(ms))
	}
	again, err := region.Migrate(ctx, db, now, 2)
	if err != nil || len(again) != 0 {
		t.Fatalf("second migrate applied %v, %v; want nothing", again, err)
	}
	// partitions 2026-11 … 2027-02 of each partitioned table
	for _, name := range []string{"events_202611", "tickets_202612", "ratings_202701", "cases_202702"} {
		var ok bool
		if err := db.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, name).Scan(&ok); err != nil || !ok {
			t.Errorf("partition %s missing (%v)", name, err)
		}
	}
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(ms) {
		t.Errorf("schema_migrations has %d rows, %v", n, err)
	}
}
