package rating_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"hallq/hall"
	"hallq/internal/halltest"
	"hallq/queue"
	"hallq/rating"
)

var (
	ctx = context.Background()
	// monday10 is Monday 2026-11-23 10:00 in the hall's time zone: the
	// default hall is open (08:30–17:30).
	monday10 = halltest.Monday10
	kiosk    = hall.Principal{Kind: "device", Name: "取号机1", Role: hall.KindKiosk}
)

// fixture is a hall under test with its rating loop (its job not
// scheduled: the tests call Expire), and what it needs to reopen it.
type fixture struct {
	t      *testing.T
	dir    string
	clock  *halltest.Clock
	always bool
	h      *hall.Hall
	r      *rating.Service
}

// newFixture opens a hall in a fresh directory. always: no opening hours.
func newFixture(t *testing.T, now time.Time, always bool) *fixture {
	t.Helper()
	f := &fixture{t: t, dir: t.TempDir(), clock: halltest.NewClock(now), always: always}
	f.open()
	return f
}

// open opens the hall in f.dir; when the test ends it is checked and closed.
func (f *fixture) open() {
	f.t.Helper()
	f.h = halltest.Open(f.t, hall.Options{Dir: f.dir, Now: f.clock.Now, AlwaysOpen: f.always})
	f.r = rating.New(f.h, rating.Options{Every: -1})
}

// restart checks and closes the hall, then opens it again.
func (f *fixture) restart() {
	f.t.Helper()
	halltest.CheckClose(f.t, f.h)
	f.open()
}

// clerk adds a clerk and signs them in at counter n (0: no counter).
func (f *fixture) clerk(name string, n int) (token string, p hall.Principal) {
	f.t.Helper()
	return halltest.Clerk(f.t, f.h, name, n)
}

func (f *fixture) login(name string, n int) (string, hall.Principal) {
	f.t.Helper()
	return halltest.Login(f.t, f.h, name, n)
}

// rating reads ticket id's committed rating record through the kernel's
// typed accessor; ok is false when there is none.
func (f *fixture) rating(id uint64) (r rating.Rating, ok bool, err error) {
	return hall.Load[rating.Rating](f.h, rating.Kind, rating.Key(id))
}

func (f *fixture) manager() hall.Principal {
	f.t.Helper()
	return halltest.Manager(f.t, f.h)
}

func (f *fixture) issue(svc string) queue.Ticket {
	f.t.Helper()
	t, err := f.h.Issue(ctx, kiosk, hall.IssueRequest{Service: svc})
	if err != nil {
		f.t.Fatalf("issue %s: %v", svc, err)
	}
	return t
}

func (f *fixture) op(p hall.Principal, n int, action string) queue.Ticket {
	f.t.Helper()
	t, err := f.h.Operate(ctx, p, n, hall.CounterOp{Action: action})
	if err != nil {
		f.t.Fatalf("%s at counter %d: %v", action, n, err)
	}
	return t
}

// sameJSON fails the test unless got and want encode to the same JSON.
func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if !bytes.Equal(g, w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// recorder collects what listeners are told, and checks every event against
// the view it comes with.
type recorder struct {
	mu       sync.Mutex
	events   []queue.Event
	problems []string
}

func (r *recorder) listen(h *hall.Hall) (cancel func()) {
	return h.Listen(func(ev queue.Event, view *queue.Engine) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.events = append(r.events, ev)
		for _, t := range ev.Tickets {
			if t.Day != view.Day() {
				continue
			}
			if got, ok := view.Ticket(t.ID); !ok || got.Rev != t.Rev || got.Status != t.Status {
				r.problems = append(r.problems, fmt.Sprintf("seq %d: view has ticket %d as %+v, event says rev %d %s", ev.Seq, t.ID, got, t.Rev, t.Status))
			}
		}
		for _, c := range ev.Counters {
			if got, ok := view.Counter(c.Number); !ok || got.Rev != c.Rev || got.Current != c.Current || got.State != c.State || got.Clerk != c.Clerk {
				r.problems = append(r.problems, fmt.Sprintf("seq %d: view has counter %d as %+v, event says %+v", ev.Seq, c.Number, got, c))
			}
		}
		if ev.Type == queue.EvDayRolled && view.Day() != ev.Day {
			r.problems = append(r.problems, fmt.Sprintf("seq %d: rolled to %s, view at %s", ev.Seq, ev.Day, view.Day()))
		}
	})
}

func (r *recorder) get() ([]queue.Event, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events), slices.Clone(r.problems)
}
