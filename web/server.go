// Package web is the hall's HTTP face: the JSON API, the pages (templ views),
// the websocket hub and authentication. Handlers are thin: parse, one call
// into hall, render.
package web

import (
	"cmp"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"hallq/account"
	"hallq/appointment"
	"hallq/backup"
	"hallq/casework"
	"hallq/catalogsync"
	"hallq/console"
	"hallq/hall"
	"hallq/health"
	"hallq/i18n"
	"hallq/notify"
	"hallq/printing"
	"hallq/privacy"
	"hallq/queue"
	"hallq/rating"
	"hallq/remote"
	"hallq/report"
)

// Options configure a Server.
type Options struct {
	Logger *slog.Logger
	// Origins the websocket accepts besides the page's own host.
	Origins []string
	// KioskBurst tickets a kiosk may issue at once, then one per KioskEvery
	// (defaults 30 and 2s: far above a real kiosk's pace, far below a script
	// hoarding numbers). A negative KioskBurst turns the limit off (load
	// benchmarks).
	KioskBurst int
	KioskEvery time.Duration
	// ShutdownWait is how long stopping waits for requests in flight
	// (default DefaultShutdownWait) before closing their connections.
	ShutdownWait time.Duration
	// KioskIdle and KioskTicketIdle: the kiosk goes back to its start screen
	// after this long untouched, and sooner once the ticket is shown
	// (defaults 30s and 15s; tests that click through a ticket set them long).
	KioskIdle       time.Duration
	KioskTicketIdle time.Duration
	// Heartbeat is how often websocket clients get an application-level
	// heartbeat frame (default 2s; a page counts its link dead after three
	// silent intervals); HeartbeatWait how long a client that heartbeats may
	// fall silent before it is dropped (default five intervals).
	Heartbeat, HeartbeatWait time.Duration
	// DemoDevices are linked from the start page (a demo hall's only).
	DemoDevices []DemoDevice
	// Catalog pulls the region's catalog bundle (hall.json
	// "region_catalog"); nil: the hall has no region.
	Catalog *catalogsync.Syncer
	// Metrics, when set, appends more Prometheus text to /metrics (the
	// shipper's lag, region.Shipper.WriteMetrics).
	Metrics func(w io.Writer)
	// Notify is the hall's gateway notifier (notify.Open), for the
	// manager's settings and dead letters; nil: the console says it is off.
	Notify *notify.Service
	// Features are the hall's feature services the handlers call
	// (docs/architecture.md); cmd/hallq makes them.
	Features Features
}

// Features holds one service per feature package, made by its New on the
// same hall (cmd/hallq wires them). New makes a missing one with its
// defaults (backups: no schedule; ratings: "expire ratings" at the hall's
// tick, as every hall ran it), so a test server needs none.
type Features struct {
	Account     *account.Service     // staff accounts, sessions, devices, pairing
	Health      *health.Service      // disk space and the daily database check: /healthz, /metrics, alerts
	Backup      *backup.Service      // scheduled backups: list, download, back up now
	Casework    *casework.Service    // catalog and classifier, case records, work orders, approvals, choices
	Appointment *appointment.Service // bookings: slots, book, check-in, release of no-shows
	Printing    *printing.Service    // kiosk ticket printers, reprints, the public URL in QR codes
	Remote      *remote.Service      // phone tickets: issue before arriving, check-in, the door key
	Report      *report.Service      // peak reports, what-if, the ticket export, the queue curve
	Rating      *rating.Service      // keypad ratings, call-backs, figures
	Console     *console.Service     // notices of the hall display, audit, live monitor, security log and alerts
	Privacy     *privacy.Service     // retention of personal fields; what a past ticket's holder is told
}

// fill makes the missing features of f on h with their defaults.
func (f *Features) fill(h *hall.Hall) {
	sec := console.NewSecurity(h) // shared by the accounts, the bookings and the console
	if f.Console != nil {
		sec = f.Console.Security()
	}
	if f.Account == nil {
		f.Account = account.New(h, account.Options{Security: sec})
	}
	if f.Health == nil { // the disk watch and the 3 am check, as every hall ran them
		f.Health = health.New(h, health.Options{})
	}
	if f.Backup == nil {
		f.Backup = backup.New(h, backup.Options{}, f.Health)
	}
	if f.Casework == nil {
		f.Casework = casework.New(h)
	}
	if f.Appointment == nil {
		f.Appointment = appointment.New(h, appointment.Options{Catalog: f.Casework.Catalog, WatchBooking: sec.WatchBooking})
	}
	if f.Printing == nil {
		f.Printing = printing.New(h, printing.Options{Catalog: f.Casework.Catalog})
	}
	if f.Report == nil {
		f.Report = report.New(h)
	}
	if f.Remote == nil {
		f.Remote = remote.New(h)
	}
	if f.Rating == nil { // "expire ratings" at the hall's tick, as every hall had it
		f.Rating = rating.New(h, rating.Options{Catalog: f.Casework.Catalog})
	}
	if f.Privacy == nil {
		f.Privacy = privacy.New(h, privacy.Options{})
	}
	if f.Console == nil {
		f.Console = console.New(h, console.Options{Security: sec, Health: f.Health,
			Alerts: []func(hall.Principal, string) []hall.Alert{f.Casework.MonitorAlerts, f.Rating.MonitorAlerts}, Rated: f.Rating.Rated})
	}
}

// Server is the hall's web server.
type Server struct {
	app  *fiber.App
	hall *hall.Hall
	// The features (Options.Features), one field each.
	accounts   *account.Service
	healths    *health.Service
	backups    *backup.Service
	casework   *casework.Service
	appts      *appointment.Service
	prints     *printing.Service
	remotes    *remote.Service
	reports    *report.Service
	ratings    *rating.Service
	consoles   *console.Service
	privacySvc *privacy.Service

	log  *slog.Logger
	hub  *Hub
	opt  Options
	reqs requestMetrics

	kioskLimit  *rateLimiter            // tickets per kiosk device
	auditLimit  *rateLimiter            // refused cross-site requests written to the audit, per address
	publicLimit map[string]*rateLimiter // public endpoints per address (booking, tracking, check-in)
}

// BodyLimit is the largest request body accepted.
const BodyLimit = 64 << 10

// New builds the web server for a hall.
func New(h *hall.Hall, opt Options) *Server {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	opt.Features.fill(h)
	s := &Server{hall: h, log: opt.Logger, opt: opt, accounts: opt.Features.Account, backups: opt.Features.Backup, casework: opt.Features.Casework,
		ratings: opt.Features.Rating, consoles: opt.Features.Console}
	s.appts = opt.Features.Appointment
	s.prints = opt.Features.Printing
	s.privacySvc = opt.Features.Privacy
	s.healths = opt.Features.Health
	s.remotes = opt.Features.Remote
	s.reports = opt.Features.Report
	if opt.KioskBurst == 0 {
		opt.KioskBurst = 30
	}
	if opt.KioskEvery <= 0 {
		opt.KioskEvery = 2 * time.Second
	}
	s.kioskLimit = &rateLimiter{burst: opt.KioskBurst, per: opt.KioskEvery}
	s.auditLimit = &rateLimiter{burst: 5, per: time.Minute}
	s.publicLimit = publicLimits()
	s.app = fiber.New(fiber.Config{
		AppName:               "hallq",
		BodyLimit:             BodyLimit,
		ErrorHandler:          s.errorHandler,
		DisableStartupMessage: true,
		ReadTimeout:           30 * time.Second,
		IdleTimeout:           120 * time.Second,
	})
	s.hub = NewHub(h, s.accounts, s.log)
	s.hub.SetHeartbeat(opt.Heartbeat, opt.HeartbeatWait)
	s.watchCalls() // hallq_calls_total (api_health.go)
	s.routes()
	return s
}

// Hub returns the websocket hub.
func (s *Server) Hub() *Hub { return s.hub }

// Serve serves on ln until ctx ends.
//
// Stopping lets requests in flight finish (up to Options.ShutdownWait), closes idle
// keep-alive connections, and at once closes connections that have not sent
// a byte: browsers open those ahead of need, and fasthttp would otherwise
// wait five seconds before counting them idle.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	go s.hub.Run(ctx)
	tl := &trackingListener{Listener: ln, conns: map[*trackedConn]struct{}{}}
	errc := make(chan error, 1)
	go func() { errc <- s.app.Listener(tl) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), cmp.Or(s.opt.ShutdownWait, DefaultShutdownWait))
		defer cancel()
		// Stopped before fasthttp took the listener, its Shutdown does not
		// know it: close it here too, or the port stays taken (a restart
		// right after a start failed with "address already in use").
		defer ln.Close()
		go func() {
			// After the listener is closed no new connection can appear.
			time.Sleep(10 * time.Millisecond)
			tl.close(false)
		}()
		err := s.app.ShutdownWithContext(sctx)
		if errors.Is(err, context.DeadlineExceeded) {
			n := tl.close(true)
			s.log.Warn("stopped with requests still running; their connections were closed", "connections", n)
			return nil
		}
		return err
	}
}

// DefaultShutdownWait is how long a stopping server lets requests in flight
// finish (Options.ShutdownWait).
const DefaultShutdownWait = 5 * time.Second

// trackingListener knows its open connections and whether each has sent
// anything, so a stopping server can close the ones that never will.
type trackingListener struct {
	net.Listener
	mu    sync.Mutex
	conns map[*trackedConn]struct{}
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, l: l}
	l.mu.Lock()
	l.conns[tc] = struct{}{}
	l.mu.Unlock()
	return tc, nil
}

// close closes the connections that have not sent a byte (all of them with
// all) and returns how many it closed.
func (l *trackingListener) close(all bool) int {
	l.mu.Lock()
	var cs []*trackedConn
	for c := range l.conns {
		if all || !c.used.Load() {
			cs = append(cs, c)
		}
	}
	l.mu.Unlock()
	for _, c := range cs {
		c.Close()
	}
	return len(cs)
}

type trackedConn struct {
	net.Conn
	l    *trackingListener
	used atomic.Bool
	once sync.Once
}

func (c *trackedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 && !c.used.Load() {
		c.used.Store(true)
	}
	return n, err
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.conns, c)
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}

// apiError is the JSON error shape of every endpoint.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		// ID names an internal error (500) in the log: "报错编号" for the
		// hall's IT staff.
		ID string `json:"id,omitempty"`
	} `json:"error"`
}

var statusOf = map[string]int{
	queue.EBADREQUEST: fiber.StatusBadRequest, queue.EINVALID: fiber.StatusUnprocessableEntity,
	queue.ENOTFOUND: fiber.StatusNotFound, queue.ECONFLICT: fiber.StatusConflict,
	queue.ELIMIT: fiber.StatusConflict, queue.ECLOSED: fiber.StatusConflict,
	queue.EUNAUTHORIZED: fiber.StatusUnauthorized, queue.EFORBIDDEN: fiber.StatusForbidden,
	queue.ETOOLARGE: fiber.StatusRequestEntityTooLarge, queue.EINTERNAL: fiber.StatusInternalServerError,
	queue.ERATELIMIT: fiber.StatusTooManyRequests, queue.EUNAVAILABLE: fiber.StatusServiceUnavailable,
}

// apiLang is the one language a request asks its error messages in: an
// Accept-Language that names zh or en alone ("zh", "en-US"; hallq's pages
// send their own language so), else "" for both languages ("中文 / English"),
// which is also what a browser's usual list ("zh-CN,zh;q=0.9,en;q=0.8") and
// clients without the header get.
func apiLang(c *fiber.Ctx) string {
	v := strings.TrimSpace(c.Get(fiber.HeaderAcceptLanguage))
	if strings.ContainsAny(v, ",;") {
		return ""
	}
	tag, _, _ := strings.Cut(strings.ToLower(v), "-")
	if tag == "zh" || tag == "en" {
		return tag
	}
	return ""
}

// errorHandler maps error codes to statuses, logs internal errors only, and
// never sends err.Error() to the client.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		switch fe.Code {
		case fiber.StatusRequestEntityTooLarge:
			err = queue.Err(queue.ETOOLARGE, "err.web.the_request_body_is_too")
		case fiber.StatusNotFound:
			err = queue.Err(queue.ENOTFOUND, "err.web.no_such_page")
		case fiber.StatusMethodNotAllowed:
			err = queue.Err(queue.ENOTFOUND, "err.web.method_not_allowed")
		default:
			if fe.Code < 500 {
				err = queue.Err(queue.EBADREQUEST, "err.web.bad_request")
			}
		}
	}
	code := queue.ErrorCode(err)
	status := statusOf[code]
	if status == 0 {
		status = fiber.StatusInternalServerError
	}
	var body apiError
	body.Error.Code, body.Error.Message = code, queue.MessageOf(err, apiLang(c))
	if code == queue.EINTERNAL {
		id := internalID(err)
		s.log.Error("request failed", "id", id, "method", c.Method(), "path", c.Path(), "err", err)
		body.Error.ID = id
		body.Error.Message += i18n.Bilingual("err.web.error_id", id)
	}
	return c.Status(status).JSON(body)
}
