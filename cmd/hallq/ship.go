package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"hallq/hall"
	"hallq/hall/config"
	"hallq/region"
)

// ship: hallq ship --to postgres://… [--data DIR | --from http://HALL
// --token T] [--follow] — carries the hall's feed into the region's
// PostgreSQL, resuming from the region's own cursor. Without --follow it
// ships until the region holds everything and exits (a timer's job); with
// it, it keeps shipping and retries through outages. --data opens a stopped
// hall; a running one ships itself (hall.json "region": {"ship_to": …}, or
// serve --ship-to) or is read over HTTP with an integration token.
func ship(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ship", flag.ContinueOnError)
	to := fs.String("to", "", "the region's PostgreSQL, postgres://…")
	data := fs.String("data", "./data", "data directory of a stopped hall")
	from := fs.String("from", "", "read a running hall over HTTP instead, e.g. http://hall:8080")
	token := fs.String("token", os.Getenv("HALLQ_TOKEN"), "integration device token for --from (or HALLQ_TOKEN)")
	follow := fs.Bool("follow", false, "keep shipping (retrying through outages) until stopped")
	batch := fs.Int("batch", region.DefaultBatch, "events per shipment")
	pos, err := parse(fs, args)
	if err != nil {
		return fmt.Errorf("ship: %w", err)
	}
	if len(pos) != 0 || *to == "" {
		return errors.New("usage: hallq ship --to postgres://… [--data DIR | --from http://HALL --token T] [--follow]")
	}
	db, err := pgxpool.New(ctx, *to)
	if err != nil {
		return fmt.Errorf("ship: --to: %w", err)
	}
	defer db.Close()
	s := &region.Shipper{DB: db, Batch: *batch, Log: slog.New(slog.NewTextHandler(stderr, nil))}
	if *from != "" {
		if *token == "" {
			return errors.New("ship: --from needs --token (a device of kind integration: hallq device add 区域中心 --kind integration)")
		}
		s.Source = region.HTTPSource{URL: *from, Token: *token}
	} else {
		h, err := hall.Open(hall.Options{Dir: *data, Tick: time.Hour, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			return fmt.Errorf("%w\n(a running hall ships itself: hall.json \"region\": {\"ship_to\": …} or serve --ship-to; or use --from)", userError(err))
		}
		defer h.Close()
		s.Source = region.LocalSource{Hall: h}
	}
	if *follow {
		return s.Run(ctx)
	}
	n, err := s.CatchUp(ctx)
	st := s.Stats()
	fmt.Fprintf(stdout, "shipped %d events of hall %s (epoch %s); the region holds up to seq %d of %d\n", n, st.Hall, st.Epoch, st.Cursor, st.Head)
	return err
}

// startShipper starts shipping the hall's feed to the region when serve
// --ship-to or hall.json's region.ship_to names one; it stops with stop.
func (m *Main) startShipper(h *hall.Hall) (stop func(), err error) {
	reg := config.ReadIdentity(h.Dir()).Region // hall.json's "region"
	to := m.ShipTo
	if to == "" {
		to = reg.ShipTo
	}
	if to == "" {
		return func() {}, nil
	}
	if err := config.ValidID(h.ID()); err != nil {
		return nil, fmt.Errorf("ship to the region: %w (set \"id\" in hall.json)", err)
	}
	db, err := pgxpool.New(context.Background(), to)
	if err != nil {
		return nil, fmt.Errorf("ship to the region: %w", err)
	}
	s := &region.Shipper{DB: db, Source: region.LocalSource{Hall: h, Catalog: m.Features.Casework.Catalog}, Log: m.Logger,
		Every: time.Duration(reg.ShipEveryS) * time.Second}
	m.shipper = s
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Run(ctx)
	}()
	return func() { cancel(); <-done; db.Close() }, nil
}
