package sim_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"hallq/casework"
	"hallq/hall/config"
	"hallq/hall/store"
	"hallq/queue"
	"hallq/rating"
	"hallq/report"
	"hallq/sim"
)

// TestSealAsYouGo: the same days simulated with Options.Seal (each day
// sealed once the next is written) and without, then sealed afterwards as a
// hall's first start seals them (Store.SealBefore the last day), give the
// same store to every reader: the same segment files byte for byte, the same
// events, tickets, tracking codes, records, rollups, peak report and mark,
// and the last day still hot in both.
func TestSealAsYouGo(t *testing.T) {
	const days = 5
	run := func(seal bool) (*store.Store, string, sim.Result) {
		dir := t.TempDir()
		st, err := store.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		res, err := sim.Run(st, sim.Options{Days: days, Seed: 9, Profile: "small", NewHall: config.Default(), End: end, Seal: seal})
		if err != nil {
			t.Fatal(err)
		}
		if !seal {
			if _, err := st.SealBefore(res.LastDay); err != nil {
				t.Fatal(err)
			}
		}
		return st, dir, res
	}
	after, afterDir, ra := run(false)
	asgo, asgoDir, rb := run(true)
	if ra.Tickets != rb.Tickets || ra.Events != rb.Events || ra.LastDay != rb.LastDay {
		t.Fatalf("results differ: %+v / %+v", ra, rb)
	}
	if ra.Tickets < days*100 {
		t.Fatalf("only %d customers in %d days", ra.Tickets, days)
	}

	// The segments: days-1 of them, the same bytes.
	segs := func(dir string) map[string][]byte {
		out := map[string][]byte{}
		paths, _ := filepath.Glob(filepath.Join(dir, "history", "*", "*.seg"))
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			out[filepath.Base(p)] = b
		}
		return out
	}
	sa, sb := segs(afterDir), segs(asgoDir)
	if len(sa) != days-1 || len(sb) != len(sa) {
		t.Fatalf("%d segments sealed afterwards, %d as it went, want %d", len(sa), len(sb), days-1)
	}
	for name, b := range sa {
		if !bytes.Equal(b, sb[name]) {
			t.Errorf("segment %s differs (%d / %d bytes)", name, len(b), len(sb[name]))
		}
	}
	for _, st := range []*store.Store{after, asgo} {
		through, err := st.SealedThrough()
		if err != nil || through == "" || through >= ra.LastDay {
			t.Fatalf("sealed through %q (%v), want a day before the last, %s", through, err, ra.LastDay)
		}
	}
	ta, _ := after.SealedThrough()
	tb, _ := asgo.SealedThrough()
	if ta != tb {
		t.Errorf("sealed through %s afterwards, %s as it went", ta, tb)
	}

	same := func(what string, a, b any) {
		t.Helper()
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if !bytes.Equal(ja, jb) {
			t.Errorf("%s differ (%d / %d bytes of JSON)", what, len(ja), len(jb))
		}
	}
	ea, eb := allEvents(t, after), allEvents(t, asgo)
	if len(ea) != ra.Events {
		t.Fatalf("%d events read back, %d written", len(ea), ra.Events)
	}
	same("events", ea, eb)

	tickets := func(st *store.Store) []queue.Ticket {
		ts, err := st.Tickets(ra.FirstDay, ra.LastDay)
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	tka, tkb := tickets(after), tickets(asgo)
	if len(tka) < ra.Tickets {
		t.Fatalf("%d tickets read back, %d customers", len(tka), ra.Tickets)
	}
	same("tickets", tka, tkb)
	for i := 0; i < len(tka); i += 97 {
		if tka[i].Tracking == "" {
			continue
		}
		a, errA := after.TicketByTracking(tka[i].Tracking)
		b, errB := asgo.TicketByTracking(tka[i].Tracking)
		if errA != nil || errB != nil || a.ID != tka[i].ID {
			t.Fatalf("tracking %s: %v %v (ticket %d, want %d)", tka[i].Tracking, errA, errB, a.ID, tka[i].ID)
		}
		same("ticket by tracking code "+tka[i].Tracking, a, b)
	}

	records := func(st *store.Store, kind string) []queue.Record {
		var out []queue.Record
		if err := st.EachRecord(kind, "", func(r queue.Record) bool { out = append(out, r); return true }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, kind := range []string{casework.KindCase, rating.Kind} {
		ra, rb := records(after, kind), records(asgo, kind)
		if len(ra) == 0 {
			t.Errorf("no %s records", kind)
		}
		same(kind+" records", ra, rb)
	}

	rollups := func(st *store.Store) []store.RollupDay {
		var out []store.RollupDay
		if err := st.EachRollupDay(ra.FirstDay, ra.LastDay, func(d *store.RollupDay) error { out = append(out, *d); return nil }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	same("rollups", rollups(after), rollups(asgo))

	var cfg queue.Config
	if _, err := after.GetMeta("config", &cfg); err != nil {
		t.Fatal(err)
	}
	p := report.Params{From: ra.FirstDay, To: ra.LastDay}
	if err := p.Validate(cfg); err != nil {
		t.Fatal(err)
	}
	now := end.Add(time.Hour)
	pa, err := report.Build(after, cfg, p, now)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := report.Build(asgo, cfg, p, now)
	if err != nil {
		t.Fatal(err)
	}
	if pa.Summary.Tickets != ra.Tickets {
		t.Errorf("the report counts %d customers, the simulator %d", pa.Summary.Tickets, ra.Tickets)
	}
	same("peak reports", pa, pb)
}
