package web

import (
	"bufio"
	"compress/gzip"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"hallq/casework/cases"
	"hallq/hall"
	"hallq/queue"
	"hallq/region/feed"
)

// WriteEvents writes every event after since to w as NDJSON (one feed.Line
// per line) and returns the last sequence written (since if none), so a
// caller resumes with ?since=LAST. catalog (casework's) classes the cases.
func WriteEvents(h *hall.Hall, catalog func() *cases.Catalog, since uint64, w io.Writer) (last uint64, err error) {
	last, _, err = feed.Write(h, feed.HallSource(h, catalog), since, 0, w)
	return last, err
}

// MaxEventsLimit is the most lines one GET /api/v1/events answers with when
// the caller asks for a limit.
const MaxEventsLimit = 100000

// parseSince reads the since query parameter: a sequence number, 0 if absent.
func parseSince(c *fiber.Ctx) (uint64, error) {
	v := strings.TrimSpace(c.Query("since"))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, queue.Err(queue.EINVALID, "err.web.since_must_be_an_event")
	}
	return n, nil
}

// parseLimit reads the limit query parameter: 0 (no limit) if absent.
func parseLimit(c *fiber.Ctx) (int, error) {
	v := strings.TrimSpace(c.Query("limit"))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxEventsLimit {
		return 0, queue.Err(queue.EINVALID, "err.web.limit_must_be_1", MaxEventsLimit, MaxEventsLimit)
	}
	return n, nil
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip (named
// with a q above 0).
func acceptsGzip(h string) bool {
	for _, part := range strings.Split(h, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q=")
		if !ok {
			return true
		}
		f, err := strconv.ParseFloat(q, 64)
		return err == nil && f > 0
	}
	return false
}

// events: GET /api/v1/events?since=SEQ[&limit=N] → the event log after SEQ
// as NDJSON (feed.Line: each line with hall, epoch, seq), at most N lines,
// gzip-compressed when the caller accepts it; for the regional centre (an
// integration token) and managers. The answer ends at the newest committed
// event (or the limit); each line carries its seq, so the caller asks again
// with the last one it stored (and &epoch=E, the epoch it was of: a since of
// another epoch than the store's — a restore came between — is not resumed,
// the answer starts from the beginning of the log). Headers: X-Hallq-Hall (the hall's id),
// X-Hallq-Hall-Name (URL-escaped), X-Hallq-Timezone, X-Hallq-Epoch,
// X-Hallq-Epoch-From and X-Hallq-Epoch-Prev (the store's current epoch, the
// last sequence before it, the epoch before it), X-Hallq-Head-Seq and X-Hallq-Head-At (the newest
// committed event when the answer began).
func (s *Server) events(c *fiber.Ctx) error {
	since, err := parseSince(c)
	if err != nil {
		return err
	}
	limit, err := parseLimit(c)
	if err != nil {
		return err
	}
	if e := c.Query("epoch"); e != "" && e != s.hall.Epoch() {
		since = 0
	}
	src := feed.HallSource(s.hall, s.casework.Catalog)
	head, _, err := s.hall.LastEvent()
	if err != nil {
		return err
	}
	cfg := s.hall.Config()
	c.Set(fiber.HeaderContentType, "application/x-ndjson; charset=utf-8")
	c.Set("Cache-Control", "no-store")
	c.Set(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
	c.Set("X-Hallq-Hall", src.Hall)
	c.Set("X-Hallq-Hall-Name", url.QueryEscape(cfg.NameZH))
	c.Set("X-Hallq-Timezone", cfg.TimeZone)
	ep := feed.EpochOf(s.hall)
	c.Set("X-Hallq-Epoch", ep.ID)
	c.Set("X-Hallq-Epoch-From", strconv.FormatUint(ep.From, 10))
	c.Set("X-Hallq-Epoch-Prev", ep.Prev)
	c.Set("X-Hallq-Head-Seq", strconv.FormatUint(head.Seq, 10))
	c.Set("X-Hallq-Head-At", head.At.Format(time.RFC3339Nano))
	gz := acceptsGzip(c.Get(fiber.HeaderAcceptEncoding))
	if gz {
		c.Set(fiber.HeaderContentEncoding, "gzip")
	}
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		var out io.Writer = w
		var zw *gzip.Writer
		if gz {
			zw, _ = gzip.NewWriterLevel(w, gzip.BestSpeed)
			out = zw
		}
		if _, _, err := feed.Write(s.hall, src, since, limit, out); err != nil {
			s.log.Error("event export", "since", since, "err", err)
		}
		if zw != nil {
			zw.Close()
		}
		w.Flush()
	})
	return nil
}
