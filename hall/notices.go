package hall

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"hallq/queue"
)

// KindNotice is the record kind of notices for the hall display; keys are
// the creation time (UTC, sortable) and a short random suffix.
const KindNotice = "notice"

// Notice is a message the hall display shows from Start until End (公告).
type Notice struct {
	ID      string    `json:"id"`
	TextZH  string    `json:"text_zh"`
	TextEN  string    `json:"text_en,omitempty"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	By      string    `json:"by"`
	Deleted bool      `json:"deleted,omitempty"`
}

// Active reports whether the notice shows at t.
func (n Notice) Active(t time.Time) bool { return !n.Deleted && !t.Before(n.Start) && t.Before(n.End) }

// SaveNotice adds a notice (n.ID empty) or changes one (managers). EINVALID
// for an empty text, a text over 200 characters, or an end not after the
// start; ENOTFOUND for an unknown id.
func (h *Hall) SaveNotice(ctx context.Context, p Principal, n Notice) (Notice, error) {
	if err := StaffOnly(p); err != nil {
		return n, err
	}
	n.TextZH, n.TextEN = strings.TrimSpace(n.TextZH), strings.TrimSpace(n.TextEN)
	for _, t := range []string{n.TextZH, n.TextEN} {
		if err := CheckText("the notice", "公告", t); err != nil { // text.go
			return Notice{}, err
		}
	}
	switch {
	case n.TextZH == "":
		return n, queue.Err(queue.EINVALID, "err.hall.the_notice_needs_a")
	case len([]rune(n.TextZH)) > 200 || len([]rune(n.TextEN)) > 400:
		return n, queue.Err(queue.EINVALID, "err.hall.the_notice_is_too")
	case n.Start.IsZero() || n.End.IsZero():
		return n, queue.Err(queue.EINVALID, "err.hall.the_notice_needs_a_start")
	case !n.End.After(n.Start):
		return n, queue.Err(queue.EINVALID, "err.hall.the_notice_must_end")
	}
	n.By, n.Deleted = p.Actor(), false
	_, err := h.Exec(p.Actor(), func(tx *Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		what := "notice changed"
		if n.ID == "" {
			n.ID = now.UTC().Format("20060102T150405.000") + "-" + NewCode(4)
			what = "notice added"
		} else if _, ok := h.recordLocked(KindNotice, n.ID); !ok {
			return queue.Event{}, queue.Err(queue.ENOTFOUND, "err.hall.no_such_notice")
		}
		return queue.Event{Type: queue.EvConfig, At: now, Day: e.Day(), Reason: what + " " + n.ID,
			Records: []queue.Record{NewRecord(KindNotice, n.ID, n)}}, nil
	})
	if err != nil {
		return n, fmt.Errorf("save notice: %w", err)
	}
	return n, nil
}

// DeleteNotice takes a notice off the display for good (managers).
func (h *Hall) DeleteNotice(ctx context.Context, p Principal, id string) error {
	if err := StaffOnly(p); err != nil {
		return err
	}
	_, err := h.Exec(p.Actor(), func(tx *Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		r, ok := h.recordLocked(KindNotice, id)
		var n Notice
		if !ok || json.Unmarshal(r.Data, &n) != nil || n.Deleted {
			return queue.Event{}, queue.Err(queue.ENOTFOUND, "err.hall.no_such_notice")
		}
		n.Deleted = true
		return queue.Event{Type: queue.EvConfig, At: now, Day: e.Day(), Reason: "notice deleted " + id,
			Records: []queue.Record{NewRecord(KindNotice, id, n)}}, nil
	})
	return err
}

// Notices returns the notices not deleted, newest first; with active only
// those showing now.
func (h *Hall) Notices(active bool) ([]Notice, error) {
	now := h.now()
	var out []Notice
	err := h.EachRecord(KindNotice, "", func(r queue.Record) bool {
		var n Notice
		if json.Unmarshal(r.Data, &n) == nil && !n.Deleted && (!active || n.Active(now)) {
			out = append(out, n)
		}
		return true
	})
	slices.Reverse(out)
	return out, err
}
