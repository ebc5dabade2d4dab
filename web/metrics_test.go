package web_test

import (
	"bufio"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"hallq/account"

	"hallq/hall"
	"hallq/internal/halltest"
	"hallq/internal/printertest"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// apiMetrics reads /metrics into series → value ("name{labels}" as written).
func (e *apiEnv) metrics() map[string]float64 {
	e.t.Helper()
	r := e.do("GET", "/metrics", apiAnon, nil)
	if r.Status != http.StatusOK {
		e.t.Fatalf("metrics: %d %s", r.Status, r.Body)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(string(r.Body)))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if i < 0 || err != nil {
			e.t.Fatalf("metrics line %q is not \"series value\"", line)
		}
		if _, dup := out[line[:i]]; dup {
			e.t.Errorf("metrics: series %s twice", line[:i])
		}
		out[line[:i]] = v
	}
	return out
}

// waitMetric waits until series has value want (the printer's state is
// recorded after the print, off the request) and fails the test if it does
// not within 5 s.
func (e *apiEnv) waitMetric(series string, want float64) {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, ok := e.metrics()[series]
		if ok && got == want {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("metrics: %s is %v (present %v), want %v", series, got, ok, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestMetricsCallsAndPrinters: hallq_calls_total counts each counter's calls
// and recalls as they happen, and hallq_printer_ok follows a kiosk printer
// (a real loopback printer) through a fault and back.
func TestMetricsCallsAndPrinters(t *testing.T) {
	e := apiNewServer(t)
	fp, err := printertest.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fp.Close)
	const kiosk = "取号机P"
	tok, err := halltest.Accounts(e.hall).AddDevice(t.Context(), account.NewDevice{Name: kiosk, Kind: hall.KindKiosk, Printer: fp.URL()})
	if err != nil {
		t.Fatal(err)
	}
	kp := apiCred{Name: "printing kiosk", Bearer: tok}
	printerOK := `hallq_printer_ok{device="` + kiosk + `"}`
	call1 := `hallq_calls_total{counter="1",kind="call"}`
	recall1 := `hallq_calls_total{counter="1",kind="recall"}`

	m := e.metrics()
	for _, s := range []string{printerOK, call1, recall1} {
		if v, ok := m[s]; ok {
			t.Errorf("metrics before any print or call: %s %v", s, v)
		}
	}
	// The demo kiosk prints through its browser: no printer series.
	for s := range m {
		if strings.HasPrefix(s, "hallq_printer_ok{") && s != printerOK {
			t.Errorf("metrics: %s for a kiosk without a printer", s)
		}
	}

	issue := func() {
		t.Helper()
		if r := e.do("POST", "/api/v1/tickets", kp, map[string]string{"service": "A", "priority": "normal"}); r.Status != http.StatusCreated {
			t.Fatalf("issue: %d %s", r.Status, r.Body)
		}
	}
	issue()
	issue()
	e.waitMetric(printerOK, 1)

	clerk := e.login("clerk1", 1)
	for _, step := range []struct {
		action      string
		call, recal float64
	}{{"call", 1, 0}, {"recall", 1, 1}, {"recall", 1, 2}, {"finish", 1, 2}, {"call", 2, 2}} {
		if r := e.do("POST", "/api/v1/counters/1/"+step.action, clerk, map[string]any{}); r.Status != http.StatusOK {
			t.Fatalf("%s at counter 1: %d %s", step.action, r.Status, r.Body)
		}
		m := e.metrics()
		if m[call1] != step.call || m[recall1] != step.recal {
			t.Errorf("after %s: %s %v, %s %v; want %v and %v", step.action, call1, m[call1], recall1, m[recall1], step.call, step.recal)
		}
		for s, v := range m {
			if strings.HasPrefix(s, "hallq_calls_total{") && s != call1 && s != recall1 {
				t.Errorf("after %s at counter 1: %s %v", step.action, s, v)
			}
		}
	}

	// The printer goes off line: the next ticket cannot print.
	fp.Stop()
	issue()
	e.waitMetric(printerOK, 0)

	// Back on line, a manager's check makes it ready again.
	if err := fp.Start(); err != nil {
		t.Fatal(err)
	}
	mgr := e.login("manager", 0)
	if r := e.do("POST", "/api/v1/printers/"+url.PathEscape(kiosk)+"/check", mgr, nil); r.Status != http.StatusOK {
		t.Fatalf("printer check: %d %s", r.Status, r.Body)
	}
	e.waitMetric(printerOK, 1)
}

// TestMetricsHostileNames: kiosks named with a tab, a line feed, quotes,
// backslashes, an emoji, an RTL mark or invalid UTF-8 still give a /metrics
// that Prometheus's own parser reads whole, each name coming back as it was
// (invalid UTF-8 as U+FFFD).
func TestMetricsHostileNames(t *testing.T) {
	e := apiNewServer(t)
	fp, err := printertest.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fp.Close)
	names := map[string]string{ // device name → label value read back
		"取号机\t2":           "取号机\t2",
		"line\nfeed":       "line\nfeed",
		`say "hi"`:         `say "hi"`,
		`C:\kiosk\n`:       `C:\kiosk\n`,
		"emoji 🎫":          "emoji 🎫",
		"rtl \u200f mark":  "rtl \u200f mark",
		"bad \xff utf8":    "bad \uFFFD utf8",
		`"} 1\nfake 2 #{"`: `"} 1\nfake 2 #{"`,
	}
	mgr := hall.Principal{Kind: "user", Name: "manager", Role: hall.RoleManager}
	for name := range names {
		if _, err := halltest.Accounts(e.hall).AddDevice(t.Context(), account.NewDevice{Name: name, Kind: hall.KindKiosk, Printer: fp.URL()}); err != nil {
			t.Fatalf("add kiosk %q: %v", name, err)
		}
		if _, err := e.feat.Printing.KioskPrinter(t.Context(), mgr, strings.ToValidUTF8(name, "\uFFFD"), true); err != nil {
			t.Fatalf("printer check %q: %v", name, err)
		}
	}
	r := e.do("GET", "/metrics", apiAnon, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("metrics: %d %s", r.Status, r.Body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(string(r.Body)))
	if err != nil {
		t.Fatalf("Prometheus cannot parse /metrics: %v\n%s", err, r.Body)
	}
	got := map[string]float64{}
	for _, m := range fams["hallq_printer_ok"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "device" {
				got[l.GetValue()] = m.GetGauge().GetValue()
			}
		}
	}
	for name, want := range names {
		if v, ok := got[want]; !ok || v != 1 {
			t.Errorf("hallq_printer_ok for kiosk %q: %v (present %v), want 1 under label %q", name, v, ok, want)
		}
	}
	if len(got) != len(names) {
		t.Errorf("hallq_printer_ok has %d kiosks, want %d: %v", len(got), len(names), got)
	}
	if _, ok := fams["fake"]; ok {
		t.Errorf("a device name injected a metric: %v", fams["fake"])
	}
}
