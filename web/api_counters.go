package web

import (
	"errors"
	"slices"

	"github.com/gofiber/fiber/v2"

	"hallq/hall"
	"hallq/privacy"
	"hallq/queue"
)

// counterAction: POST /api/v1/counters/{n}/{action} where action is call,
// recall, start, finish, no-show, transfer, postpone, pause or resume → 200
// ticket (or the counter for pause/resume), 204 when a call finds no one.
func (s *Server) counterAction(c *fiber.Ctx) error {
	n, err := pathInt(c, "n")
	if err != nil {
		return err
	}
	action := c.Params("action")
	if !slices.Contains(hall.CounterActions, action) {
		return queue.Err(queue.ENOTFOUND, "err.web.unknown_action", action)
	}
	var op hall.CounterOp
	if err := decodeOptional(c, &op); err != nil {
		return err
	}
	op.Action = action
	t, err := s.hall.Operate(c.UserContext(), principal(c), n, op)
	if errors.Is(err, hall.ErrNoOneWaiting) {
		return c.SendStatus(fiber.StatusNoContent)
	} else if err != nil {
		return err
	}
	if t.ID == 0 {
		snap, _ := s.hall.Snapshot()
		for _, k := range snap.Counters {
			if k.Number == n {
				return c.JSON(k)
			}
		}
	}
	return c.JSON(privacy.Ticket(t, privacy.Staff))
}

// counterWaiting: GET /api/v1/counters/{n}/waiting → the tickets counter n
// would call, in order, then those postponed there. A clerk reads only the
// counter they hold, as for counter actions.
func (s *Server) counterWaiting(c *fiber.Ctx) error {
	n, err := pathInt(c, "n")
	if err != nil {
		return err
	}
	if err := s.hall.MayOperate(principal(c), n); err != nil {
		return err
	}
	list := s.hall.Waiting(n)
	if list == nil {
		return queue.Err(queue.ENOTFOUND, "err.web.there_is_no_counter", n, n)
	}
	for i := range list {
		list[i] = privacy.Ticket(list[i], privacy.Staff)
	}
	return c.JSON(list)
}
