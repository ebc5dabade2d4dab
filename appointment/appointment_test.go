package appointment_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"hallq/account"
	"hallq/appointment"
	"hallq/hall"
	"hallq/hall/config"
	"hallq/queue"
)

type apptClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *apptClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *apptClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

var apptLoc, _ = time.LoadLocation("Asia/Shanghai")

// apptAt is Monday 23 November 2026 at hh:mm:ss in the hall.
func apptAt(hh, mm, ss int) time.Time { return time.Date(2026, 11, 23, hh, mm, ss, 0, apptLoc) }

var apptManager = hall.Principal{Kind: "user", Name: "manager", Role: hall.RoleManager}
var apptClerk = hall.Principal{Kind: "user", Name: "clerk1", Role: hall.RoleClerk, Counter: 1}
var apptKiosk = hall.Principal{Kind: "device", Name: "kiosk", Role: hall.KindKiosk}
var apptPublic = hall.Principal{}

// apptFixture is a hall with its appointments.
type apptFixture struct {
	*hall.Hall
	appts *appointment.Service
}

// apptHall opens the default hall (with its opening hours) at Monday 10:00.
func apptHall(t *testing.T) (*apptFixture, *apptClock, string) {
	t.Helper()
	return apptHallIn(t, t.TempDir(), true)
}

// apptHallIn opens the hall in dir; check runs the store check at cleanup.
func apptHallIn(t *testing.T, dir string, check bool) (*apptFixture, *apptClock, string) {
	t.Helper()
	clock := &apptClock{t: apptAt(10, 0, 0)}
	h, err := hall.Open(hall.Options{Dir: dir, Now: clock.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Tick: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	h.Authorise(account.Rules{})
	t.Cleanup(func() {
		if !check {
			return
		}
		if err := h.Store().Check(); err != nil {
			t.Errorf("store check: %v", err)
		}
		h.Close()
	})
	return &apptFixture{Hall: h, appts: appointment.New(h, appointment.Options{})}, clock, dir
}

func apptSettings(t *testing.T, h *apptFixture, edit func(s *appointment.Settings)) {
	t.Helper()
	s, err := h.appts.Settings()
	if err != nil {
		t.Fatal(err)
	}
	edit(&s)
	if _, err := h.appts.SetSettings(context.Background(), apptManager, s); err != nil {
		t.Fatal(err)
	}
}

func apptCode(t *testing.T, err error, want string) {
	t.Helper()
	if got := queue.ErrorCode(err); got != want {
		t.Fatalf("error %v: code %q, want %q", err, got, want)
	}
}

// TestAppointmentCapacityConcurrent: many callers booking the same slot at
// once never overbook it, and the store agrees after a reopen.
func TestAppointmentCapacityConcurrent(t *testing.T) {
	h, _, _ := apptHall(t)
	apptSettings(t, h, func(s *appointment.Settings) {
		for i := range s.Plans {
			if s.Plans[i].Service == "B" {
				s.Plans[i].Capacity = 3
			}
		}
	})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var ok []string
	codes := map[string]int{}
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := apptPublic
			if i%2 == 0 {
				p = apptClerk
			}
			a, err := h.appts.Book(context.Background(), p, appointment.BookRequest{Service: "B", Day: "2026-11-24", Slot: "09:00", Phone: fmt.Sprintf("139%08d", i)})
			mu.Lock()
			defer mu.Unlock()
			codes[queue.ErrorCode(err)]++
			if err == nil {
				ok = append(ok, a.Code)
			}
		}()
	}
	wg.Wait()
	if len(ok) != 3 || codes[queue.ECONFLICT] != 37 {
		t.Fatalf("40 bookings of a slot of 3: %d booked, outcomes %v", len(ok), codes)
	}
	slots, err := h.appts.Slots("B", "2026-11-24")
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(slots, func(s appointment.SlotView) bool { return s.Slot == "09:00" })
	if i < 0 || slots[i].Booked != 3 || slots[i].Available != 0 || slots[i].Capacity != 3 {
		t.Fatalf("slot 09:00 after the rush: %+v", slots)
	}
	list, err := h.appts.List("2026-11-24")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range list {
		got = append(got, a.Code)
	}
	slices.Sort(got)
	slices.Sort(ok)
	if !slices.Equal(got, ok) {
		t.Errorf("stored bookings %v, acknowledged %v", got, ok)
	}
}

// TestAppointmentCheckInWindow walks the edges of the check-in window
// (default 15 minutes before to 10 minutes after the slot start).
func TestAppointmentCheckInWindow(t *testing.T) {
	h, clock, _ := apptHall(t)
	ctx := context.Background()
	book := func(slot, phone string) appointment.Appointment {
		t.Helper()
		a, err := h.appts.Book(ctx, apptClerk, appointment.BookRequest{Service: "A", Day: "2026-11-23", Slot: slot, Phone: phone})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	a := book("11:00", "13800000001")
	b := book("11:00", "13800000002")
	if len(a.Code) != 8 || a.Status != appointment.Booked || !a.Start.Equal(apptAt(11, 0, 0)) {
		t.Fatalf("booking %+v", a)
	}

	clock.Set(apptAt(10, 44, 59))
	r, err := h.appts.CheckIn(ctx, apptKiosk, appointment.CheckInRequest{Code: a.Code})
	if err != nil || r.Outcome != appointment.CheckInEarly || r.ComeBackAt == nil || !r.ComeBackAt.Equal(apptAt(10, 45, 0)) || r.Ticket != nil {
		t.Fatalf("check-in at 10:44:59: %+v %v", r, err)
	}
	clock.Set(apptAt(10, 45, 0))
	_, err = h.appts.CheckIn(ctx, apptKiosk, appointment.CheckInRequest{Phone: "138 0000 0001"})
	if queue.ErrorCode(err) != queue.EINVALID {
		t.Fatalf("check-in by phone alone: %v, want invalid", err)
	}
	r, err = h.appts.CheckIn(ctx, apptKiosk, appointment.CheckInRequest{Phone: "138 0000 0001", CodePart: a.Code[len(a.Code)-appointment.CodePartLen:]})
	if err != nil || r.Outcome != appointment.CheckInTicket || r.Ticket == nil {
		t.Fatalf("check-in at 10:45:00: %+v %v", r, err)
	}
	tk := r.Ticket
	if tk.Priority != queue.Appointment || tk.DueAt == nil || !tk.DueAt.Equal(apptAt(11, 0, 0)) || tk.Tracking == "" || tk.Service != "A" || tk.Status != queue.Waiting {
		t.Errorf("appointment ticket %+v", tk)
	}
	if tr, err := h.Track(tk.Tracking); err != nil || tr.ID != tk.ID {
		t.Errorf("tracking code of the appointment ticket: %+v %v", tr, err)
	}
	if got, err := h.appts.Get(apptPublic, a.Code, a.Phone); err != nil || got.Status != appointment.CheckedIn || got.Ticket != tk.ID || got.Number != tk.Number {
		t.Errorf("booking after check-in: %+v %v", got, err)
	}
	_, err = h.appts.CheckIn(ctx, apptKiosk, appointment.CheckInRequest{Code: a.Code})
	apptCode(t, err, queue.ECONFLICT)

	clock.Set(apptAt(11, 10, 0))
	c := book("11:30", "13800000003")
	r, err = h.appts.CheckIn(ctx, apptKiosk, appointment.CheckInRequest{Code: b.Code})
	if err != nil || r.Outcome != appointment.CheckInTicket {
		t.Fatalf("check-in at 11:10:00, the last moment: %+v %v", r, err)
	}
	clock.Set(apptAt(11, 40, 1))
	r, err = h.appts.CheckIn(ctx, apptKiosk, appointment.CheckInRequest{Code: c.Code})
	if err != nil || r.Outcome != appointment.CheckInLate || r.Ticket != nil || r.Appointment.Status != appointment.NoShow {
		t.Fatalf("check-in at 11:40:01, too late: %+v %v", r, err)
	}
	_, err = h.appts.CheckIn(ctx, apptKiosk, appointment.CheckInRequest{Code: "00000000"})
	apptCode(t, err, queue.ENOTFOUND)
	_, err = h.appts.CheckIn(ctx, apptKiosk, appointment.CheckInRequest{})
	apptCode(t, err, queue.EINVALID)
	_, err = h.appts.CheckIn(ctx, hall.Principal{Kind: "device", Name: "d", Role: hall.KindDisplay}, appointment.CheckInRequest{Code: a.Code})
	apptCode(t, err, queue.EFORBIDDEN)

	// The due appointment is called before a walk-in who came earlier.
	clock.Set(apptAt(11, 41, 0))
	f, err := h.appts.Figures("2026-11-23", "2026-11-23")
	if err != nil {
		t.Fatal(err)
	}
	if f.Booked != 3 || f.CheckedIn != 2 || f.NoShow != 1 || f.Pending != 0 {
		t.Errorf("figures %+v", f)
	}
}

// TestAppointmentCalledFirst: a checked-in appointment that is due is called
// before walk-ins of its service that came earlier.
func TestAppointmentCalledFirst(t *testing.T) {
	h, clock, _ := apptHall(t)
	ctx := context.Background()
	a, err := h.appts.Book(ctx, apptPublic, appointment.BookRequest{Service: "A", Day: "2026-11-23", Slot: "10:30", Phone: "13800000009"})
	if err != nil {
		t.Fatal(err)
	}
	clock.Set(apptAt(10, 20, 0))
	walk, err := h.Issue(ctx, apptKiosk, hall.IssueRequest{Service: "A"})
	if err != nil {
		t.Fatal(err)
	}
	clock.Set(apptAt(10, 25, 0))
	r, err := h.appts.CheckIn(ctx, apptKiosk, appointment.CheckInRequest{Code: a.Code})
	if err != nil || r.Ticket == nil {
		t.Fatalf("check-in: %+v %v", r, err)
	}
	clock.Set(apptAt(10, 30, 0))
	if _, err := h.Operate(ctx, apptManager, 1, hall.CounterOp{Action: "resume"}); err != nil && queue.ErrorCode(err) != queue.ECONFLICT {
		t.Logf("resume: %v", err)
	}
	w := h.Waiting(1)
	if len(w) < 2 || w[0].ID != r.Ticket.ID || w[1].ID != walk.ID {
		t.Fatalf("calling order at counter 1: %+v, want appointment %s before walk-in %s", w, r.Ticket.Number, walk.Number)
	}
}

// TestAppointmentRelease: a booking nobody checks in for is released once
// its window closes, counted as a no-show, and frees the phone's quota.
func TestAppointmentRelease(t *testing.T) {
	h, clock, dir := apptHallIn(t, t.TempDir(), false)
	ctx := context.Background()
	apptSettings(t, h, func(s *appointment.Settings) { s.PhoneLimit = 1; s.LateMinutes = 5 })
	a, err := h.appts.Book(ctx, apptPublic, appointment.BookRequest{Service: "C", Day: "2026-11-23", Slot: "11:00", Phone: "13912345678"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.appts.Book(ctx, apptPublic, appointment.BookRequest{Service: "C", Day: "2026-11-24", Slot: "11:00", Phone: "13912345678"})
	apptCode(t, err, queue.ELIMIT)

	clock.Set(apptAt(11, 5, 0))
	if n, err := h.appts.Release(ctx); err != nil || n != 0 {
		t.Fatalf("release at the window's last moment: %d %v", n, err)
	}
	clock.Set(apptAt(11, 5, 1))
	if n, err := h.appts.Release(ctx); err != nil || n != 1 {
		t.Fatalf("release after the window: %d %v", n, err)
	}
	if n, err := h.appts.Release(ctx); err != nil || n != 0 {
		t.Fatalf("second release: %d %v", n, err)
	}
	got, err := h.appts.Get(apptManager, a.Code, "")
	if err != nil || got.Status != appointment.NoShow || got.ReleasedAt == nil {
		t.Fatalf("released booking: %+v %v", got, err)
	}
	if _, err := h.appts.Book(ctx, apptPublic, appointment.BookRequest{Service: "C", Day: "2026-11-24", Slot: "11:00", Phone: "13912345678"}); err != nil {
		t.Fatalf("booking after the release freed the quota: %v", err)
	}
	f, err := h.appts.Figures("2026-11-23", "2026-11-24")
	if err != nil || f.Booked != 2 || f.NoShow != 1 || f.Pending != 1 || f.CheckedIn != 0 {
		t.Fatalf("figures %+v %v", f, err)
	}
	// It stays released after a restart.
	h.Close()
	h2, err := hall.Open(hall.Options{Dir: dir, Now: clock.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Tick: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	h2.Authorise(account.Rules{})
	defer h2.Close()
	if err := h2.Store().Check(); err != nil {
		t.Error(err)
	}
	if got, err := appointment.New(h2, appointment.Options{}).Get(apptManager, a.Code, ""); err != nil || got.Status != appointment.NoShow {
		t.Errorf("after reopen: %+v %v", got, err)
	}
}

// TestAppointmentPhoneLimitCancelReschedule: the per-phone limit, cancel and
// reschedule by code, and the refusals of bad requests.
func TestAppointmentPhoneLimitCancelReschedule(t *testing.T) {
	h, _, _ := apptHall(t)
	ctx := context.Background()
	phone := "13700000000"
	req := func(day, slot string) appointment.BookRequest {
		return appointment.BookRequest{Service: "B", Day: day, Slot: slot, Phone: phone}
	}
	a, err := h.appts.Book(ctx, apptPublic, req("2026-11-24", "09:00"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.appts.Book(ctx, apptPublic, req("2026-11-25", "09:00")); err != nil {
		t.Fatal(err)
	}
	_, err = h.appts.Book(ctx, apptPublic, req("2026-11-26", "09:00"))
	apptCode(t, err, queue.ELIMIT)

	// Cancel needs the phone from the public; anyone else's is "not found".
	_, err = h.appts.Cancel(ctx, apptPublic, a.Code, "13700000001")
	apptCode(t, err, queue.ENOTFOUND)
	c, err := h.appts.Cancel(ctx, apptPublic, a.Code, phone)
	if err != nil || c.Status != appointment.Cancelled {
		t.Fatalf("cancel: %+v %v", c, err)
	}
	_, err = h.appts.Cancel(ctx, apptPublic, a.Code, phone)
	apptCode(t, err, queue.ECONFLICT)
	d, err := h.appts.Book(ctx, apptPublic, req("2026-11-26", "09:00"))
	if err != nil {
		t.Fatalf("booking after a cancel: %v", err)
	}

	// Reschedule keeps the code and moves the place.
	r, err := h.appts.Reschedule(ctx, apptPublic, d.Code, phone, "2026-11-27", "14:00")
	if err != nil || r.Code != d.Code || r.Day != "2026-11-27" || r.Slot != "14:00" || r.Rescheduled != 1 {
		t.Fatalf("reschedule: %+v %v", r, err)
	}
	for _, tt := range []struct {
		day, slot string
		booked    int
	}{{"2026-11-26", "09:00", 0}, {"2026-11-27", "14:00", 1}} {
		slots, _ := h.appts.Slots("B", tt.day)
		i := slices.IndexFunc(slots, func(s appointment.SlotView) bool { return s.Slot == tt.slot })
		if i < 0 || slots[i].Booked != tt.booked {
			t.Errorf("%s %s after the reschedule: %+v", tt.day, tt.slot, slots)
		}
	}

	for name, tt := range map[string]struct {
		req  appointment.BookRequest
		code string
	}{
		"unknown service": {appointment.BookRequest{Service: "Q", Day: "2026-11-24", Slot: "09:00", Phone: "13600000000"}, queue.EINVALID},
		"bad phone":       {appointment.BookRequest{Service: "B", Day: "2026-11-24", Slot: "09:00", Phone: "12345"}, queue.EINVALID},
		"past slot":       {appointment.BookRequest{Service: "B", Day: "2026-11-23", Slot: "09:30", Phone: "13600000000"}, queue.EINVALID},
		"beyond horizon":  {appointment.BookRequest{Service: "B", Day: "2026-12-01", Slot: "09:00", Phone: "13600000000"}, queue.EINVALID},
		"not a slot":      {appointment.BookRequest{Service: "B", Day: "2026-11-24", Slot: "09:10", Phone: "13600000000"}, queue.EINVALID},
		"after closing":   {appointment.BookRequest{Service: "B", Day: "2026-11-24", Slot: "17:30", Phone: "13600000000"}, queue.EINVALID},
		"bad day":         {appointment.BookRequest{Service: "B", Day: "24/11/2026", Slot: "09:00", Phone: "13600000000"}, queue.EINVALID},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := h.appts.Book(ctx, apptPublic, tt.req)
			apptCode(t, err, tt.code)
		})
	}
	// The public cancels only with the booking's phone; staff without it.
	other, err := h.appts.Book(ctx, apptPublic, appointment.BookRequest{Service: "B", Day: "2026-11-24", Slot: "10:00", Phone: "13600000001"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.appts.Cancel(ctx, apptKiosk, other.Code, "")
	apptCode(t, err, queue.ENOTFOUND)
	if _, err := h.appts.Cancel(ctx, apptClerk, other.Code, ""); err != nil {
		t.Errorf("clerk cancel: %v", err)
	}
	_, err = h.appts.SetSettings(ctx, apptClerk, appointment.DefaultSettings(h.Config()))
	apptCode(t, err, queue.EFORBIDDEN)
}

// TestAppointmentHolidays: holidays and closed days have no slots.
func TestAppointmentHolidays(t *testing.T) {
	dir := t.TempDir()
	cfg := config.Default()
	cfg.Holidays = []string{"2026-11-25"}
	raw, _ := json.Marshal(cfg)
	if err := os.WriteFile(filepath.Join(dir, config.File), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	h, _, _ := apptHallIn(t, dir, true)
	if hol, err := h.appts.Slots("A", "2026-11-25"); err != nil || len(hol) != 0 {
		t.Fatalf("holiday slots: %+v %v", hol, err)
	}
	slots, err := h.appts.Slots("A", "2026-11-24")
	if err != nil || len(slots) != 18 || slots[0].Slot != "08:30" || slots[17].Slot != "17:00" {
		t.Fatalf("Tuesday slots (08:30–17:30, 30 min): %d %v", len(slots), err)
	}
	sat, err := h.appts.Slots("A", "2026-11-28")
	if err != nil || len(sat) != 14 || sat[0].Slot != "09:00" {
		t.Fatalf("Saturday slots (09:00–16:00): %d %v", len(sat), err)
	}
	today, err := h.appts.Slots("A", "2026-11-23")
	if err != nil || len(today) == 0 || today[0].Slot != "10:30" {
		t.Fatalf("today's slots start after now (10:00): %+v %v", today, err)
	}
}

// TestAppointmentSlotsAroundTheClock: a hall open 00:00–24:00 offers slots
// all day, the last one ending at midnight.
func TestAppointmentSlotsAroundTheClock(t *testing.T) {
	dir := t.TempDir()
	c := config.Default()
	for k := range c.Hours {
		c.Hours[k] = queue.Hours{Open: "00:00", Close: "24:00"}
	}
	raw, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, config.File), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	h, _, _ := apptHallIn(t, dir, true)
	slots, err := h.appts.Slots("B", "2026-11-24")
	if err != nil {
		t.Fatal(err)
	}
	if len(slots) != 48 || slots[0].Slot != "00:00" || slots[47].Slot != "23:30" {
		t.Errorf("%d slots of a 24-hour day, want 48 from 00:00 to 23:30", len(slots))
	}
}

// TestOverridesHonoured: a dated override closes a weekday for bookings and
// for tickets, and opens a 调休 Sunday with its own hours.
func TestOverridesHonoured(t *testing.T) {
	dir := t.TempDir()
	c := config.Default()
	delete(c.Hours, "7") // closed on Sundays
	c.Overrides = map[string]queue.DayHours{
		"2026-11-23": {Closed: true, Name: "停电检修"},                                 // today, a Monday
		"2026-11-29": {Open: "08:30", Close: "12:00", Workday: true, Name: "调休上班"}, // a Sunday
	}
	raw, _ := json.Marshal(c)
	if err := os.WriteFile(filepath.Join(dir, config.File), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	h, _, _ := apptHallIn(t, dir, true)
	if _, err := h.Issue(context.Background(), apptKiosk, hall.IssueRequest{Service: "A"}); queue.ErrorCode(err) != queue.ECLOSED {
		t.Fatalf("ticket on a closed override: %v, want ECLOSED", err)
	}
	if h.OpenNow() {
		t.Error("OpenNow on a closed override")
	}
	sun, err := h.appts.Slots("A", "2026-11-29")
	if err != nil || len(sun) == 0 || sun[0].Slot != "08:30" || sun[len(sun)-1].Slot >= "12:00" {
		t.Fatalf("调休 Sunday slots: %+v %v", sun, err)
	}
	if got, err := h.appts.Slots("A", "2026-11-30"); err != nil || len(got) == 0 {
		t.Fatalf("the Monday after: %d slots %v", len(got), err)
	}
}
