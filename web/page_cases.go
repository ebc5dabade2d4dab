package web

import (
	"slices"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"hallq/casework"
	"hallq/hall"
	"hallq/privacy"
	"hallq/queue"
	"hallq/web/view"
)

func casesUser(p hall.Principal) view.CasesUser {
	d := p.Display
	if d == "" {
		d = p.Name
	}
	return view.CasesUser{Name: p.Name, Display: d, Staff: p.Staff()}
}

func (s *Server) workOrderRow(w casework.WorkOrder, fullPhone bool) view.WorkOrderRow {
	now := s.hall.Now()
	if !fullPhone {
		w.Phone = privacy.Phone(w.Phone)
	}
	return view.WorkOrderRow{WorkOrder: w, Overdue: w.Overdue(now), DueSoon: w.DueSoon(now), NeedsCallBack: w.NeedsCallBack()}
}

// workOrdersPage: GET /cases/workorders[?status=…], the work-order list with
// the overdue alerts: every work order for managers, a clerk's own. Phones
// are masked.
func (s *Server) workOrdersPage(c *fiber.Ctx) error {
	p := principal(c)
	status := "active"
	if c.Request().URI().QueryArgs().Has("status") {
		status = c.Query("status")
	}
	if !slices.Contains([]string{"", "active", "overdue", casework.WOOpen, casework.WOProgress, casework.WOResolved, casework.WOClosed}, status) {
		status = "active"
	}
	list, err := s.casework.WorkOrders(p, casework.WorkOrderFilter{Status: status})
	if err != nil {
		return err
	}
	alerts, err := s.casework.WorkOrderAlerts(p)
	if err != nil {
		return err
	}
	rows := make([]view.WorkOrderRow, 0, len(list))
	for _, w := range list {
		rows = append(rows, s.workOrderRow(w, false))
	}
	return render(c, view.WorkOrders(view.WorkOrdersPage{T: translator(pageLang(c)), Hall: s.hallInfo(), User: casesUser(p),
		Filter: status, Rows: rows, Alerts: alerts, Query: queryString(c)}))
}

// workOrderPage: GET /cases/workorders/{id}, one work order in full, the
// customer's phone included (managers and the handling clerk).
func (s *Server) workOrderPage(c *fiber.Ctx) error {
	p := principal(c)
	t := translator(pageLang(c))
	w, err := s.casework.WorkOrder(p, utils.CopyString(c.Params("id")))
	switch queue.ErrorCode(err) {
	case "":
	case queue.ENOTFOUND:
		return pageMessage(c, fiber.StatusNotFound, view.MessagePage{Title: "wo.none", Body: "wo.none", Link: "/cases/workorders", LinkAs: "cases.nav.workorders"})
	case queue.EFORBIDDEN:
		return forbiddenPage(c)
	default:
		return err
	}
	return render(c, view.WorkOrder(view.WorkOrderPage{T: t, Hall: s.hallInfo(), User: casesUser(p), Row: s.workOrderRow(w, true), Query: queryString(c)}))
}

// approvalsPage: GET /cases/approvals, the approval inbox (managers decide
// here; a clerk sees their own requests).
func (s *Server) approvalsPage(c *fiber.Ctx) error {
	p := principal(c)
	list, err := s.casework.Approvals(p, "", 200)
	if err != nil {
		return err
	}
	page := view.ApprovalsPage{T: translator(pageLang(c)), Hall: s.hallInfo(), User: casesUser(p), Query: queryString(c)}
	for _, a := range list {
		if a.Status == casework.ApPending {
			page.Pending = append(page.Pending, a)
		} else {
			page.Decided = append(page.Decided, a)
		}
	}
	return render(c, view.Approvals(page))
}

// catalogPage: GET /cases/catalog, the catalog editor (managers).
func (s *Server) catalogPage(c *fiber.Ctx) error {
	p := principal(c)
	misses, err := s.casework.Choices(p, true, 100)
	if err != nil {
		return err
	}
	return render(c, view.Catalog(view.CatalogPage{T: translator(pageLang(c)), Hall: s.hallInfo(), User: casesUser(p),
		Catalog: s.casework.Catalog(), Forbidden: s.casework.ForbiddenPhrases(), Query: queryString(c), Misses: misses, Region: s.regionStatus()}))
}
