// Package returns brings a missed ticket back into the queue (过号顺延) for a
// kiosk, a clerk at the desk or a manager (was hall/returns.go): a feature
// on the kernel's Exec, beside the queue commands rather than among them.
package returns

import (
	"context"
	"fmt"
	"strings"

	"hallq/hall"
	_ "hallq/i18n" // queue.Err renders its keys with the catalog that i18n registers in its init
	"hallq/queue"
)

// Request names a missed ticket that comes back (过号顺延): by its
// number as the customer types it (A023), or by what the ticket's QR code
// holds (the tracking URL …/t/CODE, or the code alone).
type Request struct {
	Number string `json:"number"`
	Code   string `json:"code"`
}

// Ticket puts a missed ticket back in the queue (queue.Engine.Return)
// for a kiosk (the customer scans or types it), a clerk at the desk or a
// manager. Refusals: EFORBIDDEN (another principal), EINVALID (neither
// number nor code), ENOTFOUND (no such ticket today), ECONFLICT (not
// missed, returned as often as allowed, or the window passed).
func Ticket(ctx context.Context, h *hall.Hall, p hall.Principal, req Request) (queue.Ticket, error) {
	if !(p.Kind == "device" && p.Role == hall.KindKiosk) && !(p.Kind == "user") {
		return queue.Ticket{}, hall.Forbidden()
	}
	number, code := strings.TrimSpace(req.Number), strings.TrimSpace(req.Code)
	if i := strings.LastIndex(code, "/t/"); i >= 0 {
		code = code[i+3:]
	}
	if number == "" && code == "" {
		return queue.Ticket{}, queue.Err(queue.EINVALID, "err.hall.type_the_ticket_number")
	}
	if len(number) > 16 || len(code) > 64 {
		return queue.Ticket{}, queue.Err(queue.EINVALID, "err.hall.that_is_not_a")
	}
	var id uint64
	if code != "" {
		t, err := h.Store().TicketByTracking(code)
		if err != nil {
			return queue.Ticket{}, fmt.Errorf("return ticket: %w", err)
		}
		id = t.ID
	}
	ev, err := h.Exec(p.Actor(), func(tx *hall.Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		if id == 0 {
			t, ok := e.Find(number)
			if !ok {
				return queue.Event{}, queue.Err(queue.ENOTFOUND, "err.hall.there_is_no_ticket", number)
			}
			id = t.ID
		}
		return e.Return(id, now)
	})
	if err != nil {
		return queue.Ticket{}, fmt.Errorf("return ticket %s%s: %w", number, code, err)
	}
	return ev.Tickets[0], nil
}
