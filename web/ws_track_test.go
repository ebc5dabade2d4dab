package web_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"hallq/casework"
)

// TestWSTrackCaseCodes: the phone page of a work order's or an approval's
// code subscribes (no 404 over and over) and hears of that case's events.
func TestWSTrackCaseCodes(t *testing.T) {
	e := wsEnv(t)
	clerk := e.login("clerk1", 1)
	mgr := e.login("manager", 0)
	e.issue("A", "normal", "13912345678")
	e.act(clerk, 1, "call", nil, http.StatusOK)
	e.act(clerk, 1, "start", nil, http.StatusOK)
	var wo, ap struct{ ID, Code string }
	if r := e.do("POST", "/api/v1/workorders", clerk, map[string]any{"counter": 1, "item": "meter_check", "summary": "电表走得快"}); r.Status != http.StatusCreated {
		t.Fatalf("open work order: %d %s", r.Status, r.Body)
	} else {
		r.JSON(t, &wo)
	}
	if r := e.do("POST", "/api/v1/approvals", clerk, map[string]any{"counter": 1, "item": "late_fee_waiver", "request": "住院未能按时缴费"}); r.Status != http.StatusCreated {
		t.Fatalf("request approval: %d %s", r.Status, r.Body)
	} else {
		r.JSON(t, &ap)
	}

	woConn := e.wsDial("ticket/"+wo.Code, 0, apiAnon)
	if f := wsRead(t, woConn); f.Type != "snapshot" {
		t.Fatalf("work-order code: first frame %s", f.raw)
	}
	apConn := e.wsDial("ticket/"+ap.Code, 0, apiAnon)
	if f := wsRead(t, apConn); f.Type != "snapshot" {
		t.Fatalf("approval code: first frame %s", f.raw)
	}
	if r := e.do("POST", "/api/v1/workorders/"+wo.ID+"/progress", clerk, map[string]any{"note": "计量中心已收表"}); r.Status != http.StatusOK {
		t.Fatalf("progress: %d %s", r.Status, r.Body)
	}
	f := wsRead(t, woConn)
	var ev struct{ Type string }
	if err := json.Unmarshal(f.Event, &ev); err != nil || ev.Type != casework.EvWorkOrderUpdated {
		t.Errorf("work-order page heard %s, want %s", f.raw, casework.EvWorkOrderUpdated)
	}
	wsNoPersonal(t, f, nil)
	if r := e.do("POST", "/api/v1/approvals/"+ap.ID+"/decide", mgr, map[string]any{"approve": true, "note": "同意"}); r.Status != http.StatusOK {
		t.Fatalf("decide: %d %s", r.Status, r.Body)
	}
	f = wsRead(t, apConn)
	if err := json.Unmarshal(f.Event, &ev); err != nil || ev.Type != casework.EvApprovalDecided {
		t.Errorf("approval page heard %s, want %s", f.raw, casework.EvApprovalDecided)
	}
}
