package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"hallq/queue"
)

// TestOneCommitPath: Commit is the one write path of its two callers. The
// hall's committer (a few events per call, with the running figures) and the
// simulator (a whole day in one call) leave the same bytes in every bucket:
// events, tickets, tracking codes, counters, services, records, the live
// indexes and the rollups, which also equal the ones rebuilt from the log.
// Ticket facts and rating facts keep their newest revision in ticket order
// (mergeByTicket), whichever commit carried it.
func TestOneCommitPath(t *testing.T) {
	evs := commitPathEvents()
	hallLike, bulk := openTemp(t), openTemp(t)
	for i := 0; i < len(evs); i += 2 { // the committer's small groups
		run := queue.Running{Day: "2026-11-23", Seq: evs[min(i+2, len(evs))-1].Seq}
		if err := hallLike.Commit(evs[i:min(i+2, len(evs))], &run); err != nil {
			t.Fatal(err)
		}
	}
	if err := bulk.Commit(evs, nil); err != nil {
		t.Fatal(err)
	}
	a, b := written(t, hallLike), written(t, bulk)
	if len(a) == 0 || !maps.Equal(a, b) {
		for _, k := range slices.Sorted(maps.Keys(a)) {
			if a[k] != b[k] {
				t.Errorf("%q: hall's commits %q, one commit %q", k, a[k], b[k])
			}
		}
		for k := range b {
			if _, ok := a[k]; !ok {
				t.Errorf("%q only in the one commit", k)
			}
		}
	}
	if err := hallLike.RebuildRollups(); err != nil {
		t.Fatal(err)
	}
	if c := written(t, hallLike); !maps.Equal(a, c) {
		t.Error("rollups rebuilt from the event log differ from the ones written with the events")
	}

	var days []RollupDay
	if err := bulk.EachRollupDay("2026-11-23", "2026-11-23", func(d *RollupDay) error {
		days = append(days, RollupDay{Day: d.Day, Tickets: slices.Clone(d.Tickets), Ratings: slices.Clone(d.Ratings)})
		return nil
	}); err != nil || len(days) != 1 {
		t.Fatalf("rollup days %+v: %v", days, err)
	}
	var ids []uint64
	for _, f := range days[0].Tickets {
		ids = append(ids, f.ID)
	}
	if !slices.Equal(ids, []uint64{1, 2, 3}) || days[0].Tickets[0].Status != queue.Done || days[0].Tickets[0].Rev != 3 ||
		days[0].Tickets[1].Status != queue.Transferred || days[0].Tickets[2].Status != queue.Waiting {
		t.Errorf("ticket facts %+v, want 1 done at rev 3, 2 transferred, 3 waiting", days[0].Tickets)
	}
	if r := days[0].Ratings; len(r) != 2 || r[0].Ticket != 1 || r[0].Score != 4 || r[0].Rev != 2 || r[1].Ticket != 2 || r[1].Score != 5 {
		t.Errorf("rating facts %+v, want ticket 1 scored 4 at rev 2, then ticket 2 scored 5", r)
	}
	if tk, err := bulk.TicketByTracking("TRK2"); err != nil || tk.ID != 3 {
		t.Errorf("tracking code of the transferred ticket: %+v %v, want ticket 3", tk, err)
	}
}

// commitPathEvents is a morning: ticket 1 issued, called, finished and
// rated twice (the second rating a newer revision of the first); ticket 2
// issued, rated and transferred to ticket 3 (same tracking code); a counter
// and a service changed on the way.
func commitPathEvents() []queue.Event {
	loc, _ := time.LoadLocation(queue.DefaultTimeZone)
	at := func(m int) time.Time { return time.Date(2026, 11, 23, 9, m, 0, 0, loc) }
	tp := func(m int) *time.Time { x := at(m); return &x }
	tk := func(id uint64, st queue.Status, rev int) queue.Ticket {
		return queue.Ticket{ID: id, Day: "2026-11-23", Number: fmt.Sprintf("A%03d", id), Serial: int(id), Service: "A",
			Priority: queue.Normal, Status: st, IssuedAt: at(int(id)), Tracking: fmt.Sprintf("TRK%d", id), Rev: rev}
	}
	rating := func(ticket uint64, score, rev int) queue.Record {
		data, _ := json.Marshal(map[string]any{"ticket": ticket, "day": "2026-11-23", "score": score, "clerk": "wang", "counter": 1})
		return queue.Record{Kind: "rating", Key: fmt.Sprintf("2026-11-23/%d", ticket), Rev: rev, Data: data}
	}
	called, done := tk(1, queue.Called, 2), tk(1, queue.Done, 3)
	called.CalledAt, called.Counter, called.Clerk = tp(5), 1, "wang"
	done.CalledAt, done.FinishedAt, done.Counter, done.Clerk = tp(5), tp(9), 1, "wang"
	moved, next := tk(2, queue.Transferred, 2), tk(3, queue.Waiting, 1)
	moved.TransferredTo, next.TransferredFrom, next.Tracking, next.Service, next.Number = 3, 2, "TRK2", "B", "B001"
	k := func(rev int, current uint64) queue.Counter {
		return queue.Counter{Number: 1, NameZH: "1号窗", Services: []string{"A"}, State: queue.Open, Clerk: "wang", Current: current, Rev: rev}
	}
	sv := func(rev int, name string) queue.Service { return queue.Service{Prefix: "A", NameZH: name, Rev: rev} }
	ev := func(seq uint64, typ string, m int) queue.Event {
		return queue.Event{Seq: seq, Type: typ, At: at(m), Day: "2026-11-23", Actor: "test"}
	}
	e := []queue.Event{
		ev(1, queue.EvSignedIn, 0), ev(2, queue.EvIssued, 1), ev(3, queue.EvIssued, 2), ev(4, queue.EvCalled, 5),
		ev(5, queue.EvFinished, 9), ev(6, "rated", 10), ev(7, "rated", 11), ev(8, "service_changed", 12),
		ev(9, queue.EvTransferred, 13), ev(10, "rated", 14),
	}
	e[0].Counters = []queue.Counter{k(1, 0)}
	e[1].Tickets = []queue.Ticket{tk(1, queue.Waiting, 1)}
	e[2].Tickets = []queue.Ticket{tk(2, queue.Waiting, 1)}
	e[3].Tickets, e[3].Counters = []queue.Ticket{called}, []queue.Counter{k(2, 1)}
	e[4].Tickets, e[4].Counters = []queue.Ticket{done}, []queue.Counter{k(3, 0)}
	e[5].Records = []queue.Record{rating(1, 2, 1)}
	e[6].Records = []queue.Record{rating(1, 4, 2)}
	e[7].Services = []queue.Service{sv(2, "综合业务")}
	e[8].Tickets = []queue.Ticket{moved, next}
	e[9].Records = []queue.Record{rating(2, 5, 1)}
	return e
}

func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := OpenWith(t.TempDir(), OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// written is every key and value a commit writes, "bucket/key" → value,
// without the running figures (only the hall's commits carry them) and the
// store's own meta keys (schema, epoch).
func written(t *testing.T, s *Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := s.view(func(tx *bolt.Tx) error {
		var walk func(name string, b *bolt.Bucket) error
		walk = func(name string, b *bolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error {
				if v == nil {
					return walk(name+"/"+string(k), b.Bucket(k))
				}
				out[name+"/"+fmt.Sprintf("%x", k)] = string(v)
				return nil
			})
		}
		for _, name := range [][]byte{bEvents, bTickets, bTracking, bCounters, bServices, bRecords, bRollups} {
			if err := walk(string(name), tx.Bucket(name)); err != nil {
				return err
			}
		}
		lb := tx.Bucket(bLive)
		lb.ForEach(func(k, v []byte) error {
			if !bytes.Equal(k, liveCore) && k[0] != 's' {
				out["live/"+fmt.Sprintf("%x", k)] = string(v)
			}
			return nil
		})
		out["meta/ticket_id"] = string(tx.Bucket(bMeta).Get(metaTicketID))
		out["meta/rollups"] = string(tx.Bucket(bMeta).Get(metaRollups))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
