// Package queue is the queue engine of one hall: services, counters, tickets,
// the calling policy, numbering and wait estimates. It is pure Go with no I/O:
// each command validates against the current state and returns one Event that
// carries every changed record; Apply installs an event, so the same code
// rebuilds the state from stored records and advances read-only replicas.
package queue

import (
	"encoding/json"
	"time"
)

// Priority of a ticket.
type Priority string

const (
	Normal      Priority = "normal"
	Green       Priority = "green"       // 绿色通道: elderly, disabled, pregnant
	Appointment Priority = "appointment" // 预约
)

// Valid reports whether p is a known priority.
func (p Priority) Valid() bool { return p == Normal || p == Green || p == Appointment }

// Status of a ticket.
type Status string

const (
	Waiting     Status = "waiting"
	Called      Status = "called"
	Serving     Status = "serving"
	Done        Status = "done"
	NoShow      Status = "no_show"
	Transferred Status = "transferred"
	Cancelled   Status = "cancelled"
)

// Final reports whether a ticket in status s is finished for good.
func (s Status) Final() bool {
	return s == Done || s == NoShow || s == Transferred || s == Cancelled
}

// Active reports whether a ticket in status s occupies a counter.
func (s Status) Active() bool { return s == Called || s == Serving }

// Service is a business category (业务类别) with a one-letter prefix.
type Service struct {
	Prefix      string `json:"prefix"`
	NameZH      string `json:"name_zh"`
	NameEN      string `json:"name_en"`
	DescZH      string `json:"desc_zh,omitempty"`
	DescEN      string `json:"desc_en,omitempty"`
	TargetWaitS int    `json:"target_wait_s"`
	DailyLimit  int    `json:"daily_limit"` // 0: no limit
	// AvgServiceS is the service-time figure, learnt from the finished
	// tickets (Engine.learn): a running figure, carried by Running, not by
	// the finishes' events; the service's record keeps it as configured.
	AvgServiceS float64  `json:"avg_service_s"`
	Documents   []string `json:"documents,omitempty"`
	// ReturnPlaces: a missed ticket (no_show) that comes back (Return)
	// waits behind this many others of the service; 0: DefaultReturnPlaces.
	ReturnPlaces int `json:"return_places,omitempty"`
	Rev          int `json:"rev"`
}

// CounterState is the state of a counter (窗口).
type CounterState string

const (
	Open   CounterState = "open"
	Paused CounterState = "paused"
	Closed CounterState = "closed"
)

// Counter is a service window. Services is ordered: the first is served first.
type Counter struct {
	Number int    `json:"number"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
	// Spoken is what the voice says for the counter ("3号窗口", "VIP 室");
	// empty: the counter's number.
	Spoken      string       `json:"spoken,omitempty"`
	Services    []string     `json:"services"`
	Hours       *Hours       `json:"hours,omitempty"` // daily open hours of the counter (nil: the hall's)
	State       CounterState `json:"state"`
	PauseReason string       `json:"pause_reason,omitempty"`
	PausedAt    *time.Time   `json:"paused_at,omitempty"`
	Clerk       string       `json:"clerk,omitempty"`      // user name
	ClerkName   string       `json:"clerk_name,omitempty"` // display name
	StaffNo     string       `json:"staff_no,omitempty"`   // 工号
	Current     uint64       `json:"current,omitempty"`    // active ticket id
	ServedToday int          `json:"served_today"`         // tickets finished today
	// GreenRun is how many green-channel tickets the counter called in a
	// row since it last called another (Config.GreenBurst).
	GreenRun int `json:"green_run,omitempty"`
	Rev      int `json:"rev"`
}

// Serves reports whether the counter serves the service.
func (c *Counter) Serves(prefix string) bool { return c.rank(prefix) >= 0 }

func (c *Counter) rank(prefix string) int {
	for i, s := range c.Services {
		if s == prefix {
			return i
		}
	}
	return -1
}

// Ticket is one customer's place in the hall. A transfer ends a ticket
// (status transferred) and opens a new one with the same number, tracking
// code and issue time in the target service.
type Ticket struct {
	ID              uint64     `json:"id"`
	Day             string     `json:"day"`    // local date YYYY-MM-DD
	Number          string     `json:"number"` // A023
	Serial          int        `json:"serial"` // 23
	Service         string     `json:"service"`
	Priority        Priority   `json:"priority"`
	Status          Status     `json:"status"`
	Phone           string     `json:"phone,omitempty"`
	Account         string     `json:"account,omitempty"` // 户号
	Item            string     `json:"item,omitempty"`    // business item id
	IssuedAt        time.Time  `json:"issued_at"`
	CalledAt        *time.Time `json:"called_at"` // first call
	LastCalledAt    *time.Time `json:"last_called_at,omitempty"`
	StartedAt       *time.Time `json:"started_at"`
	FinishedAt      *time.Time `json:"finished_at"`
	DueAt           *time.Time `json:"due_at,omitempty"` // appointment slot start
	Counter         int        `json:"counter"`
	Clerk           string     `json:"clerk"`
	Recalls         int        `json:"recalls"`
	Postponed       bool       `json:"postponed,omitempty"`
	TargetCounter   int        `json:"target_counter,omitempty"` // only this counter may call it
	TransferredFrom uint64     `json:"transferred_from,omitempty"`
	TransferredTo   uint64     `json:"transferred_to,omitempty"`
	Ahead           int        `json:"ahead"`
	EstimatedWaitS  int        `json:"estimated_wait_s"`
	Tracking        string     `json:"tracking"`
	Note            string     `json:"note,omitempty"`
	// Returns is how many times the ticket came back after a no-show
	// (过号顺延, Engine.Return); RejoinAt is where it then sorts in the
	// queue instead of its issue time: just after ticket RejoinAfter.
	Returns  int        `json:"returns,omitempty"`
	RejoinAt *time.Time `json:"rejoin_at,omitempty"`
	// RejoinAfter is the id of the ticket it follows among those of the
	// same RejoinAt time.
	RejoinAfter uint64 `json:"rejoin_after,omitempty"`
	// Remote marks a ticket taken from a phone (扫码取号); it is not called
	// until ArrivedAt records the customer's 到店签到 (remote.go).
	Remote    bool       `json:"remote,omitempty"`
	ArrivedAt *time.Time `json:"arrived_at,omitempty"`
	Rev       int        `json:"rev"`
}

// Event types.
const (
	EvIssued      = "ticket_issued"
	EvCalled      = "ticket_called"
	EvRecalled    = "ticket_recalled"
	EvStarted     = "service_started"
	EvFinished    = "service_finished"
	EvNoShow      = "ticket_no_show"
	EvTransferred = "ticket_transferred"
	EvPostponed   = "ticket_postponed"
	EvReturned    = "ticket_returned" // a no-show back in the queue (过号顺延)
	EvCancelled   = "ticket_cancelled"
	EvPaused      = "counter_paused"
	EvResumed     = "counter_resumed"
	EvOpened      = "counter_opened"
	EvClosed      = "counter_closed"
	EvSignedIn    = "clerk_signed_in"
	EvSignedOut   = "clerk_signed_out"
	EvDayRolled   = "day_rolled"
	EvConfig      = "config_changed"
	EvArrived     = "ticket_arrived"        // a remote ticket's 到店签到 (remote.go)
	EvRemoteSkip  = "ticket_remote_skipped" // remote tickets not confirmed in their grace period
)

// Event is one committed state change: its type, who did it, and every record
// it changed, as they are after the change — but for the service-time figure
// a finish moves (Service.AvgServiceS), which Apply learns from the finished
// ticket.
type Event struct {
	Seq      uint64    `json:"seq"`
	Type     string    `json:"type"`
	At       time.Time `json:"at"`
	Day      string    `json:"day"`
	Actor    string    `json:"actor"`
	Counter  int       `json:"counter,omitempty"`
	Ticket   uint64    `json:"ticket,omitempty"` // the ticket the event is about
	Reason   string    `json:"reason,omitempty"`
	Tickets  []Ticket  `json:"tickets,omitempty"`
	Counters []Counter `json:"counters,omitempty"`
	Services []Service `json:"services,omitempty"`
	// Records are the hall's other records the event changed (work orders,
	// approvals, ratings, appointments…), as they are after the change.
	Records []Record `json:"records,omitempty"`
	// Config is the hall's new settings (hours, holidays, policy figures)
	// when the event changed them (config_changed); see Engine.SetSettings.
	Config *Config `json:"config,omitempty"`
}

// Record is one of the hall's records beyond tickets, counters and services:
// a kind ("workorder", "rating", …), a key unique within the kind, a
// revision (set by the hall when it commits the record) and the record
// itself as JSON. The queue engine carries records through without reading
// them.
type Record struct {
	Kind string          `json:"kind"`
	Key  string          `json:"key"`
	Rev  int             `json:"rev"`
	Data json.RawMessage `json:"data"`
}

// Hours are a day's opening hours, local "HH:MM".
type Hours struct {
	Open  string `json:"open"`
	Close string `json:"close"`
}

// Config is the hall's queue configuration.
type Config struct {
	NameZH   string `json:"name_zh"`
	NameEN   string `json:"name_en"`
	TimeZone string `json:"timezone"` // IANA name, default Asia/Shanghai
	// Hours by ISO weekday "1" (Monday) … "7"; a missing day is closed. An
	// empty map means always open.
	Hours    map[string]Hours `json:"hours,omitempty"`
	Holidays []string         `json:"holidays,omitempty"` // YYYY-MM-DD
	// Overrides are dated opening hours (调休): a date YYYY-MM-DD → its
	// hours or closed, before Holidays and the weekly Hours (calendar.go).
	Overrides map[string]DayHours `json:"overrides,omitempty"`
	// RemoteTickets lets customers take a same-day ticket from their phone
	// (扫码取号); RemoteGraceS is how long such a ticket waits for its
	// 到店签到 before it is skipped (0: DefaultRemoteGraceS).
	RemoteTickets bool `json:"remote_tickets,omitempty"`
	RemoteGraceS  int  `json:"remote_grace_s,omitempty"`
	// StarveAfterS: a ticket waiting longer than this is called before newer
	// tickets of higher-ranked services.
	StarveAfterS int `json:"starve_after_s"`
	// RecallsBeforeNoShow: how many recalls a called ticket needs before it
	// may be marked no-show.
	RecallsBeforeNoShow int `json:"recalls_before_no_show"`
	// PhoneDailyLimit: tickets one phone number may take a day (0: none).
	PhoneDailyLimit int `json:"phone_daily_limit"`
	// RetentionDays: phone and account numbers of tickets older than this
	// are erased (statistics stay); 0 keeps them.
	RetentionDays int `json:"retention_days,omitempty"`
	// NumberWidth: digits of a ticket number (A023 has 3, the default when
	// 0); numbers past the last of that width go on with one more digit
	// (A999, A1000): a busy day never runs out of numbers.
	NumberWidth int `json:"number_width,omitempty"`
	// GreenBurst: at most this many green-channel calls in a row at a
	// counter while other tickets wait there, then one other (0: green
	// always first).
	GreenBurst int `json:"green_burst,omitempty"`
	// GreenOvertakeS: a ticket waiting this long is no longer overtaken by
	// the green channel (0: no cap).
	GreenOvertakeS int `json:"green_overtake_s,omitempty"`
	// ReturnLimit: how many times a missed ticket may come back (过号顺延);
	// 0: DefaultReturnLimit, -1: never.
	ReturnLimit int `json:"return_limit,omitempty"`
	// ReturnWindowS: how long after the no-show it may come back;
	// 0: DefaultReturnWindowS.
	ReturnWindowS int       `json:"return_window_s,omitempty"`
	Services      []Service `json:"services"`
	Counters      []Counter `json:"counters"`
}

// Clerk identifies the person at a counter.
type Clerk struct {
	User    string
	Name    string
	StaffNo string
}

// IssueRequest asks for a new ticket.
type IssueRequest struct {
	Service  string
	Priority Priority
	Phone    string
	Account  string
	Item     string
	Tracking string     // unguessable code, made by the caller
	Remote   bool       // taken from a phone: held until the customer checks in
	DueAt    *time.Time // appointment slot start
}

// TransferRequest moves a ticket to another service and/or counter.
type TransferRequest struct {
	Service string
	Counter int
}
