package cases

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Example is one labelled text the model learns from: a catalog example or a
// corpus line. Item may be empty when only the class is known (the class head
// still learns from it); Class may be empty when the item's class applies.
type Example struct {
	Text   string
	Item   string
	Class  Class
	Weight float64 // 0 means 1
}

// TrainOptions are the knobs of Train; the zero value takes the defaults.
type TrainOptions struct {
	Epochs int     // passes over the examples (default 30)
	Rate   float64 // initial learning rate (default 0.8)
	L2     float64 // weight decay per update of a touched weight (default 1e-3)
	Prune  float64 // item weights smaller than this are dropped (default 0.02)
	Seed   uint64  // shuffling (default 1)
	// NB is the weight of a naive Bayes view of the classes added to the
	// class head (0: none; see addNaiveBayes), NBAlpha its smoothing
	// (default 0.5).
	NB      float64
	NBAlpha float64
	NBFixed bool // the class head learns with the naive Bayes weights in place (a fixed offset)
	// Skip adds skip-bigram features (see featuresOf); the model keeps the
	// choice.
	Skip bool
	// Ask adds the ask cues as features worth Ask times a character n-gram
	// (0: none; see askCues); the model keeps the choice.
	Ask float64
	// Stop leaves out the character n-grams made only of stopChars (see
	// featuresOf); the model keeps the choice.
	Stop bool
	// MinCount leaves out the features that occur in fewer than MinCount
	// training texts (0 or 1: none left out): a feature one text taught says
	// more about that text than about the next customer, and the model
	// stays small.
	MinCount int
	// Average replaces the weights by their mean over the ends of the
	// second half of the epochs (iterate averaging: a steadier model that
	// leans less on the last examples seen).
	Average bool
	Info    string // stored in the model
}

// Train fits a model to the examples with the catalog's items: multinomial
// logistic regression for the item head and for the class head, by
// stochastic gradient descent over the shuffled examples. The catalog's own
// examples (its items' names and Examples) are always added. Deterministic
// for the same input and options.
func Train(c *Catalog, exs []Example, opt TrainOptions) *Model {
	if opt.Epochs == 0 {
		opt.Epochs = 30
	}
	if opt.Rate == 0 {
		opt.Rate = 0.8
	}
	if opt.L2 == 0 {
		opt.L2 = 1e-3
	}
	if opt.Prune == 0 {
		opt.Prune = 0.02
	}
	if opt.Seed == 0 {
		opt.Seed = 1
	}
	exs = append(CatalogExamples(c), exs...)
	ix := c.index()
	nItems := len(c.Items)
	m := &Model{Info: opt.Info, Skip: opt.Skip, Ask: opt.Ask, Stop: opt.Stop, vocab: map[string]int32{}, trained: map[uint64]struct{}{}}
	pos := make(map[string]int, nItems)
	for i, it := range c.Items {
		m.Items = append(m.Items, it.ID)
		pos[it.ID] = i
	}
	type prep struct {
		feats []int32
		x     float64
		item  int // -1 when unknown
		class int // -1 when unknown
		rules []float64
		w     float64
	}
	var data []prep
	var wItem [][]float64 // per feature, dense over items
	var wClass [][4]float64
	var count map[string]int
	if opt.MinCount > 1 {
		count = map[string]int{}
		for _, e := range exs {
			for _, f := range featuresOf(prepare(e.Text), opt.Skip, opt.Ask, opt.Stop) {
				count[f.name]++
			}
		}
	}
	for _, e := range exs {
		item := -1
		if i, ok := pos[e.Item]; ok {
			item = i
		}
		class := e.Class
		if class == "" && item >= 0 {
			class = c.Items[item].Class
		}
		cl := slices.Index(Classes, class)
		if item < 0 && cl < 0 {
			continue
		}
		fs := featuresOf(prepare(e.Text), opt.Skip, opt.Ask, opt.Stop)
		if count != nil {
			fs = slices.DeleteFunc(fs, func(f feature) bool { return count[f.name] < opt.MinCount })
		}
		if len(fs) == 0 {
			continue
		}
		p := prep{item: item, class: cl, x: fs[0].x, w: e.Weight}
		if p.w == 0 {
			p.w = 1
		}
		for _, f := range fs {
			k, ok := m.vocab[f.name]
			if !ok {
				k = int32(len(wItem))
				m.vocab[f.name] = k
				wItem = append(wItem, make([]float64, nItems))
				wClass = append(wClass, [4]float64{})
			}
			p.feats = append(p.feats, k)
		}
		p.rules = ix.ruleInputs(e.Text, nItems)
		data = append(data, p)
		m.trained[textKey(e.Text, "")] = struct{}{}
		if item >= 0 {
			m.trained[textKey(e.Text, e.Item)] = struct{}{}
		}
	}
	nbw := make([][4]float64, len(wClass))
	if opt.NB > 0 {
		var fsets [][]int32
		var cls []int
		for _, p := range data {
			if p.class >= 0 {
				fsets = append(fsets, p.feats)
				cls = append(cls, p.class)
			}
		}
		addNaiveBayes(nbw, fsets, cls, opt.NB, opt.NBAlpha)
	}
	bias := make([]float64, nItems)
	var cbias [4]float64
	beta := 0.5
	rng := rand.New(rand.NewPCG(opt.Seed, 2))
	order := make([]int, len(data))
	for i := range order {
		order[i] = i
	}
	z := make([]float64, nItems)
	var avg averager
	for ep := 0; ep < opt.Epochs; ep++ {
		if opt.Average && ep >= opt.Epochs/2 && ep > 0 {
			avg.add(wItem, wClass, bias, cbias)
		}
		rate := opt.Rate / (1 + 0.3*float64(ep))
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, n := range order {
			p := &data[n]
			lr := rate * p.w
			if p.item >= 0 {
				copy(z, bias)
				for _, k := range p.feats {
					for i, w := range wItem[k] {
						z[i] += w * p.x
					}
				}
				for i, r := range p.rules {
					z[i] += beta * r
				}
				softmax(z)
				z[p.item] -= 1 // now the gradient of the loss by the logits
				gb := 0.0
				for i, g := range z {
					bias[i] -= lr * g
					gb += g * p.rules[i]
				}
				beta -= lr * gb * 0.1
				for _, k := range p.feats {
					row := wItem[k]
					for i, g := range z {
						row[i] -= lr * (g*p.x + opt.L2*row[i])
					}
				}
			}
			if p.class >= 0 {
				zc := cbias
				for _, k := range p.feats {
					for i, w := range wClass[k] {
						zc[i] += w * p.x
					}
					if opt.NBFixed {
						for i, w := range nbw[k] {
							zc[i] += w * p.x
						}
					}
				}
				softmax(zc[:])
				zc[p.class] -= 1
				for i, g := range zc {
					cbias[i] -= lr * g
				}
				for _, k := range p.feats {
					row := &wClass[k]
					for i, g := range zc {
						row[i] -= lr * (g*p.x + opt.L2*row[i])
					}
				}
			}
		}
	}
	if opt.Average {
		avg.add(wItem, wClass, bias, cbias)
		beta = avg.mean(wItem, wClass, bias, &cbias, beta)
	}
	for k := range wClass {
		for i := range wClass[k] {
			wClass[k][i] += nbw[k][i]
		}
	}
	m.ItemBias, m.ClassBias, m.Beta = bias, cbias, beta
	m.rows = make([]mrow, len(wItem))
	for k, ws := range wItem {
		row := mrow{class: wClass[k]}
		for i, w := range ws {
			if math.Abs(w) >= opt.Prune {
				row.items = append(row.items, iw{int32(i), w})
			}
		}
		m.rows[k] = row
	}
	return m
}

// CatalogExamples returns the catalog's own examples: each item's Chinese
// name and its Examples, labelled with the item.
func CatalogExamples(c *Catalog) []Example {
	var out []Example
	for _, it := range c.Items {
		out = append(out, Example{Text: it.NameZH, Item: it.ID})
		for _, e := range it.Examples {
			out = append(out, Example{Text: e, Item: it.ID})
		}
	}
	return out
}

// softmax turns scores into probabilities in place.
func softmax(z []float64) {
	mx := math.Inf(-1)
	for _, v := range z {
		mx = max(mx, v)
	}
	sum := 0.0
	for i, v := range z {
		z[i] = math.Exp(v - mx)
		sum += z[i]
	}
	for i := range z {
		z[i] /= sum
	}
}

// addNaiveBayes adds to the class weights of every feature weight times its
// naive Bayes log-likelihood per class (multinomial over the texts' distinct
// features, additive smoothing alpha), centred over the classes: the linear
// model and the naive Bayes model become one product of experts, still one
// weight per feature and class.
func addNaiveBayes(wClass [][4]float64, fsets [][]int32, cls []int, weight, alpha float64) {
	if alpha == 0 {
		alpha = 0.5
	}
	n := make([][4]float64, len(wClass))
	var total [4]float64
	for j, fs := range fsets {
		for _, k := range fs {
			n[k][cls[j]]++
			total[cls[j]]++
		}
	}
	v := float64(len(wClass))
	for k := range wClass {
		var l [4]float64
		mean := 0.0
		for c := range l {
			l[c] = math.Log((n[k][c] + alpha) / (total[c] + alpha*v))
			mean += l[c] / 4
		}
		for c := range l {
			wClass[k][c] += weight * (l[c] - mean)
		}
	}
}

// averager sums the weights at the end of epochs (iterate averaging).
type averager struct {
	n     float64
	item  [][]float64
	class [][4]float64
	bias  []float64
	cbias [4]float64
}

func (a *averager) add(wItem [][]float64, wClass [][4]float64, bias []float64, cbias [4]float64) {
	if a.item == nil {
		a.item = make([][]float64, len(wItem))
		for k := range wItem {
			a.item[k] = make([]float64, len(wItem[k]))
		}
		a.class = make([][4]float64, len(wClass))
		a.bias = make([]float64, len(bias))
	}
	a.n++
	for k, row := range wItem {
		for i, w := range row {
			a.item[k][i] += w
		}
	}
	for k, row := range wClass {
		for i, w := range row {
			a.class[k][i] += w
		}
	}
	for i, b := range bias {
		a.bias[i] += b
	}
	for i, b := range cbias {
		a.cbias[i] += b
	}
}

// mean writes the averages into the weights; beta (the rule input's weight)
// is kept as learnt.
func (a *averager) mean(wItem [][]float64, wClass [][4]float64, bias []float64, cbias *[4]float64, beta float64) float64 {
	if a.n == 0 {
		return beta
	}
	for k, row := range a.item {
		for i, w := range row {
			wItem[k][i] = w / a.n
		}
	}
	for k, row := range a.class {
		for i, w := range row {
			wClass[k][i] = w / a.n
		}
	}
	for i, b := range a.bias {
		bias[i] = b / a.n
	}
	for i, b := range a.cbias {
		cbias[i] = b / a.n
	}
	return beta
}
