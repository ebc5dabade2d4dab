package queue

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Event types of the hall's people and configuration, beyond the queue's own.
const (
	EvLoggedIn  = "user_logged_in"
	EvLoggedOut = "user_logged_out"
)

// Settings are the hall-wide parts of the configuration a manager edits:
// everything in Config but the time zone, the services and the counters.
type Settings struct {
	NameZH              string              `json:"name_zh"`
	NameEN              string              `json:"name_en"`
	Hours               map[string]Hours    `json:"hours"`
	Holidays            []string            `json:"holidays"`
	StarveAfterS        int                 `json:"starve_after_s"`
	RecallsBeforeNoShow int                 `json:"recalls_before_no_show"`
	PhoneDailyLimit     int                 `json:"phone_daily_limit"`
	NumberWidth         int                 `json:"number_width"`
	GreenBurst          int                 `json:"green_burst"`
	GreenOvertakeS      int                 `json:"green_overtake_s"`
	ReturnLimit         int                 `json:"return_limit"`
	ReturnWindowS       int                 `json:"return_window_s"`
	Overrides           map[string]DayHours `json:"overrides,omitempty"`
	RemoteTickets       bool                `json:"remote_tickets,omitempty"`
	RemoteGraceS        int                 `json:"remote_grace_s,omitempty"`
}

// Settings returns the engine's current settings.
func (e *Engine) Settings() Settings {
	c := e.cfg
	h := map[string]Hours{}
	for d, v := range c.Hours {
		h[d] = v
	}
	return Settings{NameZH: c.NameZH, NameEN: c.NameEN, Hours: h, Holidays: slices.Clone(c.Holidays),
		StarveAfterS: c.StarveAfterS, RecallsBeforeNoShow: c.RecallsBeforeNoShow, PhoneDailyLimit: c.PhoneDailyLimit,
		NumberWidth: c.NumberWidth, GreenBurst: c.GreenBurst, GreenOvertakeS: c.GreenOvertakeS,
		ReturnLimit: c.ReturnLimit, ReturnWindowS: c.ReturnWindowS,
		Overrides: cloneOverrides(c.Overrides), RemoteTickets: c.RemoteTickets, RemoteGraceS: c.RemoteGraceS}
}

// liveConfig is the configuration as it stands: the settings with today's
// services and counters.
func (e *Engine) liveConfig() Config {
	c := e.cfg
	c.Services = e.Services()
	c.Counters = e.Counters()
	return c
}

// applySettings installs the settings of c; the time zone, services and
// counters stay as they are (those change through their own records).
func (e *Engine) applySettings(c Config) {
	tz, svcs, ctrs := e.cfg.TimeZone, e.cfg.Services, e.cfg.Counters
	e.cfg = c
	e.cfg.TimeZone, e.cfg.Services, e.cfg.Counters = tz, svcs, ctrs
}

// SetSettings validates and installs new hall settings. EINVALID names what
// is wrong (an unknown weekday, a closing time before the opening, a holiday
// that is not a date, an empty hall name, a negative figure); nothing
// changes then.
func (e *Engine) SetSettings(s Settings, now time.Time) (Event, error) {
	now = e.At(now)
	s.NameZH, s.NameEN = strings.TrimSpace(s.NameZH), strings.TrimSpace(s.NameEN)
	if s.NameZH == "" {
		return Event{}, Err(EINVALID, "err.queue.the_hall_needs_a")
	}
	hol := []string{}
	for _, d := range s.Holidays {
		if d = strings.TrimSpace(d); d != "" && !slices.Contains(hol, d) {
			hol = append(hol, d)
		}
	}
	slices.Sort(hol)
	s.Holidays = hol
	c := e.liveConfig().WithSettings(s)
	if err := c.Validate(); err != nil {
		return Event{}, err
	}
	c.Services, c.Counters = nil, nil
	return e.commit(Event{Type: EvConfig, Reason: "settings", Config: &c}, now), nil
}

// WithSettings returns c with the settings s in place of its own (its
// services, counters and the rest kept), as SetSettings applies them; the
// hall applies saved settings over its seed config with it.
func (c Config) WithSettings(s Settings) Config {
	c.NameZH, c.NameEN, c.Hours, c.Holidays = s.NameZH, s.NameEN, s.Hours, s.Holidays
	c.StarveAfterS, c.RecallsBeforeNoShow, c.PhoneDailyLimit = s.StarveAfterS, s.RecallsBeforeNoShow, s.PhoneDailyLimit
	c.NumberWidth, c.GreenBurst, c.GreenOvertakeS = s.NumberWidth, s.GreenBurst, s.GreenOvertakeS
	c.ReturnLimit, c.ReturnWindowS = s.ReturnLimit, s.ReturnWindowS
	c.Overrides, c.RemoteTickets, c.RemoteGraceS = cloneOverrides(s.Overrides), s.RemoteTickets, s.RemoteGraceS
	return c
}

// SaveService adds a service (create) or changes one. The prefix must be one
// letter A–Z, the Chinese name is required, figures must not be negative and
// documents are trimmed (blank ones dropped). A new service's prefix must be
// free (EINVALID "duplicate"); a changed service must exist (ENOTFOUND). The
// service's moving average of service time is kept.
func (e *Engine) SaveService(s Service, create bool, now time.Time) (Event, error) {
	now = e.At(now)
	s.Prefix = strings.TrimSpace(s.Prefix)
	s.NameZH, s.NameEN = strings.TrimSpace(s.NameZH), strings.TrimSpace(s.NameEN)
	s.DescZH, s.DescEN = strings.TrimSpace(s.DescZH), strings.TrimSpace(s.DescEN)
	docs := []string{}
	for _, d := range s.Documents {
		if d = strings.TrimSpace(d); d != "" {
			docs = append(docs, d)
		}
	}
	s.Documents = docs
	old, exists := e.services[s.Prefix]
	switch {
	case !prefixRE.MatchString(s.Prefix):
		return Event{}, Err(EINVALID, "err.queue.service_prefix_must_be", s.Prefix)
	case create && exists:
		return Event{}, Err(EINVALID, "err.queue.duplicate_service_prefix", s.Prefix)
	case !create && !exists:
		return Event{}, Err(ENOTFOUND, "err.queue.there_is_no_service", s.Prefix)
	case len([]rune(s.NameZH)) > 20 || len(s.NameEN) > 40:
		return Event{}, Err(EINVALID, "err.queue.the_service_name_is")
	case len(s.Documents) > 20:
		return Event{}, Err(EINVALID, "err.queue.at_most_20_documents")
	}
	s.Rev = 0
	if exists {
		s.AvgServiceS, s.Rev = old.AvgServiceS, old.Rev
	} else {
		s.AvgServiceS = 0
	}
	c := e.liveConfig()
	if exists {
		i := slices.IndexFunc(c.Services, func(x Service) bool { return x.Prefix == s.Prefix })
		c.Services[i] = s
	} else {
		c.Services = append(c.Services, s)
	}
	if err := c.Validate(); err != nil {
		return Event{}, err
	}
	return e.commit(Event{Type: EvConfig, Reason: "service " + s.Prefix, Services: []Service{s}}, now), nil
}

// CounterConfig is what a manager sets of a counter: its number, names, the
// services it serves in calling order, and its daily open hours.
type CounterConfig struct {
	Number   int      `json:"number"`
	NameZH   string   `json:"name_zh"`
	NameEN   string   `json:"name_en"`
	Spoken   string   `json:"spoken,omitempty"` // what the voice says for it ("3号窗口", "VIP 室")
	Services []string `json:"services"`
	Hours    *Hours   `json:"hours,omitempty"`
}

// SaveCounter adds a counter (create) or changes one. The number must be
// 1–99 and, for a new counter, free (EINVALID "duplicate counter number");
// the counter must serve at least one existing service, each once. A new
// counter starts closed; a changed one keeps its state, clerk and ticket.
func (e *Engine) SaveCounter(k CounterConfig, create bool, now time.Time) (Event, error) {
	now = e.At(now)
	k.NameZH, k.NameEN, k.Spoken = strings.TrimSpace(k.NameZH), strings.TrimSpace(k.NameEN), strings.TrimSpace(k.Spoken)
	old, exists := e.counters[k.Number]
	switch {
	case k.Number < 1 || k.Number > 99:
		return Event{}, Err(EINVALID, "err.queue.counter_number_must_be", k.Number)
	case create && exists:
		return Event{}, Err(EINVALID, "err.queue.duplicate_counter_number", k.Number)
	case !create && !exists:
		return Event{}, Err(ENOTFOUND, "err.queue.there_is_no_counter", k.Number)
	case len(k.Services) == 0:
		return Event{}, Err(EINVALID, "err.queue.counter_serves_no_service", k.Number)
	case len([]rune(k.Spoken)) > 20:
		return Event{}, Err(EINVALID, "err.queue.the_spoken_name_of", k.Number)
	}
	var svcs []string
	for _, p := range k.Services {
		p = strings.TrimSpace(p)
		if slices.Contains(svcs, p) {
			return Event{}, Err(EINVALID, "err.queue.counter_names_service_twice", k.Number, p)
		}
		svcs = append(svcs, p)
	}
	if k.Hours != nil {
		o, err1 := parseClock(k.Hours.Open)
		cl, err2 := parseClock(k.Hours.Close)
		if err1 != nil || err2 != nil || o >= cl {
			return Event{}, Err(EINVALID, "err.queue.counter_open_hours_must", k.Number)
		}
		k.Hours = &Hours{Open: k.Hours.Open, Close: k.Hours.Close}
	}
	var c Counter
	if exists {
		c = cloneCounter(old)
	} else {
		c = Counter{Number: k.Number, State: Closed}
	}
	c.NameZH, c.NameEN, c.Spoken, c.Services, c.Hours = k.NameZH, k.NameEN, k.Spoken, svcs, k.Hours
	if c.NameZH == "" {
		c.NameZH = fmt.Sprintf("%d号窗口", k.Number)
	}
	if c.NameEN == "" {
		c.NameEN = fmt.Sprintf("Counter %d", k.Number)
	}
	cfg := e.liveConfig()
	if exists {
		i := slices.IndexFunc(cfg.Counters, func(x Counter) bool { return x.Number == k.Number })
		cfg.Counters[i] = c
	} else {
		cfg.Counters = append(cfg.Counters, c)
	}
	if err := cfg.Validate(); err != nil {
		return Event{}, err
	}
	return e.commit(Event{Type: EvConfig, Reason: fmt.Sprintf("counter %d", k.Number), Counter: k.Number, Counters: []Counter{c}}, now), nil
}
