package sim_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"hallq/casework"
	"hallq/hall/config"
	"hallq/hall/store"
	"hallq/queue"
	"hallq/rating"
	"hallq/sim"
)

var end = time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC)

func open(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Check(); err != nil {
			t.Errorf("bbolt check: %v", err)
		}
		st.Close()
	})
	return st
}

func simulate(t *testing.T, seed uint64, days int) (*store.Store, sim.Result) {
	t.Helper()
	st := open(t)
	res, err := sim.Run(st, sim.Options{Days: days, Seed: seed, Profile: "small", NewHall: config.Default(), End: end})
	if err != nil {
		t.Fatal(err)
	}
	return st, res
}

func allEvents(t *testing.T, st *store.Store) []queue.Event {
	t.Helper()
	evs, err := st.Events(0, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestDeterministicPerSeed(t *testing.T) {
	a, ra := simulate(t, 42, 8)
	b, rb := simulate(t, 42, 8)
	c, _ := simulate(t, 43, 8)
	if ra.Tickets < 8*100 || ra.Events < 3*ra.Tickets || ra.FirstDay != "2026-03-01" || ra.LastDay != "2026-03-08" {
		t.Fatalf("result %+v", ra)
	}
	if ra.Tickets != rb.Tickets || ra.Events != rb.Events {
		t.Fatalf("same seed, different runs: %+v vs %+v", ra, rb)
	}
	ea, eb, ec := allEvents(t, a), allEvents(t, b), allEvents(t, c)
	ja, _ := json.Marshal(ea)
	jb, _ := json.Marshal(eb)
	jc, _ := json.Marshal(ec)
	if !bytes.Equal(ja, jb) {
		t.Error("the same seed wrote different events")
	}
	if bytes.Equal(ja, jc) {
		t.Error("another seed wrote the same events")
	}
	// What the history holds: every kind of event the hall writes.
	kinds := map[string]int{}
	for _, ev := range ea {
		kinds[ev.Type]++
		for _, r := range ev.Records {
			kinds["record:"+r.Kind]++
		}
	}
	for _, k := range []string{queue.EvDayRolled, queue.EvIssued, queue.EvCalled, queue.EvFinished, queue.EvNoShow, queue.EvRecalled,
		queue.EvTransferred, queue.EvCancelled, queue.EvPaused, queue.EvResumed, queue.EvSignedIn, queue.EvSignedOut, rating.EvRated,
		"record:" + rating.Kind, "record:" + casework.KindCase} {
		if kinds[k] == 0 {
			t.Errorf("no %s in the simulated history (%v)", k, kinds)
		}
	}
	// Sunday 8 March is quieter than Monday 2 March; the 1st–3rd busier
	// than the 4th–6th on like weekdays.
	perDay := map[string]int{}
	for _, ev := range ea {
		if ev.Type == queue.EvIssued {
			perDay[ev.Day]++
		}
	}
	if perDay["2026-03-08"]*2 > perDay["2026-03-02"] {
		t.Errorf("Sunday %d not quiet beside Monday %d", perDay["2026-03-08"], perDay["2026-03-02"])
	}
}

func TestHistoryOnlyBeforeExistingData(t *testing.T) {
	st, _ := simulate(t, 1, 3)
	_, err := sim.Run(st, sim.Options{Days: 3, Seed: 1, NewHall: config.Default(), End: end})
	if queue.ErrorCode(err) != queue.ECONFLICT {
		t.Errorf("simulating over existing days: %v, want a conflict", err)
	}
	if _, err := sim.Run(st, sim.Options{Days: 0, NewHall: config.Default(), End: end}); queue.ErrorCode(err) != queue.EINVALID {
		t.Errorf("0 days: %v", err)
	}
	if _, err := sim.Run(open(t), sim.Options{Days: 1, Profile: "huge", NewHall: config.Default(), End: end}); queue.ErrorCode(err) != queue.EINVALID {
		t.Errorf("unknown profile: %v", err)
	}
}

// The simulator's commits, a day at a time, write what one Commit of the
// same events writes, and the rollups they keep equal the ones rebuilt from
// the event log.
func TestBulkEqualsOneCommitAndRollupsRebuild(t *testing.T) {
	st, _ := simulate(t, 5, 4)
	evs := allEvents(t, st)
	other := open(t)
	cfg := config.Default()
	if _, err := other.Seed(cfg, cfg.Services, cfg.Counters); err != nil {
		t.Fatal(err)
	}
	if err := other.Commit(evs, nil); err != nil {
		t.Fatal(err)
	}
	a, days := rollups(t, st)
	b, _ := rollups(t, other)
	if days < 4 || !bytes.Equal(a, b) {
		t.Errorf("bulk rollups (%d days) differ from one commit's", days)
	}
	ta, _ := st.Tickets("2026-01-01", "2026-12-31")
	tb, _ := other.Tickets("2026-01-01", "2026-12-31")
	ja, _ := json.Marshal(ta)
	jb, _ := json.Marshal(tb)
	if len(ta) == 0 || !bytes.Equal(ja, jb) {
		t.Errorf("tickets differ: %d vs %d", len(ta), len(tb))
	}
	if ok, _ := st.RollupsCurrent(); !ok {
		t.Error("rollups of a simulated store are not current")
	}
	if err := st.RebuildRollups(); err != nil {
		t.Fatal(err)
	}
	if c, _ := rollups(t, st); !bytes.Equal(a, c) {
		t.Error("rollups rebuilt from the event log differ from the ones written with the events")
	}
}

// rollups reads every day of st's rollups as the reports do (EachRollupDay)
// and returns them as JSON, with the number of days.
func rollups(t *testing.T, st *store.Store) ([]byte, int) {
	t.Helper()
	var buf bytes.Buffer
	days := 0
	err := st.EachRollupDay("2000-01-01", "2099-12-31", func(d *store.RollupDay) error {
		days++
		// The facts' byte fields point into the database: encode them now.
		return json.NewEncoder(&buf).Encode(d)
	})
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), days
}

func TestReplayMoreCountersWaitLess(t *testing.T) {
	cfg := config.Default()
	var cs []sim.Customer
	for i := range 120 {
		cs = append(cs, sim.Customer{IssuedS: int32(9*3600 + i*90), Service: "A", ServiceS: 180})
	}
	days := []sim.ReplayDay{{Day: "2026-03-02", Customers: cs}}
	one := []sim.Shift{{Counter: 1, Open: "08:30", Close: "17:30"}}
	three := append(one, sim.Shift{Counter: 2, Open: "08:30", Close: "17:30"}, sim.Shift{Counter: 4, Open: "08:30", Close: "17:30"})
	w1, err := sim.Replay(cfg, days, one, 1)
	if err != nil {
		t.Fatal(err)
	}
	w3, _ := sim.Replay(cfg, days, three, 1)
	sum := func(w []int32) (s int64) {
		for _, x := range w {
			if x < 0 {
				t.Fatal("a customer was never called")
			}
			s += int64(x)
		}
		return s
	}
	// One every 90 s, 200 s each (180 + 20 walking): 2.2 erlangs. One
	// counter falls ever further behind; three keep up.
	if s1, s3 := sum(w1[0]), sum(w3[0]); s1 <= 10*s3 || w1[0][0] != 0 {
		t.Errorf("waits: one counter %d s, three %d s; first %d", s1, s3, w1[0][0])
	}
	if _, err := sim.Replay(cfg, days, []sim.Shift{{Counter: 99, Open: "08:00", Close: "09:00"}}, 1); queue.ErrorCode(err) != queue.EINVALID {
		t.Errorf("unknown counter: %v", err)
	}
	if _, err := sim.Replay(cfg, days, []sim.Shift{{Counter: 1, Open: "10:00", Close: "09:00"}}, 1); queue.ErrorCode(err) != queue.EINVALID {
		t.Errorf("reversed hours: %v", err)
	}
}

// TestTwentyFourHourHall: a hall open 00:00–24:00 every day gets customers
// (it used to get none, without a word), within the staffed day the
// simulator models, and the result says so; every event stays in its day.
func TestTwentyFourHourHall(t *testing.T) {
	cfg := config.Default()
	cfg.Hours = map[string]queue.Hours{}
	for wd := 1; wd <= 7; wd++ {
		cfg.Hours[string(rune('0'+wd))] = queue.Hours{Open: "00:00", Close: "24:00"}
	}
	st := open(t)
	res, err := sim.Run(st, sim.Options{Days: 3, Seed: 7, Profile: "small", NewHall: cfg, End: end})
	if err != nil {
		t.Fatal(err)
	}
	if res.Tickets < 3*50 {
		t.Errorf("a hall open 24 hours got %d customers in 3 days", res.Tickets)
	}
	if len(res.Notes) != 7 || !strings.Contains(res.Notes[0], "weekday 1 is open 00:00–24:00") || !strings.Contains(res.Notes[0], "simulated 06:00–22:00") {
		t.Errorf("notes %q, want one per weekday saying it is simulated 06:00–22:00", res.Notes)
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	for _, ev := range allEvents(t, st) {
		if ev.Day == "" {
			continue
		}
		if got := ev.At.In(loc).Format(time.DateOnly); got != ev.Day {
			t.Fatalf("event %d %s of %s at %s: outside its day", ev.Seq, ev.Type, ev.Day, ev.At.In(loc))
		}
	}
}

// TestClosedHallExplained: a range in which the hall never opens writes no
// customer and the result says why.
func TestClosedHallExplained(t *testing.T) {
	cfg := config.Default()
	cfg.Hours = map[string]queue.Hours{"1": {Open: "09:00", Close: "17:00"}} // Mondays only
	st := open(t)
	// 2026-03-03 … 03-07: Tuesday to Saturday.
	res, err := sim.Run(st, sim.Options{Days: 5, Seed: 7, Profile: "small", NewHall: cfg, End: time.Date(2026, 3, 8, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Tickets != 0 {
		t.Fatalf("%d customers on days the hall is closed", res.Tickets)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "no customers: the hall is closed on every day from 2026-03-03 to 2026-03-07") {
		t.Errorf("notes %q, want the reason there are no customers", res.Notes)
	}
}
