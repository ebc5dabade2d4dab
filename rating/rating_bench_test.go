package rating_test

import (
	"testing"
	"time"

	"hallq/hall"
	"hallq/hall/config"
	"hallq/hall/store"
	"hallq/internal/halltest"
	"hallq/rating"
	"hallq/sim"
)

// BenchmarkRatingFigures computes the satisfaction figures over one day and
// over 30 days of simulated history (small profile, keypad ratings included),
// reporting the time per served ticket.
func BenchmarkRatingFigures(b *testing.B) {
	dir := b.TempDir()
	st, err := store.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	res, err := sim.Run(st, sim.Options{Days: 30, Seed: 7, End: monday10, NewHall: config.Default()})
	if err != nil {
		b.Fatal(err)
	}
	st.Close()
	h, err := hall.Open(hall.Options{Dir: dir, Now: func() time.Time { return monday10 }, Logger: halltest.Quiet, Tick: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	for _, c := range []struct{ name, from string }{{"1day", res.LastDay}, {"30days", res.FirstDay}} {
		b.Run(c.name, func(b *testing.B) {
			var served int
			for b.Loop() {
				fig, err := rating.New(h, rating.Options{Every: -1}).Figures(c.from, res.LastDay)
				if err != nil {
					b.Fatal(err)
				}
				served = fig.Total.Served
			}
			if served == 0 {
				b.Fatal("no served tickets in the simulated history")
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(served), "ns/ticket")
			b.ReportMetric(float64(served), "served")
		})
	}
}
