package report

import (
	"math/rand/v2"
	"testing"
)

// TestIdleOverlapBySecond compares the span arithmetic of the idle time
// while customers wait with a count second by second.
func TestIdleOverlapBySecond(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	const day = 600
	spans := func() []span {
		var s []span
		for range r.IntN(12) {
			a := int32(r.IntN(day))
			s = append(s, span{a, a + int32(r.IntN(120))})
		}
		return s
	}
	for i := range 2000 {
		in, out := spans(), spans()
		a := int32(r.IntN(day))
		b := a + int32(r.IntN(day))
		var want int64
		for sec := a; sec < b; sec++ {
			covered := func(s []span) bool {
				for _, v := range s {
					if sec >= v.a && sec < v.b {
						return true
					}
				}
				return false
			}
			if covered(in) && !covered(out) {
				want++
			}
		}
		if got := overlap(a, b, union(in), union(out)); got != want {
			t.Fatalf("case %d: [%d,%d) in %v out %v: %d, want %d", i, a, b, in, out, got, want)
		}
	}
}
