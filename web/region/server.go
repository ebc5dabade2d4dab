// Package region is the web side of the regional service centre (`hallq
// region serve`): every hall side by side, the peak report across halls or
// for one, CSV exports, and the signed catalog bundle halls pull. The
// figures come from package region (PostgreSQL); this package only parses,
// calls and renders.
package region

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/jackc/pgx/v5/pgxpool"

	"hallq/catalogsync"
	"hallq/i18n"
	"hallq/queue"
	"hallq/region"
)

// Options configure the console.
type Options struct {
	Logger *slog.Logger
	// Now is the clock of the live figures; time.Now when nil.
	Now func() time.Time
	// Location is the time zone of the default date range and the page's
	// times (default Asia/Shanghai).
	Location *time.Location
}

// Server is the region console.
type Server struct {
	app *fiber.App
	db  *pgxpool.Pool
	opt Options
}

// New builds the console on a migrated region database.
func New(db *pgxpool.Pool, opt Options) *Server {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Location == nil {
		opt.Location, _ = time.LoadLocation("Asia/Shanghai")
		if opt.Location == nil {
			opt.Location = time.FixedZone("CST", 8*3600)
		}
	}
	s := &Server{db: db, opt: opt}
	s.app = fiber.New(fiber.Config{DisableStartupMessage: true, ErrorHandler: s.errorHandler,
		ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second})
	s.app.Use(recover.New())
	s.app.Get("/", s.overviewPage)
	s.app.Get("/peaks", s.peaksPage)
	s.app.Get("/catalog", s.catalogPage)
	s.app.Get("/export/halls.csv", s.hallsCSV)
	s.app.Get("/export/peaks.csv", s.peaksCSV)
	s.app.Get("/api/v1/overview", s.overviewJSON)
	s.app.Get("/api/v1/peaks", s.peaksJSON)
	s.app.Get(catalogsync.BundlePath, s.bundle)
	s.app.Get("/healthz", s.healthz)
	return s
}

// Serve answers on ln until ctx ends.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	go func() {
		<-ctx.Done()
		s.app.ShutdownWithTimeout(5 * time.Second)
	}()
	return s.app.Listener(ln)
}

var statusOf = map[string]int{
	queue.EINVALID: 422, queue.EBADREQUEST: 400, queue.ENOTFOUND: 404, queue.ECONFLICT: 409,
	queue.EUNAVAILABLE: 503,
}

// errorHandler answers {"error": {"code", "message"}}; internal errors are
// logged, never shown.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		return c.Status(fe.Code).JSON(fiber.Map{"error": fiber.Map{"code": queue.EBADREQUEST, "message": fe.Message}})
	}
	code := queue.ErrorCode(err)
	st, ok := statusOf[code]
	if !ok {
		s.opt.Logger.Error("region console", "path", c.Path(), "err", err)
		return c.Status(500).JSON(fiber.Map{"error": fiber.Map{"code": queue.EINTERNAL, "message": i18n.Bilingual("err.region.internal")}})
	}
	return c.Status(st).JSON(fiber.Map{"error": fiber.Map{"code": code, "message": queue.ErrorMessage(err)}})
}

func lang(c *fiber.Ctx) string {
	if q := c.Query("lang"); q == "zh" || q == "en" {
		c.Cookie(&fiber.Cookie{Name: "lang", Value: q, Path: "/", SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Now().AddDate(5, 0, 0)})
		return q
	}
	if c.Cookies("lang") == "en" {
		return "en"
	}
	return "zh"
}

// dates are the from/to of the request, by default the last seven days.
func (s *Server) dates(c *fiber.Ctx) (string, string) {
	from, to := c.Query("from"), c.Query("to")
	if from == "" && to == "" {
		today := s.opt.Now().In(s.opt.Location)
		return today.AddDate(0, 0, -6).Format(time.DateOnly), today.Format(time.DateOnly)
	}
	return from, to
}

func (s *Server) page(c *fiber.Ctx, tab, title string) page {
	l := lang(c)
	from, to := s.dates(c)
	other := "en"
	if l == "en" {
		other = "zh"
	}
	q := c.Request().URI().QueryArgs()
	args := fiber.AcquireArgs()
	defer fiber.ReleaseArgs(args)
	q.CopyTo(args)
	args.Set("lang", other)
	t := T{Lang: l}
	return page{T: t, Title: t.S(title), Tab: tab, From: from, To: to, Query: args.String()}
}

func render(c *fiber.Ctx, comp templ.Component) error {
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set("Cache-Control", "no-store")
	return comp.Render(c.UserContext(), c.Response().BodyWriter())
}

func (s *Server) overviewPage(c *fiber.Ctx) error {
	p := s.page(c, "overview", "tab.overview")
	o, err := region.GetOverview(c.UserContext(), s.db, p.From, p.To, s.opt.Now().In(s.opt.Location))
	if err != nil {
		return err
	}
	return render(c, overview(OverviewPage{page: p, O: o}))
}

func (s *Server) overviewJSON(c *fiber.Ctx) error {
	from, to := s.dates(c)
	o, err := region.GetOverview(c.UserContext(), s.db, from, to, s.opt.Now().In(s.opt.Location))
	if err != nil {
		return err
	}
	return c.JSON(o)
}

func (s *Server) peaksPage(c *fiber.Ctx) error {
	p := s.page(c, "peaks", "tab.peaks")
	hall := c.Query("hall")
	pk, err := region.GetPeaks(c.UserContext(), s.db, p.From, p.To, hall)
	if err != nil {
		return err
	}
	halls, err := region.ListHalls(c.UserContext(), s.db)
	if err != nil {
		return err
	}
	return render(c, peaks(PeaksPage{page: p, Hall: hall, Halls: halls, P: pk, Top: topSlots(pk, 5)}))
}

func (s *Server) peaksJSON(c *fiber.Ctx) error {
	from, to := s.dates(c)
	pk, err := region.GetPeaks(c.UserContext(), s.db, from, to, c.Query("hall"))
	if err != nil {
		return err
	}
	return c.JSON(pk)
}

func (s *Server) catalogPage(c *fiber.Ctx) error {
	p := s.page(c, "catalog", "tab.catalog")
	bs, err := region.Bundles(c.UserContext(), s.db, 50)
	if err != nil {
		return err
	}
	return render(c, catalog(CatalogPage{page: p, Bundles: bs}))
}

// bundle: GET /region/v1/catalog/bundle → the newest signed catalog bundle
// (404 before the first). Public: it is signed, and holds no secret.
func (s *Server) bundle(c *fiber.Ctx) error {
	data, v, err := region.LatestBundle(c.UserContext(), s.db)
	if err != nil {
		return err
	}
	c.Set("X-Catalog-Version", strconv.FormatInt(v, 10))
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(data)
}

func (s *Server) healthz(c *fiber.Ctx) error {
	if err := s.db.Ping(c.UserContext()); err != nil {
		s.opt.Logger.Error("region health", "err", err)
		return c.Status(503).JSON(fiber.Map{"status": "unavailable"})
	}
	return c.JSON(fiber.Map{"status": "ok"})
}

func csvOut(c *fiber.Ctx, name string, rows [][]string) error {
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"`, name))
	w := csv.NewWriter(c.Response().BodyWriter())
	c.Response().BodyWriter().Write([]byte("\ufeff")) // Excel reads UTF-8 with a BOM
	for _, r := range rows {
		for i, v := range r { // a cell a spreadsheet would run as a formula is quoted as text
			if v != "" && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@') {
				if _, err := strconv.ParseFloat(v, 64); err != nil {
					r[i] = "'" + v
				}
			}
		}
		w.Write(r)
	}
	w.Flush()
	return w.Error()
}

func f1(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }
func f4(x float64) string { return strconv.FormatFloat(x, 'f', 4, 64) }

func figureCells(f region.RangeFigures) []string {
	return []string{strconv.Itoa(f.Customers), strconv.Itoa(f.Called), f1(f.AvgWaitS), strconv.Itoa(f.P90WaitS),
		f4(f.ServiceLevel), strconv.Itoa(f.NoShows), f4(f.NoShowRate), strconv.Itoa(f.Rated), f4(f.Satisfied),
		strconv.Itoa(f.ByClass["immediate"]), strconv.Itoa(f.ByClass["cross_department"]),
		strconv.Itoa(f.ByClass["needs_approval"]), strconv.Itoa(f.Refusals), strconv.Itoa(f.WorkOrders)}
}

// hallsCSV: one row per hall with its live state and range figures, and
// the region's total; headers named as the JSON fields.
func (s *Server) hallsCSV(c *fiber.Ctx) error {
	from, to := s.dates(c)
	o, err := region.GetOverview(c.UserContext(), s.db, from, to, s.opt.Now().In(s.opt.Location))
	if err != nil {
		return err
	}
	rows := [][]string{{"hall", "name_zh", "name_en", "from", "to", "waiting", "longest_wait_s", "counters_open",
		"customers", "called", "avg_wait_s", "p90_wait_s", "service_level", "no_shows", "no_show_rate", "rated",
		"satisfied", "immediate", "cross_department", "needs_approval", "refusals", "work_orders"}}
	for _, h := range o.Halls {
		rows = append(rows, append([]string{h.Hall, h.NameZH, h.NameEN, from, to, strconv.Itoa(h.Live.Waiting),
			strconv.Itoa(h.Live.LongestWaitS), strconv.Itoa(h.Live.CountersOpen)}, figureCells(h.Range)...))
	}
	rows = append(rows, append([]string{"", "全区域合计", "Region total", from, to, strconv.Itoa(totalWaiting(o)), "",
		strconv.Itoa(totalOpen(o))}, figureCells(o.Total)...))
	return csvOut(c, fmt.Sprintf("region-halls-%s-%s.csv", from, to), rows)
}

func (s *Server) peaksCSV(c *fiber.Ctx) error {
	from, to := s.dates(c)
	hall := c.Query("hall")
	pk, err := region.GetPeaks(c.UserContext(), s.db, from, to, hall)
	if err != nil {
		return err
	}
	rows := [][]string{{"hall", "weekday", "start", "arrivals", "arrivals_per_day", "called", "avg_wait_s", "p90_wait_s"}}
	for _, sl := range pk.Slots {
		rows = append(rows, []string{hall, strconv.Itoa(sl.Weekday), sl.Start, strconv.Itoa(sl.Arrivals),
			f1(sl.ArrivalsPerDay), strconv.Itoa(sl.Called), f1(sl.AvgWaitS), strconv.Itoa(sl.P90WaitS)})
	}
	name := "all"
	if hall != "" {
		name = hall
	}
	return csvOut(c, fmt.Sprintf("region-peaks-%s-%s-%s.csv", name, from, to), rows)
}
