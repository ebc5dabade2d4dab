package web_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"hallq/account"
	"hallq/internal/halltest"

	"hallq/hall"
	"hallq/queue"
)

// TestEventExport: an integration token reads the event log as NDJSON from
// any sequence, resumably, without phone numbers; other devices may not;
// a bad since is refused.
func TestEventExport(t *testing.T) {
	e := apiNewServer(t)
	tok, err := halltest.Accounts(e.hall).AddDevice(t.Context(), account.NewDevice{Name: "区域汇总", Kind: hall.KindIntegration})
	if err != nil {
		t.Fatal(err)
	}
	integ := apiCred{Name: "integration", Bearer: tok}
	for i := range 4 {
		e.do("POST", "/api/v1/tickets", e.kiosk(), map[string]any{"service": "A", "phone": fmt.Sprintf("1390000%d111", i)})
	}
	_, last := e.hall.Snapshot()
	read := func(since string) []queue.Event {
		t.Helper()
		r := e.raw("GET", "/api/v1/events?since="+since, integ, "", nil)
		if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-ndjson") {
			t.Fatalf("events since %s: %d %s %s", since, r.Status, r.Header.Get("Content-Type"), r.Body)
		}
		// Neither the number nor its masked tail ("139****0111"): a bare
		// "0111" would also match a time of day in the store's epoch id.
		for i := range 4 {
			if full, tail := fmt.Sprintf("1390000%d111", i), fmt.Sprintf("*%d111", i); bytes.Contains(r.Body, []byte(full)) || bytes.Contains(r.Body, []byte(tail)) {
				t.Errorf("the export carries phone number %s", full)
			}
		}
		var evs []queue.Event
		sc := bufio.NewScanner(bytes.NewReader(r.Body))
		for sc.Scan() {
			var ev queue.Event
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				t.Fatalf("line %q: %v", sc.Text(), err)
			}
			evs = append(evs, ev)
		}
		return evs
	}
	all := read("0")
	if len(all) != int(last) || all[0].Seq != 1 || all[len(all)-1].Seq != last {
		t.Fatalf("since 0: %d events, want 1…%d", len(all), last)
	}
	issued := 0
	for _, ev := range all {
		if ev.Type == queue.EvIssued {
			issued++
			if tk := ev.Tickets[0]; tk.Phone != "" || tk.Account != "" || tk.Tracking != "" {
				t.Errorf("exported ticket carries phone %q, account %q, tracking %q; want none", tk.Phone, tk.Account, tk.Tracking)
			}
		}
	}
	if issued != 4 {
		t.Errorf("%d ticket_issued events, want 4", issued)
	}
	rest := read("2")
	if len(rest) != len(all)-2 || rest[0].Seq != 3 {
		t.Errorf("since 2: %d events from %d, want %d from 3", len(rest), rest[0].Seq, len(all)-2)
	}
	if got := read("999"); len(got) != 0 {
		t.Errorf("since beyond the end: %d events, want none", len(got))
	}
	apiCheckError(t, e.raw("GET", "/api/v1/events?since=-1", integ, "", nil), http.StatusUnprocessableEntity, queue.EINVALID)
	apiCheckError(t, e.raw("GET", "/api/v1/events", e.kiosk(), "", nil), http.StatusForbidden, queue.EFORBIDDEN)
	apiCheckError(t, e.raw("GET", "/api/v1/events", apiAnon, "", nil), http.StatusUnauthorized, queue.EUNAUTHORIZED)
	// The integration token opens no page and operates nothing.
	apiCheckError(t, e.do("POST", "/api/v1/tickets", integ, map[string]any{"service": "A"}), http.StatusForbidden, queue.EFORBIDDEN)
}

// TestEventFeedRegion: every line names its hall and epoch and carries the
// figures the region counts — a rating's score, the case class — and
// nothing personal; limit pages the log; gzip compresses it when asked.
func TestEventFeedRegion(t *testing.T) {
	e := apiNewServer(t)
	tok, err := halltest.Accounts(e.hall).AddDevice(t.Context(), account.NewDevice{Name: "区域汇总", Kind: hall.KindIntegration})
	if err != nil {
		t.Fatal(err)
	}
	integ := apiCred{Name: "integration", Bearer: tok}
	for i := range 5 {
		e.do("POST", "/api/v1/tickets", e.kiosk(), map[string]any{"service": "A", "phone": fmt.Sprintf("1390000%d222", i)})
	}
	_, head := e.hall.Snapshot()
	type line struct {
		queue.Event
		Hall  string `json:"hall"`
		Epoch string `json:"epoch"`
	}
	parse := func(body []byte) []line {
		t.Helper()
		var out []line
		sc := bufio.NewScanner(bytes.NewReader(body))
		for sc.Scan() {
			var l line
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				t.Fatalf("line %q: %v", sc.Text(), err)
			}
			out = append(out, l)
		}
		return out
	}
	r := e.raw("GET", "/api/v1/events?since=0&limit=3", integ, "", nil)
	page := parse(r.Body)
	if r.Status != 200 || len(page) != 3 || page[0].Seq != 1 || page[2].Seq != 3 {
		t.Fatalf("limit=3: %d, %d lines", r.Status, len(page))
	}
	if r.Header.Get("X-Hallq-Head-Seq") != fmt.Sprint(head) || r.Header.Get("X-Hallq-Hall") != e.hall.ID() {
		t.Errorf("headers %v, want head %d and hall %s", r.Header, head, e.hall.ID())
	}
	for _, l := range page {
		if l.Hall != e.hall.ID() || l.Hall == "" || l.Epoch == "" {
			t.Errorf("line %d: hall %q epoch %q, want %q and an epoch", l.Seq, l.Hall, l.Epoch, e.hall.ID())
		}
	}
	next := parse(e.raw("GET", "/api/v1/events?since=3&limit=100000", integ, "", nil).Body)
	if len(next) != int(head)-3 || next[0].Seq != 4 {
		t.Errorf("the next page: %d lines from %d, want %d from 4", len(next), next[0].Seq, head-3)
	}
	for _, bad := range []string{"0", "-1", "x", "100001"} {
		apiCheckError(t, e.raw("GET", "/api/v1/events?limit="+bad, integ, "", nil), http.StatusUnprocessableEntity, queue.EINVALID)
	}
	plain := e.raw("GET", "/api/v1/events", integ, "", nil)
	req := httptest.NewRequest("GET", "/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := e.app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	zbody, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Accept-Encoding gzip: Content-Encoding %q", res.Header.Get("Content-Encoding"))
	}
	zrd, err := gzip.NewReader(bytes.NewReader(zbody))
	if err != nil {
		t.Fatal(err)
	}
	unz, err := io.ReadAll(zrd)
	if err != nil || !bytes.Equal(unz, plain.Body) || len(zbody) >= len(plain.Body) {
		t.Errorf("gzip body: %d bytes, unzipped equal %v (%v); plain %d bytes", len(zbody), bytes.Equal(unz, plain.Body), err, len(plain.Body))
	}
	if bytes.Contains(plain.Body, []byte("0222")) || bytes.Contains(plain.Body, []byte(`"phone"`)) {
		t.Errorf("the feed carries a phone number")
	}
}
