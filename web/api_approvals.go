package web

import (
	"slices"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"hallq/casework"
	"hallq/queue"
)

type approvalJSON struct {
	casework.Approval
	TrackURL string `json:"track_url"`
}

func approvalOut(a casework.Approval) approvalJSON {
	return approvalJSON{Approval: a, TrackURL: "/t/" + a.Code}
}

// listApprovals: GET /api/v1/approvals[?status=pending|approved|rejected]
// → {"approvals": [...]}: the manager's inbox (pending first), or a clerk's
// own requests.
func (s *Server) listApprovals(c *fiber.Ctx) error {
	status := c.Query("status")
	if status != "" && !slices.Contains([]string{casework.ApPending, casework.ApApproved, casework.ApRejected}, status) {
		return queue.Err(queue.EINVALID, "err.web.unknown_status", status, status)
	}
	list, err := s.casework.Approvals(principal(c), status, 0)
	if err != nil {
		return err
	}
	out := make([]approvalJSON, 0, len(list))
	for _, a := range list {
		out = append(out, approvalOut(a))
	}
	return c.JSON(fiber.Map{"approvals": out})
}

// requestApproval: POST /api/v1/approvals {"counter"?, "ticket"?, "item",
// "request"} → 201 the request (people).
func (s *Server) requestApproval(c *fiber.Ctx) error {
	var req casework.RequestApproval
	if err := decode(c, &req); err != nil {
		return err
	}
	a, err := s.casework.RequestApproval(c.UserContext(), principal(c), req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(approvalOut(a))
}

// getApproval: GET /api/v1/approvals/{id} (managers, and the clerk who asked).
func (s *Server) getApproval(c *fiber.Ctx) error {
	a, err := s.casework.Approval(principal(c), utils.CopyString(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(approvalOut(a))
}

// decideApproval: POST /api/v1/approvals/{id}/decide {"approve", "note"}
// (managers and admins; a clerk gets 403).
func (s *Server) decideApproval(c *fiber.Ctx) error {
	var d casework.Decision
	if err := decode(c, &d); err != nil {
		return err
	}
	a, err := s.casework.DecideApproval(c.UserContext(), principal(c), utils.CopyString(c.Params("id")), d)
	if err != nil {
		return err
	}
	return c.JSON(approvalOut(a))
}
