package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"hallq/account"
	"hallq/hall/config"

	"hallq/hall"
	"hallq/region/pgtest"
)

// TestCLIShipToRegion: a hall whose hall.json names the region ships its
// feed there in the background while it serves, and /metrics shows no lag
// once the region holds everything; `hallq ship --from URL` carries the same
// feed over HTTP into another region database, and a second run ships
// nothing (the region's own cursor says it holds it all).
func TestCLIShipToRegion(t *testing.T) {
	t.Parallel()
	pg := pgtest.Start(t)
	ctx := context.Background()
	cfg := map[string]any{}
	raw, _ := json.Marshal(config.Default())
	json.Unmarshal(raw, &cfg)
	cfg["id"] = "demo-hall"
	cfg["region"] = map[string]any{"ship_to": pg.DSN(), "ship_every_s": 1}
	raw, _ = json.Marshal(cfg)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, config.File), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	m, _ := cmdStartMain(t, dir)
	var kiosk string
	for _, d := range m.DemoAccounts.Devices {
		if d.Kind == hall.KindKiosk {
			kiosk = d.Token
		}
	}
	issued := 0
	issue := func() {
		t.Helper()
		issued++
		body := fmt.Sprintf(`{"service": "A", "phone": "1391234%04d"}`, issued)
		req, _ := http.NewRequest("POST", m.URL+"/api/v1/tickets", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+kiosk)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != http.StatusCreated {
			t.Fatalf("issue: %v %v", res, err)
		}
		res.Body.Close()
	}
	for range 3 {
		issue()
	}
	last, _, err := m.Hall.Store().LastEvent()
	if err != nil {
		t.Fatal(err)
	}
	db, err := pgxpool.New(ctx, pg.DSN())
	if err != nil {
		t.Fatal(err)
	}
	// The shipper runs on its own; wait (bounded) until the region has it
	// all (after an outage its back-off may last a few seconds).
	waitShipped := func(seq uint64) {
		t.Helper()
		var cursor int64
		for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			db.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM ship_cursors WHERE hall_id = 'demo-hall'`).Scan(&cursor)
			if uint64(cursor) >= seq {
				break
			}
		}
		if uint64(cursor) != seq {
			t.Fatalf("the region's cursor is %d, the hall's last event %d", cursor, seq)
		}
	}
	waitShipped(last.Seq)
	_, body := cmdGet(t, m.URL+"/metrics", "")
	if !regexp.MustCompile(`(?m)^hallq_ship_lag_events 0$`).Match(body) || !regexp.MustCompile(`(?m)^hallq_ship_events_total [1-9]`).Match(body) {
		t.Errorf("/metrics after shipping:\n%s", regexp.MustCompile(`(?m)^hallq_ship.*$`).FindAll(body, -1))
	}

	// The region goes away: the hall serves on, the shipper counts its
	// failures and its lag, and catches up when the region is back.
	db.Close()
	pg.Stop()
	issue()
	issue()
	// The gauges are as of the shipper's last attempt, and an attempt may
	// have failed between the stop and the two tickets (lag 0 then): wait
	// for an attempt that saw them, not just for the first failure.
	downOK := func(body []byte) bool {
		return regexp.MustCompile(`(?m)^hallq_ship_failures_total [1-9]`).Match(body) &&
			regexp.MustCompile(`(?m)^hallq_ship_lag_events [1-9]`).Match(body)
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if _, body = cmdGet(t, m.URL+"/metrics", ""); downOK(body) {
			break
		}
	}
	if !downOK(body) {
		t.Errorf("/metrics with the region down:\n%s", regexp.MustCompile(`(?m)^hallq_ship.*$`).FindAll(body, -1))
	}
	pg.Start()
	if db, err = pgxpool.New(ctx, pg.DSN()); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	last, _, _ = m.Hall.Store().LastEvent()
	waitShipped(last.Seq)

	if _, err := db.Exec(ctx, `CREATE DATABASE region2`); err != nil {
		t.Fatal(err)
	}
	dsn2 := strings.Replace(pg.DSN(), "/postgres?", "/region2?", 1)
	tok, err := m.Features.Account.AddDevice(ctx, account.NewDevice{Name: "区域中心", Kind: hall.KindIntegration})
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := cmdRun(t, "", "ship", "--to", dsn2, "--from", m.URL, "--token", tok)
	if err != nil || !strings.Contains(out, "of hall demo-hall") || strings.Contains(out, "shipped 0 ") {
		t.Fatalf("ship --from: %q, %v", out, err)
	}
	db2, err := pgxpool.New(ctx, dsn2)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	var n, phones int
	db2.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE tickets::text LIKE '%1391234%') FROM events WHERE hall_id = 'demo-hall'`).Scan(&n, &phones)
	last2, _, _ := m.Hall.Store().LastEvent()
	if uint64(n) != last2.Seq || phones != 0 {
		t.Errorf("region2 holds %d events (%d with a phone), the hall %d", n, phones, last2.Seq)
	}
	out, _, err = cmdRun(t, "", "ship", "--to", dsn2, "--from", m.URL, "--token", tok)
	if err != nil || !strings.HasPrefix(out, "shipped 0 events") {
		t.Errorf("a second ship --from: %q, %v; want nothing shipped", out, err)
	}
}
