// Package appointment is booking (预约取号): managers configure slots per
// service; a clerk books on behalf of a caller or a customer books on the
// hall's phone page; the customer checks in at the kiosk and gets an
// appointment ticket that the calling policy serves first within its service
// once it is due. Bookings whose check-in window closed unclaimed are released
// as no-shows by a scheduled job.
//
// It is a feature of the hall kernel (docs/architecture.md): it changes state
// with Hall.Exec, reads committed records with Hall.Record/EachRecord, asks
// casework's catalog for the documents to bring (Options.Catalog) and
// reports public bookings to the console's burst alert (Options.WatchBooking).
package appointment

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"hallq/casework/cases"
	"hallq/hall"
	"hallq/i18n"
	"hallq/queue"
	"hallq/textcheck"
)

// Options configure New.
type Options struct {
	// Release turns on the scheduled release of no-shows (every hall tick,
	// hall.Options.Tick); off, Release runs only when called.
	Release bool
	// Catalog is the hall's business catalog (casework.Service.Catalog):
	// the items a booking may name and their documents to bring. Nil: the
	// default catalog shipped in the binary.
	Catalog func() *cases.Catalog
	// WatchBooking is told of every public booking (console.Security's: a
	// day filling unusually fast alerts the manager); nil: nothing watches.
	WatchBooking func(day, service, slot string)
}

// Service is the appointments of one hall.
type Service struct {
	h       *hall.Hall
	catalog func() *cases.Catalog
	watch   func(day, service, slot string)
}

// New returns the appointments of h; with opt.Release it schedules the
// release of no-shows on h (stopped by h.Close).
func New(h *hall.Hall, opt Options) *Service {
	svc := &Service{h: h, catalog: opt.Catalog, watch: opt.WatchBooking}
	if svc.catalog == nil {
		svc.catalog = cases.DefaultCatalog
	}
	if opt.Release {
		h.Every("release appointments", 0, func(ctx context.Context) error {
			_, err := svc.Release(ctx)
			return err
		})
	}
	return svc
}

// Records:
//
//	appointment          code (8 digits)         → Appointment
//	appointment_slot     "YYYY-MM-DD/A/HH:MM"    → Slot (who holds the slot)
//	appointment_phone    phone                   → Phone (active bookings)
//	appointment_settings "settings"              → Settings
//
// Every change is decided under the hall's command lock from the write
// model's records, so concurrent bookings can never overbook a slot.
const (
	Kind         = "appointment"
	KindSlot     = "appointment_slot"
	KindPhone    = "appointment_phone"
	KindSettings = "appointment_settings"
	settingsKey  = "settings"
)

// Appointment statuses.
const (
	Booked    = "booked"
	CheckedIn = "checked_in"
	Cancelled = "cancelled"
	NoShow    = "no_show"
)

// Event types of appointments.
const (
	EvBooked      = "appointment_booked"
	EvCancelled   = "appointment_cancelled"
	EvRescheduled = "appointment_rescheduled"
	EvReleased    = "appointments_released"
	EvSettings    = "appointment_settings_changed"
)

// Plan is how one service is booked: slots of SlotMinutes from
// the opening time, Capacity bookings each. Capacity 0 turns booking off.
type Plan struct {
	Service     string `json:"service"`
	SlotMinutes int    `json:"slot_minutes"`
	Capacity    int    `json:"capacity"`
}

// Settings configure appointments (managers).
type Settings struct {
	HorizonDays  int    `json:"horizon_days"`  // how many days ahead one may book (today is day 0)
	EarlyMinutes int    `json:"early_minutes"` // check-in opens this long before the slot
	LateMinutes  int    `json:"late_minutes"`  // and closes this long after its start
	PhoneLimit   int    `json:"phone_limit"`   // open bookings per phone number
	Plans        []Plan `json:"plans"`
	// Hours are the booking hours of a hall configured without opening
	// hours (always open); otherwise the hall's own hours apply.
	Hours queue.Hours `json:"hours"`
}

// DefaultSettings are used until a manager saves others: a week
// ahead, check-in from 15 minutes before to 10 minutes after the slot, two
// open bookings per phone, half-hour slots of 2 for every service.
func DefaultSettings(cfg queue.Config) Settings {
	s := Settings{HorizonDays: 7, EarlyMinutes: 15, LateMinutes: 10, PhoneLimit: 2,
		Hours: queue.Hours{Open: "09:00", Close: "17:00"}}
	for _, sv := range cfg.Services {
		s.Plans = append(s.Plans, Plan{Service: sv.Prefix, SlotMinutes: 30, Capacity: 2})
	}
	return s
}

// Plan returns the plan of a service; ok is false if it takes no bookings.
func (s Settings) Plan(service string) (Plan, bool) {
	for _, p := range s.Plans {
		if p.Service == service && p.Capacity > 0 && p.SlotMinutes > 0 {
			return p, true
		}
	}
	return Plan{}, false
}

// Appointment is one booking.
type Appointment struct {
	Code        string     `json:"code"`
	Service     string     `json:"service"`
	Day         string     `json:"day"`  // YYYY-MM-DD
	Slot        string     `json:"slot"` // HH:MM local start
	Start       time.Time  `json:"start"`
	Phone       string     `json:"phone"`
	Name        string     `json:"name,omitempty"`
	Item        string     `json:"item,omitempty"`
	Documents   []string   `json:"documents"`
	Status      string     `json:"status"`
	BookedBy    string     `json:"booked_by"` // actor
	BookedAt    time.Time  `json:"booked_at"`
	CheckedInAt *time.Time `json:"checked_in_at,omitempty"`
	Ticket      uint64     `json:"ticket,omitempty"`
	Number      string     `json:"number,omitempty"`   // ticket number after check-in
	Tracking    string     `json:"tracking,omitempty"` // ticket tracking code after check-in
	Rescheduled int        `json:"rescheduled,omitempty"`
	ReleasedAt  *time.Time `json:"released_at,omitempty"`
}

// Slot is who holds one slot: Codes every booking not cancelled
// (never more than the capacity), Pending those still to check in.
type Slot struct {
	Day       string    `json:"day"`
	Service   string    `json:"service"`
	Slot      string    `json:"slot"`
	Start     time.Time `json:"start"`
	Codes     []string  `json:"codes"`
	Pending   []string  `json:"pending"`
	CheckedIn []string  `json:"checked_in"`
	NoShow    []string  `json:"no_show"`
	Cancelled int       `json:"cancelled"`
}

// Phone lists a phone number's open bookings.
type Phone struct {
	Phone string   `json:"phone"`
	Codes []string `json:"codes"`
}

// SlotView is one bookable slot with how many places are left.
type SlotView struct {
	Slot      string    `json:"slot"`
	Start     time.Time `json:"start"`
	Capacity  int       `json:"capacity"`
	Booked    int       `json:"booked"`
	Available int       `json:"available"`
}

// BookRequest asks for an appointment.
type BookRequest struct {
	Service string `json:"service"`
	Day     string `json:"day"`
	Slot    string `json:"slot"`
	Phone   string `json:"phone"`
	Name    string `json:"name"`
	Item    string `json:"item"`
}

var apptPhoneRE = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

func slotKey(day, service, slot string) string { return day + "/" + service + "/" + slot }

// decodeRecord is Decode for records this hall wrote itself (a damaged one
// reads as the zero T).
func decodeRecord[T any](r queue.Record) T {
	v, _ := hall.Decode[T](r)
	return v
}

// apptSettingsLocked is the write model's settings. Call inside Exec.
func settingsIn(tx *hall.Tx, cfg queue.Config) Settings {
	if r, ok := tx.Record(KindSettings, settingsKey); ok {
		return decodeRecord[Settings](r)
	}
	return DefaultSettings(cfg)
}

// Settings returns the committed appointment settings.
func (svc *Service) Settings() (Settings, error) {
	r, ok, err := svc.h.Record(KindSettings, settingsKey)
	if err != nil {
		return Settings{}, err
	}
	if !ok {
		return DefaultSettings(svc.liveConfig()), nil
	}
	return decodeRecord[Settings](r), nil
}

// liveConfig is the committed queue configuration (services, hours).
func (svc *Service) liveConfig() (cfg queue.Config) {
	svc.h.Read(func(v *queue.Engine, _ uint64) { cfg = v.Config() })
	return cfg
}

func clockMinutes(s string) (int, bool) {
	if s == "24:00" { // a hall open around the clock closes at 24:00, as the queue reads it
		return 24 * 60, true
	}
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

// SetSettings saves the appointment settings (managers).
// EINVALID for a bad value; bookings already made keep their slots.
func (svc *Service) SetSettings(ctx context.Context, p hall.Principal, s Settings) (Settings, error) {
	if !p.Staff() {
		return Settings{}, hall.Forbidden()
	}
	if s.HorizonDays < 0 || s.HorizonDays > 90 {
		return s, queue.Err(queue.EINVALID, "err.hall.the_booking_horizon_must")
	}
	if s.EarlyMinutes < 0 || s.EarlyMinutes > 240 || s.LateMinutes < 0 || s.LateMinutes > 240 {
		return s, queue.Err(queue.EINVALID, "err.hall.the_check_in_window")
	}
	if s.PhoneLimit < 0 || s.PhoneLimit > 20 {
		return s, queue.Err(queue.EINVALID, "err.hall.the_per_phone_limit")
	}
	o, ok1 := clockMinutes(s.Hours.Open)
	c, ok2 := clockMinutes(s.Hours.Close)
	if !ok1 || !ok2 || o >= c {
		return s, queue.Err(queue.EINVALID, "err.hall.booking_hours_must_be")
	}
	cfg := svc.liveConfig()
	seen := map[string]bool{}
	for _, pl := range s.Plans {
		if !slices.ContainsFunc(cfg.Services, func(sv queue.Service) bool { return sv.Prefix == pl.Service }) {
			return s, queue.Err(queue.EINVALID, "err.hall.unknown_service", pl.Service)
		}
		if seen[pl.Service] {
			return s, queue.Err(queue.EINVALID, "err.hall.service_is_listed_twice", pl.Service)
		}
		seen[pl.Service] = true
		if pl.SlotMinutes < 5 || pl.SlotMinutes > 240 || pl.Capacity < 0 || pl.Capacity > 100 {
			return s, queue.Err(queue.EINVALID, "err.hall.slots_must_be_5")
		}
	}
	_, err := svc.h.Exec(p.Actor(), func(tx *hall.Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		return queue.Event{Type: EvSettings, At: now, Day: e.Day(),
			Records: []queue.Record{hall.NewRecord(KindSettings, settingsKey, s)}}, nil
	})
	if err != nil {
		return s, fmt.Errorf("save appointment settings: %w", err)
	}
	return s, nil
}

// slotsOf lists the slot starts ("HH:MM") of a service on a day: none on a
// holiday, a closed weekday or a date an override closes; a 调休 working
// day has the slots of its dated hours.
func slotsOf(cfg queue.Config, s Settings, plan Plan, day time.Time) []string {
	// A dated override (调休) first, then the holidays and the week.
	hh, open := cfg.HoursOn(day)
	if !open {
		return nil
	}
	hours := s.Hours // a hall without opening hours books within these
	if _, dated := cfg.Overrides[day.Format(time.DateOnly)]; dated || len(cfg.Hours) > 0 {
		hours = hh
	}
	o, ok1 := clockMinutes(hours.Open)
	c, ok2 := clockMinutes(hours.Close)
	if !ok1 || !ok2 {
		return nil
	}
	var out []string
	for m := o; m+plan.SlotMinutes <= c; m += plan.SlotMinutes {
		out = append(out, fmt.Sprintf("%02d:%02d", m/60, m%60))
	}
	return out
}

// parseDay reads a YYYY-MM-DD day as local midnight.
func parseDay(s string, loc *time.Location) (time.Time, error) {
	d, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(s), loc)
	if err != nil {
		return d, queue.Err(queue.EINVALID, "err.hall.the_day_must_be")
	}
	return d, nil
}

func slotStart(day time.Time, slot string) time.Time {
	m, _ := clockMinutes(slot)
	return time.Date(day.Year(), day.Month(), day.Day(), m/60, m%60, 0, 0, day.Location())
}

// dayIndex is how many days after today's local date day is.
func dayIndex(now, day time.Time) int {
	n := now.In(day.Location())
	today := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, day.Location())
	return int(day.Sub(today).Hours()+12) / 24 // DST-safe rounding
}

// Slots returns the bookable slots of a service on a day, with the places
// left. EINVALID for an unknown service, a bad day, or a day outside the
// booking horizon; an empty list for a holiday or closed day.
func (svc *Service) Slots(service, day string) ([]SlotView, error) {
	s, err := svc.Settings()
	if err != nil {
		return nil, err
	}
	cfg := svc.liveConfig()
	plan, d, err := svc.checkDay(cfg, s, service, day, svc.h.Now())
	if err != nil {
		return nil, err
	}
	now := svc.h.Now()
	out := []SlotView{}
	for _, sl := range slotsOf(cfg, s, plan, d) {
		start := slotStart(d, sl)
		if !start.After(now) {
			continue
		}
		v := SlotView{Slot: sl, Start: start, Capacity: plan.Capacity}
		if r, ok, err := svc.h.Record(KindSlot, slotKey(day, service, sl)); err != nil {
			return nil, err
		} else if ok {
			v.Booked = len(decodeRecord[Slot](r).Codes)
		}
		v.Available = max(0, v.Capacity-v.Booked)
		out = append(out, v)
	}
	return out, nil
}

func (svc *Service) checkDay(cfg queue.Config, s Settings, service, day string, now time.Time) (Plan, time.Time, error) {
	if !slices.ContainsFunc(cfg.Services, func(sv queue.Service) bool { return sv.Prefix == service }) {
		return Plan{}, time.Time{}, queue.Err(queue.EINVALID, "err.hall.unknown_service", service)
	}
	plan, ok := s.Plan(service)
	if !ok {
		return plan, time.Time{}, queue.Err(queue.EINVALID, "err.hall.this_service_takes_no")
	}
	d, err := parseDay(day, svc.h.Location())
	if err != nil {
		return plan, d, err
	}
	if i := dayIndex(now, d); i < 0 || i > s.HorizonDays {
		return plan, d, queue.Err(queue.EINVALID, "err.hall.bookings_are_open_for", s.HorizonDays)
	}
	return plan, d, nil
}

// newBookingCode returns an unused 8-digit code. Call inside Exec.
func newBookingCode(tx *hall.Tx) string {
	for {
		n, _ := rand.Int(rand.Reader, big.NewInt(90_000_000))
		code := strconv.FormatInt(n.Int64()+10_000_000, 10)
		if _, taken := tx.Record(Kind, code); !taken {
			return code
		}
	}
}

// documentsFor is what to bring: the business item's list if known, else
// the service's.
func (svc *Service) documentsFor(service, item string) []string {
	if item != "" {
		if it, ok := svc.catalog().Item(item); ok && len(it.Documents) > 0 {
			return it.Documents
		}
	}
	var docs []string
	svc.h.Read(func(v *queue.Engine, _ uint64) {
		if sv, ok := v.Service(service); ok {
			docs = sv.Documents
		}
	})
	if docs == nil {
		docs = []string{}
	}
	return docs
}

// reserveLocked checks that service/day/slot can take one more booking at
// now and returns the slot record as it is. Call inside Exec.
func (svc *Service) reserve(tx *hall.Tx, e *queue.Engine, service, day, slot string, now time.Time) (Slot, time.Time, error) {
	cfg := e.Config()
	s := settingsIn(tx, cfg)
	plan, d, err := svc.checkDay(cfg, s, service, day, now)
	if err != nil {
		return Slot{}, time.Time{}, err
	}
	if !slices.Contains(slotsOf(cfg, s, plan, d), slot) {
		return Slot{}, time.Time{}, queue.Err(queue.EINVALID, "err.hall.there_is_no_slot", day, service, slot)
	}
	start := slotStart(d, slot)
	if !start.After(now) {
		return Slot{}, time.Time{}, queue.Err(queue.EINVALID, "err.hall.this_slot_has_passed")
	}
	sl := Slot{Day: day, Service: service, Slot: slot, Start: start, Codes: []string{}, Pending: []string{}, CheckedIn: []string{}, NoShow: []string{}}
	if r, ok := tx.Record(KindSlot, slotKey(day, service, slot)); ok {
		sl = decodeRecord[Slot](r)
	}
	if len(sl.Codes) >= plan.Capacity {
		return sl, start, queue.Err(queue.ECONFLICT, "err.hall.this_slot_is_fully")
	}
	return sl, start, nil
}

func phoneIn(tx *hall.Tx, phone string) Phone {
	if r, ok := tx.Record(KindPhone, phone); ok {
		return decodeRecord[Phone](r)
	}
	return Phone{Phone: phone, Codes: []string{}}
}

func without(list []string, v string) []string {
	return slices.DeleteFunc(slices.Clone(list), func(s string) bool { return s == v })
}

// Book books an appointment: a person (clerk, manager) on behalf of a caller,
// or anyone on the hall's booking page (any principal may; the per-phone
// limit stops hoarding). Refusals: EINVALID (bad service, day,
// slot or phone), ECONFLICT (slot full), ELIMIT (the phone's open bookings
// reach the limit).
func (svc *Service) Book(ctx context.Context, p hall.Principal, req BookRequest) (Appointment, error) {
	req.Service = strings.TrimSpace(req.Service)
	req.Slot = strings.TrimSpace(req.Slot)
	req.Day = strings.TrimSpace(req.Day)
	req.Phone = queue.NormalizePhone(req.Phone)
	req.Name = strings.TrimSpace(req.Name)
	if !apptPhoneRE.MatchString(req.Phone) {
		return Appointment{}, queue.Err(queue.EINVALID, "err.hall.enter_an_11_digit")
	}
	if len([]rune(req.Name)) > 32 {
		return Appointment{}, queue.Err(queue.EINVALID, "err.hall.the_name_may_have")
	}
	if err := textcheck.Text("the name", "姓名", req.Name); err != nil {
		return Appointment{}, err
	}
	if req.Item != "" {
		if it, ok := svc.catalog().Item(req.Item); !ok || it.Service != req.Service {
			return Appointment{}, queue.Err(queue.EINVALID, "err.hall.the_business_item_does")
		}
	}
	docs := svc.documentsFor(req.Service, req.Item)
	var out Appointment
	_, err := svc.h.Exec(p.Actor(), func(tx *hall.Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		sl, start, err := svc.reserve(tx, e, req.Service, req.Day, req.Slot, now)
		if err != nil {
			return queue.Event{}, err
		}
		s := settingsIn(tx, e.Config())
		ph := phoneIn(tx, req.Phone)
		if s.PhoneLimit > 0 && len(ph.Codes) >= s.PhoneLimit {
			return queue.Event{}, queue.Err(queue.ELIMIT, "err.hall.this_phone_number_already", len(ph.Codes))
		}
		a := Appointment{Code: newBookingCode(tx), Service: req.Service, Day: req.Day, Slot: req.Slot, Start: start,
			Phone: req.Phone, Name: req.Name, Item: req.Item, Documents: docs, Status: Booked,
			BookedBy: p.Actor(), BookedAt: now}
		sl.Codes = append(sl.Codes, a.Code)
		sl.Pending = append(sl.Pending, a.Code)
		ph.Codes = append(ph.Codes, a.Code)
		out = a
		return queue.Event{Type: EvBooked, At: now, Day: e.Day(), Records: []queue.Record{
			hall.NewRecord(Kind, a.Code, a),
			hall.NewRecord(KindSlot, slotKey(a.Day, a.Service, a.Slot), sl),
			hall.NewRecord(KindPhone, a.Phone, ph),
		}}, nil
	})
	if err != nil {
		return Appointment{}, fmt.Errorf("book %s %s %s: %w", req.Service, req.Day, req.Slot, err)
	}
	if p.Kind == "" && svc.watch != nil {
		svc.watch(out.Day, out.Service, out.Slot) // console/security.go: a day filling unusually fast alerts the manager
	}
	return out, nil
}

// apptLocked finds a booking by code for p: people and kiosks see any; the
// public must also give the booking's phone number. ENOTFOUND otherwise.
func apptIn(tx *hall.Tx, p hall.Principal, code, phone string) (Appointment, error) {
	r, ok := tx.Record(Kind, strings.TrimSpace(code))
	if !ok {
		return Appointment{}, queue.Err(queue.ENOTFOUND, "err.hall.no_booking_with_this")
	}
	a := decodeRecord[Appointment](r)
	if p.Kind != "user" && queue.NormalizePhone(phone) != a.Phone {
		return Appointment{}, queue.Err(queue.ENOTFOUND, "err.hall.no_booking_with_this")
	}
	return a, nil
}

// Get returns a booking by code. The public must give its phone
// number too; ENOTFOUND otherwise.
func (svc *Service) Get(p hall.Principal, code, phone string) (Appointment, error) {
	r, ok, err := svc.h.Record(Kind, strings.TrimSpace(code))
	if err != nil {
		return Appointment{}, err
	}
	a := decodeRecord[Appointment](r)
	if !ok || (p.Kind != "user" && queue.NormalizePhone(phone) != a.Phone) {
		return Appointment{}, queue.Err(queue.ENOTFOUND, "err.hall.no_booking_with_this")
	}
	return a, nil
}

// Cancel cancels an open booking by code (the public with the
// booking's phone number). ECONFLICT unless it is still booked.
func (svc *Service) Cancel(ctx context.Context, p hall.Principal, code, phone string) (Appointment, error) {
	var out Appointment
	_, err := svc.h.Exec(p.Actor(), func(tx *hall.Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		a, err := apptIn(tx, p, code, phone)
		if err != nil {
			return queue.Event{}, err
		}
		if a.Status != Booked {
			return queue.Event{}, queue.Err(queue.ECONFLICT, "err.hall.this_booking_is_already", apptStatusZH(a.Status), a.Status)
		}
		sl := decodeRecord[Slot](mustRecord(tx, KindSlot, slotKey(a.Day, a.Service, a.Slot)))
		sl.Codes, sl.Pending = without(sl.Codes, a.Code), without(sl.Pending, a.Code)
		sl.Cancelled++
		ph := phoneIn(tx, a.Phone)
		ph.Codes = without(ph.Codes, a.Code)
		a.Status = Cancelled
		out = a
		return queue.Event{Type: EvCancelled, At: now, Day: e.Day(), Records: []queue.Record{
			hall.NewRecord(Kind, a.Code, a),
			hall.NewRecord(KindSlot, slotKey(a.Day, a.Service, a.Slot), sl),
			hall.NewRecord(KindPhone, a.Phone, ph),
		}}, nil
	})
	if err != nil {
		return Appointment{}, fmt.Errorf("cancel booking: %w", err)
	}
	return out, nil
}

func mustRecord(tx *hall.Tx, kind, key string) queue.Record {
	r, _ := tx.Record(kind, key)
	return r
}

// Reschedule moves an open booking to another slot of its
// service; the code stays. Refusals as for Book, and ECONFLICT unless the
// booking is still open.
func (svc *Service) Reschedule(ctx context.Context, p hall.Principal, code, phone, day, slot string) (Appointment, error) {
	day, slot = strings.TrimSpace(day), strings.TrimSpace(slot)
	var out Appointment
	_, err := svc.h.Exec(p.Actor(), func(tx *hall.Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		a, err := apptIn(tx, p, code, phone)
		if err != nil {
			return queue.Event{}, err
		}
		if a.Status != Booked {
			return queue.Event{}, queue.Err(queue.ECONFLICT, "err.hall.this_booking_is_and", apptStatusZH(a.Status), a.Status)
		}
		if a.Day == day && a.Slot == slot {
			return queue.Event{}, queue.Err(queue.EINVALID, "err.hall.the_new_slot_is")
		}
		to, start, err := svc.reserve(tx, e, a.Service, day, slot, now)
		if err != nil {
			return queue.Event{}, err
		}
		from := decodeRecord[Slot](mustRecord(tx, KindSlot, slotKey(a.Day, a.Service, a.Slot)))
		from.Codes, from.Pending = without(from.Codes, a.Code), without(from.Pending, a.Code)
		to.Codes, to.Pending = append(to.Codes, a.Code), append(to.Pending, a.Code)
		oldKey := slotKey(a.Day, a.Service, a.Slot)
		a.Day, a.Slot, a.Start = day, slot, start
		a.Rescheduled++
		out = a
		return queue.Event{Type: EvRescheduled, At: now, Day: e.Day(), Records: []queue.Record{
			hall.NewRecord(Kind, a.Code, a),
			hall.NewRecord(KindSlot, oldKey, from),
			hall.NewRecord(KindSlot, slotKey(day, a.Service, slot), to),
		}}, nil
	})
	if err != nil {
		return Appointment{}, fmt.Errorf("reschedule booking: %w", err)
	}
	return out, nil
}

func apptStatusZH(s string) string {
	switch s {
	case CheckedIn:
		return "签到取号"
	case Cancelled:
		return "取消"
	case NoShow:
		return "过期失效"
	}
	return "预约"
}

// CheckIn outcomes.
const (
	CheckInTicket = "ticket" // inside the window: an appointment ticket
	CheckInEarly  = "early"  // come back at ComeBackAt
	CheckInLate   = "late"   // the window has passed: take a normal ticket
)

// CheckInRequest names a booking by code, or by the phone it was made with.
type CheckInRequest struct {
	Code  string `json:"code"`
	Phone string `json:"phone"`
	// CodePart is the last 4 digits of the booking code, with Phone: a
	// phone number alone finds no one's booking (anyone may type one).
	CodePart string `json:"code_part"`
}

// CodePartLen is how many trailing digits of the booking code a check-in by
// phone needs.
const CodePartLen = 4

// CheckInResult is what the kiosk shows.
type CheckInResult struct {
	Outcome     string        `json:"outcome"`
	Appointment Appointment   `json:"appointment"`
	Ticket      *queue.Ticket `json:"ticket,omitempty"`
	ComeBackAt  *time.Time    `json:"come_back_at,omitempty"`
	Message     string        `json:"message"`
}

// CheckIn checks a customer in at the kiosk. Inside the window (from
// EarlyMinutes before to LateMinutes after the slot start) it issues an
// appointment ticket due at the slot start; earlier it says when to come
// back; later it marks the booking a no-show and says to take a normal
// ticket. It needs the booking code, or the phone number and the code's
// last CodePartLen digits (EINVALID otherwise), and the result carries no
// name. ENOTFOUND when no open booking matches, ECONFLICT when it was
// checked in already, plus the refusals of issuing a ticket.
func (svc *Service) CheckIn(ctx context.Context, p hall.Principal, req CheckInRequest) (CheckInResult, error) {
	if !(p.Kind == "device" && p.Role == hall.KindKiosk) && p.Kind != "user" {
		return CheckInResult{}, hall.Forbidden()
	}
	req.Code, req.Phone, req.CodePart = strings.TrimSpace(req.Code), queue.NormalizePhone(req.Phone), strings.TrimSpace(req.CodePart)
	if req.Code == "" && req.Phone == "" {
		return CheckInResult{}, queue.Err(queue.EINVALID, "err.hall.enter_the_booking_code")
	}
	if req.Code == "" && (len(req.CodePart) != CodePartLen || strings.Trim(req.CodePart, "0123456789") != "") {
		return CheckInResult{}, queue.Err(queue.EINVALID, "err.hall.with_a_phone_number", CodePartLen)
	}
	tracking := hall.NewCode(12)
	var res CheckInResult
	_, err := svc.h.Exec(p.Actor(), func(tx *hall.Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		a, err := findCheckIn(tx, req, now)
		if err != nil {
			return queue.Event{}, err
		}
		s := settingsIn(tx, e.Config())
		open := a.Start.Add(-time.Duration(s.EarlyMinutes) * time.Minute)
		closes := a.Start.Add(time.Duration(s.LateMinutes) * time.Minute)
		res = CheckInResult{Appointment: a}
		switch {
		case a.Status == CheckedIn:
			return queue.Event{}, queue.Err(queue.ECONFLICT, "err.hall.this_booking_is_checked", a.Number)
		case now.Before(open):
			res.Outcome, res.ComeBackAt = CheckInEarly, &open
			lt := open.In(svc.h.Location())
			res.Message = i18n.Bilingual("appt.checkin_early",
				a.Day, a.Slot, lt.Format("01-02 15:04"), a.Day, a.Slot, lt.Format("Jan 2 15:04"))
			return queue.Event{}, hall.ErrNothing
		case now.After(closes) || a.Status == NoShow:
			res.Outcome = CheckInLate
			res.Message = i18n.Bilingual("appt.checkin_late")
			if a.Status == NoShow {
				return queue.Event{}, hall.ErrNothing
			}
			recs := noShow(tx, a, now)
			res.Appointment = decodeRecord[Appointment](recs[0])
			return queue.Event{Type: EvReleased, At: now, Day: e.Day(), Records: recs}, nil
		}
		start := a.Start
		ev, err := e.Issue(queue.IssueRequest{Service: a.Service, Priority: queue.Appointment, Phone: a.Phone,
			Item: a.Item, Tracking: tracking, DueAt: &start}, now)
		if err != nil {
			return queue.Event{}, err
		}
		t := ev.Tickets[0]
		a.Status, a.CheckedInAt, a.Ticket, a.Number, a.Tracking = CheckedIn, &now, t.ID, t.Number, t.Tracking
		key := slotKey(a.Day, a.Service, a.Slot)
		sl := decodeRecord[Slot](mustRecord(tx, KindSlot, key))
		sl.Pending = without(sl.Pending, a.Code)
		sl.CheckedIn = append(sl.CheckedIn, a.Code)
		ph := phoneIn(tx, a.Phone)
		ph.Codes = without(ph.Codes, a.Code)
		ev.Records = append(ev.Records, hall.NewRecord(Kind, a.Code, a), hall.NewRecord(KindSlot, key, sl),
			hall.NewRecord(KindPhone, a.Phone, ph))
		res.Outcome, res.Appointment, res.Ticket = CheckInTicket, a, &t
		res.Message = i18n.Bilingual("appt.checkin_done", t.Number, t.Number)
		return ev, nil
	})
	if err != nil && !errors.Is(err, hall.ErrNothing) {
		return CheckInResult{}, fmt.Errorf("check in: %w", err)
	}
	// The kiosk is a shared screen: it shows the slot, never the name.
	res.Appointment.Name = ""
	return res, nil
}

// findCheckInLocked finds the booking a check-in means: by code, or among
// the phone's open bookings and today's checked-in ones the one whose slot
// is nearest to now.
func findCheckIn(tx *hall.Tx, req CheckInRequest, now time.Time) (Appointment, error) {
	notFound := queue.Err(queue.ENOTFOUND, "err.hall.no_booking_found_check")
	if req.Code != "" {
		r, ok := tx.Record(Kind, req.Code)
		if !ok {
			return Appointment{}, notFound
		}
		a := decodeRecord[Appointment](r)
		if a.Status == Cancelled {
			return a, queue.Err(queue.ECONFLICT, "err.hall.this_booking_was_cancelled")
		}
		return a, nil
	}
	var best *Appointment
	for _, code := range phoneIn(tx, req.Phone).Codes {
		if !strings.HasSuffix(code, req.CodePart) {
			continue
		}
		r, ok := tx.Record(Kind, code)
		if !ok {
			continue
		}
		a := decodeRecord[Appointment](r)
		if best == nil || a.Start.Sub(now).Abs() < best.Start.Sub(now).Abs() {
			best = &a
		}
	}
	if best == nil {
		return Appointment{}, notFound
	}
	return *best, nil
}

// noShowLocked marks a booked appointment a no-show and returns the changed
// records, the appointment first. Call inside Exec.
func noShow(tx *hall.Tx, a Appointment, now time.Time) []queue.Record {
	key := slotKey(a.Day, a.Service, a.Slot)
	sl := decodeRecord[Slot](mustRecord(tx, KindSlot, key))
	sl.Pending = without(sl.Pending, a.Code)
	sl.NoShow = append(sl.NoShow, a.Code)
	ph := phoneIn(tx, a.Phone)
	ph.Codes = without(ph.Codes, a.Code)
	a.Status, a.ReleasedAt = NoShow, &now
	return []queue.Record{hall.NewRecord(Kind, a.Code, a), hall.NewRecord(KindSlot, key, sl),
		hall.NewRecord(KindPhone, a.Phone, ph)}
}

// Release marks every booking whose check-in window has closed
// without a check-in as a no-show, freeing the phone's quota, and returns
// how many it released. The hall's ticker calls it; it is safe to call any
// time.
func (svc *Service) Release(ctx context.Context) (int, error) {
	n := 0
	_, err := svc.h.Exec("system", func(tx *hall.Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		n = 0
		s := settingsIn(tx, e.Config())
		late := time.Duration(s.LateMinutes) * time.Minute
		var recs []queue.Record
		slots := map[string]Slot{}
		phones := map[string]Phone{}
		for _, r := range tx.Records(KindSlot) {
			// Most slots are settled: skip them without decoding.
			if bytes.Contains(r.Data, []byte(`"pending":[]`)) || bytes.Contains(r.Data, []byte(`"pending":null`)) {
				continue
			}
			sl := decodeRecord[Slot](r)
			if len(sl.Pending) == 0 || !now.After(sl.Start.Add(late)) {
				continue
			}
			for _, code := range sl.Pending {
				a := decodeRecord[Appointment](mustRecord(tx, Kind, code))
				ph, ok := phones[a.Phone]
				if !ok {
					ph = phoneIn(tx, a.Phone)
				}
				ph.Codes = without(ph.Codes, code)
				phones[a.Phone] = ph
				a.Status, a.ReleasedAt = NoShow, &now
				recs = append(recs, hall.NewRecord(Kind, code, a))
				sl.NoShow = append(sl.NoShow, code)
				n++
			}
			sl.Pending = []string{}
			slots[r.Key] = sl
		}
		if n == 0 {
			return queue.Event{}, hall.ErrNothing
		}
		for k, sl := range slots {
			recs = append(recs, hall.NewRecord(KindSlot, k, sl))
		}
		for k, ph := range phones {
			recs = append(recs, hall.NewRecord(KindPhone, k, ph))
		}
		return queue.Event{Type: EvReleased, At: now, Day: e.Day(), Records: recs}, nil
	})
	if err != nil && !errors.Is(err, hall.ErrNothing) {
		return 0, fmt.Errorf("release appointments: %w", err)
	}
	return n, nil
}

// List lists the bookings of a day (all services, slot order).
func (svc *Service) List(day string) ([]Appointment, error) {
	if _, err := parseDay(day, svc.h.Location()); err != nil {
		return nil, err
	}
	out := []Appointment{}
	var codes []string
	err := svc.h.EachRecord(KindSlot, day+"/", func(r queue.Record) bool {
		if !strings.HasPrefix(r.Key, day+"/") {
			return false
		}
		codes = append(codes, decodeRecord[Slot](r).Codes...)
		return true
	})
	if err != nil {
		return nil, err
	}
	for _, c := range codes {
		r, ok, err := svc.h.Record(Kind, c)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, decodeRecord[Appointment](r))
		}
	}
	slices.SortStableFunc(out, func(a, b Appointment) int { return a.Start.Compare(b.Start) })
	return out, nil
}

// Figures are the appointment figures of a date range for reports.
type Figures struct {
	From      string `json:"from"`
	To        string `json:"to"`
	Booked    int    `json:"booked"` // bookings not cancelled
	CheckedIn int    `json:"checked_in"`
	NoShow    int    `json:"no_show"`
	Pending   int    `json:"pending"` // still to come
	Cancelled int    `json:"cancelled"`
	// Waits (called_at − issued_at of the first call) of appointment
	// tickets and of walk-in tickets (normal and green) that were called.
	AppointmentTickets int     `json:"appointment_tickets"`
	AppointmentWaitS   float64 `json:"appointment_avg_wait_s"`
	WalkInTickets      int     `json:"walk_in_tickets"`
	WalkInWaitS        float64 `json:"walk_in_avg_wait_s"`
}

// Figures returns booked / checked in / no-show counts of the
// slots from day from to day to (YYYY-MM-DD, inclusive) and the average wait
// of appointment tickets against walk-ins issued on those days.
func (svc *Service) Figures(from, to string) (Figures, error) {
	f := Figures{From: from, To: to}
	loc := svc.h.Location()
	a, err := parseDay(from, loc)
	if err != nil {
		return f, err
	}
	b, err := parseDay(to, loc)
	if err != nil {
		return f, err
	}
	if b.Before(a) {
		return f, queue.Err(queue.EINVALID, "err.hall.to_is_before_from")
	}
	err = svc.h.EachRecord(KindSlot, from, func(r queue.Record) bool {
		if r.Key[:min(10, len(r.Key))] > to {
			return false
		}
		sl := decodeRecord[Slot](r)
		f.Booked += len(sl.Codes)
		f.CheckedIn += len(sl.CheckedIn)
		f.NoShow += len(sl.NoShow)
		f.Pending += len(sl.Pending)
		f.Cancelled += sl.Cancelled
		return true
	})
	if err != nil {
		return f, err
	}
	var apptSum, walkSum float64
	err = svc.h.Store().EachTicket(from, to, func(t *queue.Ticket) error {
		if t.TransferredFrom != 0 || t.CalledAt == nil {
			return nil
		}
		w := t.CalledAt.Sub(t.IssuedAt).Seconds()
		if t.Priority == queue.Appointment {
			f.AppointmentTickets++
			apptSum += w
		} else {
			f.WalkInTickets++
			walkSum += w
		}
		return nil
	})
	if f.AppointmentTickets > 0 {
		f.AppointmentWaitS = float64(int(apptSum/float64(f.AppointmentTickets)*10)) / 10
	}
	if f.WalkInTickets > 0 {
		f.WalkInWaitS = float64(int(walkSum/float64(f.WalkInTickets)*10)) / 10
	}
	return f, err
}
