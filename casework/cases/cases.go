// Package cases is the four-way case classifier of the business hall (四类业务).
//
// Every case a clerk handles falls into exactly one Class, following section
// 三.1 of the hall's service guide:
//
//	immediate         即办        a. within the clerk's own remit, served and finished at the counter
//	cross_department  跨部门协办  b. needs another department: a work order with a promised date
//	needs_approval    需审批      c. beyond the clerk's authority: the named approver decides
//	must_refuse       不予受理    d. against the clerk's duties or the regulations: the reason, what
//	                              the hall can do instead, and concrete alternatives
//
// A Catalog lists the business items (业务事项) of the hall, each with its
// class, the service it queues under, the documents to bring (一次性告知), the
// department, approver or refusal script, and keyword rules that let free
// text ("电表走得太快了想校验一下") find the item. Classify is rule-based and
// auditable: every Result says which keywords matched and how sure it is.
//
// Every text a clerk speaks (script, authority, reason, can-do, alternatives)
// must be free of the forbidden service phrases (服务忌语) such as 不能、不会、
// 不愿意、不可以; CheckScript enforces this whenever a script is saved.
//
// The package uses only the standard library and does no I/O.
package cases

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Class is one of the four kinds of case.
type Class string

// The four classes.
const (
	Immediate       Class = "immediate"        // 即办
	CrossDepartment Class = "cross_department" // 跨部门协办
	NeedsApproval   Class = "needs_approval"   // 需审批
	MustRefuse      Class = "must_refuse"      // 不予受理（附替代方案）
)

// Classes lists the four classes in the order of the service guide (a–d).
var Classes = []Class{Immediate, CrossDepartment, NeedsApproval, MustRefuse}

// Valid reports whether c is one of the four classes.
func (c Class) Valid() bool { return slices.Contains(Classes, c) }

// NameZH is the Chinese name of the class as shown to clerks.
func (c Class) NameZH() string {
	switch c {
	case Immediate:
		return "即办"
	case CrossDepartment:
		return "跨部门协办"
	case NeedsApproval:
		return "需审批"
	case MustRefuse:
		return "不予受理（附替代方案）"
	}
	return string(c)
}

// Rule is one keyword rule of an item. It fires when every entry of Words
// occurs in the normalised text and no entry of Not does.
//
// Each entry is a set of alternatives separated by "|" ("校验|检验|效验"); an
// alternative "@name" stands for every word of the catalog's group name
// (Catalog.Groups), so that synonyms, homophones and common typos of, say,
// 电表 are written once. Alternatives are normalised like the text (see
// Normalize), so "ＥＶ" and "ev" are the same word.
//
// Weight is what the rule adds to its item's score (0 means 1). Rules that
// need two or three words are specific and should weigh more than a single
// generic word.
type Rule struct {
	Words  []string `json:"words"`
	Not    []string `json:"not,omitempty"`
	Weight float64  `json:"weight,omitempty"`
}

// Item is one business item (业务事项) of the catalog.
//
// Which fields are required depends on the class (see Catalog.Validate):
// cross_department needs Department and PromisedDays; needs_approval needs
// Approver and Authority (what the clerk says about their authority and who
// decides); must_refuse needs Reason, CanDo and at least one Alternative.
type Item struct {
	ID        string   `json:"id"`
	NameZH    string   `json:"name_zh"`
	NameEN    string   `json:"name_en"`
	Class     Class    `json:"class"`
	Service   string   `json:"service"` // the queue service prefix, one letter A–Z
	Documents []string `json:"documents,omitempty"`
	Keywords  []Rule   `json:"keywords"`
	// Examples are phrasings customers use for this item ("电表走得太快了想
	// 校验一下"); the model learns those it has not seen when the catalog is
	// indexed, so a manager's new example takes effect at once.
	Examples []string `json:"examples,omitempty"`

	Department   string `json:"department,omitempty"`    // cross_department: who does the work
	PromisedDays int    `json:"promised_days,omitempty"` // cross_department: working days promised to the customer

	Approver    string `json:"approver,omitempty"`     // needs_approval: the role that decides
	Authority   string `json:"authority,omitempty"`    // needs_approval: what the clerk says about authority and who decides
	AuthorityEN string `json:"authority_en,omitempty"` // the same in English

	Script         string   `json:"script"`                    // what the clerk says
	ScriptEN       string   `json:"script_en,omitempty"`       // the same in English, for a customer who reads English
	Reason         string   `json:"reason,omitempty"`          // must_refuse: why
	ReasonEN       string   `json:"reason_en,omitempty"`       //
	CanDo          string   `json:"can_do,omitempty"`          // must_refuse: what the hall can do instead
	CanDoEN        string   `json:"can_do_en,omitempty"`       //
	Alternatives   []string `json:"alternatives,omitempty"`    // must_refuse: concrete alternatives
	AlternativesEN []string `json:"alternatives_en,omitempty"` // the same in English, in the same order
}

// clone returns a deep copy of it.
func (it Item) clone() Item {
	it.Documents = slices.Clone(it.Documents)
	it.Alternatives = slices.Clone(it.Alternatives)
	it.AlternativesEN = slices.Clone(it.AlternativesEN)
	it.Examples = slices.Clone(it.Examples)
	it.Keywords = slices.Clone(it.Keywords)
	for i := range it.Keywords {
		it.Keywords[i].Words = slices.Clone(it.Keywords[i].Words)
		it.Keywords[i].Not = slices.Clone(it.Keywords[i].Not)
	}
	return it
}

// spoken returns the texts of the item a clerk says aloud or shows the
// customer, each with its JSON field name; they must be free of forbidden
// phrases.
func (it Item) spoken() (fields []string, texts []string) {
	add := func(field, text string) {
		if text != "" {
			fields = append(fields, field)
			texts = append(texts, text)
		}
	}
	add("script", it.Script)
	add("authority", it.Authority)
	add("reason", it.Reason)
	add("can_do", it.CanDo)
	for i, a := range it.Alternatives {
		add(fmt.Sprintf("alternatives[%d]", i), a)
	}
	return fields, texts
}

// Catalog is the hall's list of business items with the forbidden-phrase list
// that guards their scripts and the keyword groups their rules share.
//
// A Catalog is safe for concurrent use by Classify, Item, Items, Validate and
// JSON. Put, Remove and Reindex change it and must not run concurrently with
// anything else: to edit a catalog that is in use, Clone it, edit the clone
// and swap the pointer. After changing Items, Forbidden or Groups directly,
// call Reindex (Classify still works without it, but rebuilds its index on
// every call when it notices the change, and an edit in place of an existing
// item goes unnoticed).
type Catalog struct {
	Items     []Item              `json:"items"`
	Forbidden []string            `json:"forbidden"`
	Groups    map[string][]string `json:"groups,omitempty"`

	idx   *index
	model *Model // nil: DefaultModel
}

//go:embed default_catalog.json
var defaultCatalogJSON []byte

var defaultCatalog = sync.OnceValue(func() *Catalog {
	c, err := ParseCatalog(defaultCatalogJSON)
	if err != nil {
		panic("embedded default catalog: " + err.Error())
	}
	return c
})

// DefaultCatalog returns a fresh copy of the catalog shipped in the binary:
// the common business of a Chinese power-supply hall over all four classes.
// The caller may change the copy freely.
func DefaultCatalog() *Catalog { return defaultCatalog().Clone() }

// SharedDefault returns the catalog shipped in the binary, built once and
// shared: the callers must not change it (a feature's catalog when none is
// given: a copy per call rebuilds the classifier's index, milliseconds each,
// once per ticket in a report).
func SharedDefault() *Catalog { return defaultCatalog() }

// ParseCatalog reads a catalog from JSON and validates it. Unknown fields are
// an error, so that a misspelt field name in a manager's edit is not silently
// dropped. The error wraps ErrInvalid.
func ParseCatalog(data []byte) (*Catalog, error) {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	var c Catalog
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c.Reindex()
	return &c, nil
}

// JSON returns the catalog as indented JSON, in the shape ParseCatalog reads.
func (c *Catalog) JSON() ([]byte, error) {
	return json.MarshalIndent(c, "", "  ")
}

// Clone returns a deep copy of the catalog, indexed and ready to classify.
func (c *Catalog) Clone() *Catalog {
	n := &Catalog{
		Items:     make([]Item, len(c.Items)),
		Forbidden: slices.Clone(c.Forbidden),
		model:     c.model,
	}
	for i, it := range c.Items {
		n.Items[i] = it.clone()
	}
	if c.Groups != nil {
		n.Groups = make(map[string][]string, len(c.Groups))
		for k, v := range c.Groups {
			n.Groups[k] = slices.Clone(v)
		}
	}
	n.Reindex()
	return n
}

// Reindex rebuilds the matching index after Items, Forbidden or Groups were
// changed directly.
func (c *Catalog) Reindex() { c.idx = buildIndex(c) }

// SetModel makes the catalog classify with m instead of DefaultModel (nil
// restores the default) and reindexes it.
func (c *Catalog) SetModel(m *Model) {
	c.model = m
	c.Reindex()
}

// Model returns the model the catalog classifies with.
func (c *Catalog) Model() *Model {
	if c.model != nil {
		return c.model
	}
	return DefaultModel()
}

// Item returns a copy of the item with the id.
func (c *Catalog) Item(id string) (Item, bool) {
	if i := c.current().find(c, id); i >= 0 {
		return c.Items[i].clone(), true
	}
	return Item{}, false
}

// ItemsFor returns copies of the items that queue under the service prefix, in
// catalog order (for a kiosk menu or a desk's picker).
func (c *Catalog) ItemsFor(service string) []Item {
	var out []Item
	for _, it := range c.Items {
		if it.Service == service {
			out = append(out, it.clone())
		}
	}
	return out
}

// Put saves an item: it replaces the item with the same id or appends a new
// one. The item is validated first (see ValidateItem), so a script with a
// forbidden phrase is refused with a *PhraseError and the catalog is left as
// it was. Errors wrap ErrInvalid.
func (c *Catalog) Put(it Item) error {
	if err := c.ValidateItem(it); err != nil {
		return err
	}
	it = it.clone()
	if i := slices.IndexFunc(c.Items, func(x Item) bool { return x.ID == it.ID }); i >= 0 {
		c.Items[i] = it
	} else {
		c.Items = append(c.Items, it)
	}
	c.Reindex()
	return nil
}

// Remove deletes the item with the id; ErrUnknownItem if there is none.
func (c *Catalog) Remove(id string) error {
	i := slices.IndexFunc(c.Items, func(x Item) bool { return x.ID == id })
	if i < 0 {
		return fmt.Errorf("%w: %q", ErrUnknownItem, id)
	}
	c.Items = slices.Delete(c.Items, i, i+1)
	c.Reindex()
	return nil
}

// forbidden is the list that guards the catalog's scripts: its own list, or
// DefaultForbidden when it has none.
func (c *Catalog) forbidden() []string {
	if len(c.Forbidden) > 0 {
		return c.Forbidden
	}
	return DefaultForbidden()
}
