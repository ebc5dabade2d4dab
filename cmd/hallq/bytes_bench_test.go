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
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hallq/hall"
	"hallq/hall/store"
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
//   - sealed-B/customer: the same once the day is sealed (the hot file's
//     pages in use, less its start, plus the day's history segment), as the
//     night's sealer leaves it: the day's events, tickets, ratings and case
//     records in the segment, the rollups and tracking codes hot;
//   - the stored JSON of each event type (logged).
//
// With one desk (one customer at a time) each event is a commit of its own,
// the worst case; with six desks at once the committer shares commits. Run
// with -benchtime Nx (N customers; e.g. 1000x).
//
// Each runs without the write-ahead log (wal=off: every commit a bbolt
// transaction, as before the log) and with it (wal=on), side by side;
// log-B/event are the log's 4 KB pages its syncs wrote, tree-B/event
// bbolt's page writes (meta pages included), both per event.
func BenchmarkLiveBytes(b *testing.B) {
	for _, desks := range []int{1, 6} {
		for _, wal := range []string{"off", "on"} {
			b.Run(fmt.Sprintf("desks=%d/wal=%s", desks, wal), func(b *testing.B) {
				defer store.SetWALOff(store.SetWALOff(wal == "off"))
				liveBytes(b, desks)
			})
		}
	}
}

// liveBytes runs BenchmarkLiveBytes with desks desks at once (counters 1…
// desks, each with its clerk and keypad, taking turns at the kiosk): the
// hall's committer then shares commits among the desks' commands.
func liveBytes(b *testing.B, desks int) {
	dir := b.TempDir()
	m := &Main{Addr: "127.0.0.1:0", DataDir: dir, Demo: true, Logger: cmdQuiet, BcryptCost: 4, Web: web.Options{KioskBurst: -1}}
	if err := m.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Close() })
	token := func(kind string, n int) string {
		for _, d := range m.DemoAccounts.Devices {
			if d.Kind == kind && (kind != hall.KindKeypad || d.Counter == n) {
				return d.Token
			}
		}
		b.Fatalf("no demo %s for counter %d", kind, n)
		return ""
	}
	type desk struct {
		n                    int
		kiosk, keypad, clerk *crashClient
		services             []string
	}
	var all []*desk
	for n := 1; n <= desks; n++ {
		d := &desk{n: n, kiosk: newCrashClient(m.URL, token(hall.KindKiosk, n)), keypad: newCrashClient(m.URL, token(hall.KindKeypad, n)),
			clerk: newCrashClient(m.URL, "")}
		if status, body, err := d.clerk.post("/api/v1/login", map[string]any{"user": fmt.Sprintf("clerk%d", n), "password": fmt.Sprintf("clerk%d-demo", n), "counter": n}); err != nil || status != http.StatusOK {
			b.Fatalf("login at %d: %d %s %v", n, status, body, err)
		}
		// The services the counter serves that have no daily limit.
		for _, c := range m.Hall.Config().Counters {
			for _, sv := range m.Hall.Services() {
				if c.Number == n && sv.DailyLimit == 0 && slices.Contains(c.Services, sv.Prefix) {
					d.services = append(d.services, sv.Prefix)
				}
			}
		}
		if len(d.services) == 0 {
			b.Fatalf("counter %d serves no service", n)
		}
		all = append(all, d)
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
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	fail := func(f string, args ...any) { failed.CompareAndSwap(nil, fmt.Sprintf(f, args...)) }
	b.ResetTimer()
	for _, d := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := fmt.Sprintf("/api/v1/counters/%d/", d.n)
			for i := next.Add(1); i <= int64(b.N) && failed.Load() == nil; i = next.Add(1) {
				status, body, err := d.kiosk.post("/api/v1/tickets", map[string]string{"service": d.services[int(i)%len(d.services)]})
				if err != nil || status != http.StatusCreated {
					fail("issue: %d %s %v", status, body, err)
					return
				}
				status, body, err = d.clerk.post(path+"call", map[string]any{})
				if err == nil && status == http.StatusNoContent {
					continue // another desk called it: the next customer
				}
				var tk queue.Ticket
				if err != nil || status != http.StatusOK || json.Unmarshal(body, &tk) != nil {
					fail("call at %d: %d %s %v", d.n, status, body, err)
					return
				}
				for _, step := range []string{"start", "finish"} {
					status, body, err := d.clerk.post(path+step, map[string]any{})
					if err != nil || status != http.StatusOK || json.Unmarshal(body, &tk) != nil {
						fail("%s at %d: %d %s %v", step, d.n, status, body, err)
						return
					}
				}
				if status, body, err := d.keypad.post("/api/v1/ratings", map[string]any{"ticket": tk.ID, "score": 1 + i%5}); err != nil || status != http.StatusCreated {
					fail("rating at %d: %d %s %v", d.n, status, body, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if f := failed.Load(); f != nil {
		b.Fatal(f)
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
	if len(evs) < 2*b.N {
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
	// Seal the day as the night's sealer would (the hall is done with it).
	sealed, err := st.SealBefore(nextDay(evs[len(evs)-1].Day))
	if err != nil || len(sealed) == 0 {
		b.Fatalf("seal the day: %v %v", sealed, err)
	}
	ds, err := st.DiskStats()
	if err != nil {
		b.Fatal(err)
	}
	segs := int64(0)
	for _, e := range st.History().Segments {
		segs += e.Size
	}
	b.ReportMetric(float64(ds.Used-d0.Used+segs)/c, "sealed-B/customer")
	b.ReportMetric(float64(segs)/c, "segment-B/customer")
	b.ReportMetric(float64(used)/c, "used-B/customer")
	b.ReportMetric(float64(io)/n, "disk-B/event")
	b.ReportMetric(float64(alloc)/n, "pages-B/event")
	b.ReportMetric(float64(writes)/n, "page-writes/event")
	b.ReportMetric(float64(writes*4096)/n, "tree-B/event")
	b.ReportMetric(float64((d.WALPages-d0.WALPages)*4096)/n, "log-B/event")
	b.ReportMetric(float64(d.WALFrames-d0.WALFrames)/n, "log-frames/event")
	b.ReportMetric(0, "ns/op")
}

func nextDay(day string) string {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return d.AddDate(0, 0, 1).Format(time.DateOnly)
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
