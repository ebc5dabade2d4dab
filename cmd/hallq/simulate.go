package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"hallq/casework"
	"hallq/hall/config"
	"hallq/hall/store"
	"hallq/queue"
	"hallq/rating"
	"hallq/sim"
)

// simulate: hallq simulate --days N [--seed S] [--profile small|large] [--sealed] [--data DIR]
// writes N days of history, ending yesterday, through the queue engine;
// --sealed seals each day but the last with the store's sealer as it goes.
func simulate(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	data := fs.String("data", "./data", "data directory")
	days := fs.Int("days", 0, "days of history to write, ending yesterday")
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives the same history")
	profile := fs.String("profile", "small", "small (about 300 customers a day, 6 counters) or large (about 3,000 a day, 40 counters)")
	quiet := fs.Bool("quiet", false, "no progress lines")
	sealed := fs.Bool("sealed", false, "seal each simulated day into DATA/history once the next is written, as a running hall does (years of history without a hot file of gigabytes)")
	pos, err := parse(fs, args)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	if len(pos) != 0 || *days < 1 {
		return errors.New("usage: hallq simulate --days N [--seed S] [--profile small|large] [--sealed] [--data DIR]")
	}
	st, err := store.Open(*data)
	if errors.Is(err, store.ErrDamaged) {
		return damaged(*data, err)
	} else if err != nil {
		return userError(err)
	}
	defer st.Close()
	// The record kinds the hall's features name final once written leave
	// with their day when it is sealed, as in a running hall (features.go).
	st.SealRecords(rating.Kind, casework.KindCase)
	// A batch job that allocates a lot and keeps little: collect less often.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	opt := sim.Options{Days: *days, Seed: *seed, Profile: *profile, NewHall: config.Default(), Seal: *sealed}
	// A new store starts from DATA/hall.json as `serve` would start it.
	var cfg queue.Config
	found, err := st.GetMeta("config", &cfg)
	if err != nil {
		return userError(err)
	}
	if !found {
		c, from, err := config.Initial(*data)
		if err != nil {
			return userError(err)
		}
		opt.NewHall = c
		fmt.Fprintf(stdout, "new hall %s from %s\n", c.NameZH, from)
	}
	if !*quiet {
		opt.Progress = stdout
	}
	res, err := sim.Run(st, opt)
	for _, n := range res.Notes {
		fmt.Fprintf(stdout, "note: %s\n", n)
	}
	if err != nil {
		return userError(err)
	}
	size := int64(0)
	if fi, err := os.Stat(st.Path()); err == nil {
		size = fi.Size()
	}
	fmt.Fprintf(stdout, "simulated %d days (%s … %s): %d customers, %d events in %.1f s (%.0f events/s); %s is %.1f MB\n",
		res.Days, res.FirstDay, res.LastDay, res.Tickets, res.Events, res.Elapsed.Seconds(),
		float64(res.Events)/res.Elapsed.Seconds(), st.Path(), float64(size)/(1<<20))
	if *sealed {
		ix := st.History()
		hist := int64(0)
		for _, e := range ix.Segments {
			hist += e.Size
		}
		fmt.Fprintf(stdout, "sealed %d days into %s: %.1f MB\n", len(ix.Segments), ix.Dir, float64(hist)/(1<<20))
	}
	return ctx.Err()
}
