package casework

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"hallq/casework/cases"
	"hallq/hall"
	"hallq/queue"
)

// Record kinds and event types of the case workflows (四类业务).
//
//	catalog/current           the hall's business catalog once a manager edited it
//	                          (until then the default catalog embedded in the binary)
//	case/DAY/TICKET           the item and class a clerk recorded when finishing a ticket
//	workorder/WYYYYMMDD-NNN   a cross-department work order (跨部门协办工单)
//	approval/SYYYYMMDD-NNN    an approval request (需审批)
//	track/CODE                what a customer tracking code shows besides its ticket
const (
	KindCatalog   = "catalog"
	KindCase      = "case"
	KindWorkOrder = "workorder"
	KindApproval  = "approval"
	KindTrack     = "track"

	catalogKey = "current"

	EvCatalogChanged    = "catalog_changed"
	EvWorkOrderOpened   = "workorder_opened"
	EvWorkOrderUpdated  = "workorder_updated"
	EvApprovalRequested = "approval_requested"
	EvApprovalDecided   = "approval_decided"
)

// catalogCache is the committed catalog the classifier reads without taking
// the hall's command lock; rev orders concurrent saves.
type catalogCache struct {
	mu  sync.Mutex
	rev int
	cat *cases.Catalog
}

// Service is the casework of one hall: the business catalog and the
// classifier over it, the case records of finished tickets, work orders,
// approvals, the customers' tracking of them, and the choices after weak
// answers.
type Service struct {
	h       *hall.Hall
	catalog catalogCache
}

// New returns the casework of h and registers its hooks on h: an issue or a
// finish naming a business item the catalog does not know is refused
// (Hall.CheckItem), a finish naming one records its case (Hall.OnFinish), and
// the console's monitor shows its MonitorAlerts. The features that read the catalog
// (appointment, printing, rating, the region feed) are given s.Catalog.
func New(h *hall.Hall) *Service {
	s := &Service{h: h}
	h.ClosedOnWrite(KindCase) // a case record is written once, at the finish: it is sealed with its day
	h.CheckItem(s.checkItem)
	h.OnFinish(s.addCaseRecord)
	return s
}

// Catalog returns the hall's business catalog: the one managers saved, or
// the default catalog shipped in the binary. The caller must not change it
// (Clone it first); it is safe for concurrent Classify calls.
func (s *Service) Catalog() *cases.Catalog {
	cc := &s.catalog
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.cat != nil {
		return cc.cat
	}
	cc.cat, cc.rev = cases.DefaultCatalog(), 0
	r, ok, err := s.h.Record(KindCatalog, catalogKey)
	if err != nil {
		s.h.Log().Error("read catalog", "err", err)
		cc.cat = nil // try again next time
		return cases.DefaultCatalog()
	}
	if ok {
		c, err := cases.ParseCatalog(r.Data)
		if err != nil {
			s.h.Log().Error("stored catalog is invalid; using the default", "err", err)
		} else {
			cc.cat, cc.rev = c, r.Rev
		}
	}
	return cc.cat
}

// StoredCatalog is the catalog managers saved in a stopped hall's store
// (hallq export): nil when none was saved (the default catalog is the
// hall's), an error when the saved one cannot be read.
func StoredCatalog(records interface {
	Record(kind, key string) (queue.Record, bool, error)
}) (*cases.Catalog, error) {
	r, ok, err := records.Record(KindCatalog, catalogKey)
	if err != nil || !ok {
		return nil, err
	}
	return cases.ParseCatalog(r.Data)
}

func (s *Service) setCatalog(c *cases.Catalog, rev int) {
	cc := &s.catalog
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if rev >= cc.rev {
		cc.cat, cc.rev = c, rev
	}
}

// catalogLocked is the write model's catalog (inside Exec).
func (s *Service) catalogLocked(tx *hall.Tx) (*cases.Catalog, error) {
	r, ok := tx.Record(KindCatalog, catalogKey)
	if !ok {
		return cases.DefaultCatalog(), nil
	}
	c, err := cases.ParseCatalog(r.Data)
	if err != nil {
		return nil, fmt.Errorf("stored catalog: %w", err)
	}
	return c, nil
}

// Classify classifies a case by item id and/or free text against the hall's
// catalog. Errors: ENOTFOUND for an unknown item, EINVALID for no id and no
// text, a text too long, or a text that matches no item.
func (s *Service) Classify(itemID, text string) (cases.Result, error) {
	r, err := s.Catalog().Classify(itemID, text)
	if err != nil {
		return r, caseError(err)
	}
	return r, nil
}

// caseError maps an error of package cases to a coded error that keeps the
// original in its chain (errors.As finds a *cases.PhraseError).
func caseError(err error) error {
	var pe *cases.PhraseError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pe):
		return fmt.Errorf("%w%w", queue.Errorf(queue.EINVALID, "%s", pe.Error()), pe)
	case cases.Code(err) == cases.CodeNotFound:
		return queue.Errorf(queue.ENOTFOUND, "%s", err.Error())
	case cases.Code(err) == cases.CodeInvalid:
		return queue.Errorf(queue.EINVALID, "%s", firstLine(err.Error()))
	}
	return err
}

// firstLine keeps the first of several joined problems, so that a message
// stays readable; the caller fixes one thing at a time.
func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}

// saveCatalog commits a changed catalog, built by edit from the current one
// under the command lock, and makes it the one the classifier reads.
func (s *Service) saveCatalog(p hall.Principal, what string, edit func(c *cases.Catalog) error) (*cases.Catalog, error) {
	if !p.Staff() {
		return nil, hall.Forbidden()
	}
	var next *cases.Catalog
	ev, err := s.h.Exec(p.Actor(), func(tx *hall.Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		cur, err := s.catalogLocked(tx)
		if err != nil {
			return queue.Event{}, err
		}
		next = cur.Clone()
		if err := edit(next); err != nil {
			return queue.Event{}, caseError(err)
		}
		next.Reindex()
		return queue.Event{Type: EvCatalogChanged, At: now, Day: e.Day(), Reason: what,
			Records: []queue.Record{hall.NewRecord(KindCatalog, catalogKey, next)}}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("save catalog (%s): %w", what, err)
	}
	s.setCatalog(next, ev.Records[0].Rev)
	return next, nil
}

// SaveCatalogItem adds or replaces a business item (managers and admins).
// Every spoken text is checked for forbidden phrases first: a violation is
// EINVALID with a *cases.PhraseError in the chain (phrase, position, field),
// and nothing changes.
func (s *Service) SaveCatalogItem(ctx context.Context, p hall.Principal, it cases.Item) (cases.Item, error) {
	_, err := s.saveCatalog(p, "item "+it.ID, func(c *cases.Catalog) error { return c.Put(it) })
	if err != nil {
		return cases.Item{}, err
	}
	saved, _ := s.Catalog().Item(it.ID)
	return saved, nil
}

// DeleteCatalogItem removes a business item (managers and admins); ENOTFOUND
// if there is none.
func (s *Service) DeleteCatalogItem(ctx context.Context, p hall.Principal, id string) error {
	_, err := s.saveCatalog(p, "delete "+id, func(c *cases.Catalog) error { return c.Remove(id) })
	return err
}

// SetForbiddenPhrases replaces the forbidden-phrase list (服务忌语) that guards
// the scripts (managers and admins). The whole catalog is checked against the
// new list: a script that breaks it is EINVALID with a *cases.PhraseError in
// the chain, and nothing changes.
func (s *Service) SetForbiddenPhrases(ctx context.Context, p hall.Principal, phrases []string) ([]string, error) {
	var clean []string
	for _, s := range phrases {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(clean, s) {
			clean = append(clean, s)
		}
	}
	if len(clean) == 0 {
		return nil, queue.Err(queue.EINVALID, "err.hall.the_forbidden_phrase_list")
	}
	c, err := s.saveCatalog(p, "forbidden phrases", func(c *cases.Catalog) error {
		c.Forbidden = clean
		c.Reindex()
		return c.Validate()
	})
	if err != nil {
		return nil, err
	}
	return slices.Clone(c.Forbidden), nil
}

// ForbiddenPhrases is the list the catalog's scripts are checked against.
func (s *Service) ForbiddenPhrases() []string {
	if f := s.Catalog().Forbidden; len(f) > 0 {
		return slices.Clone(f)
	}
	return cases.DefaultForbidden()
}

// ResetCatalog puts the default catalog back (managers and admins).
func (s *Service) ResetCatalog(ctx context.Context, p hall.Principal) error {
	_, err := s.saveCatalog(p, "reset", func(c *cases.Catalog) error {
		*c = *cases.DefaultCatalog()
		return nil
	})
	return err
}

// CaseRecord is what a clerk recorded about a ticket when finishing it: the
// business item and its class at that moment (the catalog may change later).
type CaseRecord struct {
	Day      string      `json:"day"`
	Ticket   uint64      `json:"ticket"`
	Number   string      `json:"number"`
	Item     string      `json:"item"`
	ItemName string      `json:"item_name"`
	Class    cases.Class `json:"class"`
	Counter  int         `json:"counter"`
	Clerk    string      `json:"clerk"`
	At       time.Time   `json:"at"`
}

func caseKey(day string, ticket uint64) string { return fmt.Sprintf("%s/%012d", day, ticket) }

// checkCaseItem refuses an item id that the catalog does not know ("" is
// fine: the clerk recorded no item).
func (s *Service) checkItem(item string) error {
	if item == "" {
		return nil
	}
	if _, ok := s.Catalog().Item(item); !ok {
		return queue.Err(queue.EINVALID, "err.hall.unknown_business_item", item)
	}
	return nil
}

// addCaseRecord adds the case record of a finish event that named an item.
func (s *Service) addCaseRecord(tx *hall.Tx, ev *queue.Event, item string) {
	if item == "" || len(ev.Tickets) == 0 {
		return
	}
	it, _ := s.Catalog().Item(item)
	t := ev.Tickets[0]
	rec := CaseRecord{Day: t.Day, Ticket: t.ID, Number: t.Number, Item: it.ID, ItemName: it.NameZH, Class: it.Class,
		Counter: t.Counter, Clerk: t.Clerk, At: tx.Now()}
	tx.Put(KindCase, caseKey(t.Day, t.ID), rec)
}

// dayCases returns the case records of a day, in ticket order.
func (s *Service) dayCases(day string) ([]CaseRecord, error) {
	var out []CaseRecord
	var derr error
	err := s.h.EachRecord(KindCase, day+"/", func(r queue.Record) bool {
		if !strings.HasPrefix(r.Key, day+"/") {
			return false
		}
		var c CaseRecord
		if derr = json.Unmarshal(r.Data, &c); derr != nil {
			return false
		}
		out = append(out, c)
		return true
	})
	return out, errors.Join(err, derr)
}

// CommonItems returns up to limit business items for the desk of counter n
// serving services: the items recorded at the counter on day first, most
// frequent first, then the other items of its services in catalog order
// (service by service, in the counter's order).
func (s *Service) CommonItems(n int, services []string, day string, limit int) ([]cases.Item, error) {
	recs, err := s.dayCases(day)
	if err != nil {
		return nil, fmt.Errorf("common items of counter %d: %w", n, err)
	}
	cat := s.Catalog()
	count := map[string]int{}
	var seen []string
	for _, r := range recs {
		if r.Counter != n {
			continue
		}
		if count[r.Item] == 0 {
			seen = append(seen, r.Item)
		}
		count[r.Item]++
	}
	sort.SliceStable(seen, func(i, j int) bool { return count[seen[i]] > count[seen[j]] })
	var out []cases.Item
	have := map[string]bool{}
	add := func(it cases.Item) {
		if len(out) < limit && !have[it.ID] {
			have[it.ID] = true
			out = append(out, it)
		}
	}
	for _, id := range seen {
		if it, ok := cat.Item(id); ok {
			add(it)
		}
	}
	for _, svc := range services {
		for _, it := range cat.ItemsFor(svc) {
			add(it)
		}
	}
	return out, nil
}

// CatalogRegionKey is the record catalog/region: the last catalog bundle the
// hall took from its regional centre (package catalogsync), the base against
// which the hall's own edits are told apart from the region's.
const CatalogRegionKey = "region"

// MergeCatalog commits a catalog computed by merge from the current one and
// the stored catalog/region record (nil before the first), together with the
// new catalog/region record, in one transaction, and swaps the classifier's
// catalog at once (managers and admins; the region's puller acts as a
// manager). merge runs under the command lock, so no manager's edit slips in
// between; an error from it changes nothing. The merged catalog must be
// valid (forbidden phrases included).
func (s *Service) MergeCatalog(p hall.Principal, what string, merge func(cur *cases.Catalog, region []byte) (next *cases.Catalog, state any, err error)) (*cases.Catalog, error) {
	if !p.Staff() {
		return nil, hall.Forbidden()
	}
	var next *cases.Catalog
	ev, err := s.h.Exec(p.Actor(), func(tx *hall.Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		cur, err := s.catalogLocked(tx)
		if err != nil {
			return queue.Event{}, err
		}
		var base []byte
		if r, ok := tx.Record(KindCatalog, CatalogRegionKey); ok {
			base = r.Data
		}
		n, state, err := merge(cur.Clone(), base)
		if err != nil {
			return queue.Event{}, err
		}
		n.Reindex()
		if err := n.Validate(); err != nil {
			return queue.Event{}, caseError(err)
		}
		next = n
		return queue.Event{Type: EvCatalogChanged, At: now, Day: e.Day(), Reason: what,
			Records: []queue.Record{hall.NewRecord(KindCatalog, catalogKey, next), hall.NewRecord(KindCatalog, CatalogRegionKey, state)}}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("save catalog (%s): %w", what, err)
	}
	s.setCatalog(next, ev.Records[0].Rev)
	return next, nil
}

// Hall is the kernel this casework belongs to (for consumers such as
// catalogsync that save services beside the catalog).
func (s *Service) Hall() *hall.Hall { return s.h }

// who is how p is named in a progress log of a work order or an approval:
// the display name, or the user name (was hall.Principal.Who).
func who(p hall.Principal) string {
	if p.Display != "" {
		return p.Display
	}
	return p.Name
}
