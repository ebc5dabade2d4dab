package hall_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"hallq/hall"
	"hallq/queue"
)

// liveFigures is what the read model shows of the day beyond the snapshot:
// the figures a restart must bring back although it no longer reads the
// day's finished tickets.
type liveFigures struct {
	Snapshot     queue.Snapshot
	Waiting      map[int][]queue.Ticket
	Positions    map[uint64][2]int
	Statuses     map[queue.Status]int
	Issued       int
	LastFinished map[int]uint64
}

func figuresOf(f *fixture, counters []int) liveFigures {
	f.t.Helper()
	now := f.h.Now()
	lf := liveFigures{Waiting: map[int][]queue.Ticket{}, Positions: map[uint64][2]int{}, LastFinished: map[int]uint64{}}
	lf.Snapshot, _ = f.h.Snapshot()
	for _, n := range counters {
		lf.Waiting[n] = f.h.Waiting(n)
	}
	f.h.Read(func(v *queue.Engine, _ uint64) {
		lf.Statuses, lf.Issued = v.StatusCounts(), v.Issued()
		for _, n := range counters {
			if t, ok := v.LastFinished(n); ok {
				lf.LastFinished[n] = t.ID
			}
		}
		for _, t := range v.Tickets() {
			if a, w, ok := v.Position(t.ID, now); ok {
				lf.Positions[t.ID] = [2]int{a, w}
			}
		}
	})
	return lf
}

// TestRestartFromOpenTickets: after a busy morning (finishes with real
// service times, no-shows, a postponed ticket, a transfer) a restart
// rebuilds the live state from the open tickets and the running figures
// stored with each commit — it holds only the open tickets and the few the
// figures name — and shows what the hall showed before: the snapshot (the
// latest calls, waiting counts, estimates, counters), each counter's
// waiting order, every waiting ticket's place and estimate, the counts by
// status, the issued total, each counter's last finished ticket and the
// numbering. A finished ticket is still found (from the store), and one
// finished just before the restart is kept for its rating window.
func TestRestartFromOpenTickets(t *testing.T) {
	f := newFixture(t, monday10, false)
	counters := []int{1, 2, 3, 5}
	clerks := map[int]hall.Principal{}
	for _, n := range counters {
		clerks[n] = f.clerk(fmt.Sprintf("clerk%d", n), n)
	}
	svcs := []string{"A", "D", "A", "E", "A", "B", "D", "A", "F", "E", "C", "A"}
	var first queue.Ticket
	cur := map[int]bool{}
	for i := range 150 {
		f.clock.Add(20 * time.Second)
		tk := f.issue(svcs[i%len(svcs)])
		if i == 0 {
			first = tk
		}
		if i%3 != 2 {
			continue
		}
		n := counters[(i/3)%len(counters)]
		p := clerks[n]
		if cur[n] {
			f.clock.Add(time.Duration(25+i%40) * time.Second)
			if i%7 == 0 {
				f.op(p, n, "recall")
				f.op(p, n, "no-show")
			} else {
				f.op(p, n, "start")
				f.clock.Add(time.Duration(30+i%90) * time.Second)
				f.op(p, n, "finish")
			}
		}
		_, err := f.h.Operate(ctx, p, n, hall.CounterOp{Action: "call"})
		if err != nil && !errors.Is(err, hall.ErrNoOneWaiting) {
			t.Fatalf("call at %d: %v", n, err)
		}
		cur[n] = err == nil
	}
	// A postponed ticket and a transferred one among the open ones.
	for _, n := range []int{2, 3, 5} {
		if !cur[n] {
			f.op(clerks[n], n, "call")
		}
	}
	f.op(clerks[2], 2, "postpone")
	f.op(clerks[2], 2, "call")
	if _, err := f.h.Operate(ctx, clerks[3], 3, hall.CounterOp{Action: "transfer", Service: "B"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(30 * time.Second)
	f.op(clerks[5], 5, "start")
	f.clock.Add(3 * time.Minute)
	justDone := f.op(clerks[5], 5, "finish")
	f.clock.Add(10 * time.Second)

	before := figuresOf(f, counters)
	if before.Statuses[queue.Done] < 30 || before.Statuses[queue.NoShow] == 0 || before.Statuses[queue.Waiting] < 20 {
		t.Fatalf("the morning is not busy enough: %v", before.Statuses)
	}
	// The service-time figures learnt from the finishes are running
	// figures (no finish rewrites its service's record): a restart brings
	// them back from the running state.
	services := f.h.Services()
	learnt := 0
	for _, s := range services {
		for _, c := range f.h.Config().Services {
			if c.Prefix == s.Prefix && c.AvgServiceS != s.AvgServiceS {
				learnt++
			}
		}
	}
	if learnt == 0 {
		t.Fatalf("no service's figure moved from its configured one: %+v", services)
	}
	f.restart()
	after := figuresOf(f, counters)
	sameJSON(t, "live state after restart", after, before)
	sameJSON(t, "services after restart", f.h.Services(), services)

	held := 0
	f.h.Read(func(v *queue.Engine, _ uint64) { held = len(v.Tickets()) })
	open := before.Statuses[queue.Waiting] + before.Statuses[queue.Called] + before.Statuses[queue.Serving]
	if held > open+queue.RecentSize+len(counters)+1 {
		t.Errorf("the restarted queue holds %d tickets for %d open ones: it read the whole day", held, open)
	}
	if got, err := f.h.Ticket(first.ID); err != nil || !got.Status.Final() {
		t.Errorf("a finished ticket after restart: %+v %v", got, err)
	}

	// What comes next is numbered and counted as before.
	f.clock.Add(time.Second)
	next := f.issue("A")
	serial := 0
	f.h.Read(func(v *queue.Engine, _ uint64) { serial = v.Issued() })
	if serial != before.Issued+1 {
		t.Errorf("issued %d after one more, want %d", serial, before.Issued+1)
	}
	if next.Number != nextNumber(t, f, "A", next) {
		t.Errorf("next A ticket numbered %s", next.Number)
	}

	// The service finished just before the restart is still in the queue
	// for its rating window (rating's TestExpireAfterRestart: it gets its
	// 未评价 once the window has passed).
	if _, ok := ticketOf(f.h, justDone.ID); !ok {
		t.Errorf("the service finished before the restart (%s) is not kept for its rating window", justDone.Number)
	}
}

// nextNumber is the number the ticket after the day's highest of prefix
// gets, from the store's tickets of the day.
func nextNumber(t *testing.T, f *fixture, prefix string, issued queue.Ticket) string {
	t.Helper()
	all, err := f.h.Store().Tickets(issued.Day, issued.Day)
	if err != nil {
		t.Fatal(err)
	}
	hi := 0
	for _, tk := range all {
		if tk.ID != issued.ID && tk.Number[:1] == prefix && tk.TransferredFrom == 0 {
			hi = max(hi, tk.Serial)
		}
	}
	return fmt.Sprintf("%s%03d", prefix, hi+1)
}

func ticketOf(h *hall.Hall, id uint64) (t queue.Ticket, ok bool) {
	h.Read(func(v *queue.Engine, _ uint64) { t, ok = v.Ticket(id) })
	return t, ok
}

// TestFinishFigureToListeners: a finish is stored without its service (the
// service-time figure is a running figure), and the hall's listeners (the
// websocket hub) get it with the service as the read model has it after the
// finish, as they did when the event carried it.
func TestFinishFigureToListeners(t *testing.T) {
	f := newFixture(t, monday10, false)
	p := f.clerk("clerk1", 1)
	var got []queue.Event
	cancel := f.h.Listen(func(ev queue.Event, _ *queue.Engine) {
		if ev.Type == queue.EvFinished {
			got = append(got, ev)
		}
	})
	defer cancel()
	tk := f.issue("A")
	f.op(p, 1, "call")
	f.op(p, 1, "start")
	f.clock.Add(4 * time.Minute)
	done := f.op(p, 1, "finish")
	if done.ID != tk.ID {
		t.Fatalf("finished %d, issued %d", done.ID, tk.ID)
	}
	var svc queue.Service
	for _, s := range f.h.Services() {
		if s.Prefix == "A" {
			svc = s
		}
	}
	if len(got) != 1 || len(got[0].Services) != 1 || got[0].Services[0].Prefix != "A" || got[0].Services[0].AvgServiceS != svc.AvgServiceS {
		t.Fatalf("listeners got the finish %+v; the service is %+v", got, svc)
	}
	stored, err := f.h.Store().Events(got[0].Seq-1, 1)
	if err != nil || len(stored) != 1 || stored[0].Type != queue.EvFinished {
		t.Fatalf("stored finish: %+v %v", stored, err)
	}
	if len(stored[0].Services) != 0 {
		t.Errorf("the stored finish carries its service: %+v", stored[0].Services)
	}
}
