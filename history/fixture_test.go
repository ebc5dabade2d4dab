package history_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"hallq/hall/config"
	"hallq/hall/store"
	"hallq/queue"
	"hallq/sim"
)

// end is the first moment after the simulated history: fixed, so every run
// simulates the same days.
var end = time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)

// simDays is a simulated history, split by day, and the store it was
// simulated into (for the comparison of sizes).
type simDays struct {
	days      []string
	events    map[string][]queue.Event
	customers map[string]int
	storeSize int64 // bytes of hallq.db after the simulation
}

var (
	simMu    sync.Mutex
	simCache = map[string]*simDays{}
)

// simulate runs the simulator once per profile and day count in this test
// process. Every third ticket gets a phone and every fifth an account
// number, as the live path would record for call-backs, so the personal
// fields take their path through the codec.
func simulate(tb testing.TB, profile string, days int) *simDays {
	tb.Helper()
	simMu.Lock()
	defer simMu.Unlock()
	key := fmt.Sprint(profile, days)
	if s := simCache[key]; s != nil {
		return s
	}
	dir, err := os.MkdirTemp("", "history-sim-")
	if err != nil {
		tb.Fatal(err)
	}
	defer os.RemoveAll(dir)
	st, err := store.Open(dir)
	if err != nil {
		tb.Fatal(err)
	}
	res, err := sim.Run(st, sim.Options{Days: days, Seed: 7, Profile: profile, NewHall: config.Default(), End: end})
	if err != nil {
		st.Close()
		tb.Fatal(err)
	}
	evs, err := st.Events(0, 1<<30)
	st.Close()
	if err != nil {
		tb.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, store.FileName))
	if err != nil {
		tb.Fatal(err)
	}
	s := &simDays{events: map[string][]queue.Event{}, customers: map[string]int{}, storeSize: fi.Size()}
	for _, ev := range evs {
		for i := range ev.Tickets {
			t := &ev.Tickets[i]
			if t.ID%3 == 0 {
				t.Phone = fmt.Sprintf("138%08d", t.ID)
			}
			if t.ID%5 == 0 {
				t.Account = fmt.Sprintf("0%09d", t.ID*7)
			}
		}
		if ev.Type == queue.EvIssued {
			s.customers[ev.Day]++
		}
		if _, ok := s.events[ev.Day]; !ok {
			s.days = append(s.days, ev.Day)
		}
		s.events[ev.Day] = append(s.events[ev.Day], ev)
	}
	slices.Sort(s.days)
	if len(s.days) < days || res.Tickets == 0 {
		tb.Fatalf("simulated %d days with events, %d customers; want %d days", len(s.days), res.Tickets, days)
	}
	simCache[key] = s
	return s
}

// busiest returns the simulated day with the most events.
func (s *simDays) busiest() string {
	best := s.days[0]
	for _, d := range s.days {
		if len(s.events[d]) > len(s.events[best]) {
			best = d
		}
	}
	return best
}

// jsonOf is the JSON an event has on the websocket and /api/v1/events.
func jsonOf(tb testing.TB, ev *queue.Event) []byte {
	tb.Helper()
	b, err := json.Marshal(ev)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// readAll reads every event of the segment after since, personal fields
// restored from personal when it is not nil.
func readAll(tb testing.TB, seg interface {
	EachEvent(uint64, func(*queue.Event) error) error
}, since uint64, restore func(*queue.Event)) [][]byte {
	tb.Helper()
	var out [][]byte
	err := seg.EachEvent(since, func(ev *queue.Event) error {
		if restore != nil {
			restore(ev)
		}
		out = append(out, jsonOf(tb, ev))
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// sameEvents fails unless got holds exactly the JSON of want.
func sameEvents(tb testing.TB, got [][]byte, want []queue.Event) {
	tb.Helper()
	if len(got) != len(want) {
		tb.Fatalf("%d events read back, %d written", len(got), len(want))
	}
	for i := range want {
		if w := jsonOf(tb, &want[i]); !bytes.Equal(got[i], w) {
			tb.Fatalf("event %d (seq %d) differs:\n got %s\nwant %s", i, want[i].Seq, got[i], w)
		}
	}
}
