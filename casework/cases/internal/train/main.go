// Command train fits the case classifier's model (package cases) to the
// default catalog's examples and the corpus in casework/cases/corpus, leaving out
// the frozen test split, and writes it for embedding:
//
//	go generate ./casework/cases          # runs: go run ./internal/train -out model.json.gz
//	go run ./casework/cases/internal/train -eval docs/cases_eval.md   # the figures of docs/cases.md
//
// The thresholds (weak answer, refusal guard) are chosen by 5-fold
// cross-validation on the training lines; the test split is only read by
// -eval, after training, and by the test in package cases.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"hallq/casework/cases"
	"hallq/casework/cases/internal/corpus"
)

func main() {
	out := flag.String("out", "", "write the trained model here (gzip JSON)")
	dir := flag.String("corpus", "", "corpus directory (default: corpus/ beside the package)")
	eval := flag.String("eval", "", "write the evaluation report (markdown) here; - for standard output")
	exp := flag.Bool("exp", false, "print cross-validation figures of training variants (no test split involved)")
	label := flag.Bool("label", false, "write each writer line's item: the best item of the writer's class (empty when unsure)")
	oldCat := flag.String("old", "", "the keyword-only catalog to compare with (default internal/train/old_catalog.json)")
	only := flag.String("only", "", "with -label: write only these writers' files, comma-separated (the others keep their items)")
	unseen := flag.String("unseen", "", "measure the shipped (embedded) model and the keyword rules on this writer file, then stop")
	lowo := flag.Bool("lowo", false, "print leave-one-writer-out figures of training variants (no test split involved)")
	variants := flag.String("variants", "", `with -lowo: the training variants as a JSON list of options ([{"NB":0.3,"NBAlpha":0.1,"Skip":true}])`)
	cw := flag.String("cw", "", "weigh the corpus lines of these classes in training, e.g. needs_approval=1.3 (comma-separated)")
	gbias := flag.String("gbias", "", "with -lowo: also print the figures with the general refusal item's bias lowered by each of these, comma-separated")
	refuse := flag.String("refuse", "", "with -lowo: the refusal-guard thresholds to print, comma-separated (default 0.3,0.35,0.4,0.5,0.6,0.99)")
	flag.Parse()
	if *refuse != "" {
		lowoRefuse = nil
		for _, f := range strings.Split(*refuse, ",") {
			var x float64
			if _, err := fmt.Sscan(f, &x); err != nil {
				log.Fatalf("-refuse: %v", err)
			}
			lowoRefuse = append(lowoRefuse, x)
		}
	}
	if *cw != "" {
		classWeight = map[string]float64{}
	}
	for _, f := range strings.Split(*cw, ",") {
		if k, v, ok := strings.Cut(f, "="); ok {
			var x float64
			if _, err := fmt.Sscan(v, &x); err != nil || !cases.Class(k).Valid() {
				log.Fatalf("-cw %q: want class=weight", f)
			}
			classWeight[k] = x
		}
	}
	if *gbias != "" {
		for _, f := range strings.Split(*gbias, ",") {
			var x float64
			if _, err := fmt.Sscan(f, &x); err != nil {
				log.Fatalf("-gbias: %v", err)
			}
			lowoGBias = append(lowoGBias, x)
		}
	}
	if *variants != "" {
		lowoVariants = nil
		if err := json.Unmarshal([]byte(*variants), &lowoVariants); err != nil {
			log.Fatal(err)
		}
	}
	base := findPackageDir()
	if *dir == "" {
		*dir = filepath.Join(base, "corpus")
	}
	if *oldCat == "" {
		*oldCat = filepath.Join(base, "internal", "train", "old_catalog.json")
	}
	lines, err := corpus.Load(*dir)
	if err != nil {
		log.Fatal(err)
	}
	cat := cases.DefaultCatalog()
	if *label {
		labelItems(cat, *dir, lines, *only)
		return
	}
	if *unseen != "" {
		measureUnseen(cat, *oldCat, *unseen)
		return
	}
	train, test, held := corpus.Split(lines)
	log.Printf("corpus: %d lines, %d for training, %d frozen for test, %d of held-out writers", len(lines), len(train), len(test), len(held))
	if *exp {
		experiments(cat, train)
		return
	}
	if *lowo {
		leaveOneWriterOut(cat, train)
		return
	}

	// Thresholds from 5-fold cross-validation on the training lines.
	start := time.Now()
	cv := crossValidate(cat, train)
	th := cv.choose()
	log.Printf("cross-validation in %s: %+v", time.Since(start).Round(time.Millisecond), th)

	m := fit(cat, train, fmt.Sprintf("trained on %d catalog examples and %d corpus lines (test split left out)", len(cases.CatalogExamples(cat)), len(train)))
	th.set(m)
	if *out != "" {
		var buf bytes.Buffer
		if _, err := m.WriteTo(&buf); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
			log.Fatal(err)
		}
		log.Printf("wrote %s: %d features, %d bytes", *out, m.Features(), buf.Len())
	}
	if *eval == "" {
		return
	}
	var w io.Writer = os.Stdout
	if *eval != "-" {
		f, err := os.Create(*eval)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		w = f
	}
	oldData, err := os.ReadFile(*oldCat)
	if err != nil {
		log.Fatal(err)
	}
	old, err := cases.ParseCatalog(oldData)
	if err != nil {
		log.Fatal(err)
	}
	report(w, cat, old, m, train, test, held, cv, th)
}

// findPackageDir returns the directory of package cases: the working
// directory under go generate, else found from the module root.
func findPackageDir() string {
	if _, err := os.Stat("default_catalog.json"); err == nil {
		return "."
	}
	for _, p := range []string{"casework/cases", "../..", "../../.."} {
		if _, err := os.Stat(filepath.Join(p, "default_catalog.json")); err == nil {
			return p
		}
	}
	log.Fatal("run from the module root or casework/cases")
	return ""
}

// classWeight weighs the corpus lines of a class in training (-cw; none by
// default: measured by leave-one-writer-out and not taken, docs/cases.md).
var classWeight = map[string]float64{}

func examples(lines []corpus.Line) []cases.Example {
	out := make([]cases.Example, 0, len(lines))
	for _, l := range lines {
		w := classWeight[l.Class]
		if l.Writer == corpus.Authors {
			w = max(w, 1) * authorsWeight
		}
		out = append(out, cases.Example{Text: l.Text, Item: l.Item, Class: cases.Class(l.Class), Weight: w})
	}
	return out
}

var trainOpts = cases.TrainOptions{NB: 0.3, NBAlpha: 0.1}

// authorsWeight weighs the authors' phrasings (corpus.Authors, written with
// the catalog: each names its item as the catalog means it) against a
// writer's line in training. With seventy-eight writers at weight 1 the
// authors' own 297 phrasings read 280 right items (TestPhrasingAccuracy
// wants 95 %): the writers' conventions outvoted the catalog's meaning on
// neighbouring items (inside wiring vs a fault, a late fee's reckoning vs
// its waiver). At 3 they read 295, and the frozen split's class accuracy
// and confidently wrong share were the same to the tenth (93.8 %, 1.5 %;
// one fit each, the thresholds of the 78-writer run).
var authorsWeight = 3.0

// generalBias is taken from the general refusal item's bias after training:
// the item learns from every refusal no specific item fits, hundreds of
// lines, and would otherwise draw refusals a specific item answers better
// (chosen by leave-one-writer-out, -gbias).
var generalBias = 2.0

func fit(cat *cases.Catalog, lines []corpus.Line, info string) *cases.Model {
	o := trainOpts
	o.Info = info
	m := cases.Train(cat, examples(lines), o)
	shiftGeneral(m, generalBias)
	return m
}

// shiftGeneral lowers the general refusal item's bias by d.
func shiftGeneral(m *cases.Model, d float64) {
	if i := slices.Index(m.Items, GeneralRefusal); i >= 0 {
		m.ItemBias[i] -= d
	}
}

func experiments(cat *cases.Catalog, train []corpus.Line) {
	for _, v := range []cases.TrainOptions{{}, {L2: 3e-3}, {Epochs: 15}} {
		trainOpts = v
		cv := crossValidate(cat, train)
		th := cv.choose()
		s := stats(cv.run(th))
		fmt.Printf("%+v %+v: class %s, weak %s, confidently wrong %s, refuse→immediate %d (confident %d)\n", v, th,
			pct(s.classRight, s.n), pct(s.weak, s.n), pct(s.confWrong, s.n), s.refuseImmediate, s.refuseImmediateConf)
	}
}

// outcome is one classified line.
type outcome struct {
	line       corpus.Line
	class      cases.Class // "" for an error
	item       string
	weak       bool
	hint       bool
	conf       float64
	candidates []string
}

func classifyAll(c *cases.Catalog, lines []corpus.Line) []outcome {
	out := make([]outcome, 0, len(lines))
	for _, l := range lines {
		o := outcome{line: l}
		if r, err := c.Classify("", l.Text); err == nil {
			o.class, o.item, o.weak, o.hint, o.conf = r.Class, r.Item, r.Weak, r.Hint != "", r.Confidence
			for _, cd := range r.Candidates {
				o.candidates = append(o.candidates, cd.Item)
			}
		}
		out = append(out, o)
	}
	return out
}

func classifyKeywords(c *cases.Catalog, lines []corpus.Line) []outcome {
	out := make([]outcome, 0, len(lines))
	for _, l := range lines {
		o := outcome{line: l}
		if r, err := c.ClassifyKeywords(l.Text); err == nil {
			o.class, o.item, o.weak, o.conf = r.Class, r.Item, r.Weak, r.Confidence
		}
		out = append(out, o)
	}
	return out
}

// cvResult keeps each fold's catalog (with its model) and held-out lines.
type cvResult struct {
	cats  []*cases.Catalog
	lines [][]corpus.Line
}

func crossValidate(cat *cases.Catalog, train []corpus.Line) cvResult {
	var r cvResult
	for k := 0; k < 5; k++ {
		var in, out []corpus.Line
		for _, l := range train {
			if l.Writer != corpus.Authors && corpus.Fold(l) == k {
				out = append(out, l)
			} else {
				in = append(in, l)
			}
		}
		c := cat.Clone()
		c.SetModel(fit(cat, in, "fold"))
		r.cats = append(r.cats, c)
		r.lines = append(r.lines, out)
	}
	return r
}

func (cv cvResult) run(t thresholds) []outcome {
	var all []outcome
	for k, c := range cv.cats {
		t.set(c.Model())
		all = append(all, classifyAll(c, cv.lines[k])...)
	}
	return all
}

// thresholds are the decision's knobs the trainer chooses.
type thresholds struct{ mix, refuseAt, hintAt, weakAt, hintOther float64 }

func (t thresholds) set(m *cases.Model) {
	m.Mix, m.RefuseAt, m.HintAt, m.WeakAt, m.HintOtherAt = t.mix, t.refuseAt, t.hintAt, t.weakAt, t.hintOther
}

// choose picks, on the held-out folds: the mixture of the two heads and the
// refusal guard's threshold that get the most classes right, a must-refuse
// answered as immediate counting as one more wrong; the highest hint
// threshold under which no must-refuse line is answered as a confident
// (not weak, no hint) immediate; the highest hint threshold for work orders
// and approvals under which at most 2 % of the must-refuse lines are neither
// refused nor hinted; then the lowest weak threshold that keeps confidently
// wrong answers at or under 1.5 % of the held-out lines.
func (cv cvResult) choose() thresholds {
	best := -1e9
	var t thresholds
	for _, mix := range []float64{0.01, 0.15, 0.3} {
		for _, ra := range []float64{0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6} {
			s := stats(cv.run(thresholds{mix: mix, refuseAt: ra, hintAt: ra, weakAt: 0.001}))
			score := float64(s.classRight) - float64(s.refuseImmediate)
			if score > best {
				best, t = score, thresholds{mix: mix, refuseAt: ra}
			}
		}
	}
	return cv.chooseWeak(cv.chooseHints(t, true))
}

// chooseHints chooses the hint thresholds for t (see choose); without other,
// the hint threshold of work orders and approvals is the immediate one's.
func (cv cvResult) chooseHints(t thresholds, other bool) thresholds {
	t.hintAt, t.hintOther = 0.01, 0
	for _, ha := range []float64{0.25, 0.2, 0.15, 0.12, 0.1, 0.08, 0.06, 0.05, 0.04, 0.03, 0.02} {
		if ha >= t.refuseAt {
			continue
		}
		tt := t
		tt.hintAt, tt.weakAt = ha, 0.001
		if stats(cv.run(tt)).refuseImmediateConf == 0 {
			t.hintAt = ha
			break
		}
	}
	if !other {
		return t
	}
	for _, ho := range []float64{0.3, 0.25, 0.2, 0.15, 0.12, 0.1, 0.08, 0.06, 0.05, 0.04, 0.03, 0.02} {
		if ho <= t.hintAt || ho >= t.refuseAt {
			continue
		}
		tt := t
		tt.hintOther, tt.weakAt = ho, 0.001
		if s := stats(cv.run(tt)); float64(s.refuseUnflagged) <= 0.02*float64(s.refuseN) {
			t.hintOther = ho
			break
		}
	}
	return t
}

// chooseWeak chooses the lowest weak threshold for t that keeps confidently
// wrong answers at or under 1.5 % of the held-out lines.
func (cv cvResult) chooseWeak(t thresholds) thresholds {
	t.weakAt = 0.99
	for wa := 0.2; wa <= 0.99; wa += 0.025 {
		tt := t
		tt.weakAt = wa
		if s := stats(cv.run(tt)); float64(s.confWrong) <= 0.015*float64(s.n) {
			t.weakAt = round(wa)
			break
		}
	}
	return t
}

func round(x float64) float64 { return float64(int(x*1000+0.5)) / 1000 }

type figures struct {
	n, classRight, itemRight, itemKnown, weak, confWrong, errors int
	refuseN, refuseImmediate, refuseImmediateConf, refuseRight   int
	refuseImmediateHint                                          int
	refuseUnflagged                                              int // must-refuse lines neither refused nor hinted
	nonRefuse, nonRefuseHint                                     int // lines of other classes; of them, hinted
	candRight                                                    int
	specN, specRight, bribeWrong                                 int // refusal lines with a specific item; of them, right; lines answered bribe_favour not labelled so
	genN, genSpecific                                            int // refusal lines labelled with the general item; of them, answered with a specific refusal item
	perClass                                                     map[string][2]int
	confusion                                                    map[[2]string]int
}

func stats(outs []outcome) figures {
	f := figures{perClass: map[string][2]int{}, confusion: map[[2]string]int{}}
	for _, o := range outs {
		f.n++
		want := o.line.Class
		got := string(o.class)
		if got == "" {
			got = "422"
			f.errors++
		}
		pc := f.perClass[want]
		pc[0]++
		if got == want {
			f.classRight++
			pc[1]++
		} else if got != "422" && !o.weak {
			f.confWrong++
		}
		f.perClass[want] = pc
		f.confusion[[2]string{want, got}]++
		if o.weak {
			f.weak++
		}
		if want == string(cases.MustRefuse) && o.line.Item != "" && o.line.Item != GeneralRefusal {
			f.specN++
			if o.item == o.line.Item {
				f.specRight++
			}
		}
		if o.line.Item == GeneralRefusal {
			f.genN++
			if o.class == cases.MustRefuse && o.item != GeneralRefusal {
				f.genSpecific++
			}
		}
		if o.item == "bribe_favour" && o.line.Item != "bribe_favour" {
			f.bribeWrong++
		}
		if o.line.Item != "" {
			f.itemKnown++
			if o.item == o.line.Item {
				f.itemRight++
			}
			if o.item == o.line.Item || slices.Contains(o.candidates, o.line.Item) {
				f.candRight++
			}
		}
		if want != string(cases.MustRefuse) {
			f.nonRefuse++
			if o.hint {
				f.nonRefuseHint++
			}
		}
		if want == string(cases.MustRefuse) && got != want && !o.hint {
			f.refuseUnflagged++
		}
		if want == string(cases.MustRefuse) {
			f.refuseN++
			if got == want {
				f.refuseRight++
			}
			if got == string(cases.Immediate) {
				f.refuseImmediate++
				if !o.weak {
					f.refuseImmediateConf++
				}
				if o.weak && o.hint {
					f.refuseImmediateHint++
				}
			}
		}
	}
	return f
}

func pct(a, b int) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f %%", 100*float64(a)/float64(b))
}

func report(w io.Writer, cat, old *cases.Catalog, m *cases.Model, train, test, held []corpus.Line, cv cvResult, th thresholds) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	writers := map[string]int{}
	for _, l := range append(slices.Clone(train), test...) {
		writers[l.Writer]++
	}
	var names []string
	for n := range writers {
		names = append(names, n)
	}
	slices.Sort(names)
	p("<!-- generated by: go run ./casework/cases/internal/train -eval docs/cases_eval.md -->\n\n")
	p("Model: %s; %d features. Chosen by 5-fold cross-validation on the training lines: item-head weight %.2f, refusal guard from %.2f, refusal hint from %.2f on immediate answers and from %.2f on the others, weak below %.3f.\n\n", m.Info, m.Features(), th.mix, th.refuseAt, th.hintAt, th.hintOther, th.weakAt)
	p("Lines per writer: ")
	for i, n := range names {
		if i > 0 {
			p(", ")
		}
		p("%s %d", n, writers[n])
	}
	p(".\n\n")

	c := cat.Clone()
	c.SetModel(m)
	testOut := classifyAll(c, test)
	oldTest := classifyKeywords(old, test)
	cvOut := cv.run(th)
	var cvTrainLines []corpus.Line
	for _, ls := range cv.lines {
		cvTrainLines = append(cvTrainLines, ls...)
	}
	oldCV := classifyKeywords(old, cvTrainLines)

	p("## Frozen test split and 5-fold cross-validation\n\n")
	p("| figure | model, frozen test (%d) | keyword rules, same lines | model, 5-fold CV (%d) | keyword rules, same lines |\n|---|---|---|---|---|\n", len(test), len(cvOut))
	ft, fo, fc, fco := stats(testOut), stats(oldTest), stats(cvOut), stats(oldCV)
	row := func(name string, g func(f figures) string) {
		p("| %s | %s | %s | %s | %s |\n", name, g(ft), g(fo), g(fc), g(fco))
	}
	row("class accuracy", func(f figures) string { return pct(f.classRight, f.n) })
	row("item accuracy", func(f figures) string { return pct(f.itemRight, f.itemKnown) })
	row("right item among answer and candidates", func(f figures) string { return pct(f.candRight, f.itemKnown) })
	row("weak answers", func(f figures) string { return pct(f.weak, f.n) })
	row("confidently wrong class (not weak)", func(f figures) string { return pct(f.confWrong, f.n) })
	row("bare 422", func(f figures) string { return pct(f.errors, f.n) })
	row("must-refuse recognised", func(f figures) string { return pct(f.refuseRight, f.refuseN) })
	row("must-refuse neither refused nor hinted", func(f figures) string { return fmt.Sprintf("%d of %d", f.refuseUnflagged, f.refuseN) })
	row("refusal hint on the other classes' lines", func(f figures) string { return pct(f.nonRefuseHint, f.nonRefuse) })
	row("must-refuse answered immediate (any)", func(f figures) string { return fmt.Sprintf("%d of %d", f.refuseImmediate, f.refuseN) })
	row("must-refuse answered immediate, not weak", func(f figures) string { return fmt.Sprintf("%d", f.refuseImmediateConf) })
	for _, cl := range cases.Classes {
		k := string(cl)
		row("accuracy on "+k, func(f figures) string { return pct(f.perClass[k][1], f.perClass[k][0]) })
	}
	p("\nConfusion on the frozen test split (rows: the writer's class, columns: the answer):\n\n")
	confusion(w, ft)

	heldOut := classifyAll(c, held)
	p("\n## Held-out writers: every line of writers the model never learnt from\n\n")
	p("| writer | lines | class acc. | item acc. | weak | confidently wrong | bare 422 | must-refuse → immediate (not weak) | keyword rules class acc. |\n|---|---|---|---|---|---|---|---|---|\n")
	heldRow := func(name string, outs []outcome, lines []corpus.Line) {
		f, o := stats(outs), stats(classifyKeywords(old, lines))
		p("| %s | %d | %s | %s | %s | %s | %s | %d of %d (%d) | %s |\n", name, f.n, pct(f.classRight, f.n), pct(f.itemRight, f.itemKnown), pct(f.weak, f.n),
			pct(f.confWrong, f.n), pct(f.errors, f.n), f.refuseImmediate, f.refuseN, f.refuseImmediateConf, pct(o.classRight, o.n))
	}
	var heldNames []string
	for _, l := range held {
		if !slices.Contains(heldNames, l.Writer) {
			heldNames = append(heldNames, l.Writer)
		}
	}
	for _, n := range heldNames {
		var outs []outcome
		var ls []corpus.Line
		for i, l := range held {
			if l.Writer == n {
				outs, ls = append(outs, heldOut[i]), append(ls, l)
			}
		}
		heldRow(n, outs, ls)
	}
	heldRow("all", heldOut, held)
	fh := stats(heldOut)
	for _, cl := range cases.Classes {
		k := string(cl)
		p("\nAccuracy on %s: %s.", k, pct(fh.perClass[k][1], fh.perClass[k][0]))
	}
	p("\n\nConfusion on the held-out writers:\n\n")
	confusion(w, fh)
	p("\nConfusion in 5-fold cross-validation:\n\n")
	confusion(w, fc)

	p("\n## Cross-writer: trained without one writer, tested on all of that writer's lines\n\n")
	p("| writer | lines | model class acc. | item acc. | confidently wrong | must-refuse → immediate (not weak) | keyword rules class acc. | rules 422 |\n|---|---|---|---|---|---|---|---|\n")
	var lowoOut []outcome
	for _, n := range names {
		if n == corpus.Authors {
			continue
		}
		var in, out []corpus.Line
		for _, l := range train {
			if l.Writer != n {
				in = append(in, l)
			}
		}
		for _, l := range append(slices.Clone(train), test...) {
			if l.Writer == n {
				out = append(out, l)
			}
		}
		cc := cat.Clone()
		mm := fit(cat, in, "cross-writer")
		th.set(mm)
		cc.SetModel(mm)
		outs := classifyAll(cc, out)
		lowoOut = append(lowoOut, outs...)
		f := stats(outs)
		o := stats(classifyKeywords(old, out))
		p("| %s | %d | %s | %s | %s | %d of %d (%d) | %s | %s |\n", n, f.n, pct(f.classRight, f.n), pct(f.itemRight, f.itemKnown),
			pct(f.confWrong, f.n), f.refuseImmediate, f.refuseN, f.refuseImmediateConf, pct(o.classRight, o.n), pct(o.errors, o.n))
	}
	p("\nMisses on the frozen test split (writer's class → answer):\n\n")
	for _, o := range testOut {
		if string(o.class) != o.line.Class {
			weak := ""
			if o.weak {
				weak = " (weak)"
			}
			p("- %s: %q %s → %s %s%s\n", o.line.Writer, trim(o.line.Text), o.line.Class, o.class, o.item, weak)
		}
	}
	p("\nMust-refuse lines answered as a confident immediate (not weak, no hint) on the frozen split, by the held-out writers, in cross-validation and cross-writer:\n\n")
	none := true
	for _, set := range []struct {
		name string
		outs []outcome
	}{{"frozen", testOut}, {"held-out writers", heldOut}, {"5-fold", cvOut}, {"cross-writer", lowoOut}} {
		for _, o := range set.outs {
			if o.line.Class == string(cases.MustRefuse) && o.class == cases.Immediate && !o.weak {
				p("- %s, %s: %q → %s %.2f\n", set.name, o.line.Writer, o.line.Text, o.item, o.conf)
				none = false
			}
		}
	}
	if none {
		p("- none\n")
	}
}

func trim(s string) string {
	r := []rune(s)
	if len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}

func confusion(w io.Writer, f figures) {
	cols := []string{"immediate", "cross_department", "needs_approval", "must_refuse", "422"}
	fmt.Fprintf(w, "| writer \\ answer | %s |\n|---|%s\n", strings.Join(cols, " | "), strings.Repeat("---|", len(cols)))
	for _, r := range cols[:4] {
		fmt.Fprintf(w, "| %s |", r)
		for _, c := range cols {
			fmt.Fprintf(w, " %d |", f.confusion[[2]string{r, c}])
		}
		fmt.Fprintln(w)
	}
}

// GeneralRefusal is the catalog's item for a request to refuse that no
// specific refusal item fits.
const GeneralRefusal = "cannot_grant"

// labelItems maps each writer line to an item of the writer's class: twice,
// first with a model of the catalog and the authors' phrasings, then with one
// that also learnt the first round's confident labels. A line whose best item
// holds less than half of its class's probability, or less than 20 % in all
// (no item of the writer's class fits), keeps no item (it still
// teaches the class head) — except a must_refuse line, which gets the
// general refusal item.
func labelItems(cat *cases.Catalog, dir string, lines []corpus.Line, only string) {
	var seed []corpus.Line
	for _, l := range lines {
		if l.Writer == corpus.Authors {
			seed = append(seed, l)
		}
	}
	for round := 0; round < 2; round++ {
		c := cat.Clone()
		c.SetModel(fit(cat, seed, "labelling"))
		next := slices.Clone(seed)
		for i, l := range lines {
			if l.Writer == corpus.Authors {
				continue
			}
			// The writer's topic ("waive late fee hospitalized") helps: the
			// glossary reads its English.
			ranked, err := c.Rank(l.Text + "。" + strings.ReplaceAll(l.Topic, "_", " "))
			if err != nil {
				lines[i].Item = ""
				continue
			}
			best, sum := "", 0.0
			bestP := 0.0
			for _, r := range ranked {
				if string(r.Class) != l.Class {
					continue
				}
				sum += r.Score
				if best == "" {
					best, bestP = r.Item, r.Score
				}
			}
			lines[i].Item = ""
			if sum > 0 && bestP/sum >= 0.5 && bestP >= 0.2 {
				lines[i].Item = best
				if !corpus.InTest(l) {
					ll := lines[i]
					next = append(next, ll)
				}
			}
		}
		seed = next
	}
	// A refusal no specific item fits gets the general one, so that the
	// item head learns a refusal without a fitting item as "beyond the
	// rules" instead of lending it the script of whichever refusal item
	// (bribe_favour) its politeness resembles.
	for i, l := range lines {
		if l.Writer != corpus.Authors && l.Class == string(cases.MustRefuse) && l.Item == "" {
			lines[i].Item = GeneralRefusal
		}
	}
	byWriter := map[string][]corpus.Line{}
	for _, l := range lines {
		if l.Writer != corpus.Authors {
			byWriter[l.Writer] = append(byWriter[l.Writer], l)
		}
	}
	for w, ls := range byWriter {
		if only != "" && !slices.Contains(strings.Split(only, ","), w) {
			continue
		}
		var b strings.Builder
		labelled := 0
		for _, l := range ls {
			data, _ := json.Marshal(l)
			b.Write(data)
			b.WriteByte('\n')
			if l.Item != "" {
				labelled++
			}
		}
		if err := os.WriteFile(filepath.Join(dir, w+".jsonl"), []byte(b.String()), 0o644); err != nil {
			log.Fatal(err)
		}
		log.Printf("%s: %d of %d lines labelled with an item", w, labelled, len(ls))
	}
}

// measureUnseen classifies every line of a writer file the model never saw
// with the shipped model (and the old keyword rules) and prints the figures.
func measureUnseen(cat *cases.Catalog, oldPath, path string) {
	lines, err := corpus.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	oldData, err := os.ReadFile(oldPath)
	if err != nil {
		log.Fatal(err)
	}
	old, err := cases.ParseCatalog(oldData)
	if err != nil {
		log.Fatal(err)
	}
	learnt := 0
	for i := range lines {
		if cat.Model().Learnt(lines[i].Text) {
			learnt++
		}
	}
	log.Printf("%d lines are word for word a text the shipped model learnt (another writer's or a catalog example)", learnt)
	om := classifyAll(cat, lines)
	fm, fo := stats(om), stats(classifyKeywords(old, lines))
	fmt.Printf("%s: %d lines, %d with an item (%s)\n", path, fm.n, fm.itemKnown, cat.Model().Info)
	fmt.Printf("| figure | shipped model | old keyword rules |\n|---|---|---|\n")
	row := func(name string, g func(f figures) string) { fmt.Printf("| %s | %s | %s |\n", name, g(fm), g(fo)) }
	row("class accuracy", func(f figures) string { return pct(f.classRight, f.n) })
	for _, cl := range cases.Classes {
		k := string(cl)
		row("accuracy on "+k, func(f figures) string { return pct(f.perClass[k][1], f.perClass[k][0]) })
	}
	row("item accuracy", func(f figures) string { return pct(f.itemRight, f.itemKnown) })
	row("right item among answer and candidates", func(f figures) string { return pct(f.candRight, f.itemKnown) })
	row("weak answers", func(f figures) string { return pct(f.weak, f.n) })
	row("confidently wrong class (not weak)", func(f figures) string { return pct(f.confWrong, f.n) })
	row("bare 422", func(f figures) string { return pct(f.errors, f.n) })
	row("must-refuse recognised", func(f figures) string { return pct(f.refuseRight, f.refuseN) })
	row("must-refuse answered immediate, weak", func(f figures) string {
		return fmt.Sprintf("%d of %d (%d with 可能需要婉拒)", f.refuseImmediate-f.refuseImmediateConf, f.refuseN, f.refuseImmediateHint)
	})
	row("must-refuse answered immediate, not weak", func(f figures) string { return fmt.Sprintf("%d", f.refuseImmediateConf) })
	fmt.Println()
	confusion(os.Stdout, fm)
	fmt.Println("\nEach line answered with another class (! confident, ? weak, ~ weak with 可能需要婉拒, 422 bare):")
	for _, o := range om {
		if string(o.class) == o.line.Class {
			continue
		}
		mark := "!"
		switch {
		case o.class == "":
			mark = "422"
		case o.weak && o.hint:
			mark = "~"
		case o.weak:
			mark = "?"
		}
		fmt.Printf("%s %s → %s %s %.2f  %s\n", mark, o.line.Class, o.class, o.item, o.conf, o.line.Text)
	}
}

// leaveOneWriterOut prints, for each training variant, the class accuracy on
// each writer's training lines of a model trained without that writer, for
// several refusal-guard thresholds, and the weak share needed for at most
// 1.5 % confidently wrong (the test split is not read).
func leaveOneWriterOut(cat *cases.Catalog, train []corpus.Line) {
	m0 := cat.Model()
	writers := map[string]bool{}
	for _, l := range train {
		if l.Writer != corpus.Authors {
			writers[l.Writer] = true
		}
	}
	var names []string
	for n := range writers {
		names = append(names, n)
	}
	slices.Sort(names)
	for vi, v := range lowoVariants {
		trainOpts = v

		start := time.Now()
		var cv cvResult
		for _, n := range names {
			var in, out []corpus.Line
			for _, l := range train {
				if l.Writer == n {
					out = append(out, l)
				} else {
					in = append(in, l)
				}
			}
			c := cat.Clone()
			c.SetModel(fit(cat, in, "lowo"))
			cv.cats = append(cv.cats, c)
			cv.lines = append(cv.lines, out)
		}
		fmt.Printf("%+v (%s)\n", v, time.Since(start).Round(time.Second))
		for _, ra := range lowoRefuse {
			var all []outcome
			for _, other := range []bool{false, true} {
				th := cv.chooseWeak(cv.chooseHints(thresholds{mix: m0.Mix, refuseAt: ra}, other))
				all = cv.run(th)
				s := stats(all)
				fmt.Printf("  refuse %.2f, hint %.2f/%.2f, weak from %.3f: all %s", ra, th.hintAt, th.hintOther, th.weakAt, pct(s.classRight, s.n))
				for _, cl := range cases.Classes {
					k := string(cl)
					fmt.Printf(" %s %s", k[:4], pct(s.perClass[k][1], s.perClass[k][0]))
				}
				fmt.Printf(" | item %s (refusals with a specific item %s, answered bribe_favour without its label %d)", pct(s.itemRight, s.itemKnown), pct(s.specRight, s.specN), s.bribeWrong)
				fmt.Printf(" | weak %s, confidently wrong %s, hint on other classes %s, refusals unflagged %d of %d, refuse→immediate %d (confident %d, without hint %d)\n",
					pct(s.weak, s.n), pct(s.confWrong, s.n), pct(s.nonRefuseHint, s.nonRefuse), s.refuseUnflagged, s.refuseN,
					s.refuseImmediate, s.refuseImmediateConf, s.refuseImmediate-s.refuseImmediateHint)
			}
			fmt.Printf("   ")
			for k, n := range names {
				ss := stats(classifyAll(cv.cats[k], cv.lines[k]))
				fmt.Printf(" %s %s", n, pct(ss.classRight, ss.n))
			}
			fmt.Println()
			if d := os.Getenv("LOWO_DUMP"); d != "" && ra == lowoRefuse[0] {
				dumpOutcomes(fmt.Sprintf("%s.v%d.jsonl", d, vi), cv, all)
			}
			for _, d := range lowoGBias {
				for _, c := range cv.cats {
					m := c.Model()
					shiftGeneral(m, d)
					c.SetModel(m)
				}
				th := cv.chooseWeak(cv.chooseHints(thresholds{mix: m0.Mix, refuseAt: ra}, true))
				s := stats(cv.run(th))
				fmt.Printf("    general item's bias -%.2f: all %s, item %s (refusals with a specific item %s, general-labelled refusals answered with a specific item %d of %d, answered bribe_favour without its label %d)\n",
					d, pct(s.classRight, s.n), pct(s.itemRight, s.itemKnown), pct(s.specRight, s.specN), s.genSpecific, s.genN, s.bribeWrong)
				for _, c := range cv.cats {
					m := c.Model()
					shiftGeneral(m, -d)
					c.SetModel(m)
				}
			}
			if os.Getenv("LOWO_MISSES") != "" && ra == 0.35 && len(lowoVariants) == 1 {
				mf, _ := os.Create(os.Getenv("LOWO_MISSES"))
				for _, x := range all {
					if string(x.class) != x.line.Class {
						data, _ := json.Marshal(map[string]any{"w": x.line.Writer, "want": x.line.Class, "got": x.class, "item": x.item, "conf": x.conf, "weak": x.weak, "topic": x.line.Topic, "style": x.line.Style, "text": x.line.Text})
						fmt.Fprintf(mf, "%s\n", data)
					}
				}
				mf.Close()
			}
		}
	}
}

var (
	lowoVariants = []cases.TrainOptions{{}, {NB: 0.3, NBAlpha: 0.1}}
	lowoRefuse   = []float64{0.3, 0.35, 0.4, 0.5, 0.6, 0.99}
	lowoGBias    []float64
)

// dumpOutcomes writes every held-out line's outcome with the combined class
// probabilities before the refusal guard (for choosing the decision's rules
// offline).
func dumpOutcomes(path string, cv cvResult, all []outcome) {
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	k := 0
	for i, c := range cv.cats {
		for range cv.lines[i] {
			x := all[k]
			k++
			p, _ := c.ClassProbabilities(x.line.Text)
			data, _ := json.Marshal(map[string]any{"w": x.line.Writer, "want": x.line.Class, "got": x.class, "item": x.item,
				"want_item": x.line.Item, "conf": x.conf, "hint": x.hint, "p": p, "cand": x.candidates, "text": x.line.Text})
			fmt.Fprintf(f, "%s\n", data)
		}
	}
}
