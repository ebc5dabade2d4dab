// Package rating is the satisfaction ratings (评价器), the call-back loop
// (回访) and the figures.
//
// A finished service may be rated once, from the keypad paired to the counter
// that served it, within the rating window after the finish. The hall decides
// the window from the ticket's finish time, not from the page: a rating that
// never comes is recorded as 未评价 (score 0) by Expire, which the
// hall's ticker runs. Records (all committed with their event through exec):
//
//	rating          key %020d ticket id → Rating (score 1–5, or 0 for 未评价)
//	callback        key %020d ticket id → Callback, opened by a rating of 1–2
//	rating_alert    key DAY "/" clerk   → Alert, the clerk's low ratings
//	                that day; Raised once they reach Settings.AlertAfter
//	rating_settings key "hall"          → Settings
//
// Events: service_rated (Counter, Ticket; Reason "low_rating_alert" when the
// rating raised its clerk's alert), rating_expired, callback_recorded,
// rating_settings_changed.
//
// It is a feature of the hall kernel (docs/architecture.md): it changes state
// through Hall.Exec and registers one scheduled job, "expire ratings".
package rating

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"hallq/casework/cases"
	"hallq/hall"
	"hallq/queue"
)

// Record kinds and event types of the rating loop.
const (
	Kind         = "rating"
	KindCallback = "callback"
	KindAlert    = "rating_alert"
	KindSettings = "rating_settings"

	EvRated     = "service_rated"
	EvExpired   = "rating_expired"
	EvCallback  = "callback_recorded"
	EvSettings  = "rating_settings_changed"
	ReasonAlert = "low_rating_alert"
)

// Scores from best to worst, as the keypad shows them.
const (
	ScoreVerySatisfied    = 5 // 非常满意
	ScoreSatisfied        = 4 // 满意
	ScoreFair             = 3 // 基本满意
	ScoreDissatisfied     = 2 // 不满意
	ScoreVeryDissatisfied = 1 // 非常不满意
	ScoreUnrated          = 0 // 未评价: the window passed without an answer
)

// ScoreNames are the Chinese names of the scores, by score (index 0: 未评价).
var ScoreNames = [6]string{"未评价", "非常不满意", "不满意", "基本满意", "满意", "非常满意"}

// Reasons are what a dissatisfied customer may name (the complaint
// categories of the seed documents).
var Reasons = []string{"服务态度", "办理效率", "等候时间", "业务解答", "电费计量/抄表", "停电/抢修", "其他"}

// Low reports whether score opens a call-back (不满意 or 非常不满意).
func Low(score int) bool { return score == ScoreDissatisfied || score == ScoreVeryDissatisfied }

// Settings configure the rating loop.
type Settings struct {
	// WindowS is how long after the finish a service may be rated (seconds).
	WindowS int `json:"window_s"`
	// AlertAfter is how many low ratings (1–2) of one clerk in one day raise
	// an alert for the managers.
	AlertAfter int `json:"alert_after"`
}

// DefaultSettings: two minutes to rate, an alert at the second low
// rating of a clerk's day.
var DefaultSettings = Settings{WindowS: 120, AlertAfter: 2}

// Window is WindowS as a duration.
func (set Settings) Window() time.Duration { return time.Duration(set.WindowS) * time.Second }

// Rating is one finished service's rating, or its 未评价 record.
type Rating struct {
	Ticket     uint64    `json:"ticket"`
	Number     string    `json:"number"`
	Day        string    `json:"day"`
	Score      int       `json:"score"` // 1–5, 0 未评价
	Reason     string    `json:"reason,omitempty"`
	Clerk      string    `json:"clerk"`
	ClerkName  string    `json:"clerk_name,omitempty"`
	StaffNo    string    `json:"staff_no,omitempty"`
	Counter    int       `json:"counter"`
	Service    string    `json:"service"`
	Item       string    `json:"item,omitempty"`
	Class      string    `json:"class,omitempty"` // case class of Item
	FinishedAt time.Time `json:"finished_at"`
	At         time.Time `json:"at"`               // rated, or found unanswered
	Device     string    `json:"device,omitempty"` // the keypad that rated
}

// Callback statuses and outcomes.
const (
	CallbackOpen = "open"
	CallbackDone = "done"
)

// CallbackOutcomes are the outcomes a manager records; all but
// "unreachable" close the task.
var CallbackOutcomes = []string{"resolved", "explained", "unreachable", "escalated"}

// CallbackAttempt is one recorded call.
type CallbackAttempt struct {
	At      time.Time `json:"at"`
	By      string    `json:"by"`
	Outcome string    `json:"outcome"`
	Note    string    `json:"note"`
}

// Callback is a manager's call-back task (回访) after a low rating.
type Callback struct {
	Ticket    uint64            `json:"ticket"`
	Number    string            `json:"number"`
	Day       string            `json:"day"`
	Score     int               `json:"score"`
	Reason    string            `json:"reason,omitempty"`
	Clerk     string            `json:"clerk"`
	ClerkName string            `json:"clerk_name,omitempty"`
	Counter   int               `json:"counter"`
	Service   string            `json:"service"`
	Item      string            `json:"item,omitempty"`
	Class     string            `json:"class,omitempty"`
	Status    string            `json:"status"` // open | done
	OpenedAt  time.Time         `json:"opened_at"`
	Outcome   string            `json:"outcome,omitempty"` // the last one
	ClosedAt  *time.Time        `json:"closed_at,omitempty"`
	ClosedBy  string            `json:"closed_by,omitempty"`
	Attempts  []CallbackAttempt `json:"attempts,omitempty"`
}

// Alert counts one clerk's low ratings of one day.
type Alert struct {
	Day       string     `json:"day"`
	Clerk     string     `json:"clerk"`
	ClerkName string     `json:"clerk_name,omitempty"`
	Low       int        `json:"low"`
	Tickets   []uint64   `json:"tickets"`
	Raised    bool       `json:"raised"`
	RaisedAt  *time.Time `json:"raised_at,omitempty"`
}

// Key is the record key of ticket id's rating and call-back.
func Key(id uint64) string { return fmt.Sprintf("%020d", id) }

// RateRequest is a keypad's answer.
type RateRequest struct {
	Ticket uint64 `json:"ticket"`
	Score  int    `json:"score"`
	Reason string `json:"reason"`
}

// Options configure New.
type Options struct {
	// Every is how often the job "expire ratings" runs (Hall.Every: 0 is
	// the hall's tick); negative schedules nothing (tests call Expire).
	Every time.Duration
	// Catalog is the hall's business catalog (casework.Service.Catalog):
	// the case class of a rated ticket's item. Nil: the default catalog.
	Catalog func() *cases.Catalog
}

// Service is the rating loop of one hall.
type Service struct {
	h       *hall.Hall
	catalog func() *cases.Catalog
	// expiry is Expire's place in the write model's done tickets: touched
	// only inside Exec, under the hall's lock.
	expiry struct {
		eng  *queue.Engine
		day  string
		from int
	}
}

// New returns the rating loop of h and schedules "expire ratings" on it
// (stopped by h.Close).
func New(h *hall.Hall, opt Options) *Service {
	s := &Service{h: h, catalog: opt.Catalog}
	h.ClosedOnWrite(Kind) // a rating is written once: it is sealed with its day
	if s.catalog == nil {
		s.catalog = cases.SharedDefault
	}
	if opt.Every >= 0 {
		h.Every("expire ratings", opt.Every, func(ctx context.Context) error { // 未评价 past the window
			_, err := s.Expire(ctx)
			return err
		})
	}
	return s
}

// Rated is day's rated tickets and satisfied share, for the live monitor's
// totals (console.Options.Rated); 0 when the figures cannot be read.
func (s *Service) Rated(day string) (rated int, satisfaction float64) {
	if st, err := s.Figures(day, day); err == nil {
		return st.Total.Rated, st.Total.Satisfaction
	}
	return 0, 0
}

// MonitorAlerts are the clerks' raised low-rating alerts of day, for the
// live monitor (console.Options.Alerts).
func (s *Service) MonitorAlerts(_ hall.Principal, day string) []hall.Alert {
	var out []hall.Alert
	if ras, err := s.Alerts(day); err == nil {
		for _, a := range ras {
			if !a.Raised {
				continue
			}
			name := a.ClerkName
			if name == "" {
				name = a.Clerk
			}
			out = append(out, hall.Alert{Kind: "rating", Link: "/callbacks",
				TextZH: fmt.Sprintf("%s 今日已有 %d 个差评", name, a.Low),
				TextEN: fmt.Sprintf("%s has %d low ratings today", name, a.Low)})
		}
	}
	return out
}

// caseClass is the case class of a business item in the hall's catalog (""
// when there is none).
func (s *Service) caseClass(item string) string {
	if item == "" {
		return ""
	}
	if it, ok := s.catalog().Item(item); ok {
		return string(it.Class)
	}
	return ""
}

// Settings returns the hall's rating settings.
func (s *Service) Settings() Settings {
	set := DefaultSettings // decoded over the defaults: a field an old record lacks keeps its default
	if r, ok, err := s.h.Record(KindSettings, "hall"); err == nil && ok {
		json.Unmarshal(r.Data, &set)
	}
	return set
}

// settingsOf is the rating settings in the write model.
func settingsOf(tx *hall.Tx) Settings {
	set := DefaultSettings
	if r, ok := tx.Record(KindSettings, "hall"); ok {
		json.Unmarshal(r.Data, &set)
	}
	return set
}

// SetSettings changes the rating settings (managers and admins):
// a window of 10 s to 30 min, an alert after 1 to 50 low ratings; EINVALID
// otherwise, EFORBIDDEN for anyone else.
func (s *Service) SetSettings(ctx context.Context, p hall.Principal, set Settings) (Settings, error) {
	if !p.Staff() {
		return Settings{}, hall.Forbidden()
	}
	if set.WindowS < 10 || set.WindowS > 1800 {
		return Settings{}, queue.Err(queue.EINVALID, "err.hall.the_rating_window_must")
	}
	if set.AlertAfter < 1 || set.AlertAfter > 50 {
		return Settings{}, queue.Err(queue.EINVALID, "err.hall.the_alert_threshold_must")
	}
	_, err := s.h.Exec(p.Actor(), func(tx *hall.Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		return queue.Event{Type: EvSettings, At: now, Day: e.Day(), Records: []queue.Record{hall.NewRecord(KindSettings, "hall", set)}}, nil
	})
	if err != nil {
		return Settings{}, fmt.Errorf("set rating settings: %w", err)
	}
	return set, nil
}

// lastFinished is the ticket counter n finished last: today's kept by the
// engine per event, or one it served over midnight (a handful at most).
func lastFinished(e *queue.Engine, n int) (queue.Ticket, bool) {
	last, found := e.LastFinished(n)
	for _, t := range e.CarriedOver() {
		if t.Counter != n || t.Status != queue.Done || t.FinishedAt == nil {
			continue
		}
		if !found || t.FinishedAt.After(*last.FinishedAt) || (t.FinishedAt.Equal(*last.FinishedAt) && t.ID > last.ID) {
			last, found = t, true
		}
	}
	return last, found
}

// Pending is the service a keypad may rate now.
type Pending struct {
	Ticket     uint64    `json:"ticket"`
	Number     string    `json:"number"`
	Service    string    `json:"service"`
	Counter    int       `json:"counter"`
	FinishedAt time.Time `json:"finished_at"`
	Deadline   time.Time `json:"deadline"`
}

// Pending returns the service counter n finished last, if it may still
// be rated: within the window and not rated yet.
func (s *Service) Pending(n int) (Pending, bool) {
	now := s.h.Now()
	win := s.Settings().Window()
	var t queue.Ticket
	var ok bool
	s.h.Read(func(v *queue.Engine, _ uint64) { t, ok = lastFinished(v, n) })
	if !ok || now.After(t.FinishedAt.Add(win)) {
		return Pending{}, false
	}
	if _, rated, err := s.h.Record(Kind, Key(t.ID)); err != nil || rated {
		return Pending{}, false
	}
	return Pending{Ticket: t.ID, Number: t.Number, Service: t.Service, Counter: n,
		FinishedAt: *t.FinishedAt, Deadline: t.FinishedAt.Add(win)}, true
}

// Rate records a keypad's rating of the service it names. Only the keypad
// paired to the counter that served the ticket may rate it (EFORBIDDEN for
// any other device, clerks and managers included), only the service that
// counter finished last (ECONFLICT), only once (ECONFLICT), only within the
// window (ECONFLICT). A score outside 1–5 or a reason not in Reasons is
// EINVALID; a reason is taken only with a low score. A low score opens a
// call-back task and counts towards the clerk's alert. Refusals change
// nothing.
func (s *Service) Rate(ctx context.Context, p hall.Principal, req RateRequest) (Rating, error) {
	if p.Kind != "device" || p.Role != hall.KindKeypad {
		return Rating{}, queue.Err(queue.EFORBIDDEN, "err.hall.only_the_counter_s")
	}
	if p.Counter <= 0 {
		return Rating{}, queue.Err(queue.EFORBIDDEN, "err.hall.this_keypad_is_not")
	}
	if req.Ticket == 0 {
		return Rating{}, queue.Err(queue.EINVALID, "err.hall.name_the_ticket_to")
	}
	if req.Score < 1 || req.Score > 5 {
		return Rating{}, queue.Err(queue.EINVALID, "err.hall.the_score_must_be")
	}
	if req.Reason != "" {
		if !slices.Contains(Reasons, req.Reason) {
			return Rating{}, queue.Err(queue.EINVALID, "err.hall.the_reason_must_be", strings.Join(Reasons, "、"))
		}
		if !Low(req.Score) {
			return Rating{}, queue.Err(queue.EINVALID, "err.hall.a_reason_goes_only")
		}
	}
	var out Rating
	_, err := s.h.Exec(p.Actor(), func(tx *hall.Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		t, ok := e.Ticket(req.Ticket)
		if !ok {
			return queue.Event{}, queue.Err(queue.ENOTFOUND, "err.hall.no_such_ticket_today")
		}
		if t.Counter != p.Counter {
			return queue.Event{}, queue.Err(queue.EFORBIDDEN, "err.hall.ticket_was_not_served", t.Number, p.Counter)
		}
		if t.Status != queue.Done || t.FinishedAt == nil {
			return queue.Event{}, queue.Err(queue.ECONFLICT, "err.hall.the_service_of_has", t.Number)
		}
		key := Key(t.ID)
		if r, done := tx.Record(Kind, key); done {
			var old Rating
			json.Unmarshal(r.Data, &old)
			if old.Score == ScoreUnrated {
				return queue.Event{}, queue.Err(queue.ECONFLICT, "err.hall.the_time_to_rate", t.Number)
			}
			return queue.Event{}, queue.Err(queue.ECONFLICT, "err.hall.has_been_rated_already", t.Number)
		}
		set := settingsOf(tx)
		if now.After(t.FinishedAt.Add(set.Window())) {
			return queue.Event{}, queue.Err(queue.ECONFLICT, "err.hall.the_time_to_rate", t.Number)
		}
		if last, _ := lastFinished(e, p.Counter); last.ID != t.ID {
			return queue.Event{}, queue.Err(queue.ECONFLICT, "err.hall.only_the_service_just")
		}
		out = s.newRating(e, t, req.Score, req.Reason, now)
		out.Device = p.Name
		ev := queue.Event{Type: EvRated, At: now, Day: e.Day(), Counter: t.Counter, Ticket: t.ID,
			Records: []queue.Record{hall.NewRecord(Kind, key, out)}}
		if Low(out.Score) {
			cb := Callback{Ticket: t.ID, Number: t.Number, Day: t.Day, Score: out.Score, Reason: out.Reason,
				Clerk: out.Clerk, ClerkName: out.ClerkName, Counter: out.Counter, Service: out.Service,
				Item: out.Item, Class: out.Class, Status: CallbackOpen, OpenedAt: now}
			ev.Records = append(ev.Records, hall.NewRecord(KindCallback, key, cb))
			akey := t.Day + "/" + out.Clerk
			var a Alert
			if r, ok := tx.Record(KindAlert, akey); ok {
				json.Unmarshal(r.Data, &a)
			}
			a.Day, a.Clerk, a.ClerkName = t.Day, out.Clerk, out.ClerkName
			a.Low++
			a.Tickets = append(slices.Clone(a.Tickets), t.ID)
			if !a.Raised && a.Low >= set.AlertAfter {
				a.Raised, a.RaisedAt = true, &now
				ev.Reason = ReasonAlert
			}
			ev.Records = append(ev.Records, hall.NewRecord(KindAlert, akey, a))
		}
		return ev, nil
	})
	if err != nil {
		return Rating{}, fmt.Errorf("rate ticket %d: %w", req.Ticket, err)
	}
	return out, nil
}

// newRating fills a rating of ticket t from the write model.
func (s *Service) newRating(e *queue.Engine, t queue.Ticket, score int, reason string, now time.Time) Rating {
	r := Rating{Ticket: t.ID, Number: t.Number, Day: t.Day, Score: score, Reason: reason, Clerk: t.Clerk,
		Counter: t.Counter, Service: t.Service, Item: t.Item, Class: s.caseClass(t.Item), FinishedAt: *t.FinishedAt, At: now}
	if u, err := s.h.Store().User(t.Clerk); err == nil {
		r.ClerkName, r.StaffNo = u.Display, u.StaffNo
	}
	return r
}

// Expire records 未评价 for every service of today whose rating window
// has passed without a rating, in one event, and returns how many. The
// hall's ticker calls it; tests call it after moving the clock.
func (s *Service) Expire(ctx context.Context) (int, error) {
	n := 0
	_, err := s.h.Exec("system", func(tx *hall.Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		win := settingsOf(tx).Window()
		var recs []queue.Record
		// Services finish in time order: look from the first one not yet
		// past its window on, not at every ticket of the day. The cursor
		// belongs to this engine and day (a reload after a failed commit,
		// or a new day, starts again from the first).
		if s.expiry.eng != e || s.expiry.day != e.Day() {
			s.expiry.eng, s.expiry.day, s.expiry.from = e, e.Day(), 0
		}
		for _, id := range e.DoneFrom(s.expiry.from) {
			t, ok := e.Ticket(id)
			if ok && t.FinishedAt != nil && !now.After(t.FinishedAt.Add(win)) {
				break
			}
			s.expiry.from++
			if !ok || t.Status != queue.Done || t.FinishedAt == nil {
				continue
			}
			key := Key(t.ID)
			if _, done := tx.Record(Kind, key); done {
				continue
			}
			recs = append(recs, hall.NewRecord(Kind, key, s.newRating(e, t, ScoreUnrated, "", now)))
		}
		// Services finished after midnight for a customer of the day before
		// (a handful at most) expire the same way.
		for _, t := range e.CarriedOver() {
			if t.Status != queue.Done || t.FinishedAt == nil || !now.After(t.FinishedAt.Add(win)) {
				continue
			}
			key := Key(t.ID)
			if _, done := tx.Record(Kind, key); done {
				continue
			}
			recs = append(recs, hall.NewRecord(Kind, key, s.newRating(e, t, ScoreUnrated, "", now)))
		}
		if len(recs) == 0 {
			return queue.Event{}, hall.ErrNothing
		}
		n = len(recs)
		return queue.Event{Type: EvExpired, At: now, Day: e.Day(), Records: recs}, nil
	})
	if err != nil && !errors.Is(err, hall.ErrNothing) {
		return 0, fmt.Errorf("expire ratings: %w", err)
	}
	return n, nil
}

// Callbacks returns the call-back tasks, newest first: status "open", "done"
// or "" for all.
func (s *Service) Callbacks(status string) ([]Callback, error) {
	var out []Callback
	var derr error
	err := s.h.EachRecord(KindCallback, "", func(r queue.Record) bool {
		var c Callback
		if derr = json.Unmarshal(r.Data, &c); derr != nil {
			return false
		}
		if status == "" || c.Status == status {
			out = append(out, c)
		}
		return true
	})
	if err == nil {
		err = derr
	}
	slices.Reverse(out)
	return out, err
}

// CallbackRequest is a manager's record of a call-back.
type CallbackRequest struct {
	Outcome string `json:"outcome"`
	Note    string `json:"note"`
}

// RecordCallback records a call-back attempt on ticket id's task (managers
// and admins; EFORBIDDEN otherwise). Outcome must be one of
// CallbackOutcomes and the note 1–500 characters (EINVALID); "unreachable"
// keeps the task open, the others close it. ENOTFOUND without a task,
// ECONFLICT when it is closed already.
func (s *Service) RecordCallback(ctx context.Context, p hall.Principal, id uint64, req CallbackRequest) (Callback, error) {
	if !p.Staff() {
		return Callback{}, hall.Forbidden()
	}
	if !slices.Contains(CallbackOutcomes, req.Outcome) {
		return Callback{}, queue.Err(queue.EINVALID, "err.hall.the_outcome_must_be")
	}
	note := strings.TrimSpace(req.Note)
	if note == "" || utf8.RuneCountInString(note) > 500 {
		return Callback{}, queue.Err(queue.EINVALID, "err.hall.write_what_the_customer")
	}
	var out Callback
	_, err := s.h.Exec(p.Actor(), func(tx *hall.Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		key := Key(id)
		c, ok, err := hall.Get[Callback](tx, KindCallback, key)
		if !ok {
			return queue.Event{}, queue.Err(queue.ENOTFOUND, "err.hall.no_such_call_back")
		}
		if err != nil {
			return queue.Event{}, err
		}
		if c.Status != CallbackOpen {
			return queue.Event{}, queue.Err(queue.ECONFLICT, "err.hall.the_call_back_of", c.Number)
		}
		c.Attempts = append(slices.Clone(c.Attempts), CallbackAttempt{At: now, By: p.Name, Outcome: req.Outcome, Note: note})
		c.Outcome = req.Outcome
		if req.Outcome != "unreachable" {
			c.Status, c.ClosedAt, c.ClosedBy = CallbackDone, &now, p.Name
		}
		out = c
		return queue.Event{Type: EvCallback, At: now, Day: e.Day(), Counter: c.Counter, Ticket: c.Ticket, Reason: req.Outcome,
			Records: []queue.Record{hall.NewRecord(KindCallback, key, c)}}, nil
	})
	if err != nil {
		return Callback{}, fmt.Errorf("record call-back %d: %w", id, err)
	}
	return out, nil
}

// Alerts returns the clerks whose low ratings on day raised an alert.
func (s *Service) Alerts(day string) ([]Alert, error) {
	var out []Alert
	var derr error
	err := s.h.EachRecord(KindAlert, day+"/", func(r queue.Record) bool {
		if !strings.HasPrefix(r.Key, day+"/") {
			return false
		}
		var a Alert
		if derr = json.Unmarshal(r.Data, &a); derr != nil {
			return false
		}
		if a.Raised {
			out = append(out, a)
		}
		return true
	})
	if err == nil {
		err = derr
	}
	return out, err
}

// Counts are the figures of one group of served tickets.
type Counts struct {
	Served    int `json:"served"`    // tickets finished (status done)
	Rated     int `json:"rated"`     // of them, rated 1–5
	Satisfied int `json:"satisfied"` // rated 非常满意 or 满意
	Low       int `json:"low"`       // rated 不满意 or 非常不满意
	// Scores counts ratings by score: Scores[0] 未评价 (expired or still
	// pending), Scores[1] 非常不满意 … Scores[5] 非常满意.
	Scores [6]int `json:"scores"`
	// Satisfaction is Satisfied / Rated; Participation is Rated / Served
	// (0 when the divisor is 0).
	Satisfaction  float64 `json:"satisfaction"`
	Participation float64 `json:"participation"`
}

func (c *Counts) add(score int) {
	c.Served++
	c.Scores[score]++
	if score > 0 {
		c.Rated++
	}
	if score >= ScoreSatisfied {
		c.Satisfied++
	}
	if Low(score) {
		c.Low++
	}
}

func (c *Counts) finish() {
	c.Satisfaction, c.Participation = 0, 0
	if c.Rated > 0 {
		c.Satisfaction = float64(c.Satisfied) / float64(c.Rated)
	}
	if c.Served > 0 {
		c.Participation = float64(c.Rated) / float64(c.Served)
	}
}

// Group is the figures of one clerk, counter, service, case class or day.
type Group struct {
	Key  string `json:"key"`            // clerk user name, counter number, service prefix, class, day
	Name string `json:"name,omitempty"` // clerk display name, service name, class name
	Counts
}

// Stats are the satisfaction figures of a range of days. Refused
// cases (class must_refuse) are in Total and in their own ByClass group, and
// left out of Handled, so the headline figure of the cases the hall could
// serve is not mixed with the ones it had to turn down.
type Stats struct {
	From      string         `json:"from"`
	To        string         `json:"to"`
	Total     Counts         `json:"total"`
	Handled   Counts         `json:"handled"` // all but must_refuse
	ByClerk   []Group        `json:"by_clerk"`
	ByCounter []Group        `json:"by_counter"`
	ByService []Group        `json:"by_service"`
	ByClass   []Group        `json:"by_class"` // key "" for tickets without a business item
	ByDay     []Group        `json:"by_day"`
	Reasons   map[string]int `json:"reasons"` // low ratings by reason ("" none given)
}

// Figures computes the satisfaction figures of the tickets finished
// from day from to day to (YYYY-MM-DD, inclusive): every finished ticket is
// served; its rating record, if any, gives its score (none yet counts as
// 未评价).
func (s *Service) Figures(from, to string) (Stats, error) {
	return s.figures(from, to, "")
}

// ClerkFigures are one clerk's figures of one day (their desk shows today's).
func (s *Service) ClerkFigures(clerk, day string) (Counts, error) {
	st, err := s.figures(day, day, clerk)
	return st.Total, err
}

func (s *Service) figures(from, to, onlyClerk string) (Stats, error) {
	st := Stats{From: from, To: to, Reasons: map[string]int{}}
	for _, d := range []string{from, to} {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return st, queue.Err(queue.EINVALID, "err.hall.dates_must_be_yyyy")
		}
	}
	if from > to {
		return st, queue.Err(queue.EINVALID, "err.hall.from_is_after_to")
	}
	type served struct {
		clerk, service, class, day string
		counter                    int
	}
	var tickets []uint64
	info := map[uint64]served{}
	err := s.h.Store().EachTicket(from, to, func(t *queue.Ticket) error {
		if t.Status != queue.Done || (onlyClerk != "" && t.Clerk != onlyClerk) {
			return nil
		}
		tickets = append(tickets, t.ID)
		info[t.ID] = served{clerk: t.Clerk, service: t.Service, class: s.caseClass(t.Item), day: t.Day, counter: t.Counter}
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("rating figures: %w", err)
	}
	scores := map[uint64]Rating{}
	if len(tickets) > 0 {
		lo, hi := slices.Min(tickets), slices.Max(tickets)
		var derr error
		err = s.h.EachRecord(Kind, Key(lo), func(r queue.Record) bool {
			if r.Key > Key(hi) {
				return false
			}
			var rt Rating
			if derr = json.Unmarshal(r.Data, &rt); derr != nil {
				return false
			}
			if _, ok := info[rt.Ticket]; ok {
				scores[rt.Ticket] = rt
			}
			return true
		})
		if err == nil {
			err = derr
		}
		if err != nil {
			return st, fmt.Errorf("rating figures: %w", err)
		}
	}
	groups := [5]map[string]*Group{{}, {}, {}, {}, {}}
	add := func(g int, key string, score int) {
		if groups[g][key] == nil {
			groups[g][key] = &Group{Key: key}
		}
		groups[g][key].add(score)
	}
	for _, id := range tickets {
		sv := info[id]
		r := scores[id]
		st.Total.add(r.Score)
		if sv.class != string(cases.MustRefuse) {
			st.Handled.add(r.Score)
		}
		add(0, sv.clerk, r.Score)
		add(1, fmt.Sprint(sv.counter), r.Score)
		add(2, sv.service, r.Score)
		add(3, sv.class, r.Score)
		add(4, sv.day, r.Score)
		if Low(r.Score) {
			st.Reasons[r.Reason]++
		}
	}
	st.Total.finish()
	st.Handled.finish()
	names := map[string]string{}
	if users, err := s.h.Store().Users(); err == nil {
		for _, u := range users {
			names[u.Name] = u.Display
		}
	}
	svcNames := map[string]string{}
	s.h.Read(func(v *queue.Engine, _ uint64) {
		for _, svc := range v.Services() {
			svcNames[svc.Prefix] = svc.NameZH
		}
	})
	sorted := func(g int, name func(string) string, less func(a, b string) int) []Group {
		out := make([]Group, 0, len(groups[g]))
		for _, r := range groups[g] {
			r.finish()
			r.Name = name(r.Key)
			out = append(out, *r)
		}
		slices.SortFunc(out, func(a, b Group) int { return less(a.Key, b.Key) })
		return out
	}
	none := func(string) string { return "" }
	st.ByClerk = sorted(0, func(k string) string { return names[k] }, strings.Compare)
	st.ByCounter = sorted(1, none, func(a, b string) int {
		var x, y int
		fmt.Sscan(a, &x)
		fmt.Sscan(b, &y)
		return x - y
	})
	st.ByService = sorted(2, func(k string) string { return svcNames[k] }, strings.Compare)
	st.ByClass = sorted(3, func(k string) string {
		if k == "" {
			return "未选业务事项"
		}
		return cases.Class(k).NameZH()
	}, func(a, b string) int {
		ia, ib := slices.Index(cases.Classes, cases.Class(a)), slices.Index(cases.Classes, cases.Class(b))
		if a == "" {
			ia = len(cases.Classes)
		}
		if b == "" {
			ib = len(cases.Classes)
		}
		return ia - ib
	})
	st.ByDay = sorted(4, none, strings.Compare)
	return st, nil
}

// CallbackPhone is the phone number the customer of a call-back task left
// on their ticket ("" if none): for the manager who calls back, and kept out
// of the task itself so events never carry it.
func (s *Service) CallbackPhone(cb Callback) string {
	if t, err := s.h.Ticket(cb.Ticket); err == nil {
		return t.Phone
	}
	phone := ""
	s.h.Store().EachTicket(cb.Day, cb.Day, func(t *queue.Ticket) error {
		if t.ID == cb.Ticket {
			phone = t.Phone
			return errStop
		}
		return nil
	})
	return phone
}

var errStop = errors.New("stop")
