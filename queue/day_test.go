package queue_test

import (
	"reflect"
	"testing"
	"time"

	"hallq/queue"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestRoll runs a day with every kind of ticket and counter up to the hall's
// local midnight and rolls it over as a hall that was not running at
// midnight does (RollClosed): everything open is cancelled, every counter
// closed. TestRollAtMidnight is the roll of a running hall.
func TestRoll(t *testing.T) {
	tests := []struct {
		name     string
		tz       string
		start    string // the day's last second
		roll     string // the next day's first
		day, new string
	}{
		{"Asia/Shanghai by default", "", "2026-11-23T15:59:59Z", "2026-11-23T16:00:00Z", "2026-11-23", "2026-11-24"},
		{"Asia/Shanghai named", "Asia/Shanghai", "2026-11-23T15:59:59Z", "2026-11-23T16:00:00Z", "2026-11-23", "2026-11-24"},
		{"UTC hall at UTC midnight", "UTC", "2026-11-23T23:59:59Z", "2026-11-24T00:00:00Z", "2026-11-23", "2026-11-24"},
		{"Urumqi hall (UTC+6)", "Asia/Urumqi", "2026-11-23T17:59:59Z", "2026-11-23T18:00:00Z", "2026-11-23", "2026-11-24"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.TimeZone = tt.tz
			// Counter 4 stays closed all day: the roll leaves it alone.
			cfg.Counters = append(cfg.Counters, queue.Counter{Number: 4, NameZH: "4号窗口", NameEN: "Counter 4", Services: []string{"C"}})
			// The day starts an hour before its last second.
			f := newFx(t, cfg, utc(tt.start).Add(-time.Hour))
			if f.e.Day() != tt.day {
				t.Fatalf("day %s, want %s", f.e.Day(), tt.day)
			}
			f.signIn(1)
			f.signIn(2)
			f.signIn(3)
			f.issueReq(queue.IssueRequest{Service: "A", Phone: "13800138000"}) // 1 A001 serving
			f.issueReq(queue.IssueRequest{Service: "A", Phone: "13800138000"}) // 2 A002 done
			f.issue("B", queue.Normal)                                         // 3 B001 waiting
			f.issue("B", queue.Normal)                                         // 4 B002 postponed
			f.issue("B", queue.Normal)                                         // 5 B003 called, then transferred to C as 7
			f.issue("C", queue.Normal)                                         // 6 C001 cancelled
			f.callTicket(1, 1)
			f.ok(func() (queue.Event, error) { return f.e.Start(1, "clerk1", f.now) })
			f.callTicket(2, 2)
			f.tick(time.Minute)
			f.ok(func() (queue.Event, error) { return f.e.Finish(2, "clerk2", "", f.now) })
			f.callTicket(2, 4)
			f.ok(func() (queue.Event, error) { return f.e.Postpone(2, "clerk2", f.now) })
			f.callTicket(2, 5)
			f.ok(func() (queue.Event, error) {
				return f.e.Transfer(2, queue.TransferRequest{Service: "C"}, "clerk2", f.now)
			})
			f.ok(func() (queue.Event, error) { return f.e.Cancel(6, "left", f.now) })
			f.ok(func() (queue.Event, error) { return f.e.Pause(3, "lunch", f.now) })
			f.refused(queue.ELIMIT, func() error { _, err := f.e.Issue(queue.IssueRequest{Service: "B"}, f.now); return err })
			f.refused(queue.ELIMIT, func() error {
				_, err := f.e.Issue(queue.IssueRequest{Service: "C", Phone: "13800138000"}, f.now)
				return err
			})

			f.now = utc(tt.start)
			before := capture(f.e, f.now)
			if ev, ok := f.e.RollClosed(f.now); ok || !reflect.DeepEqual(ev, queue.Event{}) {
				t.Fatalf("Roll at %s rolled: %+v", f.now, ev)
			}
			if after := capture(f.e, f.now); !reflect.DeepEqual(before, after) {
				t.Fatalf("a Roll within the day changed the state:\n%s", diffState(before, after))
			}

			f.now = utc(tt.roll)
			ev, ok := f.e.RollClosed(f.now)
			if !ok {
				t.Fatalf("Roll at %s did not roll", f.now)
			}
			if ev.Type != queue.EvDayRolled || ev.Day != tt.new || !ev.At.Equal(f.now) || ev.Reason != "day_end" || ev.Counter != 0 || ev.Ticket != 0 {
				t.Errorf("event header %+v", ev)
			}
			var wantTickets []queue.Ticket
			for _, tk := range before.Tickets {
				if tk.Status.Final() {
					continue
				}
				tk.Status, tk.FinishedAt, tk.Note = queue.Cancelled, ptr(f.now), "营业日结束 / day ended"
				tk.Rev++
				wantTickets = append(wantTickets, tk)
			}
			if got := numbers(wantTickets); !reflect.DeepEqual(got, []string{"A001", "B001", "B002", "B003"}) {
				t.Fatalf("open tickets before the roll: %v", got)
			}
			if !reflect.DeepEqual(ev.Tickets, wantTickets) {
				t.Errorf("cancelled tickets\n got %+v\nwant %+v", ev.Tickets, wantTickets)
			}
			// The roll closes every counter; the event carries those it
			// changed (a counter closed before with no one served is not).
			var wantCounters, wantChanged []queue.Counter
			for _, c := range before.Counters {
				was := c
				c.State, c.PauseReason, c.PausedAt = queue.Closed, "", nil
				c.Clerk, c.ClerkName, c.StaffNo, c.Current, c.ServedToday = "", "", "", 0, 0
				if !reflect.DeepEqual(c, was) {
					c.Rev++
					wantChanged = append(wantChanged, c)
				}
				wantCounters = append(wantCounters, c)
			}
			if len(wantChanged) == 0 || len(wantChanged) == len(wantCounters) {
				t.Fatalf("the day should leave some counters closed and untouched and change others: %+v", before.Counters)
			}
			if !reflect.DeepEqual(ev.Counters, wantChanged) {
				t.Errorf("counters\n got %+v\nwant %+v", ev.Counters, wantChanged)
			}
			if len(ev.Services) != 0 {
				t.Errorf("services in the roll: %+v", ev.Services)
			}
			if f.e.Day() != tt.new || len(f.e.Tickets()) != 0 || !reflect.DeepEqual(f.e.Counters(), wantCounters) ||
				!reflect.DeepEqual(f.e.Services(), before.Services) {
				t.Errorf("after the roll: day %s tickets %v counters %+v", f.e.Day(), f.e.Tickets(), f.e.Counters())
			}
			if _, ok := f.e.Ticket(1); ok {
				t.Errorf("yesterday's ticket 1 is still live")
			}
			snap := f.e.Snapshot(f.now)
			for _, s := range snap.Services {
				if s.Waiting != 0 || s.OpenCounters != 0 || s.LongestWaitS != 0 {
					t.Errorf("service %s after the roll: %+v", s.Prefix, s)
				}
			}
			if len(snap.Recent) != 0 || snap.Day != tt.new {
				t.Errorf("snapshot after the roll: %+v", snap)
			}
			if _, ok := f.e.RollClosed(f.now.Add(time.Hour)); ok {
				t.Errorf("rolled twice into the same day")
			}

			// Numbering and limits restart; ids go on.
			a := f.issueReq(queue.IssueRequest{Service: "A", Phone: "13800138000"})
			if a.Number != "A001" || a.Serial != 1 || a.ID != 8 || a.Day != tt.new {
				t.Errorf("first ticket of the new day: %+v", a)
			}
			for i, want := range []string{"B001", "B002", "B003"} {
				if got := f.issue("B", queue.Normal); got.Number != want || got.ID != uint64(9+i) {
					t.Errorf("B ticket %d: %s id %d", i, got.Number, got.ID)
				}
			}
			f.issueReq(queue.IssueRequest{Service: "C", Phone: "13800138000"})
			if c := f.issue("C", queue.Normal); c.Number != "C002" {
				t.Errorf("C after the roll: %s", c.Number)
			}
			f.refused(queue.ECLOSED, func() error { _, _, err := f.e.CallNext(1, "clerk1", f.now); return err })
		})
	}
}

// TestRollCarriesOnAcrossSeveralDays: a roll over a gap of days lands on the
// day of now.
func TestRollCarriesOnAcrossSeveralDays(t *testing.T) {
	f := newFx(t, testConfig(), t0)
	f.issue("A", queue.Normal)
	f.now = t0.AddDate(0, 0, 3)
	ev, ok := f.e.Roll(f.now)
	if !ok || ev.Day != "2026-11-26" || f.e.Day() != "2026-11-26" || len(ev.Tickets) != 1 {
		t.Fatalf("roll: %v %+v", ok, ev)
	}
}

func TestDayOf(t *testing.T) {
	f := newFx(t, testConfig(), t0)
	u := newFx(t, func() queue.Config { c := testConfig(); c.TimeZone = "UTC"; return c }(), t0)
	tests := []struct {
		at           string
		shanghai, tz string
	}{
		{"2026-11-23T15:59:59Z", "2026-11-23", "2026-11-23"},
		{"2026-11-23T16:00:00Z", "2026-11-24", "2026-11-23"},
		{"2026-11-23T23:59:59Z", "2026-11-24", "2026-11-23"},
		{"2026-11-24T00:00:00Z", "2026-11-24", "2026-11-24"},
		{"2026-12-31T16:00:00Z", "2027-01-01", "2026-12-31"},
	}
	for _, tt := range tests {
		t.Run(tt.at, func(t *testing.T) {
			if got := f.e.DayOf(utc(tt.at)); got != tt.shanghai {
				t.Errorf("Shanghai DayOf = %s, want %s", got, tt.shanghai)
			}
			if got := u.e.DayOf(utc(tt.at)); got != tt.tz {
				t.Errorf("UTC DayOf = %s, want %s", got, tt.tz)
			}
		})
	}
	if u.e.Location() != time.UTC && u.e.Location().String() != "UTC" {
		t.Errorf("UTC hall in %s", u.e.Location())
	}
}

func TestOpenAt(t *testing.T) {
	weekday := queue.Hours{Open: "08:30", Close: "17:30"}
	cfg := testConfig()
	cfg.Hours = map[string]queue.Hours{
		"1": weekday, "2": {Open: "00:00", Close: "24:00"}, "3": weekday, "4": weekday, "5": weekday,
		"6": {Open: "09:00", Close: "16:00"}, // Sunday ("7") is missing: closed
	}
	cfg.Holidays = []string{"2026-11-25"} // a Wednesday
	always := newFx(t, testConfig(), t0)
	local := func(day, hms string) time.Time {
		t, err := time.ParseInLocation(time.DateTime, day+" "+hms, shanghai)
		if err != nil {
			panic(err)
		}
		return t
	}
	tests := []struct {
		name string
		at   time.Time
		open bool
	}{
		{"Monday before opening", local("2026-11-23", "08:29:59"), false},
		{"Monday at opening", local("2026-11-23", "08:30:00"), true},
		{"Monday last second", local("2026-11-23", "17:29:59"), true},
		{"Monday at closing", local("2026-11-23", "17:30:00"), false},
		{"Monday opening given in UTC", utc("2026-11-23T00:30:00Z"), true},
		{"Sunday evening UTC is Monday before opening", utc("2026-11-22T23:00:00Z"), false},
		{"Tuesday midnight with 00:00–24:00", local("2026-11-24", "00:00:00"), true},
		{"Tuesday last second with 24:00", local("2026-11-24", "23:59:59"), true},
		{"Wednesday holiday", local("2026-11-25", "10:00:00"), false},
		{"Thursday after the holiday", local("2026-11-26", "10:00:00"), true},
		{"Saturday short hours open", local("2026-11-28", "09:00:00"), true},
		{"Saturday short hours closed", local("2026-11-28", "16:00:00"), false},
		{"Sunday missing", local("2026-11-29", "10:00:00"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A fresh engine each: the cases go back in time, which an
			// engine's state never does (Engine.At).
			f := newFx(t, cfg, t0)
			if got := f.e.OpenAt(tt.at); got != tt.open {
				t.Errorf("OpenAt(%s) = %v, want %v", tt.at, got, tt.open)
			}
			if got := f.e.Snapshot(tt.at).Open; got != tt.open {
				t.Errorf("Snapshot.Open = %v, want %v", got, tt.open)
			}
			if !always.e.OpenAt(tt.at) {
				t.Errorf("a hall without hours is closed at %s", tt.at)
			}
			f.now = tt.at
			_, _ = f.e.Roll(f.now)
			if tt.open {
				f.issue("A", queue.Normal)
			} else {
				f.refused(queue.ECLOSED, func() error { _, err := f.e.Issue(queue.IssueRequest{Service: "A"}, f.now); return err })
			}
		})
	}
}
