package sealing_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hallq/casework"
	"hallq/hall"
	"hallq/hall/config"
	"hallq/hall/store"
	"hallq/health"
	"hallq/history"
	"hallq/internal/halltest"
	"hallq/queue"
	"hallq/rating"
	"hallq/report"
	"hallq/sealing"
	"hallq/sim"
)

// figures is what a hall's staff read over its history: every event, the
// tickets.csv rows, the peak report and the what-if replay, the rating
// figures and every rating and case record (the features that read them
// are registered, so their kinds are sealed with their days).
func figures(t *testing.T, h *hall.Hall, rep *report.Service, from, to string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	rs := rating.New(h, rating.Options{Every: -1})
	cw := casework.New(h)
	st, err := rs.Figures(from, to)
	if err != nil || st.Total.Rated == 0 {
		t.Fatalf("rating figures: %+v %v", st.Total, err)
	}
	out["rating figures"], _ = json.Marshal(st)
	for _, kind := range []string{rating.Kind, casework.KindCase} {
		var all []queue.Record
		if err := h.EachRecord(kind, "", func(r queue.Record) bool { all = append(all, r); return true }); err != nil || len(all) == 0 {
			t.Fatalf("records %s: %d, %v", kind, len(all), err)
		}
		out["records "+kind], _ = json.Marshal(all)
		for i := 0; i < len(all); i += 7 {
			r, ok, err := h.Record(kind, all[i].Key)
			if err != nil || !ok {
				t.Fatalf("record %s/%s: %v %v", kind, all[i].Key, ok, err)
			}
			out["record "+kind+"/"+r.Key], _ = json.Marshal(r)
		}
	}
	for d := from; d <= to; d = nextDay(d) {
		items, err := cw.CommonItems(1, []string{"A", "B", "C"}, d, 5)
		if err != nil {
			t.Fatalf("common items of %s: %v", d, err)
		}
		out["common items "+d], _ = json.Marshal(items)
	}
	evs, err := h.Events(0, 1<<30)
	if err != nil {
		t.Fatalf("events: %v", err)
	}
	out["events"], _ = json.Marshal(evs)
	var ts []queue.Ticket
	if err := rep.EachTicket(from, to, func(tk *queue.Ticket) error { ts = append(ts, *tk); return nil }); err != nil {
		t.Fatalf("tickets: %v", err)
	}
	out["tickets"], _ = json.Marshal(ts)
	p := report.Params{From: from, To: to}
	if err := p.Validate(h.Config()); err != nil {
		t.Fatal(err)
	}
	peak, err := rep.Peak(p)
	if err != nil {
		t.Fatalf("peak: %v", err)
	}
	out["peak"], _ = json.Marshal(peak)
	wi, err := rep.WhatIf(p, nil)
	if err != nil {
		t.Fatalf("what-if: %v", err)
	}
	out["whatif"], _ = json.Marshal(wi)
	if len(evs) == 0 || len(ts) == 0 {
		t.Fatalf("%d events, %d tickets: nothing to compare", len(evs), len(ts))
	}
	return out
}

// TestSealNowKeepsFigures: a hall over a store of simulated days (all its
// history in the hot file, as main writes it) seals every day before its
// own, and every event, ticket, report and what-if figure stays the same;
// a restart starts on the small hot file and reads the same again.
func TestSealNowKeepsFigures(t *testing.T) {
	dir := t.TempDir()
	sh := time.FixedZone("CST", 8*3600)
	end := time.Date(2026, 11, 23, 10, 0, 0, 0, sh) // a Monday
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Run(st, sim.Options{Days: 5, Seed: 9, Profile: "small", NewHall: config.Default(), End: end}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	clock := halltest.NewClock(end)
	h := halltest.Open(t, hall.Options{Dir: dir, Now: clock.Now})
	rep := report.New(h)
	from, to := "2026-11-18", "2026-11-23"
	before := figures(t, h, rep, from, to)
	sum, err := h.Store().Verify()
	if err != nil {
		t.Fatal(err)
	}
	hotRecords := sum.Records
	var rated []string
	for _, kind := range []string{rating.Kind, casework.KindCase} {
		h.EachRecord(kind, "", func(r queue.Record) bool { rated = append(rated, r.Key); return true })
	}

	days, err := sealing.New(h, sealing.Options{Off: true}).SealNow(context.Background())
	if err != nil {
		t.Fatalf("seal: %v", err)
	}
	if len(days) != 5 || days[0] != "2026-11-18" || days[4] != "2026-11-22" {
		t.Fatalf("sealed %v, want the 5 simulated days", days)
	}
	for _, d := range days {
		if _, err := os.Stat(history.PathFor(filepath.Join(dir, history.Dir), d)); err != nil {
			t.Errorf("segment of %s: %v", d, err)
		}
	}
	// The days' ratings and case records left the hot file with them.
	if sum, err := h.Store().Verify(); err != nil || sum.Records > hotRecords-len(rated) {
		t.Errorf("the hot file holds %d records after sealing, %d before, %d of them ratings and cases (%v)", sum.Records, hotRecords, len(rated), err)
	}
	after := figures(t, h, rep, from, to)
	for k := range before {
		if !bytes.Equal(before[k], after[k]) {
			t.Errorf("%s differ after sealing (%d, %d bytes)", k, len(before[k]), len(after[k]))
		}
	}
	halltest.CheckClose(t, h)
	h = halltest.Open(t, hall.Options{Dir: dir, Now: clock.Now})
	again := figures(t, h, report.New(h), from, to)
	for k := range before {
		if !bytes.Equal(before[k], again[k]) {
			t.Errorf("%s differ after a restart on the sealed store", k)
		}
	}
	verifyDamage(t, h, dir, days)
}

func nextDay(d string) string {
	t, _ := time.Parse(time.DateOnly, d)
	return t.AddDate(0, 0, 1).Format(time.DateOnly)
}

// verifyDamage: the background verifier reads each segment once a week; a
// damaged one makes /healthz degraded, is named by the store check with
// the way out, and the hall goes on issuing tickets.
func verifyDamage(t *testing.T, h *hall.Hall, dir string, days []string) {
	ctx := context.Background()
	sv := sealing.New(h, sealing.Options{Off: true})
	hs := health.New(h, health.Options{IntegrityHour: -1, FreeSpace: func(string) (uint64, uint64, error) { return 1 << 40, 1 << 41, nil }})
	if n, err := sv.VerifyNow(ctx, 100); err != nil || n != len(days) {
		t.Fatalf("verified %d segments (%v), want %d", n, err, len(days))
	}
	if n, _ := sv.VerifyNow(ctx, 100); n != 0 {
		t.Errorf("verified %d segments again within the week", n)
	}
	if r := hs.Report(); r.Status != "ok" {
		t.Fatalf("health before the damage: %+v", r)
	}
	path := history.PathFor(filepath.Join(dir, history.Dir), days[2])
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/2] ^= 0x55
	if err := os.WriteFile(path, raw, 0o640); err != nil {
		t.Fatal(err)
	}
	if n, err := sv.VerifyNow(ctx, 100); err != nil || n != 1 {
		t.Fatalf("verified %d segments after one changed (%v), want 1", n, err)
	}
	r := hs.Report()
	if r.Status != "degraded" || len(r.Problems) != 1 || !strings.Contains(r.Problems[0], path) || !strings.Contains(r.Problems[0], "restore this file from a backup") {
		t.Errorf("health with a damaged segment: %+v", r)
	}
	sum, err := h.Store().Verify()
	if !errors.Is(err, store.ErrDamaged) || len(sum.Problems) != 1 || sum.Problems[0].Rule != store.RuleSegment || sum.Problems[0].Key != days[2] {
		t.Errorf("check with a damaged segment: %v %+v", err, sum.Problems)
	}
	kiosk := hall.Principal{Kind: "device", Name: "取号机1", Role: hall.KindKiosk}
	if _, err := h.Issue(ctx, kiosk, hall.IssueRequest{Service: "A"}); err != nil {
		t.Errorf("issuing with a damaged segment: %v", err)
	}
	raw[len(raw)/2] ^= 0x55
	if err := os.WriteFile(path, raw, 0o640); err != nil {
		t.Fatal(err)
	}
	sv.VerifyNow(ctx, 100)
	if r := hs.Report(); r.Status != "ok" {
		t.Errorf("health after the segment was put back: %+v", r)
	}
}
