package report

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestWaitSetEqualsList: a waitSet gives the count, mean, nearest-rank
// 90th percentile and longest wait the list of the same waits gives, for
// short and long waits, negative ones (a clock step) and sets merged in
// parts, as the report adds its parts.
func TestWaitSetEqualsList(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 263))
	for trial := range 300 {
		n := r.IntN(2000)
		if trial < 5 {
			n = trial // empty and tiny sets
		}
		var list []int32
		var whole, a, b waitSet
		for i := range n {
			var w int32
			switch r.IntN(10) {
			case 0:
				w = int32(waitDense + r.IntN(20000)) // long
			case 1:
				w = -int32(r.IntN(100)) // before the issue time
			default:
				w = int32(r.IntN(1800))
			}
			list = append(list, w)
			whole.add(w)
			if i%3 == 0 {
				a.add(w)
			} else {
				b.add(w)
			}
		}
		a.merge(&b)
		wantAvg, wantP90 := stats(slices.Clone(list))
		for name, s := range map[string]*waitSet{"whole": &whole, "merged": &a} {
			avg, p90 := s.stats()
			if s.n != len(list) || avg != wantAvg || p90 != wantP90 {
				t.Fatalf("trial %d, %s: n %d avg %v p90 %d, the list: %d %v %d", trial, name, s.n, avg, p90, len(list), wantAvg, wantP90)
			}
			if n > 0 && s.max != slices.Max(list) {
				t.Fatalf("trial %d, %s: longest %d, the list's %d", trial, name, s.max, slices.Max(list))
			}
		}
	}
}
