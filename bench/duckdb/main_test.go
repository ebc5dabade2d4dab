package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFigures: five tickets of one Wednesday worked out by hand, through
// load and the queries: waits truncated to whole seconds (a wait of 299.6 s
// is 299), the ticket a transfer made left out (the transferred one kept),
// the nearest-rank 90th percentile, targets per service; and a report that
// differs in one figure is reported as differing. Ticket 4 waited 1 ns
// less than a minute: 59 s, as hallq truncates.
func TestFigures(t *testing.T) {
	dir := t.TempDir()
	csv := `id,day,number,service,priority,status,issued_at,called_at,started_at,finished_at,counter,clerk,recalls,item,transferred_from,transferred_to,phone
1,2026-12-02,A001,A,normal,done,2026-12-02T08:30:07.9+08:00,2026-12-02T08:35:07.5+08:00,2026-12-02T08:35:08+08:00,2026-12-02T08:40:08+08:00,1,c1,0,,,,
2,2026-12-02,A002,A,normal,no_show,2026-12-02T08:40:00+08:00,2026-12-02T08:55:00+08:00,,,1,c1,2,,,,
3,2026-12-02,A003,A,normal,cancelled,2026-12-02T09:10:00+08:00,,,,0,,0,,,,
4,2026-12-02,A004,A,normal,transferred,2026-12-02T08:31:00.000000001+08:00,2026-12-02T08:32:00+08:00,2026-12-02T08:32:10+08:00,,2,c2,0,,,5,
5,2026-12-02,B001,B,normal,done,2026-12-02T08:33:00+08:00,2026-12-02T08:50:00+08:00,2026-12-02T08:50:00+08:00,2026-12-02T09:00:00+08:00,3,c3,0,,4,,
`
	want := `{"summary":{"tickets":4,"called":3,"served":1,"no_shows":1,"cancelled":1,"avg_wait_s":419.3,"p90_wait_s":900,"max_wait_s":900,
	"service_level":0.6667,"no_show_rate":0.3333,"avg_service_s":300,"days":1},
	"slots":[{"weekday":3,"start":"08:30","arrivals":3,"arrivals_per_day":3,"called":3,"avg_wait_s":419.3,"p90_wait_s":900},
	{"weekday":3,"start":"09:00","arrivals":1,"arrivals_per_day":1,"called":0,"avg_wait_s":0,"p90_wait_s":0}],
	"month_days":[{"day":2,"arrivals":4,"arrivals_per_day":4,"called":3,"avg_wait_s":419.3,"p90_wait_s":900}]}`
	for name, body := range map[string]string{"tickets.csv": csv, "peak.json": want, "targets.json": `{"A":600,"B":600}`} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	res, err := run(dir, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Diffs) > 0 || res.Tickets != 5 || res.CompareSlots != 2 || res.CompareDays != 1 {
		t.Fatalf("%d tickets loaded, %d slots, %d days compared; differences:\n%s", res.Tickets, res.CompareSlots, res.CompareDays, strings.Join(res.Diffs, "\n"))
	}
	if !strings.Contains(res.String(), "figures agree") {
		t.Errorf("the result says %q", res.String())
	}

	// One figure changed in the report: one difference, named.
	bad := strings.Replace(want, `"p90_wait_s":0}]`, `"p90_wait_s":1}]`, 1)
	if err := os.WriteFile(filepath.Join(dir, "peak.json"), []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err = run(dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Diffs) != 1 || !strings.HasPrefix(res.Diffs[0], "slot 1:") {
		t.Errorf("differences %q, want slot 1's", res.Diffs)
	}
}
