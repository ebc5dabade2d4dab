package web

import (
	"cmp"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"hallq/console"
	"hallq/hall"
	"hallq/printing"
	"hallq/privacy"
	"hallq/queue"
	"hallq/report"
	"hallq/web/view"
)

// managerPage renders one tab of the manager console (managers, admins):
// the live monitor, services and counters, hall settings (hours, holidays,
// voice, notices), staff, devices, and the audit with backups. Every tab is
// rendered on the server; assets/js/manager.js keeps the monitor live and
// sends the forms to the JSON API.
func (s *Server) managerPage(tab string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p := principal(c)
		pg := view.ManagerPage{T: translator(pageLang(c)), Hall: s.hallInfo(), Tab: tab, Query: queryString(c),
			User: view.DeskUser{Name: p.Name, Display: p.Display, StaffNo: p.StaffNo, Role: p.Role}, Config: view.ManagerConfig{}}
		cfg := s.configNow()
		pg.Config = view.ManagerConfig{Settings: cfg.Settings, Services: cfg.Services, Counters: cfg.Counters,
			Voice: view.ManagerVoice{Repeat: cfg.Voice.Repeat, Volume: cfg.Voice.Volume, Lang: cfg.Voice.Lang}}
		var err error
		switch tab {
		case "monitor":
			m, err := s.consoles.Monitor(p)
			if err != nil {
				return err
			}
			pg.Monitor = m
			if pg.Curve, pg.Health, err = s.monitorExtras(c, p, m); err != nil {
				return err
			}
			s.hall.Read(func(e *queue.Engine, _ uint64) {
				for _, t := range e.Tickets() {
					if t.Status == queue.Waiting {
						pg.Waiting = append(pg.Waiting, privacy.Ticket(t, privacy.Staff))
					}
				}
			})
		case "hall":
			pg.Notices, err = s.consoles.Notices(false)
		case "appointments":
			pg.Appt, err = s.appts.Settings()
		case "phone":
			pg.Phone = s.phoneTab(cfg.Settings) // api_phone.go
		case "staff":
			pg.Users, err = s.accounts.Users(c.UserContext())
		case "devices":
			if pg.Devices, err = s.accounts.Devices(c.UserContext()); err == nil {
				pg.Pairings, err = s.accounts.Pairings(c.UserContext())
			}
		case "audit":
			q, qerr := auditQuery(c)
			q = s.consoles.AuditDefaults(q)
			pg.AuditQuery, pg.BackupKeep = q, s.backups.Keep()
			if qerr == nil {
				pg.Audit, qerr = s.consoles.Audit(p, q)
			}
			if qerr != nil {
				pg.AuditError = queue.ErrorMessage(qerr)
			}
			pg.Backups, err = s.backups.List()
		}
		if err != nil {
			return err
		}
		pg.AuditCategories = console.AuditCategories
		return render(c, view.Manager(pg))
	}
}

// monitorExtras is the monitor's chart (today's queue and waits beside the
// median of the last same weekdays, from the report rollups) and device
// health (each paired device: connected now, last seen, a kiosk's printer).
func (s *Server) monitorExtras(c *fiber.Ctx, p hall.Principal, m console.Monitor) (report.Curve, []view.DeviceHealth, error) {
	var loc *time.Location
	s.hall.Read(func(v *queue.Engine, _ uint64) { loc = v.Location() })
	now := m.Now.In(loc)
	nowS := now.Hour()*3600 + now.Minute()*60 + now.Second()
	curve, err := s.reports.QueueCurve(m.Snapshot.Day, nowS, 1800)
	if err != nil {
		return curve, nil, err
	}
	devs, err := s.accounts.Devices(c.UserContext())
	if err != nil {
		return curve, nil, err
	}
	printers := map[string]printing.View{}
	if list, err := s.prints.Printers(c.UserContext(), p); err == nil {
		for _, pv := range list {
			printers[pv.Device] = pv
		}
	}
	seen := s.hub.Presence()
	var out []view.DeviceHealth
	for _, d := range devs {
		if d.Revoked {
			continue
		}
		h := view.DeviceHealth{ID: d.ID, Name: d.Name, Kind: d.Kind, Counter: d.Counter}
		if ps, ok := seen[d.ID]; ok {
			h.Online, h.LastSeen = ps.Online > 0, ps.LastSeen
		}
		if d.Kind == hall.KindKiosk {
			h.Printer = "unknown"
			if pv, ok := printers[d.Name]; ok && pv.State != "" {
				h.Printer, h.PrinterMsg = pv.State, pv.Message
			}
		}
		out = append(out, h)
	}
	kinds := []string{hall.KindKiosk, hall.KindDisplay, hall.KindCounter, hall.KindKeypad}
	slices.SortStableFunc(out, func(a, b view.DeviceHealth) int {
		return cmp.Or(cmp.Compare(slices.Index(kinds, a.Kind), slices.Index(kinds, b.Kind)),
			cmp.Compare(a.Counter, b.Counter), cmp.Compare(a.Name, b.Name))
	})
	return curve, out, nil
}
