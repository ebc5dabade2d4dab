package web

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"hallq/privacy"
	"hallq/queue"
	"hallq/report"
	"hallq/sim"
)

// reportParams reads ?from=&to=&service=&slot= (slot 15 or 30 minutes).
// Missing dates are EBADREQUEST (400), malformed ones EINVALID (422).
func (s *Server) reportParams(c *fiber.Ctx) (report.Params, error) {
	p := report.Params{From: c.Query("from"), To: c.Query("to"), Service: strings.ToUpper(c.Query("service"))}
	if p.From == "" || p.To == "" {
		return p, p.Validate(s.hall.Config()) // a missing date is a bad request, whatever else is wrong
	}
	if v := c.Query("slot"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return p, queue.Err(queue.EINVALID, "err.web.slot_must_be_15_or")
		}
		p.SlotMin = n
	}
	if v := c.Query("goal"); v != "" {
		g, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return p, queue.Err(queue.EINVALID, "err.web.the_service_level_goal_must")
		}
		p.Goal = g
	}
	return p, p.Validate(s.hall.Config())
}

// peakReport builds the peak-period report of the request's range from the
// store's rollups (rebuilt from the event log first if a store predates them).
func (s *Server) peakReport(c *fiber.Ctx) (*report.Report, error) {
	p, err := s.reportParams(c)
	if err != nil {
		return nil, err
	}
	r, err := s.reports.Peak(p)
	if err != nil {
		return nil, fmt.Errorf("peak report: %w", err)
	}
	return r, nil
}

// reportPeak: GET /api/v1/reports/peak?from=YYYY-MM-DD&to=YYYY-MM-DD[&service=A][&slot=15|30]
// → the peak-period wait report as JSON (managers).
func (s *Server) reportPeak(c *fiber.Ctx) error {
	r, err := s.peakReport(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(r)
}

// reportPeakCSV: GET /api/v1/reports/peak.csv?…[&table=slots] → one table
// of the report as CSV (slots by default; see report.Tables for the names).
func (s *Server) reportPeakCSV(c *fiber.Ctx) error {
	r, err := s.peakReport(c)
	if err != nil {
		return err
	}
	name := c.Query("table", "slots")
	t, ok := r.Table(name)
	if !ok {
		return queue.Err(queue.EINVALID, "err.web.no_table", name, name)
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="peak-%s-%s-%s.csv"`, r.From, r.To, name))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return t.WriteCSV(c.Response().BodyWriter())
}

// reportPeakXLSX: GET /api/v1/reports/peak.xlsx?… → every table of the
// report, one sheet each, Chinese headers.
func (s *Server) reportPeakXLSX(c *fiber.Ctx) error {
	r, err := s.peakReport(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="peak-%s-%s.xlsx"`, r.From, r.To))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return r.WriteXLSX(c.Response().BodyWriter())
}

// reportTicketsCSV: GET /api/v1/reports/tickets.csv?from=&to= → every ticket
// of the range with its times, one row each, headers named as the ticket
// JSON fields; phone numbers masked.
//
// The rows are written to an unlinked file on the data directory's disk and
// sent from there: a large hall's year is a million rows, which as the
// response body held the server at 1.4 GB RSS; and a read that fails half
// way (a damaged sealed day) is still an error response, never a cut CSV
// answered 200. The file is gone when the response is sent or the process
// ends.
func (s *Server) reportTicketsCSV(c *fiber.Ctx) error {
	p, err := s.reportParams(c)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(s.hall.Dir(), ".tickets-*.csv")
	if err != nil {
		return fmt.Errorf("tickets export: %w", err)
	}
	os.Remove(f.Name()) // the open file stays readable; nothing is left behind
	size, err := s.writeTicketsCSV(f, p)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return fmt.Errorf("tickets export: %w", err)
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="tickets-%s-%s.csv"`, p.From, p.To))
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Response().SetBodyStream(f, int(size)) // fasthttp closes f once it is sent
	return nil
}

// writeTicketsCSV writes the tickets of p's range as CSV to f and returns
// its size.
func (s *Server) writeTicketsCSV(f *os.File, p report.Params) (int64, error) {
	loc := s.hall.Location()
	bw := bufio.NewWriterSize(f, 64<<10)
	w := csv.NewWriter(bw)
	if err := w.Write(report.TicketHeaders); err != nil {
		return 0, err
	}
	err := s.reports.EachTicket(p.From, p.To, func(t *queue.Ticket) error {
		if p.Service != "" && t.Service != p.Service {
			return nil
		}
		return w.Write(report.TicketRow(t, loc, privacy.Phone))
	})
	if err != nil {
		return 0, err
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return 0, err
	}
	if err := bw.Flush(); err != nil {
		return 0, err
	}
	return f.Seek(0, io.SeekCurrent)
}

// whatIfRequest is the body of POST /api/v1/reports/whatif.
type whatIfRequest struct {
	From    string      `json:"from"`
	To      string      `json:"to"`
	Service string      `json:"service"`
	Slot    int         `json:"slot"`
	Shifts  []sim.Shift `json:"shifts"` // omitted: the schedule observed in the range
}

// reportWhatIf: POST /api/v1/reports/whatif {"from","to","shifts"?} → the
// observed customers of the range (at most 62 days) replayed through the
// queue engine with the edited counter schedule, predicted waits beside the
// real ones.
func (s *Server) reportWhatIf(c *fiber.Ctx) error {
	var req whatIfRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	p := report.Params{From: req.From, To: req.To, Service: strings.ToUpper(req.Service), SlotMin: req.Slot}
	if err := p.Validate(s.hall.Config()); err != nil {
		return err
	}
	if req.Shifts != nil {
		if err := sim.ValidateShifts(s.hall.Config(), req.Shifts); err != nil {
			return err
		}
	}
	w, err := s.reports.WhatIf(p, req.Shifts)
	if err != nil {
		if queue.ErrorCode(err) != queue.EINTERNAL {
			return err
		}
		return fmt.Errorf("what-if: %w", err)
	}
	return c.JSON(w)
}
