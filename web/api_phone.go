package web

import (
	"crypto/subtle"
	"encoding/json"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"hallq/calendar"
	"hallq/privacy"
	"hallq/queue"
	"hallq/remote"
	"hallq/web/view"
)

// The kiosk's 到店签到 of phone tickets, when the hall takes them.
func init() {
	kioskSlots = append(kioskSlots, func(s *Server, c *fiber.Ctx, p *view.KioskPage) {
		if !s.hall.Config().RemoteTickets {
			return
		}
		p.Start = append(p.Start, view.KioskArriveStart(p.T))
		p.Screens = append(p.Screens, view.KioskArrive(p.T))
		p.Scripts = append(p.Scripts, "kiosk_arrive.js")
		p.CSS = append(p.CSS, "phone.css")
	})
}

// Same-day tickets from a phone (扫码取号), the 到店签到, the door poster, the
// dated opening hours (调休) and the gateway notifier: docs/phone.md.

// RemoteCookie holds the tracking code of the ticket a phone took today, so
// that scanning the door's QR checks that ticket in.
const RemoteCookie = "hallq_remote"

// remoteTicketJSON is what a phone learns of the ticket it took.
type remoteTicketJSON struct {
	queue.Ticket
	TrackURL string `json:"track_url"`
}

type remoteRequest struct {
	remote.Request
	Door string `json:"door"` // the door key, when the page was opened from the door's QR
}

// remoteIssue: POST /api/v1/remote/tickets (public, per-address limit) →
// 201 the ticket. Taken through the door's QR (a valid door key), the
// ticket is checked in at once: the customer is at the hall.
func (s *Server) remoteIssue(c *fiber.Ctx) error {
	var req remoteRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	t, err := s.remotes.Issue(c.UserContext(), req.Request)
	if err != nil {
		return err
	}
	if req.Door != "" && s.doorOK(c, req.Door) {
		if a, _, err := s.remotes.Arrive(c.UserContext(), "phone", t.Tracking); err == nil {
			t = a
		}
	}
	s.setRemoteCookie(c, t.Tracking)
	t = privacy.Ticket(t, privacy.Holder) // the phone is the ticket's holder
	return c.Status(fiber.StatusCreated).JSON(remoteTicketJSON{Ticket: t, TrackURL: "/t/" + url.PathEscape(t.Tracking)})
}

func (s *Server) setRemoteCookie(c *fiber.Ctx, code string) {
	loc := s.hall.Location()
	now := s.hall.Now().In(loc)
	end := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, loc)
	c.Cookie(&fiber.Cookie{Name: RemoteCookie, Value: code, Path: "/", HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode, Expires: end})
}

func (s *Server) doorOK(c *fiber.Ctx, key string) bool {
	want, ok := s.remotes.DoorKey() // a scan never writes
	return ok && subtle.ConstantTimeCompare([]byte(key), []byte(want)) == 1
}

type arrivalRequest struct {
	Code string `json:"code"`
}

type arrivalJSON struct {
	Ticket  queue.Ticket `json:"ticket"`
	Changed bool         `json:"changed"`
}

// arrival: POST /api/v1/arrivals {"code"} (kiosk, people) → 200 the
// ticket checked in (到店签到): the code typed or scanned at the kiosk.
func (s *Server) arrival(c *fiber.Ctx) error {
	var req arrivalRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	code := normalizeCode(req.Code)
	if !trackingRE.MatchString(code) {
		return queue.Err(queue.EINVALID, "err.web.that_is_not_a_tracking")
	}
	t, changed, err := s.remotes.Arrive(c.UserContext(), principal(c).Actor(), code)
	if err != nil {
		return err
	}
	t = privacy.Ticket(t, privacy.Public) // a kiosk or whoever typed the code: not even the code back
	return c.JSON(arrivalJSON{Ticket: t, Changed: changed})
}

// normalizeCode reads a tracking code as typed or scanned: a /t/CODE URL
// or the code, spaces and dashes dropped, upper-cased.
func normalizeCode(s string) string {
	if u, err := url.Parse(s); err == nil && len(u.Path) > 3 && u.Path[:3] == "/t/" {
		s = u.Path[3:]
	}
	out := make([]rune, 0, len(s))
	for _, r := range s {
		switch {
		case r == ' ' || r == '-' || r == '\u3000':
		case r >= 'a' && r <= 'z':
			out = append(out, r-'a'+'A')
		default:
			out = append(out, r)
		}
	}
	return string(out)
}

// doorArrive: GET /arrive/{key}, the QR at the hall's door. A phone holding
// today's phone ticket (RemoteCookie) is checked in and sent to its
// tracking page; any other phone is sent to the phone page, which takes a
// ticket already checked in. A wrong key is a 404 page.
func (s *Server) doorArrive(c *fiber.Ctx) error {
	key := utils.CopyString(c.Params("key"))
	q := ""
	if l := c.Query("lang"); l == "zh" || l == "en" {
		q = "&lang=" + l
	}
	if !s.doorOK(c, key) {
		return fiber.NewError(fiber.StatusNotFound, "no such page")
	}
	if code := c.Cookies(RemoteCookie); code != "" && trackingRE.MatchString(code) {
		if _, _, err := s.remotes.Arrive(c.UserContext(), "phone", code); err == nil {
			return c.Redirect("/t/"+url.PathEscape(code)+"?arrived=1"+q, fiber.StatusSeeOther)
		}
	}
	return c.Redirect("/m?door="+url.QueryEscape(key)+q, fiber.StatusSeeOther)
}

// phonePage: GET /m, the phone page that takes a ticket for today.
func (s *Server) phonePage(c *fiber.Ctx) error {
	t := translator(pageLang(c))
	cfg := s.hall.Config()
	p := view.PhonePage{T: t, Hall: s.hallInfo(), Query: queryString(c), Enabled: cfg.RemoteTickets,
		GraceMin: int(cfg.RemoteGrace() / time.Minute), Open: s.hall.OpenNow()}
	if d := c.Query("door"); d != "" && s.doorOK(c, d) {
		p.Door = utils.CopyString(d)
	}
	if code := c.Cookies(RemoteCookie); code != "" && trackingRE.MatchString(code) {
		if tk, err := s.hall.Track(code); err == nil && !tk.Status.Final() {
			p.Current = "/t/" + url.PathEscape(code)
		}
	}
	snap, _ := s.hall.Snapshot()
	for _, sv := range snap.Services {
		p.Services = append(p.Services, view.PhoneService{Prefix: sv.Prefix, Name: t.Pick(sv.NameZH, sv.NameEN),
			Waiting: sv.Waiting, WaitS: sv.EstimatedWaitS})
	}
	c.Set("X-Robots-Tag", "noindex")
	return render(c, view.Phone(p))
}

// posterPage: GET /manager/poster, the printable QR poster for the door.
func (s *Server) posterPage(c *fiber.Ctx) error {
	base := s.publicBase(c)
	door := "" // no key until phone tickets were switched on
	if key, ok := s.remotes.DoorKey(); ok {
		var err error
		if door, err = QRDataURI(base+"/arrive/"+key, 720); err != nil {
			return err
		}
	}
	return render(c, view.Poster(view.PosterPage{T: translator(pageLang(c)), Hall: s.hallInfo(), QR: door,
		URL: base + "/m", Enabled: s.hall.Config().RemoteTickets}))
}

// qrPhone: GET /qr/phone.png, the QR of the phone page (the hall display).
func (s *Server) qrPhone(c *fiber.Ctx) error {
	png, err := QRPNG(s.publicBase(c)+"/m", 240)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/png")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.Send(png)
}

// phoneSettings is the console's form of the phone-ticket settings.
type phoneSettings struct {
	RemoteTickets bool `json:"remote_tickets"`
	RemoteGraceS  int  `json:"remote_grace_s"`
}

// putPhoneSettings: PUT /api/v1/config/phone (managers).
func (s *Server) putPhoneSettings(c *fiber.Ctx) error {
	var req phoneSettings
	if err := decode(c, &req); err != nil {
		return err
	}
	set := s.hall.Settings()
	set.RemoteTickets, set.RemoteGraceS = req.RemoteTickets, req.RemoteGraceS
	out, err := s.hall.SaveSettings(c.UserContext(), principal(c), set)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

type overridesRequest struct {
	Text string `json:"text"`
}

// putOverrides: PUT /api/v1/config/overrides {"text"} (managers): the dated
// opening hours as lines (calendar.Parse).
func (s *Server) putOverrides(c *fiber.Ctx) error {
	var req overridesRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	o, err := calendar.Parse(req.Text)
	if err != nil {
		return err
	}
	set := s.hall.Settings()
	set.Overrides = o
	out, err := s.hall.SaveSettings(c.UserContext(), principal(c), set)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

type importRequest struct {
	Year    int    `json:"year"`
	Weekday string `json:"weekday"`
}

type importJSON struct {
	Added    int            `json:"added"`
	Settings queue.Settings `json:"settings"`
}

// importCalendar: POST /api/v1/config/overrides/import {"year", "weekday"?}
// (managers): the official holidays and 调休 working days of the year
// (calendar.Import) merged into the overrides.
func (s *Server) importCalendar(c *fiber.Ctx) error {
	var req importRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.Year < 2002 || req.Year > 2100 {
		return queue.Err(queue.EINVALID, "err.web.the_year_must_be_2002")
	}
	o, n, err := calendar.Import(s.hall.Config(), req.Year, req.Weekday)
	if err != nil {
		return err
	}
	set := s.hall.Settings()
	set.Overrides = o
	out, err := s.hall.SaveSettings(c.UserContext(), principal(c), set)
	if err != nil {
		return err
	}
	return c.JSON(importJSON{Added: n, Settings: out})
}

// keepNewSettings fills in the settings a PUT /api/v1/config/settings did
// not name with the current ones: the dated overrides and the phone-ticket
// settings have their own forms, and older clients do not know them.
func (s *Server) keepNewSettings(body []byte, req *queue.Settings) {
	var present map[string]json.RawMessage
	if json.Unmarshal(body, &present) != nil {
		return
	}
	cur := s.hall.Settings()
	if _, ok := present["overrides"]; !ok {
		req.Overrides = cur.Overrides
	}
	if _, ok := present["remote_tickets"]; !ok {
		req.RemoteTickets = cur.RemoteTickets
	}
	if _, ok := present["remote_grace_s"]; !ok {
		req.RemoteGraceS = cur.RemoteGraceS
	}
}

// phoneTab is the manager console's 扫码取号与通知 tab.
func (s *Server) phoneTab(set queue.Settings) view.ManagerPhone {
	p := view.ManagerPhone{RemoteTickets: set.RemoteTickets, GraceMin: set.RemoteGraceS / 60,
		Overrides: calendar.Format(set.Overrides), Year: s.hall.Now().In(s.hall.Location()).Year()}
	if p.GraceMin == 0 {
		p.GraceMin = queue.DefaultRemoteGraceS / 60
	}
	if n := s.opt.Notify; n != nil {
		p.NotifyOn = true
		ns := maskNotify(n.Settings())
		p.Notify, p.SecretSet = ns.Settings, ns.SecretSet
		p.Dead = maskDead(n.DeadLetters())
		p.Sent = n.Sent()
	}
	return p
}
