package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"hallq/hall"
)

// The websocket benchmark (issue 4, Performance): the time from a clerk's
// call (HTTP, durable) to its receipt by the last of 1,000 display clients in
// another process, against a bare fan-out of a frame of the same size to the
// same clients through the same connections (Hub.Broadcast), measured in
// the same run. The client process is this test binary run again with
// wsBenchEnv set (TestWSBenchClients).

const (
	wsBenchEnv     = "HALLQ_WSBENCH" // "URL TOKEN N" for the client process
	wsBenchClients = 1000
	wsBenchRounds  = 300 // samples per path, whatever b.N is
)

// TestWSBenchClients is not a test: run with wsBenchEnv set it is the client
// process of BenchmarkWSFanout. It opens N display websockets, prints
// "READY" once all have their snapshot, and for every frame that all N
// received prints "GOT KIND SEQ LEN LASTNANO" (LASTNANO: the wall clock when
// the last client read it). It exits when its stdin closes.
func TestWSBenchClients(t *testing.T) {
	spec := os.Getenv(wsBenchEnv)
	if spec == "" {
		t.Skip("the client process of BenchmarkWSFanout")
	}
	var url, token string
	var n int
	if _, err := fmt.Sscan(spec, &url, &token, &n); err != nil {
		fmt.Fprintln(os.Stderr, "bad", wsBenchEnv, err)
		os.Exit(2)
	}
	type agg struct {
		count int
		last  int64
		size  int
	}
	var mu sync.Mutex
	seen := map[string]*agg{}
	out := bufio.NewWriter(os.Stdout)
	note := func(key string, size int, at int64) {
		mu.Lock()
		defer mu.Unlock()
		a := seen[key]
		if a == nil {
			a = &agg{size: size}
			seen[key] = a
		}
		a.count++
		if at > a.last {
			a.last = at
		}
		if a.count == n {
			if key == "snapshot 0" {
				fmt.Fprintln(out, "READY")
			} else {
				fmt.Fprintf(out, "GOT %s %d %d\n", key, a.size, a.last)
			}
			out.Flush()
			delete(seen, key)
		}
	}
	hdr := http.Header{"Authorization": {"Bearer " + token}}
	dialer := &websocket.Dialer{HandshakeTimeout: 30 * time.Second}
	for i := 0; i < n; i++ {
		conn, _, err := dialer.Dial(strings.Replace(url, "http", "ws", 1)+"/ws?topic=display", hdr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "dial:", err)
			os.Exit(3)
		}
		go func() {
			var f struct {
				Type string `json:"type"`
				Seq  uint64 `json:"seq"`
			}
			for {
				_, b, err := conn.ReadMessage()
				at := time.Now().UnixNano()
				if err != nil {
					return
				}
				// Decode it as a display would: the whole frame is scanned.
				f.Type, f.Seq = "", 0
				if json.Unmarshal(b, &f) != nil || f.Type == "heartbeat" {
					continue
				}
				key := f.Type + " " + strconv.FormatUint(f.Seq, 10)
				if f.Type == "snapshot" {
					key = "snapshot 0"
				}
				note(key, len(b), at)
			}
		}()
	}
	io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}

// wsBenchRun is the server side of one benchmark run.
type wsBenchRun struct {
	m      *Main
	clerk  string // session cookie of clerk1 at counter 1
	child  *exec.Cmd
	stdin  io.WriteCloser
	mu     sync.Mutex
	got    map[string]wsGot
	notify chan struct{}
	failed error
}

type wsGot struct {
	size int
	last int64
}

func BenchmarkWSFanout(b *testing.B) {
	r := newWSBenchRun(b)
	defer r.close()

	rounds := max(b.N, wsBenchRounds)
	var clerkLat, bareLat []time.Duration
	client := &http.Client{Timeout: 30 * time.Second}
	b.ResetTimer()
	for i := 0; i < rounds; i++ {
		// The clerk's call, from the request to the last client.
		t0 := time.Now()
		r.post(b, client, "/api/v1/counters/1/call", http.StatusOK)
		_, seq := r.m.Hall.Snapshot()
		g := r.wait(b, fmt.Sprintf("event %d", seq))
		clerkLat = append(clerkLat, time.Duration(g.last-t0.UnixNano()))

		// The same size frame, fanned out bare.
		frame := wsBareFrame(uint64(i+1), g.size)
		t0 = time.Now()
		if n := r.m.Server.Hub().Broadcast("display", frame); n != wsBenchClients {
			b.Fatalf("bare fan-out reached %d clients, want %d", n, wsBenchClients)
		}
		bg := r.wait(b, fmt.Sprintf("bare %d", i+1))
		bareLat = append(bareLat, time.Duration(bg.last-t0.UnixNano()))

		// Untimed: serve the customer, freeing the counter for the next call.
		r.post(b, client, "/api/v1/counters/1/start", http.StatusOK)
		r.post(b, client, "/api/v1/counters/1/finish", http.StatusOK)
		_, seq = r.m.Hall.Snapshot()
		r.wait(b, fmt.Sprintf("event %d", seq))
	}
	b.StopTimer()
	if d := wsMetric(b, r.m.URL, "hallq_websocket_dropped_total"); d != 0 {
		b.Fatalf("%d clients were dropped during the run (/metrics)", d)
	}
	cp50, cp99 := wsPercentile(clerkLat, 50), wsPercentile(clerkLat, 99)
	bp50, bp99 := wsPercentile(bareLat, 50), wsPercentile(bareLat, 99)
	b.ReportMetric(float64(cp50.Microseconds())/1000, "call-p50-ms")
	b.ReportMetric(float64(cp99.Microseconds())/1000, "call-p99-ms")
	b.ReportMetric(float64(bp50.Microseconds())/1000, "bare-p50-ms")
	b.ReportMetric(float64(bp99.Microseconds())/1000, "bare-p99-ms")
	b.ReportMetric(float64(cp50)/float64(bp50), "p50-ratio")
	b.ReportMetric(float64(cp99)/float64(bp99), "p99-ratio")
	b.ReportMetric(0, "ns/op")
	b.Logf("%d clients, %d rounds, frame %d B: call p50 %v p99 %v; bare p50 %v p99 %v; p99 ratio %.2f",
		wsBenchClients, rounds, len(wsBareFrame(1, 0)), cp50, cp99, bp50, bp99, float64(cp99)/float64(bp99))
}

// wsBareFrame is a frame of size bytes (at least its skeleton) that the
// client process counts as "bare SEQ".
func wsBareFrame(seq uint64, size int) []byte {
	f := fmt.Sprintf(`{"type":"bare","seq":%d,"pad":""}`, seq)
	if pad := size - len(f); pad > 0 {
		f = f[:len(f)-2] + strings.Repeat("x", pad) + `"}`
	}
	return []byte(f)
}

func wsPercentile(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	if i > 0 {
		i--
	}
	return s[i]
}

func newWSBenchRun(b *testing.B) *wsBenchRun {
	b.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	m := &Main{Addr: "127.0.0.1:0", DataDir: b.TempDir(), Demo: true, Stdout: io.Discard, Logger: log,
		BcryptCost: 4, BackupKeep: -1}
	if err := m.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
	r := &wsBenchRun{m: m, got: map[string]wsGot{}, notify: make(chan struct{}, 1)}
	// Enough waiting tickets for every round's call.
	mgr := hall.Principal{Kind: "user", Name: "manager", Role: hall.RoleManager}
	for i := 0; i < max(b.N, wsBenchRounds)+5; i++ {
		if _, err := m.Hall.Issue(context.Background(), mgr, hall.IssueRequest{Service: "A", Priority: "normal", Phone: fmt.Sprintf("138%08d", i)}); err != nil {
			m.Close()
			b.Fatal(err)
		}
	}
	// The clerk signs in at counter 1.
	body := strings.NewReader(`{"user":"clerk1","password":"clerk1-demo","counter":1}`)
	res, err := http.Post(m.URL+"/api/v1/login", "application/json", body)
	if err != nil {
		m.Close()
		b.Fatal(err)
	}
	res.Body.Close()
	for _, c := range res.Cookies() {
		if c.Name == "hallq_session" {
			r.clerk = c.Value
		}
	}
	if r.clerk == "" {
		m.Close()
		b.Fatalf("clerk login: %d, no session", res.StatusCode)
	}
	var token string
	for _, d := range m.DemoAccounts.Devices {
		if d.Kind == hall.KindDisplay {
			token = d.Token
		}
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestWSBenchClients$", "-test.count=1")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %s %d", wsBenchEnv, m.URL, token, wsBenchClients))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if r.stdin, err = cmd.StdinPipe(); err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		m.Close()
		b.Fatal(err)
	}
	r.child = cmd
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if line == "READY" {
				close(ready)
				continue
			}
			var kind string
			var seq uint64
			var g wsGot
			if _, err := fmt.Sscanf(line, "GOT %s %d %d %d", &kind, &seq, &g.size, &g.last); err != nil {
				continue
			}
			r.mu.Lock()
			r.got[fmt.Sprintf("%s %d", kind, seq)] = g
			r.mu.Unlock()
			select {
			case r.notify <- struct{}{}:
			default:
			}
		}
		r.mu.Lock()
		r.failed = fmt.Errorf("the client process ended")
		r.mu.Unlock()
		select {
		case r.notify <- struct{}{}:
		default:
		}
	}()
	select {
	case <-ready:
	case <-time.After(2 * time.Minute):
		r.close()
		b.Fatal("the client process did not connect its clients")
	}
	if n := m.Server.Hub().Clients(); n != wsBenchClients {
		r.close()
		b.Fatalf("hub has %d clients, want %d", n, wsBenchClients)
	}
	return r
}

func (r *wsBenchRun) post(b *testing.B, client *http.Client, path string, want int) {
	req, _ := http.NewRequest("POST", r.m.URL+path, bytes.NewReader(nil))
	req.AddCookie(&http.Cookie{Name: "hallq_session", Value: r.clerk})
	res, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != want {
		b.Fatalf("POST %s: %d, want %d", path, res.StatusCode, want)
	}
}

// wait returns the child's report of the frame key, once every client has
// it.
func (r *wsBenchRun) wait(b *testing.B, key string) wsGot {
	deadline := time.After(30 * time.Second)
	for {
		r.mu.Lock()
		g, ok := r.got[key]
		delete(r.got, key)
		failed := r.failed
		r.mu.Unlock()
		if ok {
			return g
		}
		if failed != nil {
			b.Fatal(failed)
		}
		select {
		case <-r.notify:
		case <-deadline:
			b.Fatalf("no client report of %s", key)
		}
	}
}

func (r *wsBenchRun) close() {
	if r.stdin != nil {
		r.stdin.Close()
	}
	if r.child != nil {
		done := make(chan struct{})
		go func() { r.child.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			r.child.Process.Kill()
			<-done
		}
	}
	r.m.Close()
}

// wsMetric reads one unlabelled figure of the hall's /metrics, as a
// monitoring system does.
func wsMetric(tb testing.TB, base, name string) int {
	tb.Helper()
	res, err := http.Get(base + "/metrics")
	if err != nil {
		tb.Fatalf("GET /metrics: %v", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\d+)$`).FindSubmatch(body)
	if res.StatusCode != http.StatusOK || m == nil {
		tb.Fatalf("/metrics (%d) has no %s:\n%s", res.StatusCode, name, body)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}
