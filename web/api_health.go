package web

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"hallq/catalogsync"
	"hallq/hall"
	"hallq/health"
	"hallq/printing"
	"hallq/queue"
)

// healthz: GET /healthz → 503 {"status":"unavailable"} when the store does
// not answer; else 200 with "status" "ok", or "degraded" and the problems an
// operator must act on while the hall goes on serving (a disk below its
// free-space limit, a failed database check: health.Report).
func (s *Server) healthz(c *fiber.Ctx) error {
	if err := s.hall.Ping(c.UserContext()); err != nil {
		s.log.Error("health check", "err", err)
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable"})
	}
	_, seq := s.hall.Snapshot()
	hs := s.healths.Report()
	body := fiber.Map{"status": hs.Status, "seq": seq, "epoch": s.hall.Epoch()}
	if st, err := catalogsync.Current(s.casework); err == nil {
		body["catalog_version"] = st.Version
	}
	if len(hs.Problems) > 0 {
		body["problems"] = hs.Problems
	}
	return c.JSON(body)
}

type requestMetrics struct {
	mu       sync.Mutex
	byStatus map[int]uint64
	// calls counts calls (and recalls) by counter since start, from the
	// hall's committed events (watchCalls).
	calls map[callKey]uint64
	// Latency histogram of answered requests (websockets left out: they
	// last as long as the screen is on).
	buckets [len(latencyBounds)]uint64
	count   uint64
	sum     float64
	panics  uint64 // requests whose handler panicked (recover.go)
}

// callKey is a series of hallq_calls_total.
type callKey struct {
	counter int
	kind    string // call or recall
}

// watchCalls counts every committed call and recall for /metrics. The
// listener runs with the hall's read model locked: it only counts.
func (s *Server) watchCalls() {
	s.hall.Listen(func(ev queue.Event, _ *queue.Engine) {
		kind := ""
		switch ev.Type {
		case queue.EvCalled:
			kind = "call"
		case queue.EvRecalled:
			kind = "recall"
		default:
			return
		}
		s.reqs.mu.Lock()
		if s.reqs.calls == nil {
			s.reqs.calls = map[callKey]uint64{}
		}
		s.reqs.calls[callKey{ev.Counter, kind}]++
		s.reqs.mu.Unlock()
	})
}

// metricsPrincipal reads the printers' states for /metrics.
var metricsPrincipal = hall.Principal{Kind: "user", Name: "metrics", Role: hall.RoleManager}

// latencyBounds are the histogram's upper bounds in seconds.
var latencyBounds = [...]float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}

func (s *Server) countRequests(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	took := time.Since(start).Seconds()
	status := c.Response().StatusCode()
	if err != nil { // the error handler sets the status after this returns
		status = statusOf[queue.ErrorCode(err)]
		if e, ok := err.(*fiber.Error); ok {
			status = e.Code
		}
	}
	s.reqs.mu.Lock()
	if s.reqs.byStatus == nil {
		s.reqs.byStatus = map[int]uint64{}
	}
	s.reqs.byStatus[status]++
	if c.Path() != "/ws" {
		for i, le := range latencyBounds {
			if took <= le {
				s.reqs.buckets[i]++
			}
		}
		s.reqs.count++
		s.reqs.sum += took
	}
	s.reqs.mu.Unlock()
	return err
}

// metrics: GET /metrics in the Prometheus text format.
func (s *Server) metrics(c *fiber.Ctx) error {
	var w promWriter
	s.queueMetrics(&w)
	s.storeMetrics(&w)
	if s.opt.Metrics != nil {
		s.opt.Metrics(&w.Builder)
	}
	s.deviceMetrics(c, &w)
	s.httpMetrics(&w)
	c.Set(fiber.HeaderContentType, "text/plain; version=0.0.4; charset=utf-8")
	return c.SendString(w.String())
}

// promWriter writes the Prometheus text format.
type promWriter struct{ strings.Builder }

func (w *promWriter) gauge(name, help string) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name)
}

func (w *promWriter) counter(name, help string) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n", name, help, name)
}

// queueMetrics: the hall's committed events and tickets since start
// (health.Counts), its recovered panics, and the queue as it is now.
func (s *Server) queueMetrics(w *promWriter) {
	s.healths.Counts(func(m *health.Counts) {
		w.counter("hallq_events_total", "Committed events by type.")
		for _, k := range sortedKeys(m.Events) {
			fmt.Fprintf(w, "hallq_events_total{type=%s} %d\n", promLabel(k), m.Events[k])
		}
		w.counter("hallq_tickets_issued_total", "Tickets issued by service since start.")
		for _, k := range sortedKeys(m.Issued) {
			fmt.Fprintf(w, "hallq_tickets_issued_total{service=%s} %d\n", promLabel(k), m.Issued[k])
		}
		w.counter("hallq_panics_total", "Panics recovered inside the hall (commands, committer, listeners) since start; each is logged with its stack.")
		fmt.Fprintf(w, "hallq_panics_total %d\n", s.hall.Panics())
		fmt.Fprintf(w, "# HELP hallq_wait_seconds Wait from issue to first call.\n# TYPE hallq_wait_seconds summary\n")
		for _, k := range sortedKeys(m.WaitCount) {
			fmt.Fprintf(w, "hallq_wait_seconds_sum{service=%s} %g\nhallq_wait_seconds_count{service=%s} %d\n", promLabel(k), m.WaitSum[k], promLabel(k), m.WaitCount[k])
		}
	})
	snap, seq := s.hall.Snapshot()
	w.gauge("hallq_waiting", "Tickets waiting by service.")
	for _, sv := range snap.Services {
		fmt.Fprintf(w, "hallq_waiting{service=%s} %d\n", promLabel(sv.Prefix), sv.Waiting)
	}
	w.gauge("hallq_counters", "Counters by state.")
	states := map[string]int{"open": 0, "paused": 0, "closed": 0}
	for _, k := range snap.Counters {
		states[string(k.State)]++
	}
	for _, k := range sortedKeys(states) {
		fmt.Fprintf(w, "hallq_counters{state=%s} %d\n", promLabel(k), states[k])
	}
	w.gauge("hallq_clock_behind_seconds", "How far the wall clock reads behind the hall's last recorded event (0: not behind); while above 0 times are held at that event's.")
	fmt.Fprintf(w, "hallq_clock_behind_seconds %g\n", s.hall.ClockBehind().Seconds())
	w.gauge("hallq_event_seq", "Sequence number of the last published event.")
	fmt.Fprintf(w, "hallq_event_seq %d\n", seq)
}

// storeMetrics: the disks, the daily database check and the open reads
// (health).
func (s *Server) storeMetrics(w *promWriter) {
	disks := s.healths.Disks()
	w.gauge("hallq_disk_free_bytes", "Free space (available to hallq) of the data and backups directories' disks.")
	for _, d := range disks {
		if d.Error == "" {
			fmt.Fprintf(w, "hallq_disk_free_bytes{dir=%q} %d\n", d.Dir, d.Free)
		}
	}
	w.gauge("hallq_disk_size_bytes", "Size of the data and backups directories' disks.")
	for _, d := range disks {
		if d.Error == "" {
			fmt.Fprintf(w, "hallq_disk_size_bytes{dir=%q} %d\n", d.Dir, d.Total)
		}
	}
	w.gauge("hallq_disk_low", "1 when the disk is below the hall's free-space limit (manager alert, /healthz degraded), else 0.")
	for _, d := range disks {
		low := 0
		if d.Low {
			low = 1
		}
		fmt.Fprintf(w, "hallq_disk_low{dir=%q} %d\n", d.Dir, low)
	}
	lim := s.healths.Limits()
	w.gauge("hallq_disk_min_free_bytes", "The free-space limit in bytes (hall.json disk.min_free_mb); the percentage limit applies too.")
	fmt.Fprintf(w, "hallq_disk_min_free_bytes %d\n", lim.MinFreeMB<<20)
	if chk, ok := s.healths.LastCheck(); ok {
		ok := 0
		if chk.OK {
			ok = 1
		}
		w.gauge("hallq_store_check_ok", "1 when the latest full database check (daily, at the quiet hour) found nothing, 0 when it found problems.")
		fmt.Fprintf(w, "hallq_store_check_ok %d\n", ok)
		w.gauge("hallq_store_check_timestamp_seconds", "When the latest full database check ran.")
		fmt.Fprintf(w, "hallq_store_check_timestamp_seconds %d\n", chk.At.Unix())
	}
	w.gauge("hallq_store_open_reads", "Open read transactions of the database (backups streaming, reports).")
	fmt.Fprintf(w, "hallq_store_open_reads %d\n", s.healths.OpenReads())
	if d, err := s.healths.DiskStats(); err != nil {
		s.log.Error("metrics: store", "err", err)
	} else {
		w.counter("hallq_store_page_writes_total", "Pages the database wrote since start (each commit's meta page included).")
		fmt.Fprintf(w, "hallq_store_page_writes_total %d\n", d.PageWrites)
		w.counter("hallq_store_page_bytes_total", "Bytes of the pages the database's commits rewrote since start (meta pages not included).")
		fmt.Fprintf(w, "hallq_store_page_bytes_total %d\n", d.PageBytes)
		w.gauge("hallq_store_used_bytes", "Bytes of the database file in use (its size less its free pages).")
		fmt.Fprintf(w, "hallq_store_used_bytes %d\n", d.Used)
	}
}

// deviceMetrics: the websocket clients and the kiosks' printers.
func (s *Server) deviceMetrics(c *fiber.Ctx, w *promWriter) {
	w.gauge("hallq_websocket_clients", "Connected websocket clients.")
	fmt.Fprintf(w, "hallq_websocket_clients %d\n", s.hub.Clients())
	w.counter("hallq_websocket_dropped_total", "Websocket clients dropped for not keeping up, since start.")
	fmt.Fprintf(w, "hallq_websocket_dropped_total %d\n", s.hub.Dropped())
	if printers, err := s.prints.Printers(c.UserContext(), metricsPrincipal); err != nil {
		s.log.Error("metrics: printers", "err", err)
	} else {
		w.gauge("hallq_printer_ok", "1 when the kiosk's ticket printer is ready, 0 in a fault (offline, paper out, cover open, error); kiosks without a printer or not yet seen are left out.")
		for _, p := range printers {
			switch p.State {
			case "none", "unknown":
			case printing.Ready:
				fmt.Fprintf(w, "hallq_printer_ok{device=%s} 1\n", promLabel(p.Device))
			default:
				fmt.Fprintf(w, "hallq_printer_ok{device=%s} 0\n", promLabel(p.Device))
			}
		}
	}
}

// httpMetrics: calls by counter (watchCalls) and the requests answered
// (countRequests).
func (s *Server) httpMetrics(w *promWriter) {
	s.reqs.mu.Lock()
	w.counter("hallq_calls_total", "Calls and recalls by counter since start.")
	keys := make([]callKey, 0, len(s.reqs.calls))
	for k := range s.reqs.calls {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].counter != keys[j].counter {
			return keys[i].counter < keys[j].counter
		}
		return keys[i].kind < keys[j].kind
	})
	for _, k := range keys {
		fmt.Fprintf(w, "hallq_calls_total{counter=\"%d\",kind=%s} %d\n", k.counter, promLabel(k.kind), s.reqs.calls[k])
	}
	w.counter("hallq_http_panics_total", "Requests whose handler panicked (answered 500 with an error id) since start.")
	fmt.Fprintf(w, "hallq_http_panics_total %d\n", s.reqs.panics)
	w.counter("hallq_http_requests_total", "HTTP requests by status.")
	for _, k := range sortedKeys(s.reqs.byStatus) {
		fmt.Fprintf(w, "hallq_http_requests_total{status=\"%d\"} %d\n", k, s.reqs.byStatus[k])
	}
	fmt.Fprintf(w, "# HELP hallq_http_request_duration_seconds Time to answer HTTP requests (websockets excluded).\n# TYPE hallq_http_request_duration_seconds histogram\n")
	for i, le := range latencyBounds {
		fmt.Fprintf(w, "hallq_http_request_duration_seconds_bucket{le=\"%g\"} %d\n", le, s.reqs.buckets[i])
	}
	fmt.Fprintf(w, "hallq_http_request_duration_seconds_bucket{le=\"+Inf\"} %d\n", s.reqs.count)
	fmt.Fprintf(w, "hallq_http_request_duration_seconds_sum %g\nhallq_http_request_duration_seconds_count %d\n", s.reqs.sum, s.reqs.count)
	s.reqs.mu.Unlock()
}

func sortedKeys[K int | string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}

// labelEscaper escapes a label value as the Prometheus text exposition format
// requires: backslash, double quote and line feed, and nothing else (Go's %q
// writes \t, \u200f or \xff, which Prometheus's parser refuses, losing the
// whole scrape).
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// promLabel quotes v as a label value: valid UTF-8 (invalid bytes become
// U+FFFD, as the format is UTF-8), escaped, in double quotes.
func promLabel(v string) string {
	return `"` + labelEscaper.Replace(strings.ToValidUTF8(v, "\uFFFD")) + `"`
}
