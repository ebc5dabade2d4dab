package printing_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"hallq/account"
	"hallq/hall"
	"hallq/internal/halltest"
	"hallq/internal/printertest"
	"hallq/printing"
	"hallq/queue"
)

const publicURL = "https://hall.example.cn"

var ctx = context.Background()

// printFixture is a hall with its ticket printing.
type printFixture struct {
	*hall.Hall
	prints *printing.Service
}

// printHall opens a hall whose kiosk "取号机P" prints on a fake printer.
func printHall(t *testing.T, paper string) (*printFixture, *printertest.Printer, hall.Principal) {
	t.Helper()
	fp, err := printertest.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fp.Close)
	hl := halltest.Open(t, hall.Options{AlwaysOpen: true})
	h := &printFixture{Hall: hl, prints: printing.New(hl, printing.Options{PublicURL: publicURL + "/", Timeout: 2 * time.Second, Probe: 20 * time.Millisecond})}
	tok, err := halltest.Accounts(h.Hall).AddDevice(ctx, account.NewDevice{Name: "取号机P", Kind: hall.KindKiosk, Printer: fp.URL() + paper})
	if err != nil {
		t.Fatal(err)
	}
	p, err := halltest.Accounts(h.Hall).AuthenticateDevice(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	return h, fp, p
}

// waitFor polls cond until it holds or five seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func printerRecord(t *testing.T, h *printFixture) (printing.Printer, bool) {
	t.Helper()
	r, ok, err := h.Record(printing.Kind, "取号机P")
	if err != nil {
		t.Fatal(err)
	}
	var st printing.Printer
	if ok {
		if err := json.Unmarshal(r.Data, &st); err != nil {
			t.Fatal(err)
		}
	}
	return st, ok
}

func TestPrintAfterIssue(t *testing.T) {
	h, fp, kp := printHall(t, "#58mm")
	tk, err := h.Issue(ctx, kp, hall.IssueRequest{Service: "A", Item: "bank_debit"})
	if err != nil {
		t.Fatal(err)
	}
	jobs := fp.WaitJobs(1, 5*time.Second)
	if len(jobs) != 1 {
		t.Fatalf("jobs %d, want 1", len(jobs))
	}
	j := printertest.Decode(jobs[0][strings.Index(string(jobs[0]), "\x1b@"):])
	if !j.Init || !j.Chinese || !j.CutLast {
		t.Errorf("init %v chinese %v cut last %v", j.Init, j.Chinese, j.CutLast)
	}
	if want := publicURL + "/t/" + tk.Tracking; !slices.Equal(j.QR, []string{want}) {
		t.Errorf("QR %q, want [%q]", j.QR, want)
	}
	text := strings.ReplaceAll(j.Text(), "\n", "")
	for _, want := range []string{h.Config().NameZH, tk.Number, "电费缴纳", "银行代扣签约与变更", "户主身份证原件", "本人银行卡", tk.Tracking} {
		if !strings.Contains(text, want) {
			t.Errorf("ticket lacks %q:\n%s", want, j.Text())
		}
	}
	for _, l := range j.Lines {
		if l.Columns > 32 {
			t.Errorf("58 mm line %q is %d columns wide", l.Text, l.Columns)
		}
	}
	// The first print of a printer records it as ready; later prints that
	// succeed write nothing.
	waitFor(t, "printer record", func() bool { _, ok := printerRecord(t, h); return ok })
	st, _ := printerRecord(t, h)
	if st.State != printing.Ready || st.Alert || st.URL != fp.URL()+"#58mm" {
		t.Errorf("printer state %+v", st)
	}
	evs, _ := h.Events(0, 1000)
	n := countPrinterEvents(evs)
	if _, err := h.Issue(ctx, kp, hall.IssueRequest{Service: "B"}); err != nil {
		t.Fatal(err)
	}
	if len(fp.WaitJobs(2, 5*time.Second)) != 2 {
		t.Fatal("second ticket not printed")
	}
	evs, _ = h.Events(0, 1000)
	if m := countPrinterEvents(evs); m != n {
		t.Errorf("printer events %d after a good print, want still %d", m, n)
	}
	// A ticket a person issues at a desk is not printed on the kiosk.
	mp := newFixtureFor(h)
	if _, err := h.Issue(ctx, mp, hall.IssueRequest{Service: "C"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Issue(ctx, kp, hall.IssueRequest{Service: "D"}); err != nil {
		t.Fatal(err)
	}
	jobs = fp.WaitJobs(3, 5*time.Second)
	if len(jobs) != 3 || !strings.Contains(printertest.Decode(jobs[2]).Text(), "D00") {
		t.Errorf("third job is not the kiosk's D ticket")
	}
}

func newFixtureFor(h *printFixture) hall.Principal {
	if err := halltest.Accounts(h.Hall).AddUser(ctx, account.NewUser{Name: "desk1", Password: "desk1-password", Role: hall.RoleManager}); err != nil {
		panic(err)
	}
	_, p, err := halltest.Accounts(h.Hall).SignIn(ctx, account.SignIn{Name: "desk1", Password: "desk1-password", Counter: 0})
	if err != nil {
		panic(err)
	}
	return p
}

func countPrinterEvents(evs []queue.Event) int {
	n := 0
	for _, ev := range evs {
		if ev.Type == printing.EvPrinter {
			n++
		}
	}
	return n
}

func TestPrinterFaults(t *testing.T) {
	tests := []struct {
		name  string
		state string
		fail  func(*printertest.Printer)
		mend  func(*printertest.Printer) error
	}{
		{"offline", "offline", func(p *printertest.Printer) { p.Stop() }, func(p *printertest.Printer) error { return p.Start() }},
		{"paper out", "paper_out", func(p *printertest.Printer) { p.SetPaperOut(true) }, func(p *printertest.Printer) error { p.SetPaperOut(false); return nil }},
		{"cover open", "cover_open", func(p *printertest.Printer) { p.SetCoverOpen(true) }, func(p *printertest.Printer) error { p.SetCoverOpen(false); return nil }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, fp, kp := printHall(t, "")
			tc.fail(fp)
			tk, err := h.Issue(ctx, kp, hall.IssueRequest{Service: "A"})
			if err != nil {
				t.Fatalf("issue with the printer down: %v", err)
			}
			// The ticket is durable and in the queue whatever the printer does.
			if got, err := h.Ticket(tk.ID); err != nil || got.Number != tk.Number || got.Status != queue.Waiting {
				t.Fatalf("ticket after a printer fault: %+v, %v", got, err)
			}
			waitFor(t, "printer alert", func() bool { st, ok := printerRecord(t, h); return ok && st.State == tc.state })
			st, _ := printerRecord(t, h)
			if !st.Alert || !strings.Contains(st.Message, " / ") || !slices.Equal(st.Unprinted, []uint64{tk.ID}) {
				t.Errorf("fault state %+v", st)
			}
			evs, _ := h.Events(0, 1000)
			var alert *queue.Event
			for i := range evs {
				if evs[i].Type == printing.EvPrinter {
					alert = &evs[i]
				}
			}
			if alert == nil || alert.Ticket != tk.ID || alert.Reason != st.Message || len(alert.Records) != 1 || alert.Records[0].Kind != printing.Kind {
				t.Fatalf("printer event %+v", alert)
			}
			// Reprint while the fault lasts: refused with the fault's message.
			_, err = h.prints.Reprint(ctx, kp, tk.ID, "")
			if queue.ErrorCode(err) != queue.ECONFLICT || queue.ErrorMessage(err) != st.Message {
				t.Errorf("reprint in fault: %v, want ECONFLICT %q", err, st.Message)
			}
			if n := len(fp.Jobs()); n != 0 {
				t.Errorf("%d jobs reached a faulted printer", n)
			}
			// The printer comes back: the probe clears the alert, reprint prints.
			if err := tc.mend(fp); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "printer back", func() bool { st, _ := printerRecord(t, h); return st.State == printing.Ready })
			st, _ = printerRecord(t, h)
			if st.Alert || len(st.Unprinted) != 0 {
				t.Errorf("state after recovery %+v", st)
			}
			v, err := h.prints.Reprint(ctx, kp, tk.ID, "")
			if err != nil || v.State != printing.Ready {
				t.Fatalf("reprint after recovery: %+v, %v", v, err)
			}
			jobs := fp.WaitJobs(1, 5*time.Second)
			if len(jobs) != 1 {
				t.Fatalf("jobs %d after reprint, want 1", len(jobs))
			}
			if j := printertest.Decode(jobs[0]); !strings.Contains(j.Text(), tk.Number) || len(j.QR) != 1 || !j.Cut {
				t.Errorf("reprinted job: %q QR %q cut %v", j.Text(), j.QR, j.Cut)
			}
		})
	}
}

func TestReprintRules(t *testing.T) {
	h, _, kp := printHall(t, "")
	tk, err := h.Issue(ctx, kp, hall.IssueRequest{Service: "A"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := halltest.Accounts(h.Hall).AddDevice(ctx, account.NewDevice{Name: "取号机2", Kind: hall.KindKiosk})
	if err != nil {
		t.Fatal(err)
	}
	k2, _ := halltest.Accounts(h.Hall).AuthenticateDevice(ctx, other)
	display := hall.Principal{Kind: "device", Name: "屏", Role: hall.KindDisplay}
	boss := newFixtureFor(h)
	tests := []struct {
		name   string
		p      hall.Principal
		id     uint64
		device string
		code   string
	}{
		{"kiosk names another kiosk", kp, tk.ID, "取号机2", queue.EFORBIDDEN},
		{"display", display, tk.ID, "", queue.EFORBIDDEN},
		{"unknown ticket", kp, 999999, "", queue.ENOTFOUND},
		{"kiosk without printer", k2, tk.ID, "", queue.ENOTFOUND},
		{"manager names no kiosk", boss, tk.ID, "", queue.EINVALID},
		{"manager names an unknown kiosk", boss, tk.ID, "没有", queue.ENOTFOUND},
		{"manager reprints", boss, tk.ID, "取号机P", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.prints.Reprint(ctx, tc.p, tc.id, tc.device)
			if got := queue.ErrorCode(err); (tc.code == "" && err != nil) || (tc.code != "" && got != tc.code) {
				t.Errorf("Reprint: %v (code %q), want code %q", err, got, tc.code)
			}
		})
	}
	// The manager's view lists both kiosks.
	list, err := h.prints.Printers(ctx, boss)
	if err != nil || len(list) != 2 {
		t.Fatalf("printers %+v, %v", list, err)
	}
	for _, v := range list {
		switch v.Device {
		case "取号机P":
			if v.State != printing.Ready || v.Paper != "80mm" {
				t.Errorf("printer view %+v", v)
			}
		case "取号机2":
			if v.State != "none" {
				t.Errorf("printer view %+v, want none", v)
			}
		}
	}
	if _, err := h.prints.Printers(ctx, kp); queue.ErrorCode(err) != queue.EFORBIDDEN {
		t.Errorf("kiosk lists printers: %v", err)
	}
}

func TestPrinterURLValidation(t *testing.T) {
	h, _, _ := printHall(t, "")
	tests := []struct {
		kind, url string
		ok        bool
	}{
		{hall.KindKiosk, "tcp://192.168.1.50:9100", true},
		{hall.KindKiosk, "/dev/usb/lp0", true},
		{hall.KindKiosk, "/dev/usb/lp0#58mm", true},
		{hall.KindKiosk, "tcp://printer:9100#80mm", true},
		{hall.KindKiosk, "tcp://printer:9100#57mm", false},
		{hall.KindKiosk, "http://printer:9100", false},
		{hall.KindKiosk, "/etc/passwd", false},
		{hall.KindKiosk, "/dev/../etc/passwd", false},
		{hall.KindKiosk, "tcp://printer", false},
		{hall.KindDisplay, "tcp://192.168.1.50:9100", false},
	}
	before, _ := h.Store().Devices()
	for _, tc := range tests {
		_, err := halltest.Accounts(h.Hall).AddDevice(ctx, account.NewDevice{Name: "d", Kind: tc.kind, Printer: tc.url})
		if (err == nil) != tc.ok {
			t.Errorf("AddDevice %s %q: %v, want ok=%v", tc.kind, tc.url, err, tc.ok)
		}
		if err != nil && (queue.ErrorCode(err) != queue.EINVALID || !strings.Contains(queue.ErrorMessage(err), " / ")) {
			t.Errorf("AddDevice %q: %v, want EINVALID bilingual", tc.url, err)
		}
	}
	after, _ := h.Store().Devices()
	if want := len(before) + 4; len(after) != want {
		t.Errorf("devices %d, want %d: a refused device is not stored", len(after), want)
	}
}
