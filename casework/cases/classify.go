package cases

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Result is the answer of Classify: the class and item, everything the clerk
// needs to handle the case (department, approver and authority, script,
// reason, what we can do, alternatives, documents), why the item was chosen
// and how sure the classifier is.
type Result struct {
	Class        Class    `json:"class"`
	Item         string   `json:"item"`
	ItemName     string   `json:"item_name"`
	ItemNameEN   string   `json:"item_name_en"`
	Service      string   `json:"service"`
	Department   string   `json:"department,omitempty"`
	PromisedDays int      `json:"promised_days,omitempty"`
	Approver     string   `json:"approver,omitempty"`
	Authority    string   `json:"authority,omitempty"`
	Script       string   `json:"script"`
	Reason       string   `json:"reason,omitempty"`
	CanDo        string   `json:"can_do,omitempty"`
	Alternatives []string `json:"alternatives"` // never null in JSON
	Documents    []string `json:"documents"`    // never null in JSON
	// The customer-facing texts in English, when the catalog has them.
	AuthorityEN    string   `json:"authority_en,omitempty"`
	ScriptEN       string   `json:"script_en,omitempty"`
	ReasonEN       string   `json:"reason_en,omitempty"`
	CanDoEN        string   `json:"can_do_en,omitempty"`
	AlternativesEN []string `json:"alternatives_en,omitempty"`

	// Why says how the item was found: the id that was chosen, or the
	// keywords of each rule that matched, e.g. 关键词「校验」「电表」→ 电能表校验,
	// followed by the runner-up and any exclusion word that set an item aside.
	Why string `json:"why"`
	// Confidence is 1 for an item chosen by id; for text it grows with the
	// score of the best item and with its margin over the runner-up (0..1).
	Confidence float64 `json:"confidence"`
	// Candidates are the best few items, best first, when the match is weak.
	Candidates []Candidate `json:"candidates,omitempty"`
	// Weak is true when the classifier is unsure: the clerk (or the customer
	// at the kiosk) should choose among the Candidates.
	Weak bool `json:"weak"`
	// Hint is RefuseHint (可能需要婉拒) when the request may have to be
	// refused: the answer is the best must_refuse item, weak, with the item
	// the topic suggested among the candidates.
	Hint string `json:"hint,omitempty"`
}

// Candidate is one of the best items for a text.
type Candidate struct {
	Item       string  `json:"item"`
	ItemName   string  `json:"item_name"`
	ItemNameEN string  `json:"item_name_en"`
	Class      Class   `json:"class"`
	Service    string  `json:"service"`
	Score      float64 `json:"score"`
	Why        string  `json:"why,omitempty"` // keyword rules only: the keywords that matched
}

const (
	// MaxTextRunes is the longest text Classify reads.
	MaxTextRunes = 2000
	// MaxExampleRunes is the longest example phrasing of an item.
	MaxExampleRunes = 200
	// MaxCandidates is how many candidates a weak result lists.
	MaxCandidates = 3
)

// ClassifyKeywords classifies text by the catalog's keyword rules alone, as
// hallq did before the model: kept for audit and to compare the two (see
// docs/cases.md). A rule fires when all its words occur (in any order; a
// keyword of three or more characters may have one non-negating character
// inside it, at fuzzyFactor of the weight) and none of its exclusion words
// occur exactly; an item scores the weight of its best rule plus a quarter of
// the others'. Errors: ErrEmpty, ErrTooLong, and ErrNoMatch when no rule fires.
func (c *Catalog) ClassifyKeywords(text string) (Result, error) {
	if utf8.RuneCountInString(text) > MaxTextRunes {
		return Result{}, fmt.Errorf("%w (%d)", ErrTooLong, MaxTextRunes)
	}
	clauses := clauseRunes(text)
	if len(clauses) == 0 {
		return Result{}, ErrEmpty
	}
	m := c.index().match(clauses)
	defer m.release()
	if len(m.scored) == 0 || m.scored[0].score == 0 {
		return Result{}, ErrNoMatch
	}
	best := m.scored[0]
	second := 0.0
	if len(m.scored) > 1 {
		second = m.scored[1].score
	}
	it := &c.Items[best.item]
	r := resultOf(it)
	r.Confidence = confidence(best.score, second)
	r.Weak = r.Confidence < 0.45

	var why strings.Builder
	if r.Weak {
		why.WriteString("把握不大，请确认：")
	}
	fmt.Fprintf(&why, "关键词%s → %s（%s，得分 %s）", m.words(best), it.NameZH, it.ID, num(best.score))
	if second > 0 {
		fmt.Fprintf(&why, "；次选 %s（得分 %s）", c.Items[m.scored[1].item].NameZH, num(second))
	}
	for _, b := range m.blockedNotes(c) {
		why.WriteString("；" + b)
	}
	r.Why = why.String()

	if r.Weak {
		for _, s := range m.scored[:min(MaxCandidates, len(m.scored))] {
			if s.score == 0 {
				break
			}
			ci := &c.Items[s.item]
			r.Candidates = append(r.Candidates, Candidate{
				Item: ci.ID, ItemName: ci.NameZH, Class: ci.Class, Service: ci.Service,
				Score: round2(s.score), Why: m.words(s),
			})
		}
	}
	return r, nil
}

// ruleText is the text the keyword rules read for the model: the prepared
// text (homophones replaced, the glossary's Chinese for English and pinyin
// words), clauses joined by a comma.
func ruleText(text string) string { return prepare(text).joined() }

// joined is the prepared text's clauses joined by a comma.
func (p prepared) joined() string {
	parts := make([]string, len(p.clauses))
	for i, c := range p.clauses {
		parts[i] = string(c)
	}
	return strings.Join(parts, "，")
}

// ruleInputs returns, per catalog item, the model's input from the keyword
// rules on ruleText: the item's rule score capped at 8, divided by 4.
func (ix *index) ruleInputs(text string, n int) []float64 {
	return ix.ruleInputsOf(ruleText(text), n)
}

// ruleInputsOf is ruleInputs of a text already passed through ruleText.
func (ix *index) ruleInputsOf(rt string, n int) []float64 {
	out := make([]float64, n)
	clauses := clauseRunes(rt)
	if len(clauses) == 0 {
		return out
	}
	m := ix.match(clauses)
	defer m.release()
	for _, s := range m.scored {
		if s.item < n {
			out[s.item] = min(s.score, 8) / 4
		}
	}
	return out
}

// ruleWords returns the keywords of the fired rules of an item in a text
// passed through ruleText, or "".
func (ix *index) ruleWords(rt string, item int) string {
	clauses := clauseRunes(rt)
	if len(clauses) == 0 {
		return ""
	}
	m := ix.match(clauses)
	defer m.release()
	for _, s := range m.scored {
		if s.item == item && len(s.fired) > 0 {
			return m.words(s)
		}
	}
	return ""
}

// confidence grows with the best score (strength) and with its margin over
// the runner-up: a lone strong rule gives about 0.9, a tie at most 0.4.
func confidence(best, second float64) float64 {
	if best <= 0 {
		return 0
	}
	strength := 1 - math.Exp(-best/2.5)
	margin := (best - second) / best
	return round2(strength * (0.4 + 0.6*margin))
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

func num(x float64) string { return strconv.FormatFloat(round2(x), 'f', -1, 64) }

func resultOf(it *Item) Result {
	return Result{
		Class:        it.Class,
		Item:         it.ID,
		ItemName:     it.NameZH,
		ItemNameEN:   it.NameEN,
		Service:      it.Service,
		Department:   it.Department,
		PromisedDays: it.PromisedDays,
		Approver:     it.Approver,
		Authority:    it.Authority,
		Script:       it.Script,
		Reason:       it.Reason,
		CanDo:        it.CanDo,
		Alternatives: append([]string{}, it.Alternatives...),
		Documents:    append([]string{}, it.Documents...),

		AuthorityEN:    it.AuthorityEN,
		ScriptEN:       it.ScriptEN,
		ReasonEN:       it.ReasonEN,
		CanDoEN:        it.CanDoEN,
		AlternativesEN: slices.Clone(it.AlternativesEN),
	}
}

// index is the precomputed matching structure of a catalog: every distinct
// normalised keyword once, found by its first rune; each item's rules as lists
// of keyword ids; and for each keyword the rules that need it, so that a text
// only evaluates the rules its keywords touch.
type index struct {
	n        int   // len(Items) when built
	first    *Item // &Items[0] when built, to notice a replaced slice
	pos      map[string]int
	pool     sync.Pool        // *[]uint8 of len(alts), all zero: the hits of one text
	alts     []string         // distinct normalised keywords
	altRunes [][]rune         // the same, as runes
	canGap   []bool           // the keyword may match with a gap: 3+ runes, not starting with a negation
	first1   map[rune][]int32 // keyword ids by first rune, longest first
	rules    [][]irule        // per item
	ruleRef  [][2]int32       // global rule number → {item, rule}
	altRules [][]int32        // keyword id → global numbers of the rules whose words use it

	mlOnce sync.Once
	ml     *mlIndex // the model's view of the catalog, built on first use
}

type irule struct {
	words  [][]int32 // each word: ids of its alternatives; all words must occur
	not    []int32   // any of these blocks the rule
	weight float64
}

// index returns the catalog's index, or a fresh one when it has none or the
// Items slice was replaced since it was built.
func (c *Catalog) index() *index {
	if ix := c.current(); ix != nil {
		return ix
	}
	return buildIndex(c)
}

// current returns the catalog's index if it is up to date, else nil.
func (c *Catalog) current() *index {
	if ix := c.idx; ix != nil && ix.n == len(c.Items) && (ix.n == 0 || ix.first == &c.Items[0]) {
		return ix
	}
	return nil
}

func buildIndex(c *Catalog) *index {
	ix := &index{
		n:      len(c.Items),
		pos:    make(map[string]int, len(c.Items)),
		first1: make(map[rune][]int32),
		rules:  make([][]irule, len(c.Items)),
	}
	if len(c.Items) > 0 {
		ix.first = &c.Items[0]
	}
	ids := make(map[string]int32)
	memo := make(map[string][]int32) // rule word → keyword ids; groups repeat a lot
	word := func(w string) []int32 {
		if out, ok := memo[w]; ok {
			return out
		}
		var out []int32
		defer func() { memo[w] = out }()
		for _, a := range altsOf([]string{w}) {
			var forms []string
			if g, ok := strings.CutPrefix(a, "@"); ok && c.Groups[g] != nil {
				forms = altsOf(c.Groups[g])
			} else {
				forms = []string{a}
			}
			for _, f := range forms {
				f = Normalize(f)
				if f == "" {
					continue
				}
				id, ok := ids[f]
				if !ok {
					ix.altRules = append(ix.altRules, nil)
					id = int32(len(ix.alts))
					ids[f] = id
					ix.alts = append(ix.alts, f)
					ix.altRunes = append(ix.altRunes, []rune(f))
					rs := []rune(f)
					ix.canGap = append(ix.canGap, len(rs) >= 3 && !isNegation(rs[0]))
					r, _ := utf8.DecodeRuneInString(f)
					ix.first1[r] = append(ix.first1[r], id)
				}
				if !slices.Contains(out, id) {
					out = append(out, id)
				}
			}
		}
		return out
	}
	for i, it := range c.Items {
		if _, dup := ix.pos[it.ID]; !dup {
			ix.pos[it.ID] = i
		}
		for _, r := range it.Keywords {
			ir := irule{weight: r.Weight}
			if ir.weight == 0 {
				ir.weight = 1
			}
			g := int32(len(ix.ruleRef))
			ix.ruleRef = append(ix.ruleRef, [2]int32{int32(i), int32(len(ix.rules[i]))})
			for _, w := range r.Words {
				ids := word(w)
				ir.words = append(ir.words, ids)
				for _, a := range ids {
					if l := ix.altRules[a]; len(l) == 0 || l[len(l)-1] != g {
						ix.altRules[a] = append(l, g)
					}
				}
			}
			for _, w := range r.Not {
				ir.not = append(ir.not, word(w)...)
			}
			ix.rules[i] = append(ix.rules[i], ir)
		}
	}
	for r, list := range ix.first1 {
		slices.SortFunc(list, func(a, b int32) int { return cmp.Compare(len(ix.alts[b]), len(ix.alts[a])) })
		ix.first1[r] = list
	}
	return ix
}

// find returns the position of the item with the id, or -1; ix may be nil.
func (ix *index) find(c *Catalog, id string) int {
	if ix != nil {
		if i, ok := ix.pos[id]; ok && i < len(c.Items) && c.Items[i].ID == id {
			return i
		}
	}
	return slices.IndexFunc(c.Items, func(it Item) bool { return it.ID == id })
}

// Keywords of three or more characters also match with one other character
// inside them, so that 「态度差」 finds "态度太差" and 「电表拆」 finds "电表都拆":
// a rule that needs such a gapped match counts fuzzyFactor of its weight, and
// Why shows it as 「态度差≈态度太差」. The extra character is never a negation
// (不没别未无非), so 「不停电」 does not find "不会停电"; keywords starting with a
// negation and exclusion words match exactly only.
const fuzzyFactor = 0.8

// boundary separates clauses in the matched text: punctuation ends a clause
// and no keyword, exact or gapped, spans it ("房子卖了，电要转到…" has no 「卖电」).
const boundary rune = 0

// clauseRunes normalises text like Normalize but keeps one boundary where
// punctuation separated two clauses. It returns nil when the text has no
// letter or digit.
func clauseRunes(text string) []rune {
	out := make([]rune, 0, len(text)/2)
	for _, r := range text {
		if f, ok := fold(r); ok {
			out = append(out, f)
		} else if len(out) > 0 && out[len(out)-1] != boundary && !unicode.IsSpace(r) {
			out = append(out, boundary)
		}
	}
	for len(out) > 0 && out[len(out)-1] == boundary {
		out = out[:len(out)-1]
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func isNegation(r rune) bool {
	switch r {
	case '不', '没', '别', '未', '无', '非':
		return true
	}
	return false
}

const (
	noHit uint8 = iota
	fuzzyHit
	exactHit
)

// matching is the outcome of matching one text.
type matching struct {
	ix      *index
	hits    []uint8            // per keyword: noHit, fuzzyHit or exactHit
	hitList []int32            // the keywords with a hit, each once
	spans   map[int32]string   // the text a gapped keyword matched
	weight  map[[2]int]float64 // weight of a fired rule {item, rule} that needed a gapped match
	scored  []scored           // items with a fired or blocked rule, best first
}

type scored struct {
	item    int
	score   float64
	fired   []int // rule indices, heaviest first
	blocked []int // rules whose words all occurred but an exclusion word too
}

func (ix *index) match(text []rune) *matching {
	m := &matching{ix: ix}
	if h, ok := ix.pool.Get().(*[]uint8); ok {
		m.hits = *h
	} else {
		m.hits = make([]uint8, len(ix.alts))
	}
	hitList := m.hitList[:0]
	defer func() { m.hitList = hitList }()
	for i, r := range text {
		for _, a := range ix.first1[r] {
			if m.hits[a] == exactHit {
				continue
			}
			ar := ix.altRunes[a]
			if len(text)-i >= len(ar) && slices.Equal(text[i:i+len(ar)], ar) {
				if m.hits[a] == noHit {
					hitList = append(hitList, a)
				}
				m.hits[a] = exactHit
				continue
			}
			if m.hits[a] == noHit && ix.canGap[a] {
				if n := gapped(text[i:], ar); n > 0 {
					m.hits[a] = fuzzyHit
					hitList = append(hitList, a)
					if m.spans == nil {
						m.spans = make(map[int32]string)
					}
					m.spans[a] = string(text[i : i+n])
				}
			}
		}
	}
	// The rules touched by a matched keyword, in catalog order.
	var touched []int32
	for _, a := range hitList {
		touched = append(touched, ix.altRules[a]...)
	}
	slices.Sort(touched)
	touched = slices.Compact(touched)
	for k := 0; k < len(touched); {
		item := int(ix.ruleRef[touched[k]][0])
		rules := ix.rules[item]
		var s scored
		for ; k < len(touched) && int(ix.ruleRef[touched[k]][0]) == item; k++ {
			ri := int(ix.ruleRef[touched[k]][1])
			r := rules[ri]
			fuzzy, all := false, true
			for _, word := range r.words {
				a := m.hit(word)
				if a < 0 {
					all = false
					break
				}
				fuzzy = fuzzy || m.hits[a] == fuzzyHit
			}
			if !all {
				continue
			}
			if m.exact(r.not) >= 0 {
				s.blocked = append(s.blocked, ri)
				continue
			}
			s.fired = append(s.fired, ri)
			if fuzzy {
				if m.weight == nil {
					m.weight = make(map[[2]int]float64)
				}
				m.weight[[2]int{item, ri}] = r.weight * fuzzyFactor
			}
		}
		if len(s.fired) == 0 && len(s.blocked) == 0 {
			continue
		}
		s.item = item
		slices.SortStableFunc(s.fired, func(a, b int) int { return cmp.Compare(m.ruleWeight(item, b), m.ruleWeight(item, a)) })
		for j, ri := range s.fired {
			if j == 0 {
				s.score = m.ruleWeight(item, ri)
			} else {
				s.score += m.ruleWeight(item, ri) / 4
			}
		}
		m.scored = append(m.scored, s)
	}
	slices.SortStableFunc(m.scored, func(a, b scored) int { return cmp.Compare(b.score, a.score) })
	return m
}

// release clears the hits and gives them back to the index's pool; m must not
// be used afterwards.
func (m *matching) release() {
	for _, a := range m.hitList {
		m.hits[a] = noHit
	}
	h := m.hits
	m.hits = nil
	m.ix.pool.Put(&h)
}

// ruleWeight is the weight a fired rule counts with: its own, or less when it
// needed a gapped match.
func (m *matching) ruleWeight(item, rule int) float64 {
	if w, ok := m.weight[[2]int{item, rule}]; ok {
		return w
	}
	return m.ix.rules[item][rule].weight
}

// gapped reports whether text starts with kw with one other character inside
// it (not a negation, not a boundary), and returns the length of the matched
// text, or 0. text[0] is kw[0].
func gapped(text, kw []rune) int {
	gap := 1
	i := 1
	for _, r := range kw[1:] {
		if i < len(text) && text[i] != r && gap > 0 && text[i] != boundary && !isNegation(text[i]) {
			i++
			gap--
		}
		if i >= len(text) || text[i] != r {
			return 0
		}
		i++
	}
	if gap > 0 {
		return 0 // an exact match, found elsewhere
	}
	return i
}

// hit returns the best alternative of the word that occurs (exact before
// gapped, then the longest), or -1.
func (m *matching) hit(word []int32) int32 {
	best := int32(-1)
	for _, a := range word {
		if m.hits[a] == noHit {
			continue
		}
		if best < 0 || m.hits[a] > m.hits[best] || (m.hits[a] == m.hits[best] && len(m.ix.alts[a]) > len(m.ix.alts[best])) {
			best = a
		}
	}
	return best
}

// exact returns the longest alternative of the word that occurs exactly, or -1.
func (m *matching) exact(word []int32) int32 {
	best := int32(-1)
	for _, a := range word {
		if m.hits[a] == exactHit && (best < 0 || len(m.ix.alts[a]) > len(m.ix.alts[best])) {
			best = a
		}
	}
	return best
}

// show is how a matched keyword appears in Why: 「校验」, or 「给钱≈给我钱」.
func (m *matching) show(a int32) string {
	if m.hits[a] == fuzzyHit {
		return "「" + m.ix.alts[a] + "≈" + m.spans[a] + "」"
	}
	return "「" + m.ix.alts[a] + "」"
}

// words describes the fired rules of s: 「校验」「电表」、「电表」「快」.
func (m *matching) words(s scored) string {
	var b strings.Builder
	for k, ri := range s.fired {
		if k > 0 {
			b.WriteString("、")
		}
		for _, w := range m.ix.rules[s.item][ri].words {
			b.WriteString(m.show(m.hit(w)))
		}
	}
	return b.String()
}

// blockedNotes tells which exclusion words set an item aside: for the (at
// most two) items whose heaviest blocked rule weighs most.
func (m *matching) blockedNotes(c *Catalog) []string {
	type note struct {
		w    float64
		text string
	}
	var notes []note
	for _, s := range m.scored {
		var best *irule
		for _, ri := range s.blocked {
			if r := &m.ix.rules[s.item][ri]; best == nil || r.weight > best.weight {
				best = r
			}
		}
		if best != nil {
			notes = append(notes, note{best.weight, fmt.Sprintf("排除词「%s」→ 不按「%s」处理", m.ix.alts[m.exact(best.not)], c.Items[s.item].NameZH)})
		}
	}
	slices.SortStableFunc(notes, func(a, b note) int { return cmp.Compare(b.w, a.w) })
	var out []string
	for _, n := range notes[:min(2, len(notes))] {
		out = append(out, n.text)
	}
	return out
}
