package cases

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The decision for free text, in three steps:
//
//  1. The item head gives each catalog item a probability; summed by the
//     items' classes (the catalog is the source of truth for classes) they
//     give one view of the class. The class head gives another. The two are
//     combined (geometric mean, renormalised) and the best class wins; its
//     best item is the answer.
//  2. The refusal guard: when the combined probability of must_refuse
//     reaches the model's RefuseAt while another class won, or a refusal cue
//     (refusalCues: waive a whole bill, falsify, delete, tamper, pay off,
//     staff privacy) occurs, the answer is the best must_refuse item, marked
//     weak with the hint 可能需要婉拒 — a topic cannot outvote what is asked.
//     From the lower HintAt the answer stays but is weak, with the hint and
//     the best must_refuse item as the second candidate: an unsure refusal
//     is never shown as a confident grant. For an answer that is a work
//     order or an approval request (decided by someone else before anything
//     is granted) the hint starts at the higher HintOtherAt instead.
//  3. Confidence is the combined probability of the answer's class; under
//     the model's WeakAt the answer is weak and lists the best MaxCandidates
//     items (by the item head, reweighted by the combined class view).

// RefuseHint is what a weak answer that may have to be refused says first.
const RefuseHint = "可能需要婉拒"

// Default thresholds, used when a model carries none.
const (
	defaultWeakAt   = 0.6
	defaultRefuseAt = 0.3
	defaultHintAt   = 0.1
	// newItemRuleWeight is what a rule input of an item unknown to the model
	// adds to its class in the class head. It was 3; the twenty-four-writer
	// class head is surer of its topics (办一张 → immediate 0.98), and its
	// refusal guard, chosen by cross-validation, rose from 0.35 to 0.5, so a
	// manager's new refusal item with a rule of weight 3 (input 0.75) lost to
	// it (TestCatalogEditing); 6 gives such a rule 4.5 logits.
	newItemRuleWeight = 6.0
)

// mlIndex is a catalog's view of a model: the model's items mapped to the
// catalog's, and what the catalog adds to it (adapt).
type mlIndex struct {
	m       *Model
	toCat   []int     // model item → catalog item, or -1
	cls     []int     // per catalog item: its class index in Classes
	unknown []bool    // per catalog item: not one of the model's items
	bias    []float64 // per catalog item
	delta   map[string]*drow
	// Adapted is how many catalog examples the model had not seen and learnt
	// when the catalog was indexed.
	adapted int
}

type drow struct {
	items map[int]float64
	class [4]float64
}

// ml returns the catalog index's model view, built on first use.
func (ix *index) mlView(c *Catalog) *mlIndex {
	ix.mlOnce.Do(func() { ix.ml = buildML(c, ix) })
	return ix.ml
}

func buildML(c *Catalog, ix *index) *mlIndex {
	m := c.Model()
	ml := &mlIndex{m: m, toCat: make([]int, len(m.Items)), bias: make([]float64, len(c.Items)), delta: map[string]*drow{}}
	pos := make(map[string]int, len(c.Items))
	for i, it := range c.Items {
		if _, dup := pos[it.ID]; !dup {
			pos[it.ID] = i
		}
	}
	ml.cls = make([]int, len(c.Items))
	ml.unknown = make([]bool, len(c.Items))
	for i, it := range c.Items {
		ml.cls[i] = slices.Index(Classes, it.Class)
		ml.unknown[i] = true
	}
	mean := 0.0
	for _, b := range m.ItemBias {
		mean += b / float64(len(m.ItemBias))
	}
	for i := range ml.bias {
		ml.bias[i] = mean
	}
	for k, id := range m.Items {
		ml.toCat[k] = -1
		if i, ok := pos[id]; ok {
			ml.toCat[k] = i
			ml.bias[i] = m.ItemBias[k]
			ml.unknown[i] = false
		}
	}
	ml.adapt(c, ix)
	return ml
}

// adapt learns the catalog's examples the model was not trained on (a new
// item's name, a manager's new example phrasing): for each, until it is
// answered with its item and class by a margin of 3 (at most 12 passes), the
// weights of its features move towards its item and class and away from the
// best other one (a perceptron step sized to reach the margin). The change is
// kept in the catalog's index, never in the shared model.
func (ml *mlIndex) adapt(c *Catalog, ix *index) {
	type ex struct {
		fs    []feature
		item  int
		class int
		rules []float64
	}
	var exs []ex
	for i, it := range c.Items {
		texts := append([]string{it.NameZH}, it.Examples...)
		for _, t := range texts {
			if _, ok := ml.m.trained[textKey(t, it.ID)]; ok {
				continue
			}
			fs := featuresOf(prepare(t), ml.m.Skip, ml.m.Ask, ml.m.Stop)
			if len(fs) == 0 {
				continue
			}
			exs = append(exs, ex{fs, i, slices.Index(Classes, it.Class), ix.ruleInputs(t, len(c.Items))})
		}
	}
	ml.adapted = len(exs)
	const margin = 3.0
	for pass := 0; pass < 12; pass++ {
		changed := false
		for _, e := range exs {
			items, class, _, _ := ml.scores(e.fs, e.rules)
			other := -1
			for i, s := range items {
				if i != e.item && (other < 0 || s > items[other]) {
					other = i
				}
			}
			if other >= 0 && items[e.item]-items[other] < margin {
				eta := (margin - (items[e.item] - items[other])) / 2
				for _, f := range e.fs {
					d := ml.row(f.name)
					d.items[e.item] += eta * f.x / (f.x * f.x * float64(len(e.fs)))
					d.items[other] -= eta * f.x / (f.x * f.x * float64(len(e.fs)))
				}
				changed = true
			}
			if e.class >= 0 {
				oc := -1
				for i, s := range class {
					if i != e.class && (oc < 0 || s > class[oc]) {
						oc = i
					}
				}
				if class[e.class]-class[oc] < margin {
					eta := (margin - (class[e.class] - class[oc])) / 2
					for _, f := range e.fs {
						d := ml.row(f.name)
						d.class[e.class] += eta * f.x / (f.x * f.x * float64(len(e.fs)))
						d.class[oc] -= eta * f.x / (f.x * f.x * float64(len(e.fs)))
					}
					changed = true
				}
			}
		}
		if !changed {
			break
		}
	}
}

func (ml *mlIndex) row(f string) *drow {
	d := ml.delta[f]
	if d == nil {
		d = &drow{items: map[int]float64{}}
		ml.delta[f] = d
	}
	return d
}

// scores returns the item head's and the class head's scores (logits) for
// the features and rule inputs, how many features of two or more characters
// (or words) the model knows, and how many it knows in all.
func (ml *mlIndex) scores(fs []feature, rules []float64) (items []float64, class [4]float64, known, hits int) {
	items = slices.Clone(ml.bias)
	for i, r := range rules {
		items[i] += ml.m.Beta * r
	}
	class = ml.m.ClassBias
	// The class head knows nothing of an item the model was not trained on;
	// such an item's keyword rules speak for its class (newItemRuleWeight
	// times its rule input).
	for i, r := range rules {
		if r > 0 && ml.unknown[i] && ml.cls[i] >= 0 {
			class[ml.cls[i]] += newItemRuleWeight * r
		}
	}
	for _, f := range fs {
		hit := false
		if k, ok := ml.m.vocab[f.name]; ok {
			hit = true
			row := &ml.m.rows[k]
			for _, e := range row.items {
				if c := ml.toCat[e.i]; c >= 0 {
					items[c] += e.w * f.x
				}
			}
			for i, w := range row.class {
				class[i] += w * f.x
			}
		}
		if d, ok := ml.delta[f.name]; ok {
			hit = true
			for i, w := range d.items {
				items[i] += w * f.x
			}
			for i, w := range d.class {
				class[i] += w * f.x
			}
		}
		if hit && (strings.HasPrefix(f.name, "w:") || utf8.RuneCountInString(f.name) >= 2) {
			known++
		}
		if hit {
			hits++
		}
	}
	return items, class, known, hits
}

// contribution is what feature f adds to item i and class k.
func (ml *mlIndex) contribution(f feature, i, k int) float64 {
	s := 0.0
	if r, ok := ml.m.vocab[f.name]; ok {
		row := &ml.m.rows[r]
		for _, e := range row.items {
			if ml.toCat[e.i] == i {
				s += e.w * f.x
			}
		}
		s += row.class[k] * f.x
	}
	if d, ok := ml.delta[f.name]; ok {
		s += (d.items[i] + d.class[k]) * f.x
	}
	return s
}

// Classify finds the class and item of a case.
//
// If itemID is given it wins: the result is that item with confidence 1, or
// ErrUnknownItem (404) when there is no such item. Otherwise the text is read
// by the model (see Model and the decision steps above) together with the
// catalog's keyword rules.
//
// The outcomes for text:
//   - a clear answer: the item's result, Weak false;
//   - an unsure one: the best item's result with Weak true and the best
//     MaxCandidates items as Candidates to choose from; when it may have to
//     be refused, the best must_refuse item with Hint RefuseHint;
//   - no id and no text (or only punctuation, spaces, emoji): ErrEmpty (422);
//   - text the model and the rules know nothing of (no known word or pair of
//     characters, e.g. "asdf"): ErrNoMatch (422);
//   - text that names nothing of the hall's business (no keyword rule fires
//     and none of hallWords occurs: 今天天气真不错, 你好): ErrVague (422), a
//     request to say what is needed rather than a guess or a refusal hint;
//   - text longer than MaxTextRunes: ErrTooLong (422).
func (c *Catalog) Classify(itemID, text string) (Result, error) {
	if itemID = strings.TrimSpace(itemID); itemID != "" {
		i := c.current().find(c, itemID)
		if i < 0 {
			return Result{}, fmt.Errorf("%w: %q", ErrUnknownItem, itemID)
		}
		it := &c.Items[i]
		r := resultOf(it)
		r.Why = fmt.Sprintf("已选业务事项「%s」（%s）/ chosen from the catalog", it.NameZH, it.ID)
		r.Confidence = 1
		return r, nil
	}
	if utf8.RuneCountInString(text) > MaxTextRunes {
		return Result{}, fmt.Errorf("%w (%d)", ErrTooLong, MaxTextRunes)
	}
	if len(clauseRunes(text)) == 0 {
		return Result{}, ErrEmpty
	}
	ix := c.index()
	if len(c.Items) == 0 {
		return Result{}, ErrNoMatch
	}
	ml := ix.mlView(c)
	p := prepare(text)
	fs := featuresOf(p, ml.m.Skip, ml.m.Ask, ml.m.Stop)
	rt := p.joined()
	rules := ix.ruleInputsOf(rt, len(c.Items))
	if takenForVague(text, rt, rules) {
		return Result{}, ErrVague
	}
	d := ml.decide(c, fs, rules, p)
	if d == nil {
		return Result{}, ErrNoMatch
	}
	it := &c.Items[d.item]
	r := resultOf(it)
	r.Confidence = round2(d.conf)
	// A bare word of one or two characters (电表, 电费) names a topic, not
	// an ask: the answer is always weak, with candidates.
	r.Weak = d.weak || len([]rune(strings.Join(strings.Fields(text), ""))) <= 2 || offTopicLatin(text, p, rules)
	if d.refuse || d.hint {
		r.Hint = RefuseHint
	}

	var why strings.Builder
	if d.refuse || d.hint {
		why.WriteString(RefuseHint + "：")
	} else if r.Weak {
		why.WriteString("把握不大，请确认：")
	}
	var shown []string
	type fc struct {
		name string
		w    float64
	}
	var top []fc
	for _, f := range fs {
		if w := ml.contribution(f, d.item, d.class); w > 0 {
			top = append(top, fc{f.name, w})
		}
	}
	slices.SortStableFunc(top, func(a, b fc) int { return cmp.Compare(b.w, a.w) })
	for _, t := range top {
		if len(shown) == 3 {
			break
		}
		if utf8.RuneCountInString(t.name) < 2 && len(top) > 3 {
			continue
		}
		shown = append(shown, "「"+strings.TrimPrefix(strings.TrimPrefix(t.name, "w:"), "q:")+"」")
	}
	if len(shown) > 0 {
		why.WriteString("关键词" + strings.Join(shown, ""))
	} else {
		why.WriteString("综合判断")
	}
	fmt.Fprintf(&why, " → %s（%s，%s，把握 %s）", it.NameZH, it.ID, it.Class.NameZH(), num(d.conf))
	if d.cue != "" {
		fmt.Fprintf(&why, "；所提要求「%s」须婉拒", d.cue)
	}
	if w := ix.ruleWords(rt, d.item); w != "" {
		fmt.Fprintf(&why, "；规则%s", w)
	}
	if d.second >= 0 {
		fmt.Fprintf(&why, "；次选 %s（%s）", c.Items[d.second].NameZH, c.Items[d.second].Class.NameZH())
	}
	r.Why = why.String()
	if r.Weak {
		for _, i := range d.ranked[:min(MaxCandidates, len(d.ranked))] {
			ci := &c.Items[i]
			r.Candidates = append(r.Candidates, Candidate{
				Item: ci.ID, ItemName: ci.NameZH, ItemNameEN: ci.NameEN, Class: ci.Class, Service: ci.Service,
				Score: round2(d.p[i]),
			})
		}
	}
	return r, nil
}

func anyFired(rules []float64) bool {
	for _, r := range rules {
		if r > 0 {
			return true
		}
	}
	return false
}

// decision is the outcome of the three steps for one text.
type decision struct {
	item, class int
	second      int       // the best item of another class, or -1
	p           []float64 // per item: probability, reweighted by the combined class view
	ranked      []int     // items by p, best first; the answer first
	conf        float64
	weak        bool
	refuse      bool       // the refusal guard fired: the answer is the best must_refuse item
	hint        bool       // a refusal is possible: the answer stays, weak, with the refusal second
	cue         string     // the refusal cue found, if any
	comb        [4]float64 // the combined class probabilities, before the guard
}

// decide runs the three steps on a prepared text p (rt is p.joined(), the
// text passed through ruleText).
func (ml *mlIndex) decide(c *Catalog, fs []feature, rules []float64, p prepared) *decision {
	rt := p.joined()
	items, class, known, hits := ml.scores(fs, rules)
	fired := false
	for _, r := range rules {
		fired = fired || r > 0
	}
	// Nothing of two or more characters known and no rule: a text in the
	// hall's words (调表, 减荣) is still read from its single characters, as a
	// weak answer with candidates for the clerk to choose from; a text with
	// nothing known at all (asdf) matches nothing.
	onlyChars := known == 0 && !fired
	if onlyChars && (hits == 0 || vague(rt)) {
		return nil
	}
	softmax(items)
	softmax(class[:])
	var pc [4]float64 // the item head's view of the classes
	cls := make([]int, len(c.Items))
	for i, it := range c.Items {
		cls[i] = slices.Index(Classes, it.Class)
		if cls[i] >= 0 {
			pc[cls[i]] += items[i]
		}
	}
	mix := ml.m.Mix
	if mix <= 0 || mix > 1 {
		mix = 0.5
	}
	var comb [4]float64
	sum := 0.0
	for k := range comb {
		comb[k] = math.Pow(max(pc[k], 1e-9), mix) * math.Pow(max(class[k], 1e-9), 1-mix)
		sum += comb[k]
	}
	for k := range comb {
		comb[k] /= sum
	}
	d := &decision{second: -1, p: make([]float64, len(items)), comb: comb}
	for i := range items {
		if k := cls[i]; k >= 0 && pc[k] > 0 {
			d.p[i] = items[i] / pc[k] * comb[k]
		}
	}
	bestIn := func(k int) int {
		b := -1
		for i := range items {
			if cls[i] == k && (b < 0 || items[i] > items[b]) {
				b = i
			}
		}
		return b
	}
	d.class = 0
	for k := range comb {
		if comb[k] > comb[d.class] && bestIn(k) >= 0 {
			d.class = k
		}
	}
	d.item = bestIn(d.class)
	if d.item < 0 { // a catalog without items of a valid class
		return nil
	}
	refuseK := slices.Index(Classes, MustRefuse)
	weakAt, refuseAt, hintAt := ml.m.thresholds()
	// An immediate answer is served at once: from hintAt it is flagged. A
	// work order or an approval request is decided by someone else before
	// anything is granted: the hint starts at the model's HintOtherAt.
	if k := slices.Index(Classes, Immediate); d.class != k && ml.m.HintOtherAt > hintAt {
		hintAt = ml.m.HintOtherAt
	}
	d.cue = refusalCue(cueText(p))
	refuseItem := bestIn(refuseK)
	if d.class != refuseK && refuseItem >= 0 {
		switch {
		case comb[refuseK] >= refuseAt || d.cue != "":
			d.second = d.item
			d.item, d.class, d.refuse, d.weak = refuseItem, refuseK, true, true
		case comb[refuseK] >= hintAt:
			d.hint, d.weak, d.second = true, true, refuseItem
		}
	}
	d.conf = min(max(comb[d.class], 0), 1)
	if d.conf < weakAt || onlyChars {
		d.weak = true
	}
	d.ranked = make([]int, 0, len(items))
	for i := range items {
		if i != d.item {
			d.ranked = append(d.ranked, i)
		}
	}
	slices.SortStableFunc(d.ranked, func(a, b int) int { return cmp.Compare(d.p[b], d.p[a]) })
	if d.second < 0 {
		for _, i := range d.ranked {
			if cls[i] != d.class {
				d.second = i
				break
			}
		}
	}
	if d.hint { // the refusal the clerk should consider comes second
		d.ranked = slices.DeleteFunc(d.ranked, func(i int) bool { return i == d.second })
		d.ranked = append([]int{d.item, d.second}, d.ranked...)
		return d
	}
	d.ranked = append([]int{d.item}, d.ranked...)
	return d
}

// thresholds returns the model's weak, refusal and hint thresholds, or the
// defaults.
func (m *Model) thresholds() (weakAt, refuseAt, hintAt float64) {
	weakAt, refuseAt, hintAt = m.WeakAt, m.RefuseAt, m.HintAt
	if weakAt <= 0 {
		weakAt = defaultWeakAt
	}
	if refuseAt <= 0 {
		refuseAt = defaultRefuseAt
	}
	if hintAt <= 0 {
		hintAt = defaultHintAt
	}
	return weakAt, refuseAt, hintAt
}

// Adapted returns how many of the catalog's item names and examples the
// model had not been trained on and learnt when the catalog was indexed (0
// for the default catalog with the default model).
func (c *Catalog) Adapted() int {
	return c.index().mlView(c).adapted
}

// Rank returns every catalog item with the probability the item head gives it
// for text (keyword rules included, the class head and the refusal guard
// not), best first. It is for tools that label or review phrasings; Classify
// is the answer to show. Errors as Classify's for text.
func (c *Catalog) Rank(text string) ([]Candidate, error) {
	if utf8.RuneCountInString(text) > MaxTextRunes {
		return nil, fmt.Errorf("%w (%d)", ErrTooLong, MaxTextRunes)
	}
	if len(clauseRunes(text)) == 0 {
		return nil, ErrEmpty
	}
	ix := c.index()
	ml := ix.mlView(c)
	items, _, _, _ := ml.scores(featuresOf(prepare(text), ml.m.Skip, ml.m.Ask, ml.m.Stop), ix.ruleInputs(text, len(c.Items)))
	softmax(items)
	out := make([]Candidate, len(items))
	for i, p := range items {
		it := &c.Items[i]
		out[i] = Candidate{Item: it.ID, ItemName: it.NameZH, ItemNameEN: it.NameEN, Class: it.Class, Service: it.Service, Score: p}
	}
	slices.SortStableFunc(out, func(a, b Candidate) int { return cmp.Compare(b.Score, a.Score) })
	return out, nil
}

// ClassProbabilities returns the combined probability of each class (in the
// order of Classes) for text, before the refusal guard: what the thresholds
// of the decision are compared with. It is for the trainer's tools; Classify
// is the answer to show. Errors as Classify's for text.
func (c *Catalog) ClassProbabilities(text string) ([4]float64, error) {
	if utf8.RuneCountInString(text) > MaxTextRunes {
		return [4]float64{}, fmt.Errorf("%w (%d)", ErrTooLong, MaxTextRunes)
	}
	if len(clauseRunes(text)) == 0 || len(c.Items) == 0 {
		return [4]float64{}, ErrEmpty
	}
	ix := c.index()
	ml := ix.mlView(c)
	p := prepare(text)
	rt := p.joined()
	d := ml.decide(c, featuresOf(p, ml.m.Skip, ml.m.Ask, ml.m.Stop), ix.ruleInputsOf(rt, len(c.Items)), p)
	if d == nil {
		return [4]float64{}, ErrNoMatch
	}
	return d.comb, nil
}

// takenForVague reports whether a text is answered ErrVague: neither it nor
// its ruleText rt names the hall's business and no keyword rule fired.
func takenForVague(text, rt string, rules []float64) bool {
	return vague(rt) && vague(text) && !anyFired(rules)
}

// offTopicLatin reports whether a text written without Chinese names nothing
// of the hall's business in English or in pinyin the glossary knows, and
// fires no keyword rule ("hello, where is the exit?"): its answer is a guess,
// shown weak with candidates.
func offTopicLatin(text string, p prepared, rules []float64) bool {
	for _, r := range text {
		if unicode.Is(unicode.Han, r) {
			return false
		}
	}
	if anyFired(rules) || englishHallWords.MatchString(strings.Join(p.words, " ")) {
		return false
	}
	for _, w := range p.words {
		if _, ok := pinyin[w]; ok {
			return false
		}
		if _, ok := initials[w]; ok {
			return false
		}
	}
	return true
}
