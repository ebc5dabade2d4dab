package web

import (
	"context"
	"log/slog"

	"hallq/hall"
)

// Hub fans committed events out to websocket clients. (Placeholder: the real
// hub replaces this file.)
type Hub struct {
	hall *hall.Hall
	log  *slog.Logger
}

// NewHub returns a hub for the hall.
func NewHub(h *hall.Hall, log *slog.Logger) *Hub { return &Hub{hall: h, log: log} }

// Run runs the hub until ctx ends.
func (h *Hub) Run(ctx context.Context) { <-ctx.Done() }

// Clients returns the number of connected clients.
func (h *Hub) Clients() int { return 0 }
