package sim_test

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"hallq/hall/config"
	"hallq/hall/store"
	"hallq/queue"
	"hallq/sim"
)

// BenchmarkEstimateAccuracy simulates a month through the real engine and
// compares, for every customer who was called, the wait the ticket showed at
// issue (estimated_wait_s) with the wait they then had (called_at −
// issued_at): per service, the median absolute error and the bias (median
// and mean of estimate − wait; negative: the ticket promised less than it
// took). Transferred-in tickets are left out (their estimate is made at the
// transfer). Run:
//
//	go test ./sim -run XXX -bench EstimateAccuracy -benchtime 1x
//
// docs/benchmarks.md keeps the figures before and after a change of the
// estimate.
func BenchmarkEstimateAccuracy(b *testing.B) {
	for _, profile := range []string{"small", "large"} {
		b.Run(profile, func(b *testing.B) {
			for range b.N {
				st, err := store.Open(b.TempDir())
				if err != nil {
					b.Fatal(err)
				}
				res, err := sim.Run(st, sim.Options{Days: 30, Seed: 7, Profile: profile, NewHall: config.Default(), End: end})
				if err != nil {
					b.Fatal(err)
				}
				ts, err := st.Tickets(res.FirstDay, res.LastDay)
				st.Close()
				if err != nil {
					b.Fatal(err)
				}
				// Printed, not logged: the testing package cuts a
				// benchmark's log to ten lines.
				fmt.Printf("%s profile, %d days from %s, %d tickets\n", profile, res.Days, res.FirstDay, len(ts))
				fmt.Println("every customer called:")
				for _, line := range estimateErrors(ts, false) {
					fmt.Println("  " + line)
				}
				fmt.Println("customers with someone ahead at issue:")
				for _, line := range estimateErrors(ts, true) {
					fmt.Println("  " + line)
				}
			}
		})
	}
}

// estimateErrors is the table of BenchmarkEstimateAccuracy: one line per
// service and one for all (queued: only tickets with someone ahead at issue).
func estimateErrors(ts []queue.Ticket, queued bool) []string {
	diffs := map[string][]float64{}
	var all []float64
	for _, t := range ts {
		if t.TransferredFrom != 0 || t.CalledAt == nil || (queued && t.Ahead == 0) {
			continue
		}
		wait := t.CalledAt.Sub(t.IssuedAt).Seconds()
		d := float64(t.EstimatedWaitS) - wait
		diffs[t.Service] = append(diffs[t.Service], d)
		all = append(all, d)
	}
	svcs := make([]string, 0, len(diffs))
	for s := range diffs {
		svcs = append(svcs, s)
	}
	slices.Sort(svcs)
	out := []string{"service  customers  median |error|  median bias  mean bias"}
	row := func(name string, d []float64) {
		abs := make([]float64, len(d))
		sum := 0.0
		for i, x := range d {
			abs[i] = math.Abs(x)
			sum += x
		}
		out = append(out, fmt.Sprintf("%-7s  %9d  %14s  %11s  %9s", name, len(d),
			secs(median(abs)), secs(median(d)), secs(sum/float64(len(d)))))
	}
	for _, s := range svcs {
		row(s, diffs[s])
	}
	row("all", all)
	return out
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func secs(s float64) string {
	return (time.Duration(math.Round(s)) * time.Second).String()
}
