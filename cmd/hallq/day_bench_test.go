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
	"hallq/hall/config"
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
	c := config.Default()
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
	if err := os.WriteFile(filepath.Join(dir, config.File), raw, 0o600); err != nil {
		b.Fatal(err)
	}
	start = func() *Main {
		m := &Main{Addr: "127.0.0.1:0", DataDir: dir, Demo: true, Logger: cmdQuiet, BcryptCost: 4, BackupKeep: -1, Web: web.Options{KioskBurst: -1}}
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
	d := openDayBench(b, at)
	cpu0 := processCPU()
	b.ResetTimer()
	for i := range b.N {
		d.customer(b, i)
	}
	b.StopTimer()
	cpu := processCPU() - cpu0
	d.waitScreens()
	issueP50, issueP99, callP50, callP99 := d.percentiles()
	b.ReportMetric(issueP50, "issue-p50-ms")
	b.ReportMetric(issueP99, "issue-p99-ms")
	b.ReportMetric(callP50, "call-p50-ms")
	b.ReportMetric(callP99, "call-p99-ms")
	if n := d.frames.Load(); n > 0 {
		b.ReportMetric(float64(d.bytes.Load())/float64(n), "B/frame")
	}
	b.ReportMetric(float64(d.restart.Milliseconds()), "restart-ms")
	// The process's CPU per event (issue, call, finish), the server's and the
	// 200 screens' reading together (they share the process).
	b.ReportMetric(float64(cpu.Microseconds())/float64(3*b.N), "cpu-us/event")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkDayLatencySideBySide runs the three days of BenchmarkDayLatency at
// once — three programs in one process, each on its own store holding the
// 1st, 5,000th or 20,000th customer's day, each with dayBenchScreens screens —
// and measures them in turn, customer by customer (the order rotating), so
// that whatever else the machine does at a moment slows all three alike. It
// reports each day's p50 and p99 and the ratios of the later days' p50 to the
// first's: the issue's figure (≤ 1.2), measured side by side in one run.
//
//	go test -run '^$' -bench DayLatencySideBySide -benchtime 300x ./cmd/hallq
func BenchmarkDayLatencySideBySide(b *testing.B) {
	ats := []int{1, 5000, 20000}
	if ats[len(ats)-1]+b.N > benchCapacity {
		b.Skipf("%d customers after the %dth exceed a bench day: lower -benchtime", b.N, ats[len(ats)-1])
	}
	days := make([]*dayBench, len(ats))
	for k, at := range ats {
		days[k] = openDayBench(b, at)
	}
	b.ResetTimer()
	for i := range b.N {
		for k := range days {
			days[(i+k)%len(days)].customer(b, i)
		}
	}
	b.StopTimer()
	var p50 [3][2]float64
	for k, d := range days {
		d.waitScreens()
		issueP50, issueP99, callP50, callP99 := d.percentiles()
		p50[k] = [2]float64{issueP50, callP50}
		b.ReportMetric(issueP50, fmt.Sprintf("at%d-issue-p50-ms", ats[k]))
		b.ReportMetric(issueP99, fmt.Sprintf("at%d-issue-p99-ms", ats[k]))
		b.ReportMetric(callP50, fmt.Sprintf("at%d-call-p50-ms", ats[k]))
		b.ReportMetric(callP99, fmt.Sprintf("at%d-call-p99-ms", ats[k]))
	}
	for k := 1; k < len(ats); k++ {
		b.ReportMetric(p50[k][0]/p50[0][0], fmt.Sprintf("issue-p50-ratio-%d", ats[k]))
		b.ReportMetric(p50[k][1]/p50[0][1], fmt.Sprintf("call-p50-ratio-%d", ats[k]))
	}
	b.ReportMetric(0, "ns/op")
}

// dayBench is one program on a day that has served at-1 customers, with its
// screens attached, a kiosk and a signed-in clerk at counter 1.
type dayBench struct {
	at            int
	m             *Main
	kc, clerk     *crashClient
	restart       time.Duration
	frames, bytes atomic.Int64
	lastSeq       atomic.Uint64
	issue, call   []time.Duration
}

func openDayBench(b *testing.B, at int) *dayBench {
	dir, kiosk, display, start := dayBenchHall(b)
	if err := dayBenchFill(dir, at-1, 0, true); err != nil {
		b.Fatal(err)
	}
	d := &dayBench{at: at}
	t0 := time.Now()
	d.m = start()
	d.restart = time.Since(t0)
	b.Cleanup(func() { d.m.Close() })

	// The screens; the first counts what it receives.
	hdr := http.Header{"Authorization": {"Bearer " + display}}
	ready := make(chan struct{}, dayBenchScreens)
	for i := range dayBenchScreens {
		conn, _, err := websocket.DefaultDialer.Dial(strings.Replace(d.m.URL, "http", "ws", 1)+"/ws?topic=display", hdr)
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
					d.frames.Add(1)
					d.bytes.Add(int64(len(msg)))
					d.lastSeq.Store(f.Seq)
				}
			}
		}()
	}
	for range dayBenchScreens {
		<-ready
	}
	d.clerk = newCrashClient(d.m.URL, "")
	if status, body, err := d.clerk.post("/api/v1/login", map[string]any{"user": "clerk1", "password": "clerk1-demo", "counter": 1}); err != nil || status != http.StatusOK {
		b.Fatalf("login: %d %s %v", status, body, err)
	}
	d.kc = newCrashClient(d.m.URL, kiosk)
	return d
}

// customer is the i-th measured customer: a kiosk's issue and the clerk's
// call-next are timed, the finish is not.
func (d *dayBench) customer(b *testing.B, i int) {
	svc := string(rune('A' + (d.at+i)%26))
	t1 := time.Now()
	if status, body, err := d.kc.post("/api/v1/tickets", map[string]string{"service": svc}); err != nil || status != http.StatusCreated {
		b.Fatalf("issue: %d %s %v", status, body, err)
	}
	t2 := time.Now()
	if status, body, err := d.clerk.post("/api/v1/counters/1/call", map[string]any{}); err != nil || status != http.StatusOK {
		b.Fatalf("call: %d %s %v", status, body, err)
	}
	t3 := time.Now()
	if status, body, err := d.clerk.post("/api/v1/counters/1/finish", map[string]any{}); err != nil || status != http.StatusOK {
		b.Fatalf("finish: %d %s %v", status, body, err)
	}
	d.issue, d.call = append(d.issue, t2.Sub(t1)), append(d.call, t3.Sub(t2))
}

// waitScreens waits (up to a minute) until the counted screen has the last event.
func (d *dayBench) waitScreens() {
	_, seq := d.m.Hall.Snapshot()
	for deadline := time.Now().Add(time.Minute); d.lastSeq.Load() < seq && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
}

// percentiles are the issue and call latencies' p50 and p99 in milliseconds.
func (d *dayBench) percentiles() (issueP50, issueP99, callP50, callP99 float64) {
	pct := func(d []time.Duration, p float64) float64 {
		d = slices.Clone(d)
		slices.Sort(d)
		return float64(d[min(len(d)-1, int(p*float64(len(d))))].Microseconds()) / 1000
	}
	return pct(d.issue, 0.5), pct(d.issue, 0.99), pct(d.call, 0.5), pct(d.call, 0.99)
}

// dayBenchFill writes n served customers of today into the store in dir:
// counters 1–26 sign in, each customer is issued, called and finished, then
// waiting more are issued and left waiting, the counters sign out; events go
// through the engine and Store.Commit, the last batch with the engine's
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
			err = st.Commit(evs, nil)
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
		return st.Commit(evs, nil)
	}
	run := e.Running()
	run.Seq = seq
	return st.Commit(evs, &run)
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
				h, err := hall.Open(hall.Options{Dir: dir, Logger: cmdQuiet, Tick: time.Hour})
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
