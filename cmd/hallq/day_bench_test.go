package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"hallq/hall"
	"hallq/hall/store"
	"hallq/queue"
	"hallq/web"
)

// The day-cost benchmark (issue 25): does a customer cost the same at the
// day's 20,000th as at its first? Each case writes at-1 served customers of
// today straight into the store (through the real engine, as the simulator
// does), restarts the server on it — so the restart rebuilds today's state
// from those tickets — attaches dayBenchScreens display websockets, and then
// measures b.N customers over HTTP: a kiosk's issue and a clerk's call-next
// (then an unmeasured finish). Run with a fixed count, e.g.
//
//	go test -run '^$' -bench DayLatency -benchtime 200x ./cmd/hallq
const dayBenchScreens = 200

func BenchmarkDayLatency(b *testing.B) {
	for _, at := range []int{1, 5000, 20000} {
		b.Run(fmt.Sprintf("at=%d", at), func(b *testing.B) { benchDayAt(b, at) })
	}
}

func benchDayAt(b *testing.B, at int) {
	if at+b.N > benchCapacity {
		b.Skipf("%d customers after the %dth exceed a bench day: lower -benchtime", b.N, at)
	}
	dir := b.TempDir()
	c := hall.DefaultConfig()
	c.PhoneDailyLimit = 0
	c.Services, c.Counters = nil, nil
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
	raw, _ := json.Marshal(c)
	if err := os.WriteFile(filepath.Join(dir, hall.ConfigFile), raw, 0o600); err != nil {
		b.Fatal(err)
	}
	start := func() *Main {
		m := &Main{Addr: "127.0.0.1:0", DataDir: dir, Demo: true, Logger: cmdQuiet, Options: hall.Options{BcryptCost: 4, BackupKeep: -1}, Web: web.Options{KioskBurst: -1}}
		if err := m.Run(context.Background()); err != nil {
			b.Fatal(err)
		}
		return m
	}
	m := start()
	var kiosk, display string
	for _, d := range m.DemoAccounts.Devices {
		switch d.Kind {
		case hall.KindKiosk:
			kiosk = d.Token
		case hall.KindDisplay:
			display = d.Token
		}
	}
	m.Close()
	if err := dayBenchFill(dir, at-1); err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	m = start()
	restart := time.Since(t0)
	b.Cleanup(func() { m.Close() })

	// The screens; the first counts what it receives.
	var frames, bytes atomic.Int64
	var lastSeq atomic.Uint64
	hdr := http.Header{"Authorization": {"Bearer " + display}}
	ready := make(chan struct{}, dayBenchScreens)
	for i := range dayBenchScreens {
		conn, _, err := websocket.DefaultDialer.Dial(strings.Replace(m.URL, "http", "ws", 1)+"/ws?topic=display", hdr)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { conn.Close() })
		go func() {
			first := true
			for {
				_, msg, err := conn.ReadMessage()
				if err != nil {
					return
				}
				if first {
					first = false
					ready <- struct{}{}
					continue
				}
				if i == 0 {
					var f struct {
						Seq uint64 `json:"seq"`
					}
					json.Unmarshal(msg, &f)
					frames.Add(1)
					bytes.Add(int64(len(msg)))
					lastSeq.Store(f.Seq)
				}
			}
		}()
	}
	for range dayBenchScreens {
		<-ready
	}
	clerk := newCrashClient(m.URL, "")
	if status, body, err := clerk.post("/api/v1/login", map[string]any{"user": "clerk1", "password": "clerk1-demo", "counter": 1}); err != nil || status != http.StatusOK {
		b.Fatalf("login: %d %s %v", status, body, err)
	}
	kc := newCrashClient(m.URL, kiosk)
	issue := make([]time.Duration, 0, b.N)
	call := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		svc := string(rune('A' + (at+i)%26))
		t1 := time.Now()
		if status, body, err := kc.post("/api/v1/tickets", map[string]string{"service": svc}); err != nil || status != http.StatusCreated {
			b.Fatalf("issue: %d %s %v", status, body, err)
		}
		t2 := time.Now()
		if status, body, err := clerk.post("/api/v1/counters/1/call", map[string]any{}); err != nil || status != http.StatusOK {
			b.Fatalf("call: %d %s %v", status, body, err)
		}
		t3 := time.Now()
		if status, body, err := clerk.post("/api/v1/counters/1/finish", map[string]any{}); err != nil || status != http.StatusOK {
			b.Fatalf("finish: %d %s %v", status, body, err)
		}
		issue, call = append(issue, t2.Sub(t1)), append(call, t3.Sub(t2))
	}
	b.StopTimer()
	_, seq := m.Hall.Snapshot()
	for deadline := time.Now().Add(time.Minute); lastSeq.Load() < seq && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	pct := func(d []time.Duration, p float64) float64 {
		slices.Sort(d)
		return float64(d[min(len(d)-1, int(p*float64(len(d))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(issue, 0.5), "issue-p50-ms")
	b.ReportMetric(pct(issue, 0.99), "issue-p99-ms")
	b.ReportMetric(pct(call, 0.5), "call-p50-ms")
	b.ReportMetric(pct(call, 0.99), "call-p99-ms")
	if n := frames.Load(); n > 0 {
		b.ReportMetric(float64(bytes.Load())/float64(n), "B/frame")
	}
	b.ReportMetric(float64(restart.Milliseconds()), "restart-ms")
	b.ReportMetric(0, "ns/op")
}

// dayBenchFill writes n served customers of today into the store in dir:
// counters 1–26 sign in, each customer is issued, called and finished, the
// counters sign out; events go through the engine and CommitMany.
func dayBenchFill(dir string, n int) error {
	st, err := store.Open(dir)
	if err != nil {
		return err
	}
	defer st.Close()
	var cfg queue.Config
	if _, err := st.GetMeta("config", &cfg); err != nil {
		return err
	}
	now := time.Now()
	e, err := queue.New(cfg, now)
	if err != nil {
		return err
	}
	s, err := st.Load(e.Day())
	if err != nil {
		return err
	}
	e.Restore(e.Day(), s.Services, s.Counters, s.Tickets, s.MaxID)
	seq := s.LastSeq
	var evs []queue.Event
	add := func(ev queue.Event, err error) error {
		if err != nil {
			return err
		}
		seq++
		ev.Seq, ev.Actor = seq, "user:bench"
		evs = append(evs, ev)
		if len(evs) >= 3000 {
			err = st.CommitMany(evs)
			evs = evs[:0]
		}
		return err
	}
	const counters = 26
	for k := 1; k <= counters; k++ {
		if err := add(e.SignIn(k, queue.Clerk{User: "bench", Name: "bench"}, now)); err != nil {
			return err
		}
	}
	for i := range n {
		k := 1 + i%counters
		if err := add(e.Issue(queue.IssueRequest{Service: string(rune('A' + i%26)), Tracking: fmt.Sprintf("bench%06d", i)}, now)); err != nil {
			return err
		}
		ev, found, err := e.CallNext(k, "bench", now)
		if err == nil && !found {
			err = fmt.Errorf("customer %d: no one to call", i)
		}
		if err := add(ev, err); err != nil {
			return err
		}
		if err := add(e.Finish(k, "bench", "", now)); err != nil {
			return err
		}
	}
	for k := 1; k <= counters; k++ {
		if err := add(e.SignOut(k, now)); err != nil {
			return err
		}
	}
	if len(evs) > 0 {
		return st.CommitMany(evs)
	}
	return nil
}
