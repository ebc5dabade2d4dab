package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hallq/account"

	"hallq/hall"
	"hallq/hall/config"
	"hallq/hall/store"
	"hallq/queue"
	"hallq/web"
)

// benchHall writes a hall.json with 26 services (A–Z, 999 numbers a day
// each, no daily limits) and counters counters, each serving every service
// in a rotated order, then starts Main with the demo accounts on it.
func benchHall(b testing.TB, counters int) *Main {
	b.Helper()
	dir := b.TempDir()
	c := config.Default()
	c.PhoneDailyLimit = 0
	c.Services, c.Counters = nil, nil
	var prefixes []string
	for r := 'A'; r <= 'Z'; r++ {
		p := string(r)
		prefixes = append(prefixes, p)
		c.Services = append(c.Services, queue.Service{Prefix: p, NameZH: "业务" + p, NameEN: "Service " + p, TargetWaitS: 600, AvgServiceS: 180})
	}
	for n := 1; n <= counters; n++ {
		k := n % len(prefixes)
		c.Counters = append(c.Counters, queue.Counter{Number: n, NameZH: fmt.Sprintf("%d号窗口", n), NameEN: fmt.Sprintf("Counter %d", n),
			Services: append(slices.Clone(prefixes[k:]), prefixes[:k]...)})
	}
	raw, err := json.Marshal(c)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, config.File), raw, 0o600); err != nil {
		b.Fatal(err)
	}
	m := &Main{Addr: "127.0.0.1:0", DataDir: dir, Demo: true, Logger: cmdQuiet, BcryptCost: 4, Web: web.Options{KioskBurst: -1}}
	if err := m.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Close() })
	return m
}

const benchCapacity = 26 * 999 // tickets a bench hall can issue in a day

func benchKioskToken(m *Main) string {
	for _, d := range m.DemoAccounts.Devices {
		if d.Kind == hall.KindKiosk {
			return d.Token
		}
	}
	return ""
}

// BenchmarkIssueHTTP issues b.N tickets over HTTP from 64 concurrent kiosks
// into a real server on a real bbolt file and reports the rate. The raw
// baseline of the same disk is BenchmarkBatchPuts (./hall/store, 64 writers
// of bbolt batched puts): run both on one machine to compare.
//
// It runs without the write-ahead log (wal=off, as before the log) and with
// it (wal=on), side by side.
func BenchmarkIssueHTTP(b *testing.B) {
	for _, wal := range []string{"off", "on"} {
		b.Run("wal="+wal, func(b *testing.B) {
			defer store.SetWALOff(store.SetWALOff(wal == "off"))
			issueHTTP(b)
		})
	}
}

func issueHTTP(b *testing.B) {
	const kiosks = 64
	if b.N > benchCapacity {
		b.Fatalf("b.N %d exceeds the %d numbers of a bench day: lower -benchtime", b.N, benchCapacity)
	}
	m := benchHall(b, 6)
	token := benchKioskToken(m)
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	b.ResetTimer()
	start := time.Now()
	for k := range kiosks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newCrashClient(m.URL, token)
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				svc := string(rune('A' + (int(i)+k)%26))
				status, body, err := c.post("/api/v1/tickets", map[string]string{"service": svc})
				if err != nil || status != http.StatusCreated {
					failed.Store(fmt.Sprintf("issue: %d %s %v", status, body, err))
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if f := failed.Load(); f != nil {
		b.Fatal(f)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "tickets/s")
}

// BenchmarkCallNext30 measures the latency of "call next" over HTTP with 30
// counters calling at once: 30 clerks signed in at 30 counters call and
// finish b.N waiting tickets between them; p50 and p99 of the call requests
// are reported in milliseconds.
func BenchmarkCallNext30(b *testing.B) {
	const counters = 30
	if b.N > benchCapacity {
		b.Fatalf("b.N %d exceeds the %d numbers of a bench day: lower -benchtime", b.N, benchCapacity)
	}
	m := benchHall(b, counters)
	ctx := context.Background()
	clients := make([]*crashClient, counters+1)
	for n := 1; n <= counters; n++ {
		name := fmt.Sprintf("bench%02d", n)
		if err := m.Features.Account.AddUser(ctx, account.NewUser{Name: name, Password: name + "-pass", Role: hall.RoleClerk, Display: name}); err != nil {
			b.Fatal(err)
		}
		clients[n] = newCrashClient(m.URL, "")
		if status, body, err := clients[n].post("/api/v1/login", map[string]any{"user": name, "password": name + "-pass", "counter": n}); err != nil || status != http.StatusOK {
			b.Fatalf("login %s: %d %s %v", name, status, body, err)
		}
	}
	// Fill the queue with b.N tickets, 64 writers at a time.
	kiosk := hall.Principal{Kind: "device", Name: "bench", Role: hall.KindKiosk}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
				if _, err := m.Hall.Issue(ctx, kiosk, hall.IssueRequest{Service: string(rune('A' + int(i)%26))}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if b.Failed() {
		return
	}

	lat := make([][]time.Duration, counters+1)
	var calls atomic.Int64
	b.ResetTimer()
	for n := 1; n <= counters; n++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, path := clients[n], fmt.Sprintf("/api/v1/counters/%d/", n)
			for calls.Add(1) <= int64(b.N) {
				t0 := time.Now()
				status, body, err := c.post(path+"call", map[string]any{})
				lat[n] = append(lat[n], time.Since(t0))
				if err != nil || status != http.StatusOK {
					b.Errorf("counter %d call: %d %s %v", n, status, body, err)
					return
				}
				if status, body, err := c.post(path+"finish", map[string]any{}); err != nil || status != http.StatusOK {
					b.Errorf("counter %d finish: %d %s %v", n, status, body, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	if len(all) == 0 {
		b.Fatal("no call was made")
	}
	slices.Sort(all)
	pct := func(p float64) float64 {
		return float64(all[min(len(all)-1, int(p*float64(len(all))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op")
}
