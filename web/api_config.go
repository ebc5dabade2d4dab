package web

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"hallq/account"
	"hallq/console"
	"hallq/privacy"

	"hallq/queue"
	"hallq/web/view"
)

// The manager console's API (managers and admins): the live monitor and its
// actions, and every configuration change. Each handler parses, makes one
// call into hall (which validates, commits with its actor and applies it
// live), and answers JSON.

// configView is GET /api/v1/config.
type configView struct {
	Settings queue.Settings  `json:"settings"`
	Services []queue.Service `json:"services"`
	Counters []queue.Counter `json:"counters"`
	Voice    console.Voice   `json:"voice"`
}

func (s *Server) configNow() configView {
	v := configView{Settings: s.hall.Settings(), Voice: s.consoles.Voice()}
	s.hall.Read(func(e *queue.Engine, _ uint64) { v.Services, v.Counters = e.Services(), e.Counters() })
	return v
}

// getConfig: GET /api/v1/config → settings, services, counters and voice.
func (s *Server) getConfig(c *fiber.Ctx) error { return c.JSON(s.configNow()) }

// getMonitor: GET /api/v1/monitor → the live monitor (snapshot, alerts,
// today's totals).
func (s *Server) getMonitor(c *fiber.Ctx) error {
	m, err := s.consoles.Monitor(principal(c))
	if err != nil {
		return err
	}
	m.Snapshot = privacy.Snapshot(m.Snapshot, privacy.Staff)
	return c.JSON(m)
}

// monitorWaiting: GET /api/v1/monitor/waiting → every waiting ticket today,
// oldest first (phones masked), for the monitor's move and cancel actions.
func (s *Server) monitorWaiting(c *fiber.Ctx) error {
	out := []queue.Ticket{}
	s.hall.Read(func(e *queue.Engine, _ uint64) {
		for _, t := range e.Tickets() {
			if t.Status == queue.Waiting {
				out = append(out, privacy.Ticket(t, privacy.Staff))
			}
		}
	})
	return c.JSON(out)
}

// putSettings: PUT /api/v1/config/settings {name_zh, name_en, hours,
// holidays, starve_after_s, recalls_before_no_show, phone_daily_limit}.
func (s *Server) putSettings(c *fiber.Ctx) error {
	var req queue.Settings
	if err := decode(c, &req); err != nil {
		return err
	}
	s.keepNewSettings(c.Body(), &req) // api_phone.go
	out, err := s.hall.SaveSettings(c.UserContext(), principal(c), req)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// serviceRequest is a service as the console sends it.
type serviceRequest struct {
	Prefix      string   `json:"prefix"`
	NameZH      string   `json:"name_zh"`
	NameEN      string   `json:"name_en"`
	DescZH      string   `json:"desc_zh"`
	DescEN      string   `json:"desc_en"`
	TargetWaitS int      `json:"target_wait_s"`
	DailyLimit  int      `json:"daily_limit"`
	Documents   []string `json:"documents"`
	// ReturnPlaces: where a missed ticket comes back (过号顺延); 0: 3.
	ReturnPlaces int `json:"return_places"`
}

func (r serviceRequest) service() queue.Service {
	return queue.Service{Prefix: strings.ToUpper(strings.TrimSpace(r.Prefix)), NameZH: r.NameZH, NameEN: r.NameEN, DescZH: r.DescZH, DescEN: r.DescEN,
		TargetWaitS: r.TargetWaitS, DailyLimit: r.DailyLimit, Documents: r.Documents, ReturnPlaces: r.ReturnPlaces}
}

// postService: POST /api/v1/config/services → 201 the new service.
func (s *Server) postService(c *fiber.Ctx) error {
	var req serviceRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Prefix) != strings.ToUpper(strings.TrimSpace(req.Prefix)) {
		return queue.Err(queue.EINVALID, "err.web.service_prefix_must_be_one", req.Prefix)
	}
	out, err := s.hall.SaveService(c.UserContext(), principal(c), req.service(), true)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

// putService: PUT /api/v1/config/services/{prefix} → the changed service.
func (s *Server) putService(c *fiber.Ctx) error {
	var req serviceRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	prefix := utils.CopyString(c.Params("prefix"))
	if req.Prefix != "" && req.Prefix != prefix {
		return queue.Err(queue.EINVALID, "err.web.the_prefix_cannot_change")
	}
	req.Prefix = prefix
	svc := req.service()
	svc.Prefix = prefix
	out, err := s.hall.SaveService(c.UserContext(), principal(c), svc, false)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// postCounter: POST /api/v1/config/counters → 201 the new counter.
func (s *Server) postCounter(c *fiber.Ctx) error {
	var req queue.CounterConfig
	if err := decode(c, &req); err != nil {
		return err
	}
	out, err := s.hall.SaveCounter(c.UserContext(), principal(c), req, true)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

// putCounter: PUT /api/v1/config/counters/{n} → the changed counter.
func (s *Server) putCounter(c *fiber.Ctx) error {
	n, err := pathInt(c, "n")
	if err != nil {
		return err
	}
	var req queue.CounterConfig
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.Number != 0 && req.Number != n {
		return queue.Err(queue.EINVALID, "err.web.the_counter_number_cannot_change")
	}
	req.Number = n
	out, err := s.hall.SaveCounter(c.UserContext(), principal(c), req, false)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// postCounterOpen: POST /api/v1/config/counters/{n}/open and …/close (the
// monitor's open/close buttons).
func (s *Server) counterOpenClose(open bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		n, err := pathInt(c, "n")
		if err != nil {
			return err
		}
		out, err := s.hall.SetCounterOpen(c.UserContext(), principal(c), n, open)
		if err != nil {
			return err
		}
		return c.JSON(out)
	}
}

// releaseCounter: POST /api/v1/config/counters/{n}/release frees counter n
// from the clerk who holds it, so another may sign in there (managers) →
// the counter; 409 when no one holds it.
func (s *Server) releaseCounter(c *fiber.Ctx) error {
	n, err := pathInt(c, "n")
	if err != nil {
		return err
	}
	out, err := s.accounts.ReleaseCounter(c.UserContext(), principal(c), n)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

type moveRequest struct {
	Service string `json:"service"`
	Counter int    `json:"counter"`
}

// moveTicket: POST /api/v1/tickets/{id}/move {service, counter?} → the new
// ticket, waiting in the other service.
func (s *Server) moveTicket(c *fiber.Ctx) error {
	id, err := ticketID(c)
	if err != nil {
		return err
	}
	var req moveRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	t, err := s.hall.MoveTicket(c.UserContext(), principal(c), id, queue.TransferRequest{Service: strings.TrimSpace(req.Service), Counter: req.Counter})
	if err != nil {
		return err
	}
	return c.JSON(privacy.Ticket(t, privacy.Staff))
}

// getVoice: GET /api/v1/voice → the voice settings (every screen reads them).
func (s *Server) getVoice(c *fiber.Ctx) error { return c.JSON(s.consoles.Voice()) }

// putVoice: PUT /api/v1/config/voice {repeat, volume, lang}.
func (s *Server) putVoice(c *fiber.Ctx) error {
	var req console.Voice
	if err := decode(c, &req); err != nil {
		return err
	}
	out, err := s.consoles.SaveVoice(c.UserContext(), principal(c), req)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// noticeRequest is a notice as the console sends it; times are RFC 3339 or
// the local "YYYY-MM-DDTHH:MM" of a datetime-local input.
type noticeRequest struct {
	TextZH string `json:"text_zh"`
	TextEN string `json:"text_en"`
	Start  string `json:"start"`
	End    string `json:"end"`
}

func (s *Server) parseLocal(what, v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, s.hall.Location()); err == nil {
			return t, nil
		}
	}
	return time.Time{}, queue.Err(queue.EINVALID, "err.web.the_time_must_be_yyyy", map[string]string{"start": "开始", "end": "结束"}[what], what)
}

func (s *Server) notice(c *fiber.Ctx) (console.Notice, error) {
	var req noticeRequest
	if err := decode(c, &req); err != nil {
		return console.Notice{}, err
	}
	start, err := s.parseLocal("start", req.Start)
	if err != nil {
		return console.Notice{}, err
	}
	end, err := s.parseLocal("end", req.End)
	if err != nil {
		return console.Notice{}, err
	}
	return console.Notice{TextZH: req.TextZH, TextEN: req.TextEN, Start: start, End: end}, nil
}

// getNotices: GET /api/v1/notices → the notices showing now (every screen).
func (s *Server) getNotices(c *fiber.Ctx) error {
	ns, err := s.consoles.Notices(true)
	if err != nil {
		return err
	}
	if ns == nil {
		ns = []console.Notice{}
	}
	for i := range ns {
		ns[i].By = ""
	}
	return c.JSON(ns)
}

// listNotices: GET /api/v1/config/notices → every notice not deleted.
func (s *Server) listNotices(c *fiber.Ctx) error {
	ns, err := s.consoles.Notices(false)
	if err != nil {
		return err
	}
	if ns == nil {
		ns = []console.Notice{}
	}
	return c.JSON(ns)
}

// postNotice: POST /api/v1/config/notices → 201 the notice.
func (s *Server) postNotice(c *fiber.Ctx) error {
	n, err := s.notice(c)
	if err != nil {
		return err
	}
	out, err := s.consoles.SaveNotice(c.UserContext(), principal(c), n)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

// putNotice: PUT /api/v1/config/notices/{id}.
func (s *Server) putNotice(c *fiber.Ctx) error {
	n, err := s.notice(c)
	if err != nil {
		return err
	}
	n.ID = utils.CopyString(c.Params("id"))
	out, err := s.consoles.SaveNotice(c.UserContext(), principal(c), n)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// deleteNotice: DELETE /api/v1/config/notices/{id} → 204.
func (s *Server) deleteNotice(c *fiber.Ctx) error {
	if err := s.consoles.DeleteNotice(c.UserContext(), principal(c), utils.CopyString(c.Params("id"))); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// listUsers: GET /api/v1/users.
func (s *Server) listUsers(c *fiber.Ctx) error {
	us, err := s.accounts.Users(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(us)
}

type userRequest struct {
	Name     string `json:"name"`
	Password string `json:"password"`
	Role     string `json:"role"`
	Display  string `json:"display"`
	StaffNo  string `json:"staff_no"`
}

// postUser: POST /api/v1/users → 201 the account.
func (s *Server) postUser(c *fiber.Ctx) error {
	var req userRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	u := account.NewUser{Name: req.Name, Password: req.Password, Role: req.Role, Display: req.Display, StaffNo: req.StaffNo}
	if err := s.accounts.CreateUser(c.UserContext(), principal(c), u); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"name": strings.TrimSpace(req.Name), "role": req.Role})
}

// putUser: PUT /api/v1/users/{name} {role?, disabled?, display?, staff_no?}.
func (s *Server) putUser(c *fiber.Ctx) error {
	var req account.UserChange
	if err := decode(c, &req); err != nil {
		return err
	}
	u, err := s.accounts.UpdateUser(c.UserContext(), principal(c), utils.CopyString(c.Params("name")), req)
	if err != nil {
		return err
	}
	return c.JSON(u)
}

// postPassword: POST /api/v1/users/{name}/password {password} → 204; the
// user's other sessions end.
func (s *Server) postPassword(c *fiber.Ctx) error {
	var req struct {
		Password string `json:"password"`
	}
	if err := decode(c, &req); err != nil {
		return err
	}
	if err := s.accounts.ResetPassword(c.UserContext(), principal(c), utils.CopyString(c.Params("name")), req.Password, c.Cookies(SessionCookie)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// postUnlock: POST /api/v1/users/{name}/unlock lifts a sign-in lock-out of
// the user (managers; an admin's, admins) → 204.
func (s *Server) postUnlock(c *fiber.Ctx) error {
	if err := s.accounts.UnlockUser(c.UserContext(), principal(c), utils.CopyString(c.Params("name"))); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// listDevices: GET /api/v1/devices → paired devices and pairing codes.
func (s *Server) listDevices(c *fiber.Ctx) error {
	ds, err := s.accounts.Devices(c.UserContext())
	if err != nil {
		return err
	}
	ps, err := s.accounts.Pairings(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"devices": ds, "pairings": ps})
}

type deviceRequest struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Counter int    `json:"counter"`
	Printer string `json:"printer"`
}

// pairingAnswer is a new pairing code: open URL once on the device.
type pairingAnswer struct {
	URL     string          `json:"url"`
	QR      string          `json:"qr"` // data: URI of the URL's QR code
	Pairing account.Pairing `json:"pairing"`
}

// PairCodePath is where a device redeems a one-time pairing code.
const PairCodePath = "/pair/code/"

// postDevice: POST /api/v1/devices {name, kind, counter?, printer?} → 201
// the one-time pairing URL and its QR code.
func (s *Server) postDevice(c *fiber.Ctx) error {
	var req deviceRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	code, pr, err := s.accounts.CreatePairing(c.UserContext(), principal(c), account.NewDevice{Name: req.Name, Kind: req.Kind, Counter: req.Counter, Printer: req.Printer})
	if err != nil {
		return err
	}
	url := strings.TrimRight(c.BaseURL(), "/") + PairCodePath + code
	qr, err := QRDataURI(url, 240)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(pairingAnswer{URL: url, QR: qr, Pairing: pr})
}

// revokeDevice: POST /api/v1/devices/{id}/revoke → 204; the device's token
// stops working at once.
func (s *Server) revokeDevice(c *fiber.Ctx) error {
	if err := s.accounts.RevokeDevice(c.UserContext(), principal(c), utils.CopyString(c.Params("id"))); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// pairCode: GET /pair/code/{code} pairs the browser it is opened in with a
// one-time code: the device gets a fresh token as its cookie and goes on to
// its page. A used, expired or unknown code gets the 404 pairing page.
func (s *Server) pairCode(c *fiber.Ctx) error {
	pageLang(c)
	token, p, err := s.accounts.RedeemPairing(c.UserContext(), utils.CopyString(c.Params("code")))
	if err != nil || devicePages[p.Role] == "" {
		return pageMessage(c, fiber.StatusNotFound, view.MessagePage{Hall: s.hallInfo(), Title: "msg.badpair.title", Body: "msg.badpair.body"})
	}
	c.Cookie(&fiber.Cookie{Name: DeviceCookie, Value: token, Path: "/", HTTPOnly: true, Secure: s.secure(c),
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Now().AddDate(10, 0, 0)})
	return c.Redirect(devicePages[p.Role], fiber.StatusSeeOther)
}
