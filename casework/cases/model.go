package cases

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"sync"
)

// Model is the linear model Classify reads free text with (see features.go
// for what it reads). It has two heads over the same features:
//
//   - the item head scores every business item (softmax over items), with
//     the catalog's keyword rules as one more input (Beta times an item's
//     capped rule score), so that an item a manager added with keywords only
//     is found too;
//   - the class head scores the four classes directly. It learns what is
//     asked (waive, falsify, delete, without papers, pay off) apart from the
//     topic, so a forbidden request about an ordinary topic is still seen
//     as one.
//
// The shipped model is trained by `go generate` (internal/train) from the
// default catalog's examples and the corpus in corpus/, and embedded as
// model.json.gz. A catalog adds what the model has not seen (new items, new
// example phrasings) when it is indexed, without a build (see adapt).
type Model struct {
	Info      string
	Items     []string
	ItemBias  []float64
	ClassBias [4]float64
	Beta      float64
	// WeakAt is the confidence under which an answer is weak; RefuseAt the
	// combined probability of must_refuse from which the refusal guard
	// answers with the best must_refuse item, HintAt the one from which it
	// adds the hint (see Classify). All are chosen by the trainer from
	// cross-validation on the training data.
	WeakAt   float64
	RefuseAt float64
	HintAt   float64
	// HintOtherAt is where the hint starts on an answer that is a work
	// order or an approval request (someone else decides those before
	// anything is granted); HintAt applies to an immediate answer, which is
	// served at once. 0 means HintAt.
	HintOtherAt float64
	// Mix is the weight of the item head's view of the classes against the
	// class head's (geometric mixture; 0 means one half).
	Mix float64
	// Skip: the model reads skip-bigrams too (see featuresOf).
	Skip bool
	// Ask: the model reads the ask cues too, worth Ask times a character
	// n-gram (see askCues); 0 means not.
	Ask float64
	// Stop: the model leaves out n-grams of stopChars (see featuresOf).
	Stop bool

	vocab   map[string]int32
	rows    []mrow
	trained map[uint64]struct{}
}

type mrow struct {
	items []iw
	class [4]float64
}

type iw struct {
	i int32
	w float64
}

// modelJSON is the stored shape of a Model.
type modelJSON struct {
	Info      string        `json:"info"`
	Items     []string      `json:"items"`
	ItemBias  []float64     `json:"item_bias"`
	ClassBias [4]float64    `json:"class_bias"`
	Beta      float64       `json:"beta"`
	WeakAt    float64       `json:"weak_at"`
	RefuseAt  float64       `json:"refuse_at"`
	Mix       float64       `json:"mix"`
	HintAt    float64       `json:"hint_at"`
	HintOther float64       `json:"hint_other_at,omitempty"`
	Skip      bool          `json:"skip,omitempty"`
	Ask       float64       `json:"ask,omitempty"`
	Stop      bool          `json:"stop,omitempty"`
	Features  []featureJSON `json:"features"`
	Trained   []uint64      `json:"trained"`
}

type featureJSON struct {
	F string     `json:"f"`
	I []int32    `json:"i,omitempty"`
	W []float64  `json:"w,omitempty"`
	C [4]float64 `json:"c"`
}

//go:generate go run ./internal/train -out model.json.gz
//go:embed model.json.gz
var defaultModelData []byte

var defaultModel = sync.OnceValue(func() *Model {
	m, err := ReadModel(bytes.NewReader(defaultModelData))
	if err != nil {
		panic("embedded model: " + err.Error())
	}
	return m
})

// DefaultModel returns the model shipped in the binary. It is shared and
// must not be changed.
func DefaultModel() *Model { return defaultModel() }

// ReadModel reads a model written by WriteTo (gzip-compressed JSON).
func ReadModel(r io.Reader) (*Model, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("read model: %w", err)
	}
	var mj modelJSON
	if err := json.NewDecoder(zr).Decode(&mj); err != nil {
		return nil, fmt.Errorf("read model: %w", err)
	}
	if len(mj.ItemBias) != len(mj.Items) {
		return nil, fmt.Errorf("read model: %d items, %d biases", len(mj.Items), len(mj.ItemBias))
	}
	m := &Model{Info: mj.Info, Items: mj.Items, ItemBias: mj.ItemBias, ClassBias: mj.ClassBias, Beta: mj.Beta,
		WeakAt: mj.WeakAt, RefuseAt: mj.RefuseAt, Mix: mj.Mix, HintAt: mj.HintAt, HintOtherAt: mj.HintOther, Skip: mj.Skip, Ask: mj.Ask, Stop: mj.Stop,
		vocab: make(map[string]int32, len(mj.Features)), rows: make([]mrow, len(mj.Features)),
		trained: make(map[uint64]struct{}, len(mj.Trained))}
	for k, f := range mj.Features {
		if len(f.I) != len(f.W) {
			return nil, fmt.Errorf("read model: feature %q: %d items, %d weights", f.F, len(f.I), len(f.W))
		}
		row := mrow{class: f.C, items: make([]iw, len(f.I))}
		for j, i := range f.I {
			if i < 0 || int(i) >= len(m.Items) {
				return nil, fmt.Errorf("read model: feature %q: item %d out of range", f.F, i)
			}
			row.items[j] = iw{i, f.W[j]}
		}
		m.vocab[f.F] = int32(k)
		m.rows[k] = row
	}
	for _, h := range mj.Trained {
		m.trained[h] = struct{}{}
	}
	return m, nil
}

// WriteTo writes the model as gzip-compressed JSON, weights rounded to three
// decimals and features in a stable order.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	mj := modelJSON{Info: m.Info, Items: m.Items, ItemBias: roundAll(m.ItemBias), ClassBias: m.ClassBias, Beta: round3(m.Beta),
		WeakAt: m.WeakAt, RefuseAt: m.RefuseAt, Mix: m.Mix, HintAt: m.HintAt, HintOther: m.HintOtherAt, Skip: m.Skip, Ask: m.Ask, Stop: m.Stop}
	for i := range mj.ClassBias {
		mj.ClassBias[i] = round3(mj.ClassBias[i])
	}
	names := make([]string, len(m.rows))
	for f, k := range m.vocab {
		names[k] = f
	}
	for k, row := range m.rows {
		fj := featureJSON{F: names[k]}
		for i := range row.class {
			fj.C[i] = round3(row.class[i])
		}
		for _, e := range row.items {
			fj.I = append(fj.I, e.i)
			fj.W = append(fj.W, round3(e.w))
		}
		mj.Features = append(mj.Features, fj)
	}
	for h := range m.trained {
		mj.Trained = append(mj.Trained, h)
	}
	slices.Sort(mj.Trained)
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	enc := json.NewEncoder(zw)
	if err := enc.Encode(mj); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	return buf.WriteTo(w)
}

// Learnt reports whether the model was trained on the text (with any or no
// item label).
func (m *Model) Learnt(text string) bool {
	_, ok := m.trained[textKey(text, "")]
	return ok
}

// Features is the number of features the model knows.
func (m *Model) Features() int { return len(m.rows) }

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

func roundAll(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = round3(x)
	}
	return out
}
