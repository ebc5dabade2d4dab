package web

import (
	"bufio"
	"encoding/json"
	"io"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"hallq/hall"
	"hallq/queue"
)

// ExportEvent is an event as it leaves the hall for regional roll-up:
// personal fields of its tickets masked, records left out (they may hold
// contact details; the roll-up counts tickets, not people).
func ExportEvent(ev queue.Event) queue.Event {
	if len(ev.Tickets) > 0 {
		ts := make([]queue.Ticket, len(ev.Tickets))
		for i, t := range ev.Tickets {
			ts[i] = publicTicket(t)
		}
		ev.Tickets = ts
	}
	ev.Records = nil
	return ev
}

// ExportLine is one line of the event export: the ExportEvent with the
// store's epoch, in which its seq counts (a restore starts another).
type ExportLine struct {
	queue.Event
	Epoch string `json:"epoch,omitempty"`
}

// WriteEvents writes every event after since to w as NDJSON (one
// ExportEvent per line, with the epoch) and returns the last sequence
// written (since if none), so a caller resumes with ?since=LAST&epoch=E.
func WriteEvents(h *hall.Hall, since uint64, w io.Writer) (last uint64, err error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	last = since
	epoch := h.Epoch()
	err = h.Store().EachEvent(since, func(ev queue.Event) error {
		if err := enc.Encode(ExportLine{Event: ExportEvent(ev), Epoch: epoch}); err != nil {
			return err
		}
		last = ev.Seq
		return nil
	})
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	return last, err
}

// parseSince reads the since query parameter: a sequence number, 0 if absent.
func parseSince(c *fiber.Ctx) (uint64, error) {
	v := strings.TrimSpace(c.Query("since"))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, queue.Errorf(queue.EINVALID, "since 须为事件序号（非负整数）/ since must be an event sequence number")
	}
	return n, nil
}

// events: GET /api/v1/events?since=SEQ&epoch=E → the event log after SEQ as
// NDJSON, for the regional roll-up (an integration token) and managers. The
// answer ends at the newest committed event; each line carries its seq and
// the store's epoch (also in the X-Hallq-Epoch header), so the caller asks
// again with the last ones it stored. A since of another epoch than the
// store's (a restore came between) is not resumed: the answer is the whole
// log of the current epoch, from the start.
func (s *Server) events(c *fiber.Ctx) error {
	since, err := parseSince(c)
	if err != nil {
		return err
	}
	epoch := s.hall.Epoch()
	if e := c.Query("epoch"); e != "" && e != epoch {
		since = 0
	}
	c.Set("X-Hallq-Epoch", epoch)
	c.Set(fiber.HeaderContentType, "application/x-ndjson; charset=utf-8")
	c.Set("Cache-Control", "no-store")
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		if _, err := WriteEvents(s.hall, since, w); err != nil {
			s.log.Error("event export", "since", since, "err", err)
		}
		w.Flush()
	})
	return nil
}
