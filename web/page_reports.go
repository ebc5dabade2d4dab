package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"hallq/queue"
	"hallq/report"
	"hallq/web/view"
)

// reportsPage: GET /reports?from=&to=&service=&slot= (managers) — the
// printable peak-period report: figures and tables rendered here, charts
// drawn by assets/js/reports.js (embedded ECharts) from the same JSON. The
// range defaults to the 90 days before today.
func (s *Server) reportsPage(c *fiber.Ctx) error {
	t := translator(pageLang(c))
	h := s.hallInfo()
	cfg := s.hall.Config()
	today := h.Now
	p := view.ReportsPage{T: t, Hall: h, Query: queryString(c), From: c.Query("from"), To: c.Query("to"),
		Service: c.Query("service"), Slot: 30, Services: cfg.Services, Counters: cfg.Counters}
	if p.From == "" && p.To == "" {
		p.From = today.AddDate(0, 0, -90).Format(time.DateOnly)
		p.To = today.AddDate(0, 0, -1).Format(time.DateOnly)
	}
	if c.Query("slot") == "15" {
		p.Slot = 15
	}
	rp := report.Params{From: p.From, To: p.To, Service: p.Service, SlotMin: p.Slot}
	status := fiber.StatusOK
	if err := rp.Validate(cfg); err != nil {
		p.Error, status = queue.ErrorMessage(err), statusOf[queue.ErrorCode(err)]
	} else if r, err := s.reports.Peak(rp); err != nil {
		return err
	} else {
		s.nameClerks(c, r)
		p.Report = r
	}
	c.Status(status)
	return render(c, view.Reports(p))
}

// nameClerks puts the clerks' display names and 工号 into the clerk table
// (a login the hall no longer has keeps the login as its name).
func (s *Server) nameClerks(c *fiber.Ctx, r *report.Report) {
	users, err := s.accounts.Users(c.UserContext())
	if err != nil {
		return
	}
	byName := map[string]int{}
	for i, u := range users {
		byName[u.Name] = i
	}
	for i := range r.Clerks {
		if j, ok := byName[r.Clerks[i].Clerk]; ok {
			if d := users[j].Display; d != "" {
				r.Clerks[i].Name = d
			}
			r.Clerks[i].StaffNo = users[j].StaffNo
		}
	}
}
