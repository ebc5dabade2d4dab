package region_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"hallq/hall"
	"hallq/hall/config"
	"hallq/hall/store"
	"hallq/queue"
	"hallq/rating"
	"hallq/region"
	"hallq/region/pgtest"
	"hallq/report"
	"hallq/sim"
)

// regionHall is one hall of the integration test: a real store in a temp
// dir, filled by the simulator through the real engine.
type regionHall struct {
	id, dir string
}

func (rh regionHall) simulate(t *testing.T, days int, end time.Time, seed uint64) {
	t.Helper()
	st, err := store.Open(rh.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := sim.Run(st, sim.Options{Days: days, Seed: seed, End: end, NewHall: config.Default()}); err != nil {
		t.Fatalf("simulate %s: %v", rh.id, err)
	}
}

func (rh regionHall) open(t *testing.T, now time.Time) *hall.Hall {
	t.Helper()
	// late on the last simulated day, so the hall does not start the next
	now = now.Add(-8 * time.Hour)
	h, err := hall.Open(hall.Options{Dir: rh.dir, Now: func() time.Time { return now }, Tick: time.Hour})
	if err != nil {
		t.Fatalf("open %s: %v", rh.id, err)
	}
	return h
}

// ship ships h's whole feed, in batches of 1,999 events.
func ship(t *testing.T, db *pgxpool.Pool, h *hall.Hall) (*region.Shipper, int) {
	t.Helper()
	s := &region.Shipper{DB: db, Source: region.LocalSource{Hall: h}, Batch: 1999}
	n, err := s.CatchUp(context.Background())
	if err != nil {
		t.Fatalf("ship %s: %v", h.ID(), err)
	}
	return s, n
}

// TestRegionShipping: three halls ship into a real PostgreSQL; one is
// restored from a backup mid-way (a new epoch); the region is cut off (the
// server stopped) while the halls carry on, and comes back. The region's
// figures then equal each hall's own report and satisfaction figures, and
// it holds each event of each hall exactly once.
func TestRegionShipping(t *testing.T) {
	pg := pgtest.Start(t)
	ctx := context.Background()
	db, err := pgxpool.New(ctx, pg.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	loc, _ := time.LoadLocation("Asia/Shanghai")
	end1 := time.Date(2026, 11, 3, 7, 0, 0, 0, loc) // the simulated history ends the day before
	end2 := end1.AddDate(0, 0, 3)
	base := t.TempDir()
	halls := make([]regionHall, 3)
	for i := range halls {
		halls[i] = regionHall{id: fmt.Sprintf("hall-%d", i+1), dir: filepath.Join(base, fmt.Sprint(i+1))}
		if err := os.MkdirAll(halls[i].dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(halls[i].dir, config.File), []byte(`{"id": "`+halls[i].id+`"}`), 0o600); err != nil {
			t.Fatal(err)
		}
		// 2026-10-30 … 2026-11-02: across a month's end (two partitions)
		halls[i].simulate(t, 4, end1, uint64(i+1))
	}

	// 1. Every hall ships its history. Hall 2 then lives one more day and
	// is backed up before it ships it.
	backup := filepath.Join(base, "hall-2.db")
	for _, rh := range halls {
		h := rh.open(t, end1)
		if h.ID() != rh.id {
			t.Fatalf("hall id %q, want %q from hall.json", h.ID(), rh.id)
		}
		if _, n := ship(t, db, h); n == 0 {
			t.Fatalf("%s shipped nothing", rh.id)
		}
		h.Close()
	}
	gapEnd := end1.AddDate(0, 0, 1)
	halls[1].simulate(t, 1, gapEnd, 7)
	h2 := halls[1].open(t, gapEnd)
	if _, err := h2.Store().BackupFile(backup); err != nil {
		t.Fatal(err)
	}
	h2.Close()

	// 2. The region is cut off. The halls carry on (hall 2 for days it is
	// about to lose); shipping fails and is retried, the halls never wait.
	pg.Stop()
	for i, rh := range halls {
		if i == 1 {
			rh.simulate(t, 2, end2, 10)
		} else {
			rh.simulate(t, 3, end2, uint64(10+i))
		}
		h := rh.open(t, end2)
		s := &region.Shipper{DB: db, Source: region.LocalSource{Hall: h}, Batch: 997}
		cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		n, err := s.Once(cctx)
		cancel()
		if err == nil || n != 0 {
			t.Fatalf("%s: shipping with the region down: %d events, %v; want an error", rh.id, n, err)
		}
		if st := s.Stats(); st.Failures != 1 || st.LastError == "" {
			t.Errorf("%s: stats after a failed shipment %+v", rh.id, st)
		}
		h.Close()
	}

	// 3. Hall 2 is restored from its backup, losing the days since (which
	// the region never saw): a new store epoch. It lives those days again,
	// differently. The day before the backup is still to be shipped, under
	// the epoch it was written in.
	if _, _, ep, err := store.Restore(halls[1].dir, backup); err != nil || ep.Prev == "" {
		t.Fatalf("restore: epoch %+v, %v", ep, err)
	}
	halls[1].simulate(t, 2, end2, 99)

	// 4. The region is back: every hall catches up.
	pg.Start()
	open := make([]*hall.Hall, len(halls))
	for i, rh := range halls {
		open[i] = rh.open(t, end2)
		defer open[i].Close()
		s, _ := ship(t, db, open[i])
		if st := s.Stats(); st.LagEvents != 0 || st.LagSeconds != 0 || st.Head == 0 {
			t.Errorf("%s: after catching up the lag is %d events, %gs (head %d)", rh.id, st.LagEvents, st.LagSeconds, st.Head)
		}
	}

	// 5. A shipper that lost its place (the cursor reset) ships everything
	// again: nothing changes.
	if _, err := db.Exec(ctx, `UPDATE ship_cursors SET seq = 0 WHERE hall_id = 'hall-1'`); err != nil {
		t.Fatal(err)
	}
	if _, n := ship(t, db, open[0]); n == 0 {
		t.Fatal("the reset cursor shipped nothing again")
	}

	from, to := "2026-10-30", end2.AddDate(0, 0, -1).Format(time.DateOnly)
	got, err := hallFigures(ctx, db, from, to, false)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := hallFiguresFromTickets(ctx, db, from, to)
	if err != nil {
		t.Fatal(err)
	}
	for i, rh := range halls {
		h := open[i]
		p := report.Params{From: from, To: to}
		if err := p.Validate(h.Config()); err != nil {
			t.Fatal(err)
		}
		rep, err := report.Build(h.Store(), h.Config(), p, end2)
		if err != nil {
			t.Fatal(err)
		}
		rates, err := rating.New(h, rating.Options{Every: -1}).Figures(from, to)
		if err != nil {
			t.Fatal(err)
		}
		s := rep.Summary
		want := Figures{Hall: rh.id, Customers: s.Tickets, Called: s.Called, Served: s.Served, NoShows: s.NoShows,
			Cancelled: s.Cancelled, AvgWaitS: s.AvgWaitS, P90WaitS: s.P90WaitS, MaxWaitS: s.MaxWaitS,
			ServiceLevel: s.ServiceLevel, NoShowRate: s.NoShowRate,
			Finished: rates.Total.Served, Rated: rates.Total.Rated, Satisfied: rates.Total.Satisfied, Satisfaction: rates.Total.Satisfaction}
		if got[rh.id] != want || raw[rh.id] != want {
			t.Errorf("%s: the region's figures\n %+v (rollups)\n %+v (tickets)\nthe hall's own\n %+v", rh.id, got[rh.id], raw[rh.id], want)
		}
		if s.Tickets == 0 || rates.Total.Rated == 0 || s.NoShows == 0 {
			t.Errorf("%s: a thin test: %d customers, %d rated, %d no-shows", rh.id, s.Tickets, rates.Total.Rated, s.NoShows)
		}
		// Each event of the hall exactly once: the restored hall's events
		// before the restore point under the old epoch, after it under the
		// new one.
		var stored, distinct, inRegion int
		if err := h.Store().EachEvent(0, func(queue.Event) error { stored++; return nil }); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(ctx, `SELECT count(*), count(DISTINCT seq) FROM events WHERE hall_id = $1`, rh.id).Scan(&inRegion, &distinct); err != nil {
			t.Fatal(err)
		}
		if inRegion != stored || distinct != stored {
			t.Errorf("%s: the region holds %d events (%d distinct seqs), the hall %d", rh.id, inRegion, distinct, stored)
		}
	}
	var epochs int
	db.QueryRow(ctx, `SELECT count(*) FROM ship_cursors WHERE hall_id = 'hall-2'`).Scan(&epochs)
	if epochs != 2 {
		t.Errorf("hall-2 has %d cursors, want 2 (before and after the restore)", epochs)
	}
	// Nothing personal reached the region.
	var leaks int
	db.QueryRow(ctx, `SELECT count(*) FROM events WHERE tickets::text ~ '"(phone|account|note)"|1[3-9][0-9]{9}'`).Scan(&leaks)
	if leaks != 0 {
		t.Errorf("%d events in the region carry personal fields", leaks)
	}
}
