package queue_test

import (
	"fmt"
	"testing"

	"hallq/queue"
)

// TestSnapshotRecentTieBreak: calls made in the same instant are listed
// newest ticket first, the same way every time, and the ten kept are the ten
// newest, whatever order the engine's map yields them in.
func TestSnapshotRecentTieBreak(t *testing.T) {
	cfg := testConfig()
	at := t0.Add(-5 * 60e9)
	var tickets []queue.Ticket
	for i := 1; i <= 14; i++ {
		tickets = append(tickets, queue.Ticket{
			ID: uint64(i), Day: "2026-11-23", Serial: i, Number: fmt.Sprintf("A%03d", i), Service: "A",
			Priority: queue.Normal, Status: queue.Done, IssuedAt: at, CalledAt: &at, LastCalledAt: &at,
			StartedAt: &at, FinishedAt: &at, Counter: 1 + i%3, Clerk: "clerk1", Tracking: fmt.Sprintf("trk-%d", i),
		})
	}
	// One later call goes first whatever its id.
	later := at.Add(60e9)
	tickets[2].LastCalledAt = &later
	for round := range 30 {
		e, err := queue.New(cfg, t0)
		if err != nil {
			t.Fatal(err)
		}
		e.Restore("2026-11-23", cfg.Services, cfg.Counters, append([]queue.Ticket(nil), tickets...), 14)
		snap := e.Snapshot(t0)
		var got []uint64
		for _, r := range snap.Recent {
			got = append(got, r.ID)
		}
		want := []uint64{3, 14, 13, 12, 11, 10, 9, 8, 7, 6}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("round %d: recent ids %v, want %v", round, got, want)
		}
	}
}
