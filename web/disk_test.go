package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// TestDiskSpaceSignals: the data and backups disks' free space is in
// /metrics; below the limit (1 GiB by default) /healthz says "degraded" with
// the reason, the gauge hallq_disk_low is 1, and the manager's backup button
// is refused with 503 before it writes anything.
func TestDiskSpaceSignals(t *testing.T) {
	var free atomic.Uint64
	free.Store(50 << 30)
	const total = 100 << 30
	e := apiNewServerWith(t, apiSetup{FreeSpace: func(string) (uint64, uint64, error) { return free.Load(), total, nil }})
	mgr := e.login("manager", 0)

	m := e.metrics()
	for _, dir := range []string{"data", "backups"} {
		if got := m[fmt.Sprintf("hallq_disk_free_bytes{dir=%q}", dir)]; got != 50<<30 {
			t.Errorf("%s free: %v", dir, got)
		}
		if got := m[fmt.Sprintf("hallq_disk_size_bytes{dir=%q}", dir)]; got != total {
			t.Errorf("%s size: %v", dir, got)
		}
		if got, ok := m[fmt.Sprintf("hallq_disk_low{dir=%q}", dir)]; !ok || got != 0 {
			t.Errorf("%s low: %v %v", dir, got, ok)
		}
	}
	if got := m["hallq_disk_min_free_bytes"]; got != 1<<30 {
		t.Errorf("limit %v", got)
	}
	if h := e.do("GET", "/healthz", apiAnon, nil).Map(t); h["status"] != "ok" || h["problems"] != nil {
		t.Errorf("healthz with room: %v", h)
	}
	if r := e.do("POST", "/api/v1/backups", mgr, nil); r.Status != http.StatusCreated {
		t.Fatalf("backup with room: %d %s", r.Status, r.Body)
	}

	free.Store(700 << 20)
	m = e.metrics()
	if got := m[`hallq_disk_low{dir="data"}`]; got != 1 {
		t.Errorf("data low: %v", got)
	}
	r := e.do("GET", "/healthz", apiAnon, nil)
	h := r.Map(t)
	if r.Status != 200 || h["status"] != "degraded" || !strings.Contains(fmt.Sprint(h["problems"]), "data disk low") {
		t.Errorf("healthz on a low disk: %d %v", r.Status, h)
	}
	r = e.do("POST", "/api/v1/backups", mgr, nil)
	if r.Status != http.StatusServiceUnavailable || !strings.Contains(string(r.Body), "not enough space for a backup") {
		t.Errorf("backup on a low disk: %d %s", r.Status, r.Body)
	}
}
