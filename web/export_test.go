package web

import "time"

// SetKeepalive shortens the hub's ping interval and pong deadline for
// tests.
func (h *Hub) SetKeepalive(ping, pong time.Duration) {
	h.pingEvery.Store(int64(ping))
	h.pongWait.Store(int64(pong))
}
