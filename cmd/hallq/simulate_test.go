package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hallq/casework"
	"hallq/hall/config"
	"hallq/hall/store"
	"hallq/queue"
	"hallq/rating"
)

// TestCLISimulateHonoursHallJSON: on a fresh data directory `hallq
// simulate` starts the hall from the hall.json placed there, as `serve`
// does (it used to take the embedded default); a hall.json with a typo is
// refused, naming the key, and writes nothing.
func TestCLISimulateHonoursHallJSON(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	cfg.NameZH = "城东供电营业厅"
	cfg.Services = cfg.Services[:3] // A, B, C
	var counters []queue.Counter
	for _, k := range cfg.Counters {
		var keep []string
		for _, p := range k.Services {
			if p <= "C" {
				keep = append(keep, p)
			}
		}
		if len(keep) > 0 {
			k.Services = keep
			counters = append(counters, k)
		}
	}
	cfg.Counters = counters
	raw, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, config.File), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err := cmdRun(t, "", "simulate", "--days", "2", "--quiet", "--data", dir)
	if err != nil {
		t.Fatalf("simulate: %v", err)
	}
	if !strings.Contains(out, "new hall 城东供电营业厅 from "+filepath.Join(dir, config.File)) {
		t.Errorf("simulate printed %q, want the hall and where it came from", out)
	}
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got queue.Config
	found, err := st.GetMeta("config", &got)
	st.Close()
	if err != nil || !found {
		t.Fatalf("config: %v %v", found, err)
	}
	if got.NameZH != "城东供电营业厅" || len(got.Services) != 3 {
		t.Errorf("simulated hall %q with %d services, want hall.json's 城东供电营业厅 with 3", got.NameZH, len(got.Services))
	}

	typo := t.TempDir()
	bad := strings.Replace(string(raw), `"phone_daily_limit"`, `"phone_daly_limit"`, 1)
	if err := os.WriteFile(filepath.Join(typo, config.File), []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err = cmdRun(t, "", "simulate", "--days", "2", "--quiet", "--data", typo)
	if err == nil || !strings.Contains(err.Error(), `phone_daly_limit (did you mean "phone_daily_limit"?)`) {
		t.Errorf("simulate with a typo in hall.json: %v", err)
	}
}

// TestCLISimulateSealed: `hallq simulate --sealed` leaves every simulated day
// but the last in DATA/history, says so, and the store reads them back.
func TestCLISimulateSealed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out, _, err := cmdRun(t, "", "simulate", "--days", "3", "--sealed", "--quiet", "--data", dir)
	if err != nil {
		t.Fatalf("simulate --sealed: %v", err)
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "history", "*", "*.seg"))
	if len(segs) != 2 || !strings.Contains(out, "sealed 2 days into "+filepath.Join(dir, "history")) {
		t.Fatalf("%d segments, printed %q; want 2 days sealed", len(segs), out)
	}
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	through, err := st.SealedThrough()
	if err != nil || through != strings.TrimSuffix(filepath.Base(segs[1]), ".seg") {
		t.Errorf("sealed through %q (%v), want the second segment's day %s", through, err, segs[1])
	}
	evs, err := st.Events(0, 1<<30)
	if err != nil || len(evs) == 0 || evs[0].Seq != 1 {
		t.Fatalf("events from the first: %d (%v)", len(evs), err)
	}
	if last := evs[len(evs)-1].Day; last <= through {
		t.Errorf("the last event's day %s is sealed (through %s): the last day must stay hot", last, through)
	}
	// The ratings and case records of the sealed days left the hot file
	// with them, as in a running hall: all of them still read.
	closed := 0
	for _, kind := range []string{rating.Kind, casework.KindCase} {
		st.EachRecord(kind, "", func(queue.Record) bool { closed++; return true })
	}
	sum, err := st.Verify()
	if err != nil || closed == 0 || sum.Records >= closed {
		t.Errorf("%d ratings and cases in all, %d records in the hot file (%v): the sealed days' are still hot", closed, sum.Records, err)
	}
}
