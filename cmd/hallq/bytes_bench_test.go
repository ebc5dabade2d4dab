package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"hallq/hall"
	"hallq/queue"
	"hallq/web"
)

// BenchmarkLiveBytes drives b.N customers one after the other through the
// HTTP API of a demo hall on a real bbolt file — a kiosk's issue, the
// clerk's call, start and finish at counter 1, the keypad's rating — and
// reports what the live path costs on disk:
//   - disk-B/event: bytes written to storage per event (the process's
//     write_bytes, /proc/self/io; Linux);
//   - pages-B/event: bytes of the pages bbolt's commits rewrote (its meta
//     page, 4 KB a commit, not included); page-writes/event: bbolt's page
//     writes, meta pages included;
//   - used-B/customer: growth of the file less its free pages (bbolt grows
//     the file in large steps, so its size says little over a short run);
//   - the stored JSON of each event type (logged).
//
// One customer at a time is the worst case: each event is a commit of its
// own. Run with -benchtime Nx (N customers; e.g. 1000x).
func BenchmarkLiveBytes(b *testing.B) {
	dir := b.TempDir()
	m := &Main{Addr: "127.0.0.1:0", DataDir: dir, Demo: true, Logger: cmdQuiet, BcryptCost: 4, Web: web.Options{KioskBurst: -1}}
	if err := m.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Close() })
	token := func(kind string) string {
		for _, d := range m.DemoAccounts.Devices {
			if d.Kind == kind && (kind != hall.KindKeypad || d.Counter == 1) {
				return d.Token
			}
		}
		b.Fatalf("no demo %s", kind)
		return ""
	}
	kiosk, keypad, clerk := newCrashClient(m.URL, token(hall.KindKiosk)), newCrashClient(m.URL, token(hall.KindKeypad)), newCrashClient(m.URL, "")
	if status, body, err := clerk.post("/api/v1/login", map[string]any{"user": "clerk1", "password": "clerk1-demo", "counter": 1}); err != nil || status != http.StatusOK {
		b.Fatalf("login: %d %s %v", status, body, err)
	}
	var services []string
	for _, s := range m.Hall.Services() {
		if slices.Contains(m.Hall.Config().Counters[0].Services, s.Prefix) {
			services = append(services, s.Prefix)
		}
	}
	if len(services) == 0 {
		b.Fatal("counter 1 serves no service")
	}
	st := m.Hall.Store()
	last, _, err := st.LastEvent()
	if err != nil {
		b.Fatal(err)
	}
	d0, err := st.DiskStats()
	if err != nil {
		b.Fatal(err)
	}
	io0 := writeBytes(b)
	b.ResetTimer()
	for i := range b.N {
		status, body, err := kiosk.post("/api/v1/tickets", map[string]string{"service": services[i%len(services)]})
		if err != nil || status != http.StatusCreated {
			b.Fatalf("issue: %d %s %v", status, body, err)
		}
		var tk queue.Ticket
		for _, step := range []string{"call", "start", "finish"} {
			status, body, err := clerk.post("/api/v1/counters/1/"+step, map[string]any{})
			if err != nil || status != http.StatusOK || json.Unmarshal(body, &tk) != nil {
				b.Fatalf("%s: %d %s %v", step, status, body, err)
			}
		}
		if status, body, err := keypad.post("/api/v1/ratings", map[string]any{"ticket": tk.ID, "score": 1 + i%5}); err != nil || status != http.StatusCreated {
			b.Fatalf("rating: %d %s %v", status, body, err)
		}
	}
	b.StopTimer()
	d, err := st.DiskStats()
	if err != nil {
		b.Fatal(err)
	}
	writes, alloc, used := d.PageWrites-d0.PageWrites, d.PageBytes-d0.PageBytes, d.Used-d0.Used
	io := writeBytes(b) - io0
	evs, err := st.Events(last.Seq, 1<<30)
	if err != nil {
		b.Fatal(err)
	}
	if len(evs) < 5*b.N {
		b.Fatalf("%d events for %d customers", len(evs), b.N)
	}
	// The JSON of each event type as the store keeps it.
	type sum struct{ n, bytes int }
	by := map[string]*sum{}
	for i := range evs {
		raw, err := json.Marshal(&evs[i])
		if err != nil {
			b.Fatal(err)
		}
		s := by[evs[i].Type]
		if s == nil {
			s = &sum{}
			by[evs[i].Type] = s
		}
		s.n++
		s.bytes += len(raw)
	}
	var lines []string
	for typ, s := range by {
		lines = append(lines, fmt.Sprintf("%s %d B", typ, s.bytes/s.n))
	}
	slices.Sort(lines)
	b.Logf("%d customers, %d events, JSON per event: %s", b.N, len(evs), strings.Join(lines, ", "))
	n, c := float64(len(evs)), float64(b.N)
	b.ReportMetric(float64(used)/c, "used-B/customer")
	b.ReportMetric(float64(io)/n, "disk-B/event")
	b.ReportMetric(float64(alloc)/n, "pages-B/event")
	b.ReportMetric(float64(writes)/n, "page-writes/event")
	b.ReportMetric(0, "ns/op")
}

// writeBytes is the bytes this process caused to be written to storage
// (/proc/self/io write_bytes; Linux).
func writeBytes(b *testing.B) int64 {
	raw, err := os.ReadFile("/proc/self/io")
	if err != nil {
		b.Fatalf("no /proc/self/io (Linux only): %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "write_bytes: "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return n
		}
	}
	b.Fatal("no write_bytes in /proc/self/io")
	return 0
}
