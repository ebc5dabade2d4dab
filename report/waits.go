package report

import (
	"math"
	"slices"
)

// waitDense is the longest wait (seconds) counted in a waitSet's slice;
// longer ones, rare, are counted in its map.
const waitDense = 4096

// waitSet holds called customers' waits (whole seconds) as a count per
// second: its memory follows the distinct waits, not the customers (a
// five-year report kept 5 million waits four times as lists, 263 MB of RSS).
// It gives the same figures as the list did: the count, the mean and the
// nearest-rank 90th percentile (stats), the longest.
type waitSet struct {
	n     int
	sum   int64
	max   int32
	dense []int32         // dense[w]: how many waited w seconds, 0 ≤ w < waitDense
	other map[int32]int32 // the other waits (long, or negative after a clock step)
}

func (s *waitSet) add(w int32) {
	if s.n == 0 || w > s.max {
		s.max = w
	}
	s.n++
	s.sum += int64(w)
	if w >= 0 && w < waitDense {
		if int(w) >= len(s.dense) {
			s.dense = slices.Grow(s.dense, int(w)+1-len(s.dense))[:int(w)+1]
		}
		s.dense[w]++
		return
	}
	if s.other == nil {
		s.other = map[int32]int32{}
	}
	s.other[w]++
}

// merge adds o's waits.
func (s *waitSet) merge(o *waitSet) {
	if o.n == 0 {
		return
	}
	if s.n == 0 || o.max > s.max {
		s.max = o.max
	}
	s.n += o.n
	s.sum += o.sum
	if len(o.dense) > len(s.dense) {
		s.dense = slices.Grow(s.dense, len(o.dense)-len(s.dense))[:len(o.dense)]
	}
	for w, c := range o.dense {
		s.dense[w] += c
	}
	for w, c := range o.other {
		if s.other == nil {
			s.other = map[int32]int32{}
		}
		s.other[w] += c
	}
}

// stats returns the mean (rounded to 0.1) and the nearest-rank 90th
// percentile, as stats of the list of the same waits does.
func (s *waitSet) stats() (avg float64, p90 int) {
	if s.n == 0 {
		return 0, 0
	}
	k := int(math.Ceil(0.9*float64(s.n))) - 1 // the k-th smallest, 0-based
	return round1(float64(s.sum) / float64(s.n)), int(s.kth(k))
}

// kth is the k-th smallest wait (0-based).
func (s *waitSet) kth(k int) int32 {
	keys := make([]int32, 0, len(s.other))
	for w := range s.other {
		keys = append(keys, w)
	}
	slices.Sort(keys)
	seen := 0
	i := 0
	for ; i < len(keys) && keys[i] < 0; i++ {
		if seen += int(s.other[keys[i]]); seen > k {
			return keys[i]
		}
	}
	for w, c := range s.dense {
		if seen += int(c); seen > k {
			return int32(w)
		}
	}
	for ; i < len(keys); i++ {
		if seen += int(s.other[keys[i]]); seen > k {
			return keys[i]
		}
	}
	return s.max
}
