package web

import (
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"hallq/casework"
	"hallq/privacy"
	"hallq/queue"
)

// workOrderJSON is a work order with what the hall's clock says about it.
type workOrderJSON struct {
	casework.WorkOrder
	Overdue       bool   `json:"overdue"`
	DueSoon       bool   `json:"due_soon"`
	NeedsCallBack bool   `json:"needs_callback"`
	TrackURL      string `json:"track_url"`
}

func workOrderOut(w casework.WorkOrder, now time.Time, fullPhone bool) workOrderJSON {
	if !fullPhone {
		w.Phone = privacy.Phone(w.Phone)
	}
	w.Log = slices.Clone(w.Log)
	return workOrderJSON{WorkOrder: w, Overdue: w.Overdue(now), DueSoon: w.DueSoon(now), NeedsCallBack: w.NeedsCallBack(),
		TrackURL: "/t/" + w.Code}
}

// listWorkOrders: GET /api/v1/workorders[?status=open|progress|resolved|closed|active|overdue][&mine=1]
// → {"workorders": [...], "alerts": {...}}: managers see all, a clerk the
// ones they opened; phones masked.
func (s *Server) listWorkOrders(c *fiber.Ctx) error {
	p := principal(c)
	status := c.Query("status")
	if status != "" && !slices.Contains([]string{casework.WOOpen, casework.WOProgress, casework.WOResolved, casework.WOClosed, "active", "overdue"}, status) {
		return queue.Err(queue.EINVALID, "err.web.unknown_status", status, status)
	}
	list, err := s.casework.WorkOrders(p, casework.WorkOrderFilter{Status: status, Mine: c.Query("mine") == "1"})
	if err != nil {
		return err
	}
	alerts, err := s.casework.WorkOrderAlerts(p)
	if err != nil {
		return err
	}
	now := s.hall.Now()
	out := make([]workOrderJSON, 0, len(list))
	for _, w := range list {
		out = append(out, workOrderOut(w, now, false))
	}
	return c.JSON(fiber.Map{"workorders": out, "alerts": alerts})
}

// openWorkOrder: POST /api/v1/workorders {"counter"?, "ticket"?, "item",
// "summary"?, "customer"?, "phone"?} → 201 the work order (people).
func (s *Server) openWorkOrder(c *fiber.Ctx) error {
	var req casework.OpenWorkOrder
	if err := decode(c, &req); err != nil {
		return err
	}
	w, err := s.casework.OpenWorkOrder(c.UserContext(), principal(c), req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(workOrderOut(w, s.hall.Now(), true))
}

// getWorkOrder: GET /api/v1/workorders/{id} → the work order with the
// customer's full phone (managers and the handling clerk: the work-order
// detail is the one place it shows).
func (s *Server) getWorkOrder(c *fiber.Ctx) error {
	w, err := s.casework.WorkOrder(principal(c), utils.CopyString(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(workOrderOut(w, s.hall.Now(), true))
}

// updateWorkOrder: POST /api/v1/workorders/{id}/{progress|resolve|callback|close}
// {"note"?, "reached"?, "satisfied"?} (managers and the handling clerk).
func (s *Server) updateWorkOrder(c *fiber.Ctx) error {
	var u casework.WorkOrderUpdate
	if err := decodeOptional(c, &u); err != nil {
		return err
	}
	u.Action = utils.CopyString(c.Params("action"))
	w, err := s.casework.UpdateWorkOrder(c.UserContext(), principal(c), utils.CopyString(c.Params("id")), u)
	if err != nil {
		return err
	}
	return c.JSON(workOrderOut(w, s.hall.Now(), true))
}
