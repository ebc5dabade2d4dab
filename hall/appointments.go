package hall

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

	"hallq/queue"
)

// Appointments (预约取号): managers configure slots per service; a clerk books
// on behalf of a caller or a customer books on the hall's phone page; the
// customer checks in at the kiosk and gets an appointment ticket that the
// calling policy serves first within its service once it is due.
//
// Records:
//
//	appointment          code (8 digits)         → Appointment
//	appointment_slot     "YYYY-MM-DD/A/HH:MM"    → AppointmentSlot (who holds the slot)
//	appointment_phone    phone                   → AppointmentPhone (active bookings)
//	appointment_settings "settings"              → AppointmentSettings
//
// Every change is decided under the hall's command lock from the write
// model's records, so concurrent bookings can never overbook a slot.
const (
	KindAppointment         = "appointment"
	KindAppointmentSlot     = "appointment_slot"
	KindAppointmentPhone    = "appointment_phone"
	KindAppointmentSettings = "appointment_settings"
	appointmentSettingsKey  = "settings"
)

// Appointment statuses.
const (
	ApptBooked    = "booked"
	ApptCheckedIn = "checked_in"
	ApptCancelled = "cancelled"
	ApptNoShow    = "no_show"
)

// Event types of appointments.
const (
	EvApptBooked      = "appointment_booked"
	EvApptCancelled   = "appointment_cancelled"
	EvApptRescheduled = "appointment_rescheduled"
	EvApptReleased    = "appointments_released"
	EvApptSettings    = "appointment_settings_changed"
)

// AppointmentPlan is how one service is booked: slots of SlotMinutes from
// the opening time, Capacity bookings each. Capacity 0 turns booking off.
type AppointmentPlan struct {
	Service     string `json:"service"`
	SlotMinutes int    `json:"slot_minutes"`
	Capacity    int    `json:"capacity"`
}

// AppointmentSettings configure appointments (managers).
type AppointmentSettings struct {
	HorizonDays  int               `json:"horizon_days"`  // how many days ahead one may book (today is day 0)
	EarlyMinutes int               `json:"early_minutes"` // check-in opens this long before the slot
	LateMinutes  int               `json:"late_minutes"`  // and closes this long after its start
	PhoneLimit   int               `json:"phone_limit"`   // open bookings per phone number
	Plans        []AppointmentPlan `json:"plans"`
	// Hours are the booking hours of a hall configured without opening
	// hours (always open); otherwise the hall's own hours apply.
	Hours queue.Hours `json:"hours"`
}

// DefaultAppointmentSettings are used until a manager saves others: a week
// ahead, check-in from 15 minutes before to 10 minutes after the slot, two
// open bookings per phone, half-hour slots of 2 for every service.
func DefaultAppointmentSettings(cfg queue.Config) AppointmentSettings {
	s := AppointmentSettings{HorizonDays: 7, EarlyMinutes: 15, LateMinutes: 10, PhoneLimit: 2,
		Hours: queue.Hours{Open: "09:00", Close: "17:00"}}
	for _, sv := range cfg.Services {
		s.Plans = append(s.Plans, AppointmentPlan{Service: sv.Prefix, SlotMinutes: 30, Capacity: 2})
	}
	return s
}

// Plan returns the plan of a service; ok is false if it takes no bookings.
func (s AppointmentSettings) Plan(service string) (AppointmentPlan, bool) {
	for _, p := range s.Plans {
		if p.Service == service && p.Capacity > 0 && p.SlotMinutes > 0 {
			return p, true
		}
	}
	return AppointmentPlan{}, false
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

// AppointmentSlot is who holds one slot: Codes every booking not cancelled
// (never more than the capacity), Pending those still to check in.
type AppointmentSlot struct {
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

// AppointmentPhone lists a phone number's open bookings.
type AppointmentPhone struct {
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
	v, _ := Decode[T](r)
	return v
}

// apptSettingsLocked is the write model's settings. Call with h.mu held.
func (h *Hall) apptSettingsLocked(cfg queue.Config) AppointmentSettings {
	if r, ok := h.recordLocked(KindAppointmentSettings, appointmentSettingsKey); ok {
		return decodeRecord[AppointmentSettings](r)
	}
	return DefaultAppointmentSettings(cfg)
}

// AppointmentSettings returns the committed appointment settings.
func (h *Hall) AppointmentSettings() (AppointmentSettings, error) {
	r, ok, err := h.Record(KindAppointmentSettings, appointmentSettingsKey)
	if err != nil {
		return AppointmentSettings{}, err
	}
	if !ok {
		return DefaultAppointmentSettings(h.liveConfig()), nil
	}
	return decodeRecord[AppointmentSettings](r), nil
}

// liveConfig is the committed queue configuration (services, hours).
func (h *Hall) liveConfig() (cfg queue.Config) {
	h.Read(func(v *queue.Engine, _ uint64) { cfg = v.Config() })
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

// SetAppointmentSettings saves the appointment settings (managers).
// EINVALID for a bad value; bookings already made keep their slots.
func (h *Hall) SetAppointmentSettings(ctx context.Context, p Principal, s AppointmentSettings) (AppointmentSettings, error) {
	if !p.Staff() {
		return AppointmentSettings{}, forbidden()
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
	cfg := h.liveConfig()
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
	_, err := h.Exec(p.Actor(), func(tx *Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		return queue.Event{Type: EvApptSettings, At: now, Day: e.Day(),
			Records: []queue.Record{NewRecord(KindAppointmentSettings, appointmentSettingsKey, s)}}, nil
	})
	if err != nil {
		return s, fmt.Errorf("save appointment settings: %w", err)
	}
	return s, nil
}

// slotsOf lists the slot starts ("HH:MM") of a service on a day: none on a
// holiday, a closed weekday or a date an override closes; a 调休 working
// day has the slots of its dated hours.
func slotsOf(cfg queue.Config, s AppointmentSettings, plan AppointmentPlan, day time.Time) []string {
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
func (h *Hall) Slots(service, day string) ([]SlotView, error) {
	s, err := h.AppointmentSettings()
	if err != nil {
		return nil, err
	}
	cfg := h.liveConfig()
	plan, d, err := h.checkDay(cfg, s, service, day, h.now())
	if err != nil {
		return nil, err
	}
	now := h.now()
	out := []SlotView{}
	for _, sl := range slotsOf(cfg, s, plan, d) {
		start := slotStart(d, sl)
		if !start.After(now) {
			continue
		}
		v := SlotView{Slot: sl, Start: start, Capacity: plan.Capacity}
		if r, ok, err := h.Record(KindAppointmentSlot, slotKey(day, service, sl)); err != nil {
			return nil, err
		} else if ok {
			v.Booked = len(decodeRecord[AppointmentSlot](r).Codes)
		}
		v.Available = max(0, v.Capacity-v.Booked)
		out = append(out, v)
	}
	return out, nil
}

func (h *Hall) checkDay(cfg queue.Config, s AppointmentSettings, service, day string, now time.Time) (AppointmentPlan, time.Time, error) {
	if !slices.ContainsFunc(cfg.Services, func(sv queue.Service) bool { return sv.Prefix == service }) {
		return AppointmentPlan{}, time.Time{}, queue.Err(queue.EINVALID, "err.hall.unknown_service", service)
	}
	plan, ok := s.Plan(service)
	if !ok {
		return plan, time.Time{}, queue.Err(queue.EINVALID, "err.hall.this_service_takes_no")
	}
	d, err := parseDay(day, h.Location())
	if err != nil {
		return plan, d, err
	}
	if i := dayIndex(now, d); i < 0 || i > s.HorizonDays {
		return plan, d, queue.Err(queue.EINVALID, "err.hall.bookings_are_open_for", s.HorizonDays)
	}
	return plan, d, nil
}

// newBookingCode returns an unused 8-digit code. Call with h.mu held.
func (h *Hall) newBookingCode() string {
	for {
		n, _ := rand.Int(rand.Reader, big.NewInt(90_000_000))
		code := strconv.FormatInt(n.Int64()+10_000_000, 10)
		if _, taken := h.recordLocked(KindAppointment, code); !taken {
			return code
		}
	}
}

// documentsFor is what to bring: the business item's list if known, else
// the service's.
func (h *Hall) documentsFor(service, item string) []string {
	if item != "" {
		if it, ok := h.Catalog().Item(item); ok && len(it.Documents) > 0 {
			return it.Documents
		}
	}
	var docs []string
	h.Read(func(v *queue.Engine, _ uint64) {
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
// now and returns the slot record as it is. Call with h.mu held.
func (h *Hall) reserveLocked(e *queue.Engine, service, day, slot string, now time.Time) (AppointmentSlot, time.Time, error) {
	cfg := e.Config()
	s := h.apptSettingsLocked(cfg)
	plan, d, err := h.checkDay(cfg, s, service, day, now)
	if err != nil {
		return AppointmentSlot{}, time.Time{}, err
	}
	if !slices.Contains(slotsOf(cfg, s, plan, d), slot) {
		return AppointmentSlot{}, time.Time{}, queue.Err(queue.EINVALID, "err.hall.there_is_no_slot", day, service, slot)
	}
	start := slotStart(d, slot)
	if !start.After(now) {
		return AppointmentSlot{}, time.Time{}, queue.Err(queue.EINVALID, "err.hall.this_slot_has_passed")
	}
	sl := AppointmentSlot{Day: day, Service: service, Slot: slot, Start: start, Codes: []string{}, Pending: []string{}, CheckedIn: []string{}, NoShow: []string{}}
	if r, ok := h.recordLocked(KindAppointmentSlot, slotKey(day, service, slot)); ok {
		sl = decodeRecord[AppointmentSlot](r)
	}
	if len(sl.Codes) >= plan.Capacity {
		return sl, start, queue.Err(queue.ECONFLICT, "err.hall.this_slot_is_fully")
	}
	return sl, start, nil
}

func (h *Hall) phoneLocked(phone string) AppointmentPhone {
	if r, ok := h.recordLocked(KindAppointmentPhone, phone); ok {
		return decodeRecord[AppointmentPhone](r)
	}
	return AppointmentPhone{Phone: phone, Codes: []string{}}
}

func without(list []string, v string) []string {
	return slices.DeleteFunc(slices.Clone(list), func(s string) bool { return s == v })
}

// Book books an appointment: a person (clerk, manager) on behalf of a caller,
// or anyone on the hall's booking page (any principal may; the per-phone
// limit stops hoarding). Refusals: EINVALID (bad service, day,
// slot or phone), ECONFLICT (slot full), ELIMIT (the phone's open bookings
// reach the limit).
func (h *Hall) Book(ctx context.Context, p Principal, req BookRequest) (Appointment, error) {
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
	if err := CheckText("the name", "姓名", req.Name); err != nil { // text.go
		return Appointment{}, err
	}
	if req.Item != "" {
		if it, ok := h.Catalog().Item(req.Item); !ok || it.Service != req.Service {
			return Appointment{}, queue.Err(queue.EINVALID, "err.hall.the_business_item_does")
		}
	}
	docs := h.documentsFor(req.Service, req.Item)
	var out Appointment
	_, err := h.Exec(p.Actor(), func(tx *Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		sl, start, err := h.reserveLocked(e, req.Service, req.Day, req.Slot, now)
		if err != nil {
			return queue.Event{}, err
		}
		s := h.apptSettingsLocked(e.Config())
		ph := h.phoneLocked(req.Phone)
		if s.PhoneLimit > 0 && len(ph.Codes) >= s.PhoneLimit {
			return queue.Event{}, queue.Err(queue.ELIMIT, "err.hall.this_phone_number_already", len(ph.Codes))
		}
		a := Appointment{Code: h.newBookingCode(), Service: req.Service, Day: req.Day, Slot: req.Slot, Start: start,
			Phone: req.Phone, Name: req.Name, Item: req.Item, Documents: docs, Status: ApptBooked,
			BookedBy: p.Actor(), BookedAt: now}
		sl.Codes = append(sl.Codes, a.Code)
		sl.Pending = append(sl.Pending, a.Code)
		ph.Codes = append(ph.Codes, a.Code)
		out = a
		return queue.Event{Type: EvApptBooked, At: now, Day: e.Day(), Records: []queue.Record{
			NewRecord(KindAppointment, a.Code, a),
			NewRecord(KindAppointmentSlot, slotKey(a.Day, a.Service, a.Slot), sl),
			NewRecord(KindAppointmentPhone, a.Phone, ph),
		}}, nil
	})
	if err != nil {
		return Appointment{}, fmt.Errorf("book %s %s %s: %w", req.Service, req.Day, req.Slot, err)
	}
	if p.Kind == "" {
		h.watchBooking(out) // security.go: a day filling unusually fast alerts the manager
	}
	return out, nil
}

// apptLocked finds a booking by code for p: people and kiosks see any; the
// public must also give the booking's phone number. ENOTFOUND otherwise.
func (h *Hall) apptLocked(p Principal, code, phone string) (Appointment, error) {
	r, ok := h.recordLocked(KindAppointment, strings.TrimSpace(code))
	if !ok {
		return Appointment{}, queue.Err(queue.ENOTFOUND, "err.hall.no_booking_with_this")
	}
	a := decodeRecord[Appointment](r)
	if p.Kind != "user" && queue.NormalizePhone(phone) != a.Phone {
		return Appointment{}, queue.Err(queue.ENOTFOUND, "err.hall.no_booking_with_this")
	}
	return a, nil
}

// Appointment returns a booking by code. The public must give its phone
// number too; ENOTFOUND otherwise.
func (h *Hall) Appointment(p Principal, code, phone string) (Appointment, error) {
	r, ok, err := h.Record(KindAppointment, strings.TrimSpace(code))
	if err != nil {
		return Appointment{}, err
	}
	a := decodeRecord[Appointment](r)
	if !ok || (p.Kind != "user" && queue.NormalizePhone(phone) != a.Phone) {
		return Appointment{}, queue.Err(queue.ENOTFOUND, "err.hall.no_booking_with_this")
	}
	return a, nil
}

// CancelAppointment cancels an open booking by code (the public with the
// booking's phone number). ECONFLICT unless it is still booked.
func (h *Hall) CancelAppointment(ctx context.Context, p Principal, code, phone string) (Appointment, error) {
	var out Appointment
	_, err := h.Exec(p.Actor(), func(tx *Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		a, err := h.apptLocked(p, code, phone)
		if err != nil {
			return queue.Event{}, err
		}
		if a.Status != ApptBooked {
			return queue.Event{}, queue.Err(queue.ECONFLICT, "err.hall.this_booking_is_already", apptStatusZH(a.Status), a.Status)
		}
		sl := decodeRecord[AppointmentSlot](h.mustRecordLocked(KindAppointmentSlot, slotKey(a.Day, a.Service, a.Slot)))
		sl.Codes, sl.Pending = without(sl.Codes, a.Code), without(sl.Pending, a.Code)
		sl.Cancelled++
		ph := h.phoneLocked(a.Phone)
		ph.Codes = without(ph.Codes, a.Code)
		a.Status = ApptCancelled
		out = a
		return queue.Event{Type: EvApptCancelled, At: now, Day: e.Day(), Records: []queue.Record{
			NewRecord(KindAppointment, a.Code, a),
			NewRecord(KindAppointmentSlot, slotKey(a.Day, a.Service, a.Slot), sl),
			NewRecord(KindAppointmentPhone, a.Phone, ph),
		}}, nil
	})
	if err != nil {
		return Appointment{}, fmt.Errorf("cancel booking: %w", err)
	}
	return out, nil
}

func (h *Hall) mustRecordLocked(kind, key string) queue.Record {
	r, _ := h.recordLocked(kind, key)
	return r
}

// RescheduleAppointment moves an open booking to another slot of its
// service; the code stays. Refusals as for Book, and ECONFLICT unless the
// booking is still open.
func (h *Hall) RescheduleAppointment(ctx context.Context, p Principal, code, phone, day, slot string) (Appointment, error) {
	day, slot = strings.TrimSpace(day), strings.TrimSpace(slot)
	var out Appointment
	_, err := h.Exec(p.Actor(), func(tx *Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		a, err := h.apptLocked(p, code, phone)
		if err != nil {
			return queue.Event{}, err
		}
		if a.Status != ApptBooked {
			return queue.Event{}, queue.Err(queue.ECONFLICT, "err.hall.this_booking_is_and", apptStatusZH(a.Status), a.Status)
		}
		if a.Day == day && a.Slot == slot {
			return queue.Event{}, queue.Err(queue.EINVALID, "err.hall.the_new_slot_is")
		}
		to, start, err := h.reserveLocked(e, a.Service, day, slot, now)
		if err != nil {
			return queue.Event{}, err
		}
		from := decodeRecord[AppointmentSlot](h.mustRecordLocked(KindAppointmentSlot, slotKey(a.Day, a.Service, a.Slot)))
		from.Codes, from.Pending = without(from.Codes, a.Code), without(from.Pending, a.Code)
		to.Codes, to.Pending = append(to.Codes, a.Code), append(to.Pending, a.Code)
		oldKey := slotKey(a.Day, a.Service, a.Slot)
		a.Day, a.Slot, a.Start = day, slot, start
		a.Rescheduled++
		out = a
		return queue.Event{Type: EvApptRescheduled, At: now, Day: e.Day(), Records: []queue.Record{
			NewRecord(KindAppointment, a.Code, a),
			NewRecord(KindAppointmentSlot, oldKey, from),
			NewRecord(KindAppointmentSlot, slotKey(day, a.Service, slot), to),
		}}, nil
	})
	if err != nil {
		return Appointment{}, fmt.Errorf("reschedule booking: %w", err)
	}
	return out, nil
}

func apptStatusZH(s string) string {
	switch s {
	case ApptCheckedIn:
		return "签到取号"
	case ApptCancelled:
		return "取消"
	case ApptNoShow:
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
func (h *Hall) CheckIn(ctx context.Context, p Principal, req CheckInRequest) (CheckInResult, error) {
	if !(p.Kind == "device" && p.Role == KindKiosk) && p.Kind != "user" {
		return CheckInResult{}, forbidden()
	}
	req.Code, req.Phone, req.CodePart = strings.TrimSpace(req.Code), queue.NormalizePhone(req.Phone), strings.TrimSpace(req.CodePart)
	if req.Code == "" && req.Phone == "" {
		return CheckInResult{}, queue.Err(queue.EINVALID, "err.hall.enter_the_booking_code")
	}
	if req.Code == "" && (len(req.CodePart) != CodePartLen || strings.Trim(req.CodePart, "0123456789") != "") {
		return CheckInResult{}, queue.Err(queue.EINVALID, "err.hall.with_a_phone_number", CodePartLen)
	}
	tracking := NewCode(12)
	var res CheckInResult
	_, err := h.Exec(p.Actor(), func(tx *Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		a, err := h.findCheckInLocked(req, now)
		if err != nil {
			return queue.Event{}, err
		}
		s := h.apptSettingsLocked(e.Config())
		open := a.Start.Add(-time.Duration(s.EarlyMinutes) * time.Minute)
		closes := a.Start.Add(time.Duration(s.LateMinutes) * time.Minute)
		res = CheckInResult{Appointment: a}
		switch {
		case a.Status == ApptCheckedIn:
			return queue.Event{}, queue.Err(queue.ECONFLICT, "err.hall.this_booking_is_checked", a.Number)
		case now.Before(open):
			res.Outcome, res.ComeBackAt = CheckInEarly, &open
			lt := open.In(h.Location())
			res.Message = fmt.Sprintf("您预约的是 %s %s，请于 %s 之后来签到 / your booking is at %s %s; please check in from %s",
				a.Day, a.Slot, lt.Format("01-02 15:04"), a.Day, a.Slot, lt.Format("Jan 2 15:04"))
			return queue.Event{}, errNothing
		case now.After(closes) || a.Status == ApptNoShow:
			res.Outcome = CheckInLate
			res.Message = "预约已过签到时间，请取普通号办理 / the check-in time of this booking has passed; please take a normal ticket"
			if a.Status == ApptNoShow {
				return queue.Event{}, errNothing
			}
			recs := h.noShowLocked(a, now)
			res.Appointment = decodeRecord[Appointment](recs[0])
			return queue.Event{Type: EvApptReleased, At: now, Day: e.Day(), Records: recs}, nil
		}
		start := a.Start
		ev, err := e.Issue(queue.IssueRequest{Service: a.Service, Priority: queue.Appointment, Phone: a.Phone,
			Item: a.Item, Tracking: tracking, DueAt: &start}, now)
		if err != nil {
			return queue.Event{}, err
		}
		t := ev.Tickets[0]
		a.Status, a.CheckedInAt, a.Ticket, a.Number, a.Tracking = ApptCheckedIn, &now, t.ID, t.Number, t.Tracking
		key := slotKey(a.Day, a.Service, a.Slot)
		sl := decodeRecord[AppointmentSlot](h.mustRecordLocked(KindAppointmentSlot, key))
		sl.Pending = without(sl.Pending, a.Code)
		sl.CheckedIn = append(sl.CheckedIn, a.Code)
		ph := h.phoneLocked(a.Phone)
		ph.Codes = without(ph.Codes, a.Code)
		ev.Records = append(ev.Records, NewRecord(KindAppointment, a.Code, a), NewRecord(KindAppointmentSlot, key, sl),
			NewRecord(KindAppointmentPhone, a.Phone, ph))
		res.Outcome, res.Appointment, res.Ticket = CheckInTicket, a, &t
		res.Message = fmt.Sprintf("签到成功，您的号码 %s / checked in: your ticket is %s", t.Number, t.Number)
		return ev, nil
	})
	if err != nil && !errors.Is(err, errNothing) {
		return CheckInResult{}, fmt.Errorf("check in: %w", err)
	}
	// The kiosk is a shared screen: it shows the slot, never the name.
	res.Appointment.Name = ""
	return res, nil
}

// findCheckInLocked finds the booking a check-in means: by code, or among
// the phone's open bookings and today's checked-in ones the one whose slot
// is nearest to now.
func (h *Hall) findCheckInLocked(req CheckInRequest, now time.Time) (Appointment, error) {
	notFound := queue.Err(queue.ENOTFOUND, "err.hall.no_booking_found_check")
	if req.Code != "" {
		r, ok := h.recordLocked(KindAppointment, req.Code)
		if !ok {
			return Appointment{}, notFound
		}
		a := decodeRecord[Appointment](r)
		if a.Status == ApptCancelled {
			return a, queue.Err(queue.ECONFLICT, "err.hall.this_booking_was_cancelled")
		}
		return a, nil
	}
	var best *Appointment
	for _, code := range h.phoneLocked(req.Phone).Codes {
		if !strings.HasSuffix(code, req.CodePart) {
			continue
		}
		r, ok := h.recordLocked(KindAppointment, code)
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
// records, the appointment first. Call with h.mu held.
func (h *Hall) noShowLocked(a Appointment, now time.Time) []queue.Record {
	key := slotKey(a.Day, a.Service, a.Slot)
	sl := decodeRecord[AppointmentSlot](h.mustRecordLocked(KindAppointmentSlot, key))
	sl.Pending = without(sl.Pending, a.Code)
	sl.NoShow = append(sl.NoShow, a.Code)
	ph := h.phoneLocked(a.Phone)
	ph.Codes = without(ph.Codes, a.Code)
	a.Status, a.ReleasedAt = ApptNoShow, &now
	return []queue.Record{NewRecord(KindAppointment, a.Code, a), NewRecord(KindAppointmentSlot, key, sl),
		NewRecord(KindAppointmentPhone, a.Phone, ph)}
}

// ReleaseAppointments marks every booking whose check-in window has closed
// without a check-in as a no-show, freeing the phone's quota, and returns
// how many it released. The hall's ticker calls it; it is safe to call any
// time.
func (h *Hall) ReleaseAppointments(ctx context.Context) (int, error) {
	n := 0
	_, err := h.Exec("system", func(tx *Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		n = 0
		s := h.apptSettingsLocked(e.Config())
		late := time.Duration(s.LateMinutes) * time.Minute
		var recs []queue.Record
		slots := map[string]AppointmentSlot{}
		phones := map[string]AppointmentPhone{}
		for _, r := range h.recordsLocked(KindAppointmentSlot) {
			// Most slots are settled: skip them without decoding.
			if bytes.Contains(r.Data, []byte(`"pending":[]`)) || bytes.Contains(r.Data, []byte(`"pending":null`)) {
				continue
			}
			sl := decodeRecord[AppointmentSlot](r)
			if len(sl.Pending) == 0 || !now.After(sl.Start.Add(late)) {
				continue
			}
			for _, code := range sl.Pending {
				a := decodeRecord[Appointment](h.mustRecordLocked(KindAppointment, code))
				ph, ok := phones[a.Phone]
				if !ok {
					ph = h.phoneLocked(a.Phone)
				}
				ph.Codes = without(ph.Codes, code)
				phones[a.Phone] = ph
				a.Status, a.ReleasedAt = ApptNoShow, &now
				recs = append(recs, NewRecord(KindAppointment, code, a))
				sl.NoShow = append(sl.NoShow, code)
				n++
			}
			sl.Pending = []string{}
			slots[r.Key] = sl
		}
		if n == 0 {
			return queue.Event{}, errNothing
		}
		for k, sl := range slots {
			recs = append(recs, NewRecord(KindAppointmentSlot, k, sl))
		}
		for k, ph := range phones {
			recs = append(recs, NewRecord(KindAppointmentPhone, k, ph))
		}
		return queue.Event{Type: EvApptReleased, At: now, Day: e.Day(), Records: recs}, nil
	})
	if err != nil && !errors.Is(err, errNothing) {
		return 0, fmt.Errorf("release appointments: %w", err)
	}
	return n, nil
}

// Appointments lists the bookings of a day (all services, slot order).
func (h *Hall) Appointments(day string) ([]Appointment, error) {
	if _, err := parseDay(day, h.Location()); err != nil {
		return nil, err
	}
	out := []Appointment{}
	var codes []string
	err := h.EachRecord(KindAppointmentSlot, day+"/", func(r queue.Record) bool {
		if !strings.HasPrefix(r.Key, day+"/") {
			return false
		}
		codes = append(codes, decodeRecord[AppointmentSlot](r).Codes...)
		return true
	})
	if err != nil {
		return nil, err
	}
	for _, c := range codes {
		r, ok, err := h.Record(KindAppointment, c)
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

// AppointmentFigures are the appointment figures of a date range for reports.
type AppointmentFigures struct {
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

// AppointmentFigures returns booked / checked in / no-show counts of the
// slots from day from to day to (YYYY-MM-DD, inclusive) and the average wait
// of appointment tickets against walk-ins issued on those days.
func (h *Hall) AppointmentFigures(from, to string) (AppointmentFigures, error) {
	f := AppointmentFigures{From: from, To: to}
	loc := h.Location()
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
	err = h.EachRecord(KindAppointmentSlot, from, func(r queue.Record) bool {
		if r.Key[:min(10, len(r.Key))] > to {
			return false
		}
		sl := decodeRecord[AppointmentSlot](r)
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
	err = h.st.EachTicket(from, to, func(t *queue.Ticket) error {
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
