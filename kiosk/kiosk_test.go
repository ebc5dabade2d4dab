package kiosk_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"hallq/internal/printertest"
	"hallq/kiosk"
)

func sampleTicket() kiosk.Ticket {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	return kiosk.Ticket{
		Hall: "国网示范供电营业厅", Number: "B023", Service: "业扩报装（新装、增容）", Green: true,
		IssuedAt: time.Date(2026, 11, 23, 9, 41, 0, 0, loc), Ahead: 7, WaitS: 1260,
		Item:      "低压居民新装",
		Documents: []string{"用电人有效身份证明原件及复印件", "房屋产权证明或其他证明文书", "若委托他人办理，需提供授权委托书及经办人身份证明 (original ID card of the agent)"},
		Tracking:  "ABCDEFGH2345", TrackURL: "https://hall.example.cn/t/ABCDEFGH2345",
	}
}

func newPrinter(t *testing.T) *printertest.Printer {
	t.Helper()
	p, err := printertest.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

func TestPrintTicketDecodes(t *testing.T) {
	for _, paper := range []kiosk.Paper{kiosk.Paper58, kiosk.Paper80} {
		t.Run(paper.Name, func(t *testing.T) {
			fp := newPrinter(t)
			tk := sampleTicket()
			pr := kiosk.Printer{URL: fp.URL(), Paper: paper, Timeout: 5 * time.Second}
			if err := pr.Print(context.Background(), tk.ESCPOS(paper)); err != nil {
				t.Fatalf("print: %v", err)
			}
			jobs := fp.WaitJobs(1, 5*time.Second)
			if len(jobs) != 1 {
				t.Fatalf("jobs = %d, want 1", len(jobs))
			}
			if fp.Queries() != 3 {
				t.Errorf("status queries = %d, want 3 (DLE EOT 1, 2, 4)", fp.Queries())
			}
			raw := jobs[0]
			// The job after the status queries starts with ESC @ FS &.
			i := strings.Index(string(raw), "\x1b@")
			if i < 0 || string(raw[i:i+4]) != "\x1b@\x1c&" {
				t.Fatalf("job does not start with ESC @ FS &: % x", raw[:min(len(raw), 16)])
			}
			// Raw bytes: the service name is GB18030, not UTF-8.
			gb, _ := simplifiedchinese.GB18030.NewEncoder().String(tk.Service[:len("业扩报装")])
			if !strings.Contains(string(raw), gb) {
				t.Errorf("job lacks the GB18030 bytes of %q", "业扩报装")
			}
			if strings.Contains(string(raw), "业扩报装") {
				t.Errorf("job carries UTF-8 text")
			}
			j := printertest.Decode(raw[i:])
			if !j.Init || !j.Chinese || !j.Cut || !j.CutLast {
				t.Errorf("init %v chinese %v cut %v cut last %v, want all true", j.Init, j.Chinese, j.Cut, j.CutLast)
			}
			if len(j.Unknown) != 0 {
				t.Errorf("unknown bytes % x", j.Unknown)
			}
			if !slices.Equal(j.QR, []string{tk.TrackURL}) || j.QRPrints != 1 {
				t.Errorf("QR payloads %q printed %d times, want [%q] once", j.QR, j.QRPrints, tk.TrackURL)
			}
			// The number: its own line, centred, bold, scaled up.
			num := findLine(j, tk.Number)
			if num == nil || num.Scale < 2 || num.Align != kiosk.Center || !num.Bold {
				t.Errorf("number line %+v, want centred, bold, scale ≥ 2", num)
			}
			text := j.Text()
			for _, want := range []string{tk.Hall, "业扩报装", "绿色通道", "2026-11-23 09:41", "7 人", "约 21 分钟",
				"请备齐以下材料", "1. 用电人有效身份证明", "2. 房屋产权证明", "低压居民新装", "查询码 ABCDEFGH2345", "扫码"} {
				if !strings.Contains(strings.ReplaceAll(text, "\n", ""), want) {
					t.Errorf("ticket lacks %q:\n%s", want, text)
				}
			}
			// No line is wider than the paper.
			for _, l := range j.Lines {
				if l.Columns > paper.Columns {
					t.Errorf("line %q takes %d columns, paper has %d", l.Text, l.Columns, paper.Columns)
				}
			}
		})
	}
}

func findLine(j printertest.Job, s string) *printertest.Line {
	for i := range j.Lines {
		if strings.TrimSpace(j.Lines[i].Text) == s {
			return &j.Lines[i]
		}
	}
	return nil
}

func TestTicket58NeverExceedsWidth(t *testing.T) {
	long := strings.Repeat("供电营业厅", 9) + " supercalifragilisticexpialidocious-and-more words, 好的。"
	cases := []kiosk.Ticket{
		sampleTicket(),
		{Hall: long, Number: "A1234", Service: long, Documents: []string{long, long + long}, Advice: long,
			TrackURL: "http://192.168.10.20:8080/t/ZZZZZZZZZZZZ", Tracking: "ZZZZZZZZZZZZ", WaitS: 99999, Ahead: 12345},
		{Hall: "厅", Number: "A25000", Service: "电费缴纳"},
		{Hall: "厅", Number: "F9", Service: "投诉", Item: strings.Repeat("长", 40), Documents: []string{"，，，，，，，，，，，，，，，，，，，，"}},
	}
	for i, tk := range cases {
		j := printertest.Decode(tk.ESCPOS(kiosk.Paper58))
		if len(j.Lines) < 8 {
			t.Fatalf("case %d: only %d lines", i, len(j.Lines))
		}
		for _, l := range j.Lines {
			if l.Columns > 32 {
				t.Errorf("case %d: line %q takes %d columns > 32", i, l.Text, l.Columns)
			}
		}
		// Wrapping loses nothing.
		flat := strings.ReplaceAll(strings.ReplaceAll(j.Text(), "\n", ""), " ", "")
		if !strings.Contains(flat, strings.ReplaceAll(tk.Service, " ", "")) {
			t.Errorf("case %d: service text lost in wrapping", i)
		}
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		name string
		in   string
		cols int
		want []string
	}{
		{"fits", "电费缴纳", 8, []string{"电费缴纳"}},
		{"cjk splits anywhere", "电费缴纳业务", 8, []string{"电费缴纳", "业务"}},
		{"odd column left empty", "电费缴纳", 7, []string{"电费缴", "纳"}},
		{"word stays whole", "pay the bill now", 10, []string{"pay the", "bill now"}},
		{"long word is cut", "abcdefghijkl", 5, []string{"abcde", "fghij", "kl"}},
		{"no comma at line start", "电费缴纳，好", 8, []string{"电费缴", "纳，好"}},
		{"newline", "甲\n乙", 8, []string{"甲", "乙"}},
		{"mixed", "A023 电费", 6, []string{"A023", "电费"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := kiosk.Wrap(tc.in, tc.cols)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Wrap(%q, %d) = %q, want %q", tc.in, tc.cols, got, tc.want)
			}
			for _, l := range got {
				if kiosk.Width(l) > tc.cols {
					t.Errorf("line %q is %d wide", l, kiosk.Width(l))
				}
			}
		})
	}
}

func TestStatusFaults(t *testing.T) {
	tests := []struct {
		name      string
		paperOut  bool
		coverOpen bool
		want      string
	}{
		{"ready", false, false, ""},
		{"paper out", true, false, kiosk.FaultPaperOut},
		{"cover open", false, true, kiosk.FaultCoverOpen},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fp := newPrinter(t)
			fp.SetPaperOut(tc.paperOut)
			fp.SetCoverOpen(tc.coverOpen)
			pr := kiosk.Printer{URL: fp.URL(), Paper: kiosk.Paper58, Timeout: 5 * time.Second}
			st, err := pr.Status(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !st.Answered || st.PaperOut != tc.paperOut || st.CoverOpen != tc.coverOpen || st.Offline != (tc.paperOut || tc.coverOpen) {
				t.Errorf("status %+v", st)
			}
			err = pr.Print(context.Background(), sampleTicket().ESCPOS(kiosk.Paper58))
			if got := kiosk.FaultOf(err); got != tc.want {
				t.Errorf("print fault %q (%v), want %q", got, err, tc.want)
			}
			wantJobs := 0
			if tc.want == "" {
				wantJobs = 1
			}
			if n := len(fp.WaitJobs(wantJobs, 2*time.Second)); n != wantJobs {
				t.Errorf("jobs %d, want %d: a faulted printer gets nothing", n, wantJobs)
			}
		})
	}
}

func TestOfflineAndBack(t *testing.T) {
	fp := newPrinter(t)
	pr := kiosk.Printer{URL: fp.URL(), Paper: kiosk.Paper80, Timeout: 2 * time.Second}
	fp.Stop()
	err := pr.Print(context.Background(), []byte("x"))
	var f *kiosk.Fault
	if !errors.As(err, &f) || f.Kind != kiosk.FaultOffline || !strings.Contains(f.Message, " / ") {
		t.Fatalf("print to a closed port: %v, want an offline fault with a bilingual message", err)
	}
	if err := fp.Start(); err != nil {
		t.Fatal(err)
	}
	if err := pr.Print(context.Background(), sampleTicket().ESCPOS(kiosk.Paper80)); err != nil {
		t.Fatalf("print after the printer is back: %v", err)
	}
	if n := len(fp.WaitJobs(1, 5*time.Second)); n != 1 {
		t.Fatalf("jobs %d, want 1", n)
	}
}

// A printer with no status channel still prints, after the query times out.
func TestSilentPrinterPrints(t *testing.T) {
	fp := newPrinter(t)
	fp.SetSilent(true)
	pr := kiosk.Printer{URL: fp.URL(), Paper: kiosk.Paper58, Timeout: 300 * time.Millisecond}
	st, err := pr.Status(context.Background())
	if err != nil || st.Answered {
		t.Fatalf("status of a silent printer: %+v, %v; want unanswered, no error", st, err)
	}
	if err := pr.Print(context.Background(), sampleTicket().ESCPOS(kiosk.Paper58)); err != nil {
		t.Fatal(err)
	}
	jobs := fp.WaitJobs(1, 5*time.Second) // the status connection above recorded no job
	if len(jobs) != 1 {
		t.Fatalf("jobs %d, want 1", len(jobs))
	}
	if j := printertest.Decode(jobs[0]); !j.Cut || len(j.QR) != 1 {
		t.Errorf("decoded job: cut %v, QR %q", j.Cut, j.QR)
	}
}

// A printer that accepts the connection but never reads blocks no one for
// longer than the timeout.
func TestStuckPrinterTimesOut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // accepted, never read
		}
	}()
	pr := kiosk.Printer{URL: "tcp://" + ln.Addr().String(), Paper: kiosk.Paper58, Timeout: 200 * time.Millisecond}
	// The status query goes unanswered (no back channel assumed); then a
	// large job fills the socket buffers and the write deadline ends it.
	err = pr.Print(context.Background(), make([]byte, 64<<20))
	if kiosk.FaultOf(err) != kiosk.FaultOffline {
		t.Fatalf("print to a stuck printer: %v, want an offline fault", err)
	}
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		in, network, addr string
		ok                bool
	}{
		{"tcp://192.168.1.50:9100", "tcp", "192.168.1.50:9100", true},
		{"tcp://printer-1.hall.lan:9100", "tcp", "printer-1.hall.lan:9100", true},
		{"tcp://[::1]:9100", "tcp", "[::1]:9100", true},
		{"/dev/usb/lp0", "file", "/dev/usb/lp0", true},
		{"/dev/ttyUSB0", "file", "/dev/ttyUSB0", true},
		{"tcp://host", "", "", false},
		{"tcp://host:99999", "", "", false},
		{"http://host:9100", "", "", false},
		{"/etc/passwd", "", "", false},
		{"/dev/../etc/passwd", "", "", false},
		{"", "", "", false},
		{"tcp://a b:9100", "", "", false},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%q", tc.in), func(t *testing.T) {
			n, a, err := kiosk.ParseURL(tc.in)
			if (err == nil) != tc.ok || n != tc.network || a != tc.addr {
				t.Errorf("ParseURL(%q) = %q, %q, %v", tc.in, n, a, err)
			}
			if err != nil && !strings.Contains(err.Error(), " / ") {
				t.Errorf("error %q is not bilingual", err)
			}
		})
	}
}

func TestWaitText(t *testing.T) {
	for s, want := range map[int]string{0: "无需等候", 30: "约 1 分钟", 60: "约 1 分钟", 61: "约 2 分钟", 1260: "约 21 分钟", 3600: "约 1 小时 0 分钟", 5430: "约 1 小时 31 分钟"} {
		if got := kiosk.WaitText(s); got != want {
			t.Errorf("WaitText(%d) = %q, want %q", s, got, want)
		}
	}
}
