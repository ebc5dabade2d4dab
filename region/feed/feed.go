// Package feed is the hall's event feed as it leaves the hall for the
// regional centre (GET /api/v1/events, hallq export, hallq ship): each
// event with the hall's id and the store epoch, so (hall, epoch, seq) names
// it forever, with the figures the region needs (rating scores, case class
// and item, the ticket's target wait) and without anything personal: no
// phone, no 户号, no free-text note, no tracking code, no records (they may
// hold contact details). It imports no database and no web framework, so
// web, cmd/hallq and the shipper (package region) share it.
package feed

import (
	"bufio"
	"encoding/json"
	"io"

	"hallq/queue"
)

// Line is one exported event: the event's own fields, unchanged in name, plus
// the ones the region keys and counts by.
type Line struct {
	queue.Event
	Hall  string `json:"hall"`
	Epoch string `json:"epoch"`
	// Score is a rating's score (service_rated, rating_expired): 1–5, 0 for
	// 未评价.
	Score *int `json:"score,omitempty"`
	// RatingReason is the complaint category a dissatisfied customer picked.
	RatingReason string `json:"rating_reason,omitempty"`
	// Clerk is the staff user a rating or case is about.
	Clerk string `json:"clerk,omitempty"`
	// Item and Class are the business item and case class (四类业务) the
	// event recorded (a case, a work order, an approval, a rating).
	Item  string `json:"item,omitempty"`
	Class string `json:"class,omitempty"`
	// TargetWaitS is the target wait of the service of the event's first
	// ticket, for the service level.
	TargetWaitS int `json:"target_wait_s,omitempty"`
}

// Source says what the lines of one hall carry besides the event.
type Source struct {
	Hall string
	// Epoch names the store epoch an event of sequence seq was written in.
	Epoch func(seq uint64) string
	// Class is the case class of a business item ("" unknown).
	Class func(item string) string
	// Target is the target wait of a service prefix (0 unknown).
	Target func(service string) int
}

// Ticket strips a ticket of its personal fields: phone, 户号, note and the
// tracking code (which opens the customer's own page) are left empty.
func Ticket(t queue.Ticket) queue.Ticket {
	t.Phone, t.Account, t.Note, t.Tracking = "", "", "", ""
	return t
}

// recordFacts are the only fields read from a record.
type recordFacts struct {
	Score  *int   `json:"score"`
	Reason string `json:"reason"`
	Clerk  string `json:"clerk"`
	Item   string `json:"item"`
	Class  string `json:"class"`
}

// Line exports ev.
func (s Source) Line(ev queue.Event) Line {
	l := Line{Hall: s.Hall}
	if s.Epoch != nil {
		l.Epoch = s.Epoch(ev.Seq)
	}
	for _, r := range ev.Records {
		var f recordFacts
		if json.Unmarshal(r.Data, &f) != nil {
			continue
		}
		switch r.Kind {
		case "rating":
			l.Score, l.RatingReason = f.Score, f.Reason
			if l.Score == nil {
				zero := 0
				l.Score = &zero
			}
		case "case", "workorder", "approval":
		default:
			continue
		}
		if l.Item == "" {
			l.Item = f.Item
		}
		if l.Class == "" {
			l.Class = f.Class
		}
		if l.Clerk == "" {
			l.Clerk = f.Clerk
		}
	}
	if len(ev.Tickets) > 0 {
		ts := make([]queue.Ticket, len(ev.Tickets))
		for i, t := range ev.Tickets {
			ts[i] = Ticket(t)
		}
		ev.Tickets = ts
		if s.Target != nil {
			l.TargetWaitS = s.Target(ts[0].Service)
		}
	}
	if l.Class == "" && l.Item != "" && s.Class != nil {
		l.Class = s.Class(l.Item)
	}
	ev.Records = nil
	l.Event = ev
	return l
}

// Events is where lines come from: the hall's store or the hall.
type Events interface {
	// Events returns up to limit events after since, in sequence order.
	Events(since uint64, limit int) ([]queue.Event, error)
}

// Write writes the lines after since to w as NDJSON, at most limit of them
// (0: no limit), and returns the last sequence written (since if none) and
// how many.
func Write(src Events, s Source, since uint64, limit int, w io.Writer) (last uint64, n int, err error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	last = since
	for limit == 0 || n < limit {
		chunk := 1000
		if limit > 0 && limit-n < chunk {
			chunk = limit - n
		}
		evs, err := src.Events(last, chunk)
		if err != nil {
			return last, n, err
		}
		for _, ev := range evs {
			if err := enc.Encode(s.Line(ev)); err != nil {
				return last, n, err
			}
			last, n = ev.Seq, n+1
		}
		if len(evs) < chunk {
			break
		}
	}
	return last, n, bw.Flush()
}
