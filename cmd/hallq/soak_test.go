package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"hallq/account"

	"hallq/hall"
	"hallq/queue"
)

// TestSoak is not part of make test: `make soak` runs it with HALLQ_SOAK set
// to a duration (SOAK=40m). A hall of 26 services and 30 counters runs on
// loopback; kiosks issue HALLQ_SOAK_RATE tickets a second (7), 26 clerks
// call and finish, HALLQ_SOAK_SCREENS display websockets (200) watch. Every
// minute it prints issue and call latency (p50/p99), heap, goroutines, open
// files and websocket clients; it stops by itself after the duration and
// fails only if a request failed or a screen missed a call — the latency
// trend is for a person to read (docs/benchmarks.md).
func TestSoak(t *testing.T) {
	spec := os.Getenv("HALLQ_SOAK")
	if spec == "" {
		t.Skip("set HALLQ_SOAK to a duration (make soak)")
	}
	dur, err := time.ParseDuration(spec)
	if err != nil {
		t.Fatalf("HALLQ_SOAK=%q: %v", spec, err)
	}
	envInt := func(name string, def int) int {
		if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
			return n
		}
		return def
	}
	rate, screens := envInt("HALLQ_SOAK_RATE", 7), envInt("HALLQ_SOAK_SCREENS", 200)
	const clerks = 26
	if float64(rate)*dur.Seconds() > benchCapacity {
		t.Fatalf("%d tickets/s for %s exceed a day's %d numbers", rate, dur, benchCapacity)
	}
	m := benchHall(t, 30)
	ctx := context.Background()
	var display, kiosk string
	for _, d := range m.DemoAccounts.Devices {
		switch d.Kind {
		case hall.KindDisplay:
			display = d.Token
		case hall.KindKiosk:
			kiosk = d.Token
		}
	}

	// The screens count the calls they see, each once.
	seen := make([]atomic.Int64, screens)
	var gone atomic.Int64
	hdr := http.Header{"Authorization": {"Bearer " + display}}
	for i := range screens {
		conn, _, err := websocket.DefaultDialer.Dial(strings.Replace(m.URL, "http", "ws", 1)+"/ws?topic=display", hdr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		go func() {
			var last uint64
			for {
				_, msg, err := conn.ReadMessage()
				if err != nil {
					gone.Add(1)
					return
				}
				var f struct {
					Type  string `json:"type"`
					Seq   uint64 `json:"seq"`
					Event struct {
						Type string `json:"type"`
					} `json:"event"`
				}
				if json.Unmarshal(msg, &f) == nil && f.Type == "event" && f.Seq > last {
					last = f.Seq
					if f.Event.Type == queue.EvCalled {
						seen[i].Add(1)
					}
				}
			}
		}()
	}

	type sample struct {
		at time.Time
		d  time.Duration
	}
	var mu sync.Mutex
	var issues, calls []sample
	var failed atomic.Value
	note := func(list *[]sample, at time.Time, d time.Duration) {
		mu.Lock()
		*list = append(*list, sample{at, d})
		mu.Unlock()
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for n := 1; n <= clerks; n++ {
		name := fmt.Sprintf("soak%02d", n)
		if err := m.Features.Account.AddUser(ctx, account.NewUser{Name: name, Password: name + "-pass", Role: hall.RoleClerk, Display: name}); err != nil {
			t.Fatal(err)
		}
		c := newCrashClient(m.URL, "")
		if status, body, err := c.post("/api/v1/login", map[string]any{"user": name, "password": name + "-pass", "counter": n}); err != nil || status != http.StatusOK {
			t.Fatalf("login %s: %d %s %v", name, status, body, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := fmt.Sprintf("/api/v1/counters/%d/", n)
			for {
				select {
				case <-stop:
					return
				default:
				}
				t0 := time.Now()
				status, body, err := c.post(path+"call", map[string]any{})
				if err != nil || (status != http.StatusOK && status != http.StatusNoContent) {
					failed.Store(fmt.Sprintf("counter %d call: %d %s %v", n, status, body, err))
					return
				}
				if status == http.StatusNoContent {
					time.Sleep(500 * time.Millisecond)
					continue
				}
				note(&calls, t0, time.Since(t0))
				time.Sleep(2 * time.Second) // serving
				if status, body, err := c.post(path+"finish", map[string]any{}); err != nil || status != http.StatusOK {
					failed.Store(fmt.Sprintf("counter %d finish: %d %s %v", n, status, body, err))
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() { // the kiosks
		defer wg.Done()
		tick := time.NewTicker(time.Second / time.Duration(rate))
		defer tick.Stop()
		sem := make(chan struct{}, 64)
		kc := newCrashClient(m.URL, kiosk)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				t0 := time.Now()
				status, body, err := kc.post("/api/v1/tickets", map[string]string{"service": string(rune('A' + i%26))})
				if err != nil || status != http.StatusCreated {
					failed.Store(fmt.Sprintf("issue: %d %s %v", status, body, err))
					return
				}
				note(&issues, t0, time.Since(t0))
			}()
		}
	}()

	pct := func(s []sample, p float64) float64 {
		if len(s) == 0 {
			return 0
		}
		d := make([]time.Duration, len(s))
		for i := range s {
			d[i] = s[i].d
		}
		slices.Sort(d)
		return float64(d[min(len(d)-1, int(p*float64(len(d))))].Microseconds()) / 1000
	}
	fmt.Printf("soak: %s, %d tickets/s, %d clerks, %d screens\n", dur, rate, clerks, screens)
	fmt.Println("minute  issued  calls  issue p50/p99 ms  call p50/p99 ms  CPU ms/customer  load  heap MB  goroutines  files  ws clients")
	start := time.Now()
	lastCPU := processCPU()
	for minute := 1; time.Since(start) < dur && failed.Load() == nil; minute++ {
		time.Sleep(time.Until(start.Add(time.Duration(minute) * time.Minute)))
		from := start.Add(time.Duration(minute-1) * time.Minute)
		mu.Lock()
		var is, cs []sample
		for _, s := range issues {
			if !s.at.Before(from) {
				is = append(is, s)
			}
		}
		for _, s := range calls {
			if !s.at.Before(from) {
				cs = append(cs, s)
			}
		}
		mu.Unlock()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		files, _ := os.ReadDir("/proc/self/fd")
		cpu := processCPU()
		perCustomer := 0.0
		if len(is) > 0 {
			perCustomer = float64((cpu - lastCPU).Microseconds()) / 1000 / float64(len(is))
		}
		lastCPU = cpu
		fmt.Printf("%6d  %6d  %5d  %7.1f / %-7.1f  %6.1f / %-7.1f  %15.2f  %4s  %7.1f  %10d  %5d  %10d\n", minute, len(is), len(cs),
			pct(is, 0.5), pct(is, 0.99), pct(cs, 0.5), pct(cs, 0.99), perCustomer, loadAverage(), float64(ms.HeapInuse)/(1<<20), runtime.NumGoroutine(), len(files), m.Server.Hub().Clients())
	}
	close(stop)
	wg.Wait()
	if f := failed.Load(); f != nil {
		t.Fatal(f)
	}
	// Every screen saw every call.
	evs, err := m.Hall.Events(0, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	want := int64(0)
	for _, ev := range evs {
		if ev.Type == queue.EvCalled {
			want++
		}
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		done := true
		for i := range seen {
			done = done && seen[i].Load() >= want
		}
		if done {
			break
		}
	}
	for i := range seen {
		if got := seen[i].Load(); got != want {
			t.Errorf("screen %d saw %d of %d calls", i, got, want)
		}
	}
	if g := gone.Load(); g > 0 {
		t.Errorf("%d screens lost their connection", g)
	}
	fmt.Printf("soak: %d calls, every one seen by all %d screens\n", want, screens)
}

// loadAverage is the machine's one-minute load average (/proc/loadavg), printed
// beside the latencies it moves.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}
