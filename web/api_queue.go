package web

import (
	"github.com/gofiber/fiber/v2"

	"hallq/queue"
)

// queueView is GET /api/v1/queue: services with waiting counts and estimated
// waits, counters with their current ticket.
type queueView struct {
	Seq   uint64 `json:"seq"`
	Epoch string `json:"epoch"` // the store's epoch: seq counts within it
	queue.Snapshot
}

func maskSnapshot(snap queue.Snapshot) queue.Snapshot {
	for i := range snap.Counters {
		if t := snap.Counters[i].Ticket; t != nil {
			m := publicTicket(*t)
			snap.Counters[i].Ticket = &m
		}
	}
	for i := range snap.Recent {
		snap.Recent[i] = publicTicket(snap.Recent[i])
	}
	return snap
}

// getQueue: people (the desk) see phones masked; devices see what a shared
// screen shows, nothing of the customer (wsSnapshot).
func (s *Server) getQueue(c *fiber.Ctx) error {
	snap, seq := s.hall.Snapshot()
	if principal(c).Kind != "user" {
		return c.JSON(queueView{Seq: seq, Epoch: s.hall.Epoch(), Snapshot: wsSnapshot(snap, true)})
	}
	return c.JSON(queueView{Seq: seq, Epoch: s.hall.Epoch(), Snapshot: maskSnapshot(snap)})
}
