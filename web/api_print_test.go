package web_test

import (
	"bytes"
	"image/png"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"hallq/account"

	"hallq/hall"
	"hallq/internal/halltest"
	"hallq/internal/printertest"
	"hallq/web"
)

type apiPrinter struct {
	Device    string   `json:"device"`
	URL       string   `json:"url"`
	State     string   `json:"state"`
	Message   string   `json:"message"`
	Unprinted []uint64 `json:"unprinted"`
	Alert     bool     `json:"alert"`
	Paper     string   `json:"paper"`
}

func TestAPIPrinting(t *testing.T) {
	e := apiNewServer(t)
	fp, err := printertest.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fp.Close)
	tok, err := halltest.Accounts(e.hall).AddDevice(t.Context(), account.NewDevice{Name: "取号机P", Kind: hall.KindKiosk, Printer: fp.URL() + "#58mm"})
	if err != nil {
		t.Fatal(err)
	}
	kp := apiCred{Name: "printing kiosk", Bearer: tok}
	mgr := e.login("manager", 0)

	// The kiosk page asks for its printer first: that also tells the hall
	// the address QR codes point at (no public URL configured here).
	r := e.do("GET", "/api/v1/printer", kp, nil)
	var pv apiPrinter
	r.JSON(t, &pv)
	if r.Status != http.StatusOK || pv.Device != "取号机P" || pv.State != "unknown" || pv.Paper != "58mm" {
		t.Fatalf("GET /api/v1/printer: %d %+v", r.Status, pv)
	}
	issue := func() apiTicket {
		t.Helper()
		r := e.do("POST", "/api/v1/tickets", kp, map[string]string{"service": "A", "priority": "normal"})
		if r.Status != http.StatusCreated {
			t.Fatalf("issue: %d %s", r.Status, r.Body)
		}
		var tk apiTicket
		r.JSON(t, &tk)
		return tk
	}
	tk := issue()
	jobs := fp.WaitJobs(1, 5*time.Second)
	if len(jobs) != 1 {
		t.Fatalf("jobs %d, want 1", len(jobs))
	}
	j := printertest.Decode(jobs[0])
	wantURL := "http://example.com/t/" + tk.Tracking
	if !slices.Equal(j.QR, []string{wantURL}) || !strings.Contains(j.Text(), tk.Number) {
		t.Errorf("printed QR %q (want %q), text %q", j.QR, wantURL, j.Text())
	}

	// The on-screen QR code is the same URL.
	r = e.raw("GET", "/qr/track/"+tk.Tracking+".png", apiAnon, "", nil)
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("QR image: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	want, err := web.QRPNG(wantURL, web.QRSizeKiosk)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.Body, want) {
		t.Errorf("QR image is not the code of %s", wantURL)
	}
	img, err := png.Decode(bytes.NewReader(r.Body))
	if err != nil || img.Bounds().Dx() != web.QRSizeKiosk {
		t.Errorf("QR PNG: %v, %v", err, img)
	}
	for _, bad := range []string{"not-a-code", "abc", strings.Repeat("A", 40)} {
		apiCheckError(t, e.raw("GET", "/qr/track/"+bad+".png", apiAnon, "", nil), http.StatusNotFound, "not_found")
	}

	// The printer goes off line: the ticket is issued all the same, the
	// printer's state shows the fault and the ticket not printed.
	fp.Stop()
	tk2 := issue()
	deadline := time.Now().Add(5 * time.Second)
	for {
		e.do("GET", "/api/v1/printer", kp, nil).JSON(t, &pv)
		if pv.State == "offline" || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if pv.State != "offline" || !pv.Alert || !slices.Contains(pv.Unprinted, tk2.ID) || !strings.Contains(pv.Message, " / ") {
		t.Fatalf("printer after going off line: %+v", pv)
	}
	if r := e.do("GET", "/api/v1/tickets/"+itoa(tk2.ID), mgr, nil); r.Status != http.StatusOK {
		t.Errorf("ticket %s after the fault: %d", tk2.Number, r.Status)
	}
	var list []apiPrinter
	r = e.do("GET", "/api/v1/printers", mgr, nil)
	r.JSON(t, &list)
	i := slices.IndexFunc(list, func(p apiPrinter) bool { return p.Device == "取号机P" })
	if r.Status != http.StatusOK || i < 0 || list[i].State != "offline" {
		t.Errorf("manager's printer list: %d %+v", r.Status, list)
	}
	apiCheckError(t, e.do("POST", "/api/v1/tickets/"+itoa(tk2.ID)+"/print", kp, map[string]any{}), http.StatusConflict, "conflict")

	// Back on line: a manager's check clears the alert, the kiosk reprints.
	if err := fp.Start(); err != nil {
		t.Fatal(err)
	}
	r = e.do("POST", "/api/v1/printers/"+url.PathEscape("取号机P")+"/check", mgr, nil)
	r.JSON(t, &pv)
	if r.Status != http.StatusOK || pv.State != "ready" || pv.Alert {
		t.Fatalf("check after the printer is back: %d %+v", r.Status, pv)
	}
	r = e.do("POST", "/api/v1/tickets/"+itoa(tk2.ID)+"/print", kp, map[string]any{})
	if r.Status != http.StatusOK {
		t.Fatalf("reprint: %d %s", r.Status, r.Body)
	}
	jobs = fp.WaitJobs(2, 5*time.Second)
	if len(jobs) != 2 || !strings.Contains(printertest.Decode(jobs[1]).Text(), tk2.Number) {
		t.Errorf("reprinted job lacks %s", tk2.Number)
	}
	// A manager reprints on a named kiosk; without one the request is invalid.
	apiCheckError(t, e.do("POST", "/api/v1/tickets/"+itoa(tk.ID)+"/print", mgr, map[string]any{}), http.StatusUnprocessableEntity, "invalid")
	if r := e.do("POST", "/api/v1/tickets/"+itoa(tk.ID)+"/print", mgr, map[string]any{"device": "取号机P"}); r.Status != http.StatusOK {
		t.Errorf("manager reprint: %d %s", r.Status, r.Body)
	}
	apiCheckError(t, e.do("POST", "/api/v1/tickets/"+itoa(tk.ID)+"/print", kp, map[string]any{"device": "x", "extra": 1}), http.StatusBadRequest, "bad_request")
}

func itoa(n uint64) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
		if n == 0 {
			return string(b)
		}
	}
}
