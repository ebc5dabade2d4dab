package queue_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"hallq/queue"
)

// dayCostConfig is a large hall: 26 services (A–Z, 999 numbers a day each)
// and 30 counters, each serving every service in a rotated order.
func dayCostConfig() queue.Config {
	c := queue.Config{NameZH: "基准营业厅", NameEN: "Bench hall", RecallsBeforeNoShow: 1}
	var prefixes []string
	for r := 'A'; r <= 'Z'; r++ {
		p := string(r)
		prefixes = append(prefixes, p)
		c.Services = append(c.Services, queue.Service{Prefix: p, NameZH: "业务" + p, NameEN: "Service " + p, TargetWaitS: 600, AvgServiceS: 180})
	}
	for n := 1; n <= 30; n++ {
		k := n % len(prefixes)
		c.Counters = append(c.Counters, queue.Counter{Number: n, NameZH: fmt.Sprintf("%d号窗口", n), NameEN: fmt.Sprintf("Counter %d", n),
			Services: append(slices.Clone(prefixes[k:]), prefixes[:k]...)})
	}
	return c
}

// dayCostCustomer is one customer's issue, call and finish at counter n,
// with what the websocket hub takes of the state after each event (when
// snap; hubTake).
func dayCostCustomer(tb testing.TB, e *queue.Engine, i, n int, now time.Time, snap bool) {
	snapshot := func() {
		if snap {
			hubTake(e, now)
		}
	}
	if _, err := e.Issue(queue.IssueRequest{Service: string(rune('A' + i%26)), Tracking: fmt.Sprintf("trk%06d", i)}, now); err != nil {
		tb.Fatal(err)
	}
	snapshot()
	if _, found, err := e.CallNext(n, "bench", now); err != nil || !found {
		tb.Fatalf("call %d: %v %v", i, found, err)
	}
	snapshot()
	if _, err := e.Finish(n, "bench", "", now); err != nil {
		tb.Fatal(err)
	}
	snapshot()
}

// BenchmarkDayCost: the engine's cost of one customer (issue, call, finish,
// and the hub's snapshot after each event) when the day has already served
// at-1 customers, in a hall of 26 services and 30 counters. Run with a fixed
// count: go test -run '^$' -bench DayCost -benchtime 1000x ./queue (a day
// has 25,974 numbers).
func BenchmarkDayCost(b *testing.B) {
	for _, at := range []int{1, 5000, 20000} {
		b.Run(fmt.Sprintf("at=%d", at), func(b *testing.B) {
			if at+b.N > 26*999 {
				b.Skipf("%d customers after the %dth exceed a day's numbers: lower -benchtime", b.N, at)
			}
			cfg := dayCostConfig()
			now := time.Date(2026, 11, 23, 8, 0, 0, 0, shanghai)
			e, err := queue.New(cfg, now)
			if err != nil {
				b.Fatal(err)
			}
			for n := 1; n <= 30; n++ {
				if _, err := e.SignIn(n, queue.Clerk{User: fmt.Sprint("c", n)}, now); err != nil {
					b.Fatal(err)
				}
			}
			for i := 1; i < at; i++ {
				now = now.Add(500 * time.Millisecond)
				dayCostCustomer(b, e, i, 1+i%30, now, false)
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := processCPU()
			for i := range b.N {
				now = now.Add(500 * time.Millisecond)
				dayCostCustomer(b, e, at+i, 1+(at+i)%30, now, true)
			}
			cpu := processCPU() - cpu0
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/3, "µs/event")
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N)/3, "cpu-µs/event")
		})
	}
}
