package casework

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"hallq/casework/cases"
	"hallq/hall"
	"hallq/queue"
)

// Choices: when the classifier's answer was weak, the desk (clerk) or the
// kiosk (customer) records which candidate was chosen, so that a manager can
// review the misses on /cases/catalog and adopt the text as an example of the
// chosen item (examples take effect at once).
//
//	choice/YYYYMMDD-NNNNNNNNNNNNNNNNNNN   one record per choice (the key is the day and the time in ns)
const (
	KindChoice   = "choice"
	EvCaseChosen = "case_chosen"
)

// Choice is one recorded choice after a weak answer.
type Choice struct {
	Key         string      `json:"key"`
	Text        string      `json:"text"`
	Answer      string      `json:"answer"` // the item the classifier answered
	AnswerClass cases.Class `json:"answer_class,omitempty"`
	Chosen      string      `json:"chosen"` // the item chosen
	ChosenName  string      `json:"chosen_name"`
	ChosenClass cases.Class `json:"chosen_class"`
	Who         string      `json:"who"` // desk or kiosk
	Actor       string      `json:"actor"`
	At          time.Time   `json:"at"`
	Adopted     bool        `json:"adopted,omitempty"` // added as an example of Chosen
	AdoptedBy   string      `json:"adopted_by,omitempty"`
}

// Miss reports whether the chosen item differs from the answer.
func (c Choice) Miss() bool { return c.Chosen != c.Answer }

// RecordChoice records which item was chosen after a weak answer to text:
// who is "desk" or "kiosk"; the chosen item must be in the catalog; the text
// is at most cases.MaxExampleRunes. Bad input is EINVALID and records nothing.
func (s *Service) RecordChoice(ctx context.Context, p hall.Principal, c Choice) (Choice, error) {
	c.Text = strings.TrimSpace(c.Text)
	switch {
	case c.Text == "" || utf8.RuneCountInString(c.Text) > cases.MaxExampleRunes:
		return Choice{}, queue.Err(queue.EINVALID, "err.hall.the_text_must_have", cases.MaxExampleRunes)
	case c.Who != "desk" && c.Who != "kiosk":
		return Choice{}, queue.Err(queue.EINVALID, "err.hall.who_must_be_desk")
	}
	cat := s.Catalog()
	it, ok := cat.Item(c.Chosen)
	if !ok {
		return Choice{}, queue.Err(queue.EINVALID, "err.hall.unknown_business_item", c.Chosen)
	}
	if a, ok := cat.Item(c.Answer); ok {
		c.AnswerClass = a.Class
	} else if c.Answer != "" {
		return Choice{}, queue.Err(queue.EINVALID, "err.hall.unknown_business_item", c.Answer)
	}
	c.ChosenName, c.ChosenClass, c.Actor, c.Adopted, c.AdoptedBy = it.NameZH, it.Class, p.Actor(), false, ""
	_, err := s.h.Exec(p.Actor(), func(tx *hall.Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		c.At = now
		c.Key = fmt.Sprintf("%s-%019d", now.Format("20060102"), now.UnixNano())
		if _, exists := tx.Record(KindChoice, c.Key); exists {
			c.Key += "b"
		}
		return queue.Event{Type: EvCaseChosen, At: now, Day: e.Day(), Reason: c.Chosen,
			Records: []queue.Record{hall.NewRecord(KindChoice, c.Key, c)}}, nil
	})
	if err != nil {
		return Choice{}, err
	}
	return c, nil
}

// Choices lists the recorded choices, newest first (managers and admins);
// misses only (the chosen item differs from the answer) with misses set.
func (s *Service) Choices(p hall.Principal, misses bool, limit int) ([]Choice, error) {
	if !p.Staff() {
		return nil, hall.Forbidden()
	}
	var out []Choice
	var derr error
	err := s.h.EachRecord(KindChoice, "", func(r queue.Record) bool {
		var c Choice
		if derr = json.Unmarshal(r.Data, &c); derr != nil {
			return false
		}
		if !misses || c.Miss() {
			out = append(out, c)
		}
		return true
	})
	if err == nil {
		err = derr
	}
	slices.Reverse(out)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, err
}

// AdoptChoice adds a choice's text as an example of the chosen item and marks
// the choice adopted, in one catalog_changed event (managers and admins). ENOTFOUND for an
// unknown key; adopting twice adds the example once.
func (s *Service) AdoptChoice(ctx context.Context, p hall.Principal, key string) (Choice, error) {
	if !p.Staff() {
		return Choice{}, hall.Forbidden()
	}
	var c Choice
	var next *cases.Catalog
	ev, err := s.h.Exec(p.Actor(), func(tx *hall.Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		got, ok, err := hall.Get[Choice](tx, KindChoice, key)
		if !ok {
			return queue.Event{}, queue.Err(queue.ENOTFOUND, "err.hall.no_such_choice", key)
		}
		if err != nil {
			return queue.Event{}, err
		}
		c = got
		cur, err := s.catalogLocked(tx)
		if err != nil {
			return queue.Event{}, err
		}
		it, ok := cur.Item(c.Chosen)
		if !ok {
			return queue.Event{}, queue.Err(queue.EINVALID, "err.hall.item_is_no_longer", c.Chosen)
		}
		if !slices.Contains(it.Examples, c.Text) {
			it.Examples = append(slices.Clone(it.Examples), c.Text)
		}
		next = cur.Clone()
		if err := next.Put(it); err != nil {
			return queue.Event{}, caseError(err)
		}
		next.Reindex()
		c.Adopted, c.AdoptedBy = true, p.Actor()
		return queue.Event{Type: EvCatalogChanged, At: now, Day: e.Day(), Reason: "example of " + c.Chosen + " from choice " + key,
			Records: []queue.Record{hall.NewRecord(KindCatalog, catalogKey, next), hall.NewRecord(KindChoice, key, c)}}, nil
	})
	if err != nil {
		return Choice{}, err
	}
	s.setCatalog(next, ev.Records[0].Rev)
	return c, nil
}
