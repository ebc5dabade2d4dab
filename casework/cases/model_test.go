package cases_test

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"hallq/casework/cases"
	"hallq/casework/cases/internal/corpus"
)

// The frozen test split (corpus.InTest) measured with the shipped model, in
// its two parts: the held-out writers (corpus.HeldOut: every line of ten
// writers the model never learnt from, the way the outside sets measure it)
// and 20 % of each other independent writer's lines, by a hash fixed before
// any training. The floors are what the model honestly reaches minus a small
// margin (docs/cases.md, docs/cases_eval.md): the 95 % holds on the
// whole split and on the held-out writers; on the line split alone, which
// carries the angled writers' hardest kinds (requests the writers label each
// their own way), it is not reached.
const (
	minFrozenAccuracy   = 0.95 // the whole split: measured 95.1 % on 13,364 lines
	minHeldOutAccuracy  = 0.95 // measured 96.7 % on the 4,800 lines of ten writers (the 78-writer model before: 96.5 %)
	minClassAccuracy    = 0.93 // the line split: measured 94.2 % on 8,564 lines (the 78-writer model: 93.9 % on the same lines)
	maxConfidentlyWrong = 0.02
	// maxHintOther: the share of lines of the other three classes answered
	// with the refusal hint 可能需要婉拒.
	maxHintOther = 0.20
)

func TestFrozenSplit(t *testing.T) {
	lines, err := corpus.Load("corpus")
	if err != nil {
		t.Fatal(err)
	}
	cat := cases.DefaultCatalog()
	trained := map[string]bool{} // texts that are also training lines (the same words from two writers)
	for _, l := range lines {
		if !corpus.InTest(l) {
			trained[cases.Normalize(l.Text)] = true
		}
	}
	for _, e := range cases.CatalogExamples(cat) {
		trained[cases.Normalize(e.Text)] = true
	}
	_, split, held := corpus.Split(lines)
	writers := map[string]bool{}
	for _, l := range held {
		writers[l.Writer] = true
	}
	if len(writers) < 10 || len(held) < 4000 {
		t.Fatalf("%d lines of %d held-out writers; want ten writers' whole sets", len(held), len(writers))
	}
	var n, right int
	t.Run("held-out writers", func(t *testing.T) {
		a, b := measureFrozen(t, cat, held, trained, minHeldOutAccuracy)
		n, right = n+a, right+b
	})
	t.Run("line split", func(t *testing.T) {
		a, b := measureFrozen(t, cat, split, trained, minClassAccuracy)
		n, right = n+a, right+b
	})
	acc := float64(right) / float64(n)
	t.Logf("the whole frozen split: %d lines, class accuracy %.1f%%", n, 100*acc)
	if acc < minFrozenAccuracy {
		t.Errorf("class accuracy on the whole frozen split %.1f%% below %.1f%%", 100*acc, 100*minFrozenAccuracy)
	}
}

// measureFrozen classifies lines none of which the model learnt and fails
// below minAccuracy class accuracy, above maxConfidentlyWrong, on any
// must-refuse line answered immediate without the refusal hint, or on the
// refusal hint given too often to the other classes. It returns the lines
// and those answered with the writer's class.
func measureFrozen(t *testing.T, cat *cases.Catalog, lines []corpus.Line, trained map[string]bool, minAccuracy float64) (int, int) {
	m := cat.Model()
	n, right, confWrong, refuseImmediate, refuseImmediateAny, weak := 0, 0, 0, 0, 0, 0
	other, otherHint := 0, 0
	perClass := map[cases.Class][2]int{}
	for _, l := range lines {
		if m.Learnt(l.Text) && !trained[cases.Normalize(l.Text)] {
			t.Errorf("the model was trained on the test line %q", l.Text)
		}
		n++
		want := cases.Class(l.Class)
		r, err := cat.Classify("", l.Text)
		if err != nil {
			t.Errorf("%s %q: %v", l.Writer, l.Text, err)
			continue
		}
		pc := perClass[want]
		pc[0]++
		if r.Weak {
			weak++
		}
		if r.Class == want {
			right++
			pc[1]++
		} else if !r.Weak {
			confWrong++
			t.Logf("confidently wrong: %s %q: %s, answered %s %s (%.2f)", l.Writer, l.Text, want, r.Class, r.Item, r.Confidence)
		}
		perClass[want] = pc
		if want != cases.MustRefuse {
			other++
			if r.Hint == cases.RefuseHint {
				otherHint++
			}
		}
		if want == cases.MustRefuse && r.Class == cases.Immediate {
			refuseImmediateAny++
			if !r.Weak || r.Hint != cases.RefuseHint {
				refuseImmediate++
				t.Errorf("must-refuse answered as immediate without the refusal hint: %s %q → %s (%s)", l.Writer, l.Text, r.Item, r.Why)
			}
		}
	}
	if n < 300 {
		t.Fatalf("only %d test lines", n)
	}
	acc := float64(right) / float64(n)
	cw := float64(confWrong) / float64(n)
	t.Logf("%d lines, class accuracy %.1f%%, confidently wrong %.1f%%, weak %.1f%%, must-refuse as immediate %d (all weak with the hint: %v)",
		n, 100*acc, 100*cw, 100*float64(weak)/float64(n), refuseImmediateAny, refuseImmediate == 0)
	for _, c := range cases.Classes {
		t.Logf("  %-16s %3d/%3d", c, perClass[c][1], perClass[c][0])
	}
	if acc < minAccuracy {
		t.Errorf("class accuracy %.1f%% below %.1f%%", 100*acc, 100*minAccuracy)
	}
	if cw > maxConfidentlyWrong {
		t.Errorf("confidently wrong %.1f%% above %.0f%%", 100*cw, 100*maxConfidentlyWrong)
	}
	hs := float64(otherHint) / float64(other)
	t.Logf("refusal hint on %d of %d lines of the other classes (%.1f%%)", otherHint, other, 100*hs)
	if hs > maxHintOther {
		t.Errorf("refusal hint on %.1f%% of the other classes' lines, above %.0f%%", 100*hs, 100*maxHintOther)
	}
	return n, right
}

// TestRefusalNotOutvoted: a forbidden ask about an ordinary topic is answered
// as a refusal (or at least weak with the refusal hint), while its
// legitimate twin is never refused.
func TestRefusalNotOutvoted(t *testing.T) {
	cat := cases.DefaultCatalog()
	forbidden := []string{
		"这个月电费全免了吧",
		"我交了一百，发票给我开三百",
		"一家人还要什么手续，直接把户主改成我",
		"想办法让电表停着别走",
		"把我家的窃电记录撤了",
		"给你个红包，帮我先办了",
		"把那个抄表员的私人手机号给我",
		"把欠费记录从系统里删掉",
		"封印我自己剪了行不行",
		"租客不交房租，帮我把他的电停了",
		"峰电都按谷电算吧",
		"把邻居家上个月的电费单打出来给我看看",
	}
	for _, text := range forbidden {
		r, err := cat.Classify("", text)
		if err != nil {
			t.Errorf("%q: %v", text, err)
			continue
		}
		if r.Class != cases.MustRefuse && r.Hint != cases.RefuseHint {
			t.Errorf("%q → %s %s (%s), want a refusal or the refusal hint", text, r.Class, r.Item, r.Why)
		}
		if r.Class == cases.Immediate && !r.Weak {
			t.Errorf("%q → a confident immediate %s", text, r.Item)
		}
	}
	legit := map[string]cases.Class{
		"我住院了没按时交费，违约金能申请减免吗":  cases.NeedsApproval,
		"开一张上个月电费的发票":          cases.Immediate,
		"房子买了，过户的材料都带齐了":       cases.Immediate,
		"我是烈士家属，用电有没有优惠政策":     cases.NeedsApproval,
		"我怀疑电表出故障了，读数乱跳，想申请校验": cases.CrossDepartment,
		"对面那家好像在偷电，我来举报":       cases.CrossDepartment,
		"峰谷电价是怎么算的，谷电几点开始":     cases.Immediate,
	}
	for text, want := range legit {
		r, err := cat.Classify("", text)
		if err != nil {
			t.Errorf("%q: %v", text, err)
			continue
		}
		if r.Class == cases.MustRefuse && !r.Weak {
			t.Errorf("%q → a confident refusal %s (%s)", text, r.Item, r.Why)
		}
		if r.Class != want && !slices.ContainsFunc(r.Candidates, func(c cases.Candidate) bool { return c.Class == want }) {
			t.Errorf("%q → %s %s, want %s at least among the candidates", text, r.Class, r.Item, want)
		}
	}
}

// TestRobustText: every kind of input gets a clear answer or a clear error.
func TestRobustText(t *testing.T) {
	cat := cases.DefaultCatalog()
	long := strings.Repeat("我家电表最近走得特别快，", 200)[:0]
	for len([]rune(long)) < cases.MaxTextRunes-20 {
		long += "我家电表最近走得特别快，"
	}
	tests := []struct {
		name, text string
		item       string // among the answer and the candidates; "" for any
		class      cases.Class
		err        error
	}{
		{"empty", "", "", "", cases.ErrEmpty},
		{"emoji only", "😀🙏⚡", "", "", cases.ErrEmpty},
		{"too long", strings.Repeat("电", cases.MaxTextRunes+1), "", "", cases.ErrTooLong},
		{"2000 characters", long, "meter_check", "", nil},
		{"English", "my meter runs fast", "meter_check", "", nil},
		{"English bill", "I want to pay my electricity bill", "pay_bill", "", nil},
		{"pinyin", "wo jia dian biao zou de tai kuai le", "meter_check", "", nil},
		{"pinyin run together", "dianfeijiaofei", "", cases.Immediate, nil},
		{"traditional", "電錶走得太快了，想校驗一下", "meter_check", "", nil},
		{"emoji inside", "⚡停电了😡整栋楼都没电", "fault_repair", "", nil},
		{"homophone 停点", "我们小区又停点了，快来修", "", cases.CrossDepartment, nil},
		{"homophone 佃费", "俺来交佃费", "pay_bill", "", nil},
		{"dialect 冇电", "屋企冇电咗成日", "", "", nil},
		{"control bytes", "\x00\xff电费", "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := cat.Classify("", tt.text)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("got %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if tt.item != "" && r.Item != tt.item && !slices.ContainsFunc(r.Candidates, func(c cases.Candidate) bool { return c.Item == tt.item }) {
				t.Errorf("→ %s %v (%s), want %s", r.Item, r.Candidates, r.Why, tt.item)
			}
			if tt.class != "" && r.Class != tt.class {
				t.Errorf("→ %s %s (%s), want class %s", r.Class, r.Item, r.Why, tt.class)
			}
			if r.Why == "" || !r.Class.Valid() {
				t.Errorf("malformed %+v", r)
			}
		})
	}
}

// TestCatalogExamplesTakeEffect: a manager's new item and new example
// phrasings change the answers at once, without a new model.
func TestCatalogExamplesTakeEffect(t *testing.T) {
	cat := cases.DefaultCatalog()
	if n := cat.Adapted(); n != 0 {
		t.Errorf("the default catalog learnt %d examples at index time, want 0 (the shipped model knows them)", n)
	}
	text := "停车卡里没钱了，帮我充一下"
	before, _ := cat.Classify("", text)
	it := cases.Item{ID: "parking_card", NameZH: "停车卡充值", NameEN: "Parking card top-up", Class: cases.Immediate, Service: "D",
		Documents: []string{"停车卡"}, Script: "我们可以为您的停车卡充值。",
		Keywords: []cases.Rule{{Words: []string{"停车卡"}, Weight: 3}},
		Examples: []string{"停车卡充值", "帮我给停车卡充点钱", "停车卡没钱了"}}
	if err := cat.Put(it); err != nil {
		t.Fatal(err)
	}
	if n := cat.Adapted(); n != 4 {
		t.Errorf("after Put the catalog learnt %d examples, want 4 (the name and three examples)", n)
	}
	after, err := cat.Classify("", text)
	if err != nil || after.Item != "parking_card" {
		t.Fatalf("after Put: %s %v (%s), before %s", after.Item, err, after.Why, before.Item)
	}

	// A new example of an existing item moves a phrasing the model put elsewhere.
	odd := "表箱边上那个小铁盒子嗡嗡叫个不停"
	r, _ := cat.Classify("", odd)
	target := "meter_box_repair"
	if r.Item == target {
		target = "voltage_quality"
	}
	c2 := cat.Clone()
	i := slices.IndexFunc(c2.Items, func(it cases.Item) bool { return it.ID == target })
	c2.Items[i].Examples = append(c2.Items[i].Examples, odd)
	c2.Reindex()
	r2, err := c2.Classify("", odd)
	if err != nil || r2.Item != target {
		t.Fatalf("after adding the example to %s: %s %v (%s); before %s", target, r2.Item, err, r2.Why, r.Item)
	}
}

// BenchmarkClassifyLatency reports the p99 latency of classifying the
// corpus's phrasings at the catalog's size and at ten times its size (every
// item copied nine times under new ids with its examples).
func BenchmarkClassifyLatency(b *testing.B) {
	lines, err := corpus.Load("corpus")
	if err != nil {
		b.Fatal(err)
	}
	var texts []string
	for _, l := range lines {
		texts = append(texts, l.Text)
	}
	for _, scale := range []int{1, 10} {
		cat := cases.DefaultCatalog()
		base := slices.Clone(cat.Items)
		for k := 1; k < scale; k++ {
			for _, it := range base {
				it.ID = fmt.Sprintf("%s_%d", it.ID, k)
				cat.Items = append(cat.Items, it)
			}
		}
		cat.Reindex()
		cat.Classify("", "预热") // builds the model's view of the catalog
		b.Run(fmt.Sprintf("items=%d", len(cat.Items)), func(b *testing.B) {
			var durs []time.Duration
			i := 0
			for b.Loop() {
				start := time.Now()
				if _, err := cat.Classify("", texts[i%len(texts)]); err != nil && !errors.Is(err, cases.ErrNoMatch) {
					b.Fatal(err)
				}
				durs = append(durs, time.Since(start))
				i++
			}
			sort.Slice(durs, func(a, c int) bool { return durs[a] < durs[c] })
			b.ReportMetric(float64(durs[len(durs)*99/100].Microseconds()), "p99-µs")
		})
	}
}

// Off-topic or vague text is asked to say what it needs (ErrVague), never
// given a refusal hint; no corpus line (all real requests) is taken for one.
func TestVagueText(t *testing.T) {
	cat := cases.DefaultCatalog()
	for _, s := range []string{"今天天气真不错", "你好", "谢谢", "请问一下", "我想问个事", "帮我看看", "吃饭了吗", "我朋友叫我来的", "我要办业务"} {
		r, err := cat.Classify("", s)
		if !errors.Is(err, cases.ErrVague) || cases.Code(err) != cases.CodeInvalid {
			t.Errorf("%q: %v, answered %s %s hint %q; want ErrVague", s, err, r.Class, r.Item, r.Hint)
		}
	}
	for _, s := range []string{"我要投诉", "电表走得太快", "交电费", "my meter runs fast", "能不能便宜点", "插个队", "报的抢秀怎么还没来", "我嘞个商铺你给我登成住家的嘛"} {
		if _, err := cat.Classify("", s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	// Questions about the hall itself are answered (hall_info), not taken
	// for vague.
	for _, s := range []string{"请问厕所在哪里", "周日开门吗", "前面还有几个人，要等多久", "我是孕妇，有优先窗口吗"} {
		if r, err := cat.Classify("", s); err != nil || r.Item != "hall_info" || r.Class != cases.Immediate {
			t.Errorf("%q: %v, answered %s %s; want hall_info", s, err, r.Class, r.Item)
		}
	}
	// Text in the hall's words whose pairs of characters the model has not
	// learnt (调表; 减荣 for 减容) is read from its characters: a weak answer
	// with candidates, never a bare 422; text with nothing the model knows
	// (asdfgh) still matches nothing.
	for _, s := range []string{"调表", "减荣"} {
		if r, err := cat.Classify("", s); err != nil || !r.Weak || len(r.Candidates) == 0 {
			t.Errorf("%q: %v, weak %v, %d candidates; want a weak answer with candidates", s, err, r.Weak, len(r.Candidates))
		}
	}
	lines, err := corpus.Load("corpus")
	if err != nil {
		t.Fatal(err)
	}
	// Every corpus line by the vague test alone (the model's scoring of
	// 37,000 lines costs a minute and a half under -race); every 100th by
	// Classify too, which must agree.
	for i, l := range lines {
		taken := cat.TakenForVague(l.Text)
		if taken {
			t.Errorf("%s %q taken for vague", l.Writer, l.Text)
		}
		if i%100 == 0 {
			if _, err := cat.Classify("", l.Text); errors.Is(err, cases.ErrVague) != taken {
				t.Errorf("%s %q: Classify says vague %v, TakenForVague %v", l.Writer, l.Text, errors.Is(err, cases.ErrVague), taken)
			}
		}
	}
	for _, s := range []string{"今天天气真不错", "我要办业务", "电表走得太快"} {
		_, err := cat.Classify("", s)
		if got := cat.TakenForVague(s); got != errors.Is(err, cases.ErrVague) {
			t.Errorf("%q: TakenForVague %v, Classify %v", s, got, err)
		}
	}
}
