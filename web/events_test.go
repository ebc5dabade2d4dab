package web_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"hallq/hall"
	"hallq/queue"
)

// TestEventExport: an integration token reads the event log as NDJSON from
// any sequence, resumably, with phone numbers masked; other devices may not;
// a bad since is refused.
func TestEventExport(t *testing.T) {
	e := apiNewServer(t)
	tok, err := e.hall.AddDevice(t.Context(), hall.NewDevice{Name: "区域汇总", Kind: hall.KindIntegration})
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
		if bytes.Contains(r.Body, []byte("13900000111")) {
			t.Errorf("the export carries a full phone number")
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
			if p := ev.Tickets[0].Phone; p != "139****0111" && p != "139****1111" && p != "139****2111" && p != "139****3111" {
				t.Errorf("exported phone %q, want it masked as 139****N111", p)
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
