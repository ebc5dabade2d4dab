package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"hallq/hall/config"
	"hallq/hall/store"
	"hallq/history"
	"hallq/queue"
	"hallq/sim"
)

// BenchmarkYears: the real program (`hallq serve`, built by the benchmark)
// started on stores of sealed history, as a hall restarts after years
// (docs/benchmarks.md, "Years of history"). For each store: the time from
// starting the process to the first /healthz 200 and the process's RSS then;
// the peak report over the store's whole history (GET
// /api/v1/reports/peak), the first after the start and warm (median of 5);
// RSS and its peak after the reports; then the same start once more on the
// store the first run left.
//
// Stores: first always a new hall of the large profile's configuration and
// no history (the baseline: the goal is a start within 0.5 s of
// it); then, with HALLQ_BENCH_YEARS=DIR, every DIR/NAME holding a hallq.db
// (`make bench-years` builds DIR/y1 and DIR/y5 with `hallq simulate
// --sealed`), without it 3 days of the large profile (2 sealed) made in the
// temp dir, so `make bench` runs it in a minute or two. HALLQ_BENCH_EXPORT=DIR
// also writes, for the last store, what bench/duckdb reads: tickets.csv
// (timed), the report's JSON of the same range (its warm time measured
// again) and the services' target waits; the range is the whole history, or
// HALLQ_BENCH_EXPORT_DAYS days up to its last sealed day and on (tickets.csv reads each sealed day
// whole: about a second of CPU a large day).
// The copies are made in the temp dir (segments hard-linked: they never
// change); the stores given are read, and get the benchmark's manager
// account (yearsUser) once.
func BenchmarkYears(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "hallq")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	dirs := []string{yearsEmpty(b)}
	if root := os.Getenv("HALLQ_BENCH_YEARS"); root != "" {
		ents, err := os.ReadDir(root)
		if err != nil {
			b.Fatal(err)
		}
		n := len(dirs)
		for _, e := range ents {
			if _, err := os.Stat(filepath.Join(root, e.Name(), store.FileName)); err == nil {
				dirs = append(dirs, filepath.Join(root, e.Name()))
			}
		}
		if len(dirs) == n {
			b.Fatalf("HALLQ_BENCH_YEARS=%s holds no store (DIR/NAME/%s)", root, store.FileName)
		}
	} else {
		dirs = append(dirs, yearsDays(b, 3))
	}
	export := os.Getenv("HALLQ_BENCH_EXPORT")
	var lines []string
	for i, dir := range dirs {
		b.Run(filepath.Base(dir), func(b *testing.B) {
			if err := yearsUserAdd(bin, dir); err != nil {
				b.Fatal(err)
			}
			var f yearsFigures
			for b.Loop() {
				out := ""
				if export != "" && i == len(dirs)-1 {
					out = export
				}
				var err error
				if f, err = yearsRun(bin, dir, filepath.Join(b.TempDir(), "data"), out); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(f.Start.Seconds(), "s/start")
			b.ReportMetric(f.Restart.Seconds(), "s/second-start")
			b.ReportMetric(f.RSS/(1<<20), "MB-RSS-start")
			b.ReportMetric(f.RSSReport/(1<<20), "MB-RSS-report")
			b.ReportMetric(f.First.Seconds()*1000, "ms/first-report")
			b.ReportMetric(f.Warm.Seconds()*1000, "ms/warm-report")
			lines = append(lines, fmt.Sprintf("| %s | %s … %s, %d customers | %d days, %.1f MB | %.1f MB (%.1f MB after) | %.2f s | %.2f s | %.0f MB | %.0f ms | %.0f ms | %.0f MB (peak %.0f) |",
				filepath.Base(dir), f.From, f.To, f.Customers, f.Segments, f.HistoryMB, f.HotMB, f.HotAfterMB, f.Start.Seconds(), f.Restart.Seconds(),
				f.RSS/(1<<20), f.First.Seconds()*1000, f.Warm.Seconds()*1000, f.RSSReport/(1<<20), f.HWM/(1<<20)))
			fmt.Println(lines[len(lines)-1])
			if f.CSV > 0 {
				lines = append(lines, fmt.Sprintf("exported for bench/duckdb from %s: %s … %s, %d customers: hallq's report warm %.1f ms; tickets.csv %d rows in %.1f s; the server stopped %.1f s after SIGTERM",
					filepath.Base(dir), f.ExFrom, f.To, f.ExCustomers, f.ExWarm.Seconds()*1000, f.CSVRows, f.CSV.Seconds(), f.Stop.Seconds()))
				fmt.Println(lines[len(lines)-1])
			}
		})
	}
	fmt.Printf("\n| store | history | segments | hot file | start | second start | RSS | first report | warm report | RSS after |\n|---|---|---|---|---|---|---|---|---|---|\n%s\n", strings.Join(lines, "\n"))
}

// yearsUser is the manager account the benchmark adds to each store.
const (
	yearsUser = "bench-years"
	yearsPass = "bench-years-password-1"
)

// yearsUserAdd adds yearsUser to the store in dir unless it is there.
func yearsUserAdd(bin, dir string) error {
	cmd := exec.Command(bin, "user", "add", yearsUser, "--role", "manager", "--data", dir)
	cmd.Stdin = strings.NewReader(yearsPass + "\n")
	out, err := cmd.CombinedOutput()
	if err != nil && !strings.Contains(string(out), "exists") {
		return fmt.Errorf("user add: %v: %s", err, out)
	}
	return nil
}

// yearsEmpty makes the baseline: a new hall of the large profile's
// configuration and no history.
func yearsEmpty(b *testing.B) string {
	dir := filepath.Join(b.TempDir(), "empty")
	st, err := store.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	cfg := sim.LargeConfig(config.Default())
	if _, err := st.Seed(cfg, cfg.Services, cfg.Counters); err != nil {
		b.Fatal(err)
	}
	return dir
}

// yearsDays makes a store of days of the large profile, sealed as they go
// (the last day hot), for a plain `make bench`.
func yearsDays(b *testing.B, days int) string {
	dir := filepath.Join(b.TempDir(), fmt.Sprintf("d%d", days))
	st, err := store.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if _, err := sim.Run(st, sim.Options{Days: days, Seed: 3, Profile: "large", NewHall: config.Default(), Seal: true}); err != nil {
		b.Fatal(err)
	}
	return dir
}

// yearsFigures is one store's run.
type yearsFigures struct {
	From, To         string
	Last             string        // the last sealed day
	Stop             time.Duration // SIGTERM to exit, after the reports (and the export)
	HotAfterMB       float64       // the hot file after the first run (sealing, compaction)
	Customers        int
	Segments         int
	HistoryMB, HotMB float64
	Start, Restart   time.Duration
	RSS, RSSReport   float64 // bytes
	HWM              float64 // the process's peak RSS after the reports
	First, Warm      time.Duration
	CSV              time.Duration
	CSVRows          int
	// The exported range, and hallq's warm report over it.
	ExFrom      string
	ExWarm      time.Duration
	ExCustomers int
}

// yearsRun copies the store in src to dst, serves it twice and measures.
// With export set, tickets.csv, the report and the targets go there.
func yearsRun(bin, src, dst, export string) (f yearsFigures, err error) {
	if err := yearsCopy(src, dst); err != nil {
		return f, err
	}
	segs, _ := filepath.Glob(filepath.Join(dst, "history", "*", "*.seg"))
	slices.Sort(segs)
	f.Segments = len(segs)
	facts, _ := filepath.Glob(filepath.Join(dst, "history", "*", "*"+history.FactsExt)) // closed months
	for _, s := range append(slices.Clone(segs), facts...) {
		if fi, err := os.Stat(s); err == nil {
			f.HistoryMB += float64(fi.Size()) / (1 << 20)
		}
	}
	if fi, err := os.Stat(filepath.Join(dst, store.FileName)); err == nil {
		f.HotMB = float64(fi.Size()) / (1 << 20)
	}
	loc, err := time.LoadLocation(queue.DefaultTimeZone)
	if err != nil {
		return f, err
	}
	f.To = time.Now().In(loc).Format(time.DateOnly)
	f.From, f.Last = f.To, f.To
	if len(segs) > 0 {
		f.From = strings.TrimSuffix(filepath.Base(segs[0]), ".seg")
		f.Last = strings.TrimSuffix(filepath.Base(segs[len(segs)-1]), ".seg")
	}

	srv, err := yearsServe(bin, dst)
	if err != nil {
		return f, err
	}
	f.Start, f.RSS = srv.start, srv.rss()
	c, err := srv.login()
	if err != nil {
		srv.stop()
		return f, err
	}
	url := fmt.Sprintf("%s/api/v1/reports/peak?from=%s&to=%s", srv.url, f.From, f.To)
	var report []byte
	t0 := time.Now()
	if report, err = yearsGet(c, url); err != nil {
		srv.stop()
		return f, err
	}
	f.First = time.Since(t0)
	var warm []time.Duration
	for range 5 {
		t0 = time.Now()
		if _, err = yearsGet(c, url); err != nil {
			srv.stop()
			return f, err
		}
		warm = append(warm, time.Since(t0))
	}
	slices.Sort(warm)
	f.Warm = warm[len(warm)/2]
	f.RSSReport, f.HWM = srv.rss(), srv.status("VmHWM")
	var r struct {
		Summary struct {
			Tickets int `json:"tickets"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(report, &r); err != nil {
		srv.stop()
		return f, fmt.Errorf("peak report: %v", err)
	}
	f.Customers = r.Summary.Tickets
	if export != "" {
		if err := yearsExport(c, srv.url, export, &f); err != nil {
			srv.stop()
			return f, err
		}
	}
	t0 = time.Now()
	if err := srv.stop(); err != nil {
		return f, err
	}
	f.Stop = time.Since(t0)
	if fi, err := os.Stat(filepath.Join(dst, store.FileName)); err == nil {
		f.HotAfterMB = float64(fi.Size()) / (1 << 20)
	}
	if export != "" {
		if err := yearsTargets(dst, export); err != nil {
			return f, err
		}
	}
	if srv, err = yearsServe(bin, dst); err != nil {
		return f, err
	}
	f.Restart = srv.start
	return f, srv.stop()
}

// yearsCopy copies the hot file of src to dst and hard-links its segments
// (copies them where links fail).
func yearsCopy(src, dst string) error {
	if err := os.MkdirAll(dst, 0o750); err != nil {
		return err
	}
	if err := copyFile(filepath.Join(src, store.FileName), filepath.Join(dst, store.FileName)); err != nil {
		return err
	}
	hist := filepath.Join(src, "history")
	return filepath.WalkDir(hist, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == hist {
			return nil
		}
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o750)
		}
		if ext := filepath.Ext(p); ext != history.Ext && ext != history.FactsExt {
			return nil
		}
		if os.Link(p, to) == nil {
			return nil
		}
		return copyFile(p, to)
	})
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// yearsServer is a running `hallq serve`.
type yearsServer struct {
	cmd    *exec.Cmd
	url    string
	start  time.Duration
	log    *bytes.Buffer
	exited chan error
}

// yearsServe starts bin serve on dir and waits for /healthz to answer 200.
func yearsServe(bin, dir string) (*yearsServer, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	s := &yearsServer{url: "http://" + addr, log: &bytes.Buffer{}, exited: make(chan error, 1)}
	s.cmd = exec.Command(bin, "serve", "--data", dir, "--addr", addr, "--log-level", "warn")
	s.cmd.Stdout, s.cmd.Stderr = io.Discard, s.log
	client := &http.Client{Timeout: time.Second}
	t0 := time.Now()
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { s.exited <- s.cmd.Wait() }()
	for {
		res, err := client.Get(s.url + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				s.start = time.Since(t0)
				return s, nil
			}
		}
		select {
		case err := <-s.exited:
			return nil, fmt.Errorf("hallq serve exited before /healthz answered: %v\n%s", err, s.log)
		case <-time.After(5 * time.Millisecond):
		}
		if time.Since(t0) > 10*time.Minute {
			s.cmd.Process.Kill()
			<-s.exited
			return nil, fmt.Errorf("hallq serve: no /healthz 200 in 10 min\n%s", s.log)
		}
	}
}

// stop ends the server as an operator does (SIGTERM) and waits for it (a
// backup or a sealing under way finishes first).
func (s *yearsServer) stop() error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case err := <-s.exited:
		if err != nil {
			return fmt.Errorf("hallq serve: %v\n%s", err, s.log)
		}
		return nil
	case <-time.After(10 * time.Minute):
		s.cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("hallq serve did not stop in 10 min\n%s", s.log)
	}
}

// status returns a size field of /proc/PID/status (VmRSS, VmHWM) in bytes.
func (s *yearsServer) status(field string) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	return procField(raw, field)
}

func (s *yearsServer) rss() float64 { return s.status("VmRSS") }

// procField reads "FIELD:  123 kB" from /proc/PID/status text, in bytes (0
// when missing).
func procField(status []byte, field string) float64 {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		num, unit, _ := strings.Cut(strings.TrimSpace(rest), " ")
		n, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return 0
		}
		if unit == "kB" {
			n *= 1024
		}
		return n
	}
	return 0
}

// login signs yearsUser in and returns a client with its session.
func (s *yearsServer) login() (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Minute}
	body, _ := json.Marshal(map[string]string{"user": yearsUser, "password": yearsPass})
	res, err := c.Post(s.url+"/api/v1/login", "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(res.Body)
		return nil, fmt.Errorf("login: %d %s", res.StatusCode, msg)
	}
	return c, nil
}

func yearsGet(c *http.Client, url string) ([]byte, error) {
	res, err := c.Get(url)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err == nil && res.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %d %.300s", url, res.StatusCode, body)
	}
	return body, err
}

// yearsExport writes tickets.csv (timed) and the report of the exported
// range (its warm time measured) to dir, for bench/duckdb.
func yearsExport(c *http.Client, base, dir string, f *yearsFigures) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	f.ExFrom = f.From
	if n, _ := strconv.Atoi(os.Getenv("HALLQ_BENCH_EXPORT_DAYS")); n > 0 {
		last, err := time.Parse(time.DateOnly, f.Last)
		if err != nil {
			return err
		}
		f.ExFrom = max(f.From, last.AddDate(0, 0, 1-n).Format(time.DateOnly))
	}
	url := fmt.Sprintf("%s/api/v1/reports/peak?from=%s&to=%s", base, f.ExFrom, f.To)
	var report []byte
	var warm []time.Duration
	for range 6 { // the first warms the range's rollups, the median of the rest counts
		t0 := time.Now()
		var err error
		if report, err = yearsGet(c, url); err != nil {
			return err
		}
		warm = append(warm, time.Since(t0))
	}
	warm = warm[1:]
	slices.Sort(warm)
	f.ExWarm = warm[len(warm)/2]
	var r struct {
		Summary struct {
			Tickets int `json:"tickets"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(report, &r); err != nil {
		return err
	}
	f.ExCustomers = r.Summary.Tickets
	if err := os.WriteFile(filepath.Join(dir, "peak.json"), report, 0o640); err != nil {
		return err
	}
	t0 := time.Now()
	res, err := c.Get(fmt.Sprintf("%s/api/v1/reports/tickets.csv?from=%s&to=%s", base, f.ExFrom, f.To))
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(res.Body)
		return fmt.Errorf("tickets.csv: %d %.300s", res.StatusCode, msg)
	}
	out, err := os.Create(filepath.Join(dir, "tickets.csv"))
	if err != nil {
		return err
	}
	cnt := &lineCounter{w: out}
	if _, err := io.Copy(cnt, res.Body); err != nil {
		out.Close()
		return err
	}
	f.CSV, f.CSVRows = time.Since(t0), cnt.n-1
	return out.Close()
}

type lineCounter struct {
	w io.Writer
	n int
}

func (l *lineCounter) Write(p []byte) (int, error) {
	l.n += bytes.Count(p, []byte{'\n'})
	return l.w.Write(p)
}

// yearsTargets writes the services' target waits (prefix → seconds) of the
// store in dir (stopped) to export/targets.json.
func yearsTargets(dir, export string) error {
	st, err := store.OpenReadOnly(dir)
	if err != nil {
		return err
	}
	defer st.Close()
	var cfg queue.Config
	if _, err := st.GetMeta("config", &cfg); err != nil {
		return err
	}
	targets := map[string]int{}
	for _, s := range cfg.Services {
		targets[s.Prefix] = s.TargetWaitS
	}
	raw, err := json.Marshal(targets)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(export, "targets.json"), raw, 0o640)
}
