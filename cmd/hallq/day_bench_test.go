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
	"syscall"
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

// dayBenchHall makes the bench hall (26 services, 30 counters, demo
// accounts) in a new directory and returns it, the demo kiosk's and
// display's tokens, and how to start the program on it.
func dayBenchHall(b *testing.B) (dir, kiosk, display string, start func() *Main) {
	dir = b.TempDir()
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
	start = func() *Main {
		m := &Main{Addr: "127.0.0.1:0", DataDir: dir, Demo: true, Logger: cmdQuiet, Options: hall.Options{BcryptCost: 4}, BackupKeep: -1, Web: web.Options{KioskBurst: -1}}
		if err := m.Run(context.Background()); err != nil {
			b.Fatal(err)
		}
		return m
	}
	m := start()
	for _, d := range m.DemoAccounts.Devices {
		switch d.Kind {
		case hall.KindKiosk:
			kiosk = d.Token
		case hall.KindDisplay:
			display = d.Token
		}
	}
	m.Close()
	return dir, kiosk, display, start
}

func benchDayAt(b *testing.B, at int) {
	if at+b.N > benchCapacity {
		b.Skipf("%d customers after the %dth exceed a bench day: lower -benchtime", b.N, at)
	}
	dir, kiosk, display, start := dayBenchHall(b)
	if err := dayBenchFill(dir, at-1, 0, true); err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	m := start()
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
	cpu0 := processCPU()
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
	cpu := processCPU() - cpu0
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
	// The process's CPU per event (issue, call, finish), the server's and the
	// 200 screens' reading together (they share the process).
	b.ReportMetric(float64(cpu.Microseconds())/float64(3*b.N), "cpu-us/event")
	b.ReportMetric(0, "ns/op")
}

// dayBenchFill writes n served customers of today into the store in dir:
// counters 1–26 sign in, each customer is issued, called and finished, then
// waiting more are issued and left waiting, the counters sign out; events go
// through the engine and CommitMany, the last batch with the engine's
// running figures, as the hall commits them (so that a restart reads the
// open tickets only).
//
// Without figures the last batch goes without them, as a store an older
// hallq wrote: the restart then reads every ticket of the day.
func dayBenchFill(dir string, n, waiting int, figures bool) error {
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
	// The served customers come and go from the day's start to ten
	// minutes ago (past any rating window), the waiting ones now.
	from, _ := time.ParseInLocation(time.DateOnly, e.Day(), e.Location())
	step := max(0, now.Add(-10*time.Minute).Sub(from)) / time.Duration(n+1)
	const counters = 26
	for k := 1; k <= counters; k++ {
		if err := add(e.SignIn(k, queue.Clerk{User: "bench", Name: "bench"}, from)); err != nil {
			return err
		}
	}
	for i := range n {
		k := 1 + i%counters
		at := from.Add(time.Duration(i+1) * step)
		if err := add(e.Issue(queue.IssueRequest{Service: string(rune('A' + i%26)), Tracking: fmt.Sprintf("bench%06d", i)}, at)); err != nil {
			return err
		}
		ev, found, err := e.CallNext(k, "bench", at)
		if err == nil && !found {
			err = fmt.Errorf("customer %d: no one to call", i)
		}
		if err := add(ev, err); err != nil {
			return err
		}
		if err := add(e.Finish(k, "bench", "", at)); err != nil {
			return err
		}
	}
	for i := range waiting {
		if err := add(e.Issue(queue.IssueRequest{Service: string(rune('A' + i%26))}, now)); err != nil {
			return err
		}
	}
	for k := 1; k <= counters; k++ {
		if err := add(e.SignOut(k, now)); err != nil {
			return err
		}
	}
	if !figures {
		return st.CommitMany(evs)
	}
	run := e.Running()
	run.Seq = seq
	return st.CommitNowRunning(evs, &run)
}

// BenchmarkRestart: opening the hall (hall.Open: the store, today's live
// queue, the roll check) on a day of 200 and of 20,000 served customers,
// each with 100 customers still waiting. The restart reads the open
// tickets and the running figures stored with the last commit, so the two
// cost the same (docs/benchmarks.md); figures=false is a store without
// them (written by an older hallq), where the restart reads every ticket of
// the day, as it did before. Run with e.g. -benchtime 20x.
func BenchmarkRestart(b *testing.B) {
	for _, figures := range []bool{true, false} {
		for _, served := range []int{200, 20000} {
			b.Run(fmt.Sprintf("figures=%v/served=%d", figures, served), func(b *testing.B) { benchRestart(b, served, figures) })
		}
	}
}

func benchRestart(b *testing.B, served int, figures bool) {
	{
		{
			dir, _, _, _ := dayBenchHall(b)
			if err := dayBenchFill(dir, served, 100, figures); err != nil {
				b.Fatal(err)
			}
			open := func() *hall.Hall {
				h, err := hall.Open(hall.Options{Dir: dir, Logger: cmdQuiet, BcryptCost: 4, Tick: time.Hour})
				if err != nil {
					b.Fatal(err)
				}
				return h
			}
			open().Close() // the first open indexes nothing new, but warms the page cache
			var held int
			b.ResetTimer()
			for range b.N {
				h := open()
				b.StopTimer()
				h.Read(func(v *queue.Engine, _ uint64) { held = len(v.Tickets()) })
				h.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(held), "tickets-held")
		}
	}
}

// processCPU is the CPU time (user and system) the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
