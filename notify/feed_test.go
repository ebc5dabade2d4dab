package notify_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"hallq/notify"
	"hallq/queue"
)

type sink struct {
	mu  sync.Mutex
	got []notify.Message
}

func (s *sink) Notify(_ context.Context, m notify.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, m)
	return nil
}

// TestFeedSoonAndCalled: six customers with phones; as the counter calls,
// each is told 即将叫到 once, when 3 are ahead, and told when called.
func TestFeedSoonAndCalled(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, loc)
	e, err := queue.New(queue.Config{NameZH: "厅", Services: []queue.Service{{Prefix: "A", NameZH: "缴费"}},
		Counters: []queue.Counter{{Number: 1, Services: []string{"A"}}}}, now)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := open(t, t.TempDir(), "http://gw.invalid/hook")
	out := &sink{}
	s.Client = out
	set := s.Settings()
	set.Called = true
	if err := s.SaveSettings(set); err != nil {
		t.Fatal(err)
	}
	feed := s.Feed("测试厅")
	seq := uint64(0)
	send := func(ev queue.Event) {
		seq++
		ev.Seq = seq
		feed(ev, e)
	}
	ev, _ := e.SignIn(1, queue.Clerk{User: "c1"}, now)
	send(ev)
	for i := 0; i < 6; i++ {
		ev, err := e.Issue(queue.IssueRequest{Service: "A", Phone: fmt.Sprintf("1380013800%d", i), Tracking: fmt.Sprint(i)}, now)
		if err != nil {
			t.Fatal(err)
		}
		send(ev)
	}
	for i := 0; i < 6; i++ {
		now = now.Add(time.Minute)
		if i > 0 {
			ev, _ := e.Finish(1, "c1", "", now)
			send(ev)
		}
		ev, _, err := e.CallNext(1, "c1", now)
		if err != nil {
			t.Fatal(err)
		}
		send(ev)
	}
	s.Wait()
	var soon, called []string
	for _, m := range out.got {
		if m.Hall != "测试厅" || m.Text == "" || m.Phone == "" {
			t.Errorf("message %+v", m)
		}
		switch m.Kind {
		case notify.KindSoon:
			soon = append(soon, fmt.Sprintf("%s:%d", m.Ticket, m.Ahead))
		case notify.KindCalled:
			called = append(called, m.Ticket)
		}
	}
	sort.Strings(soon)
	want := "[A002:0 A003:1 A004:2 A005:3 A006:3]"
	if fmt.Sprint(soon) != want {
		t.Errorf("即将叫到 = %v, want %s", soon, want)
	}
	if len(called) != 6 {
		t.Errorf("called = %v", called)
	}
}
