package web

import (
	"github.com/gofiber/fiber/v2"

	"hallq/privacy"
	"hallq/queue"
)

// queueView is GET /api/v1/queue: services with waiting counts and estimated
// waits, counters with their current ticket.
type queueView struct {
	Seq   uint64 `json:"seq"`
	Epoch string `json:"epoch"` // the store's epoch: seq counts within it
	queue.Snapshot
}

// getQueue: people (the desk) see phones masked; devices see what a shared
// screen shows, nothing of the customer (privacy.Public).
func (s *Server) getQueue(c *fiber.Ctx) error {
	snap, seq := s.hall.Snapshot()
	if principal(c).Kind != "user" {
		return c.JSON(queueView{Seq: seq, Epoch: s.hall.Epoch(), Snapshot: privacy.Snapshot(snap, privacy.Public)})
	}
	return c.JSON(queueView{Seq: seq, Epoch: s.hall.Epoch(), Snapshot: privacy.Snapshot(snap, privacy.Staff)})
}
