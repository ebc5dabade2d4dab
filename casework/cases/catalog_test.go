package cases_test

import (
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"hallq/casework/cases"
)

func TestDefaultCatalogValid(t *testing.T) {
	cat := cases.DefaultCatalog()
	if err := cat.Validate(); err != nil {
		t.Fatalf("default catalog: %v", err)
	}
	if n := len(cat.Items); n < 40 {
		t.Errorf("default catalog has %d items, want at least 40", n)
	}
	ids := map[string]bool{}
	perClass := map[cases.Class]int{}
	perService := map[string]int{}
	for _, it := range cat.Items {
		if ids[it.ID] {
			t.Errorf("duplicate id %s", it.ID)
		}
		ids[it.ID] = true
		perClass[it.Class]++
		perService[it.Service]++
		if !strings.Contains("ABCDEF", it.Service) {
			t.Errorf("%s: service %q is not one of the hall's services A–F", it.ID, it.Service)
		}
		if len(it.Keywords) == 0 {
			t.Errorf("%s: no keyword rules, free text can never find it", it.ID)
		}
		// Every customer-facing text has its English.
		if it.ScriptEN == "" || (it.Class == cases.NeedsApproval && it.AuthorityEN == "") ||
			(it.Class == cases.MustRefuse && (it.ReasonEN == "" || it.CanDoEN == "" || len(it.AlternativesEN) != len(it.Alternatives))) {
			t.Errorf("%s: English text missing", it.ID)
		}
		// Complaints and suggestions (F) and questions about the hall itself
		// (hall_info: hours, the queue, facilities) need nothing brought.
		if it.Class != cases.MustRefuse && it.Class != cases.CrossDepartment && len(it.Documents) == 0 && it.Service != "F" && it.ID != "hall_info" {
			t.Errorf("%s: no documents to tell the customer (一次性告知)", it.ID)
		}
		// Every item can be found by its own name.
		r, err := cat.Classify("", it.NameZH)
		if err != nil {
			t.Errorf("%s: its own name %q finds nothing: %v", it.ID, it.NameZH, err)
		} else if r.Item != it.ID && !slices.ContainsFunc(r.Candidates, func(c cases.Candidate) bool { return c.Item == it.ID }) {
			t.Errorf("%s: its own name %q finds %s (%s)", it.ID, it.NameZH, r.Item, r.Why)
		}
	}
	for _, c := range cases.Classes {
		if perClass[c] == 0 {
			t.Errorf("no item of class %s", c)
		}
	}
	for _, s := range []string{"A", "B", "C", "D", "E", "F"} {
		if perService[s] == 0 {
			t.Errorf("no item under service %s", s)
		}
	}
	t.Logf("%d items: %v; per service %v", len(cat.Items), perClass, perService)
}

// TestDefaultCatalogCovers checks that the business the issue names is in the
// default catalog.
func TestDefaultCatalogCovers(t *testing.T) {
	cat := cases.DefaultCatalog()
	want := map[string]cases.Class{
		"pay_bill": cases.Immediate, "invoice": cases.Immediate, "bank_debit": cases.Immediate,
		"e_bill": cases.Immediate, "tariff_enquiry": cases.Immediate, "tou_tariff": cases.Immediate,
		"name_transfer": cases.Immediate,
		"lv_connection": cases.CrossDepartment, "lv_capacity": cases.CrossDepartment, "hv_connection": cases.CrossDepartment,
		"ev_charger": cases.CrossDepartment, "rooftop_pv": cases.CrossDepartment, "meter_check": cases.CrossDepartment,
		"meter_reading_dispute": cases.CrossDepartment, "bill_dispute": cases.CrossDepartment,
		"voltage_quality": cases.CrossDepartment, "fault_repair": cases.CrossDepartment,
		"construction_disturbance": cases.CrossDepartment, "damaged_line": cases.CrossDepartment,
		"tariff_category_change": cases.CrossDepartment,
		"late_fee_waiver":        cases.NeedsApproval, "deferred_payment": cases.NeedsApproval, "refund": cases.NeedsApproval,
		"hardship_discount":     cases.NeedsApproval,
		"other_account_privacy": cases.MustRefuse, "meter_tampering": cases.MustRefuse, "power_resale": cases.MustRefuse,
		"inflated_invoice": cases.MustRefuse, "delete_records": cases.MustRefuse, "inside_premises": cases.MustRefuse,
		"internal_documents": cases.MustRefuse,
	}
	for id, class := range want {
		it, ok := cat.Item(id)
		if !ok {
			t.Errorf("missing item %s", id)
			continue
		}
		if it.Class != class {
			t.Errorf("%s: class %s, want %s", id, it.Class, class)
		}
	}
}

// TestDefaultScriptsFree checks every text a clerk says in the default catalog
// against the default forbidden list, independently of Validate.
func TestDefaultScriptsFree(t *testing.T) {
	cat := cases.DefaultCatalog()
	if len(cat.Forbidden) == 0 {
		t.Fatal("the default catalog carries no forbidden-phrase list")
	}
	for _, p := range []string{"不能", "不会", "不愿意", "不可以"} {
		if !slices.Contains(cat.Forbidden, p) {
			t.Errorf("forbidden list lacks %s", p)
		}
	}
	for _, it := range cat.Items {
		texts := append([]string{it.Script, it.Authority, it.Reason, it.CanDo}, it.Alternatives...)
		for _, list := range [][]string{cat.Forbidden, cases.DefaultForbidden()} {
			for _, s := range texts {
				if err := cases.CheckScript(s, list); err != nil {
					t.Errorf("%s: %v", it.ID, err)
				}
			}
		}
	}
}

func TestCheckScript(t *testing.T) {
	list := []string{"不能", "不会", "不愿意", "不可以", "不可能"}
	tests := []struct {
		name   string
		text   string
		phrase string // "" for no violation
		pos    int
	}{
		{"positive", "我们可以为您申请电表校验。", "", 0},
		{"empty", "", "", 0},
		{"at start", "不能办理", "不能", 0},
		{"in the middle", "您好，这个不能办理", "不能", 5},
		{"counts runes not bytes", "电费电费不会", "不会", 4},
		{"earliest wins", "这不可以，也不能", "不可以", 1},
		{"longest at the same place", "这不可能", "不可能", 1},
		{"split by a space", "这个不 能办", "不能", 2},
		{"split by full-width space and punctuation", "这个不　，能办", "不能", 2},
		{"ascii", "You can NOT do that", "", 0},
		{"不愿意", "我们不愿意", "不愿意", 2},
		{"不 without a forbidden word", "不用担心，我们马上办", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := cases.CheckScript(tt.text, list)
			if tt.phrase == "" {
				if err != nil {
					t.Fatalf("CheckScript(%q) = %v, want nil", tt.text, err)
				}
				return
			}
			var pe *cases.PhraseError
			if !errors.As(err, &pe) {
				t.Fatalf("CheckScript(%q) = %v, want *PhraseError", tt.text, err)
			}
			if pe.Phrase != tt.phrase || pe.Pos != tt.pos {
				t.Errorf("CheckScript(%q) = %q at %d, want %q at %d", tt.text, pe.Phrase, pe.Pos, tt.phrase, tt.pos)
			}
			if !errors.Is(err, cases.ErrInvalid) || cases.Code(err) != cases.CodeInvalid {
				t.Errorf("a phrase error is not ErrInvalid / %s: %v", cases.CodeInvalid, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, "「"+tt.phrase+"」") || !strings.Contains(msg, "forbidden service phrase") {
				t.Errorf("message %q does not name the phrase in Chinese and English", msg)
			}
		})
	}
	if err := cases.CheckScript("不能", nil); err != nil {
		t.Errorf("an empty list forbids nothing, got %v", err)
	}
	if err := cases.CheckScript("这个没办法", cases.DefaultForbidden()); err == nil {
		t.Errorf("the default list should forbid 没办法")
	}
}

// validItem returns a valid item of the class, for the tests to break.
func validItem(class cases.Class) cases.Item {
	it := cases.Item{
		ID: "test_item", NameZH: "测试事项", NameEN: "Test item", Class: class, Service: "D",
		Keywords: []cases.Rule{{Words: []string{"测试|试验"}, Weight: 3}},
		Script:   "我们可以为您办理。",
	}
	switch class {
	case cases.CrossDepartment:
		it.Department, it.PromisedDays = "营销部", 3
	case cases.NeedsApproval:
		it.Approver, it.Authority = "营业厅主任", "此事由营业厅主任审批，我负责受理并提交。"
	case cases.MustRefuse:
		it.Reason, it.CanDo, it.Alternatives = "按规定办理。", "我们可以为您提供其他帮助。", []string{"建议您拨打 95598。"}
	}
	return it
}

func TestValidateRejects(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *cases.Catalog)
		want   string // a part of the error message
	}{
		{"duplicate id", func(c *cases.Catalog) { c.Items = append(c.Items, c.Items[0]) }, "duplicate item id"},
		{"bad id", func(c *cases.Catalog) { c.Items[0].ID = "Pay Bill" }, "id must be"},
		{"unknown class", func(c *cases.Catalog) { c.Items[0].Class = "maybe" }, "unknown class"},
		{"service two letters", func(c *cases.Catalog) { c.Items[0].Service = "AB" }, "one letter"},
		{"service lower case", func(c *cases.Catalog) { c.Items[0].Service = "a" }, "one letter"},
		{"no script", func(c *cases.Catalog) { c.Items[0].Script = " " }, "script is required"},
		{"no English name", func(c *cases.Catalog) { c.Items[0].NameEN = "" }, "name_en"},
		{"rule without words", func(c *cases.Catalog) { c.Items[0].Keywords = []cases.Rule{{Weight: 1}} }, "has no words"},
		{"empty alternative only", func(c *cases.Catalog) { c.Items[0].Keywords = []cases.Rule{{Words: []string{"|"}}} }, "empty word"},
		{"unknown group", func(c *cases.Catalog) { c.Items[0].Keywords = []cases.Rule{{Words: []string{"@没有这个组"}}} }, "unknown group"},
		{"negative weight", func(c *cases.Catalog) { c.Items[0].Keywords[0].Weight = -1 }, "weight"},
		{"cross without department", func(c *cases.Catalog) { c.Items = []cases.Item{clear(validItem(cases.CrossDepartment), "department")} }, "needs a department"},
		{"cross without days", func(c *cases.Catalog) { c.Items = []cases.Item{clear(validItem(cases.CrossDepartment), "days")} }, "promised_days"},
		{"approval without approver", func(c *cases.Catalog) { c.Items = []cases.Item{clear(validItem(cases.NeedsApproval), "approver")} }, "needs an approver"},
		{"approval without authority", func(c *cases.Catalog) { c.Items = []cases.Item{clear(validItem(cases.NeedsApproval), "authority")} }, "authority"},
		{"refusal without reason", func(c *cases.Catalog) { c.Items = []cases.Item{clear(validItem(cases.MustRefuse), "reason")} }, "needs a reason"},
		{"refusal without can-do", func(c *cases.Catalog) { c.Items = []cases.Item{clear(validItem(cases.MustRefuse), "can_do")} }, "can_do"},
		{"refusal without alternatives", func(c *cases.Catalog) { c.Items = []cases.Item{clear(validItem(cases.MustRefuse), "alternatives")} }, "alternative"},
		{"forbidden phrase in script", func(c *cases.Catalog) { c.Items[0].Script = "这个我们不能办" }, "不能"},
		{"forbidden phrase in an alternative", func(c *cases.Catalog) {
			i := slices.IndexFunc(c.Items, func(it cases.Item) bool { return it.Class == cases.MustRefuse })
			c.Items[i].Alternatives = append(c.Items[i].Alternatives, "其他的我们不会")
		}, "不会"},
		{"empty forbidden phrase", func(c *cases.Catalog) { c.Forbidden = append(c.Forbidden, " ") }, "forbidden phrase"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cases.DefaultCatalog()
			tt.change(c)
			err := c.Validate()
			if err == nil {
				t.Fatal("Validate() = nil, want an error")
			}
			if !errors.Is(err, cases.ErrInvalid) || cases.Code(err) != cases.CodeInvalid {
				t.Errorf("error is not ErrInvalid: %v", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func clear(it cases.Item, field string) cases.Item {
	switch field {
	case "department":
		it.Department = ""
	case "days":
		it.PromisedDays = 0
	case "approver":
		it.Approver = ""
	case "authority":
		it.Authority = ""
	case "reason":
		it.Reason = ""
	case "can_do":
		it.CanDo = ""
	case "alternatives":
		it.Alternatives = nil
	}
	return it
}

func TestValidatePhraseErrorNamesItemAndField(t *testing.T) {
	c := cases.DefaultCatalog()
	i := slices.IndexFunc(c.Items, func(it cases.Item) bool { return it.Class == cases.NeedsApproval })
	c.Items[i].Authority = "这件事我不可以决定"
	var pe *cases.PhraseError
	if err := c.Validate(); !errors.As(err, &pe) {
		t.Fatalf("Validate() = %v, want a *PhraseError", err)
	}
	if pe.Phrase != "不可以" || pe.Pos != 4 || pe.Item != c.Items[i].ID || pe.Field != "authority" {
		t.Errorf("got %+v, want 不可以 at 4 in %s.authority", *pe, c.Items[i].ID)
	}
}

func TestValidItemsPass(t *testing.T) {
	c := cases.DefaultCatalog()
	for _, class := range cases.Classes {
		if err := c.ValidateItem(validItem(class)); err != nil {
			t.Errorf("%s: %v", class, err)
		}
	}
}

func TestPut(t *testing.T) {
	c := cases.DefaultCatalog()
	n := len(c.Items)

	bad := validItem(cases.Immediate)
	bad.Script = "这个业务我们不可以办"
	err := c.Put(bad)
	var pe *cases.PhraseError
	if !errors.As(err, &pe) || pe.Phrase != "不可以" || pe.Pos != 6 || pe.Field != "script" {
		t.Fatalf("Put with a forbidden phrase = %v, want 不可以 at 6 in script", err)
	}
	if len(c.Items) != n {
		t.Fatalf("a refused Put changed the catalog")
	}

	// A configured list replaces the default one.
	c.Forbidden = []string{"稍等"}
	bad.Script = "请您稍等"
	if err := c.Put(bad); !errors.As(err, &pe) || pe.Phrase != "稍等" {
		t.Fatalf("Put with a configured phrase = %v, want 稍等", err)
	}
	c.Forbidden = nil

	good := validItem(cases.Immediate)
	if err := c.Put(good); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if len(c.Items) != n+1 {
		t.Fatalf("Put did not append")
	}
	r, err := c.Classify("", "我想做个测试")
	if err != nil || r.Item != good.ID {
		t.Fatalf("the new item is not found by its keywords: %+v %v", r, err)
	}

	good.Script = "我们马上为您办理。"
	if err := c.Put(good); err != nil {
		t.Fatalf("Put (replace): %v", err)
	}
	if got, _ := c.Item(good.ID); got.Script != good.Script || len(c.Items) != n+1 {
		t.Fatalf("Put did not replace: %q, %d items", got.Script, len(c.Items))
	}

	if err := c.Remove(good.ID); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	if _, err := c.Classify(good.ID, ""); !errors.Is(err, cases.ErrUnknownItem) {
		t.Fatalf("removed item still classifies: %v", err)
	}
	if err := c.Remove("no_such_item"); !errors.Is(err, cases.ErrUnknownItem) {
		t.Fatalf("Remove(unknown) = %v", err)
	}
}

func TestDefaultCatalogIsACopy(t *testing.T) {
	a := cases.DefaultCatalog()
	a.Items[0].Script = "changed"
	a.Items[0].Documents[0] = "changed"
	b := cases.DefaultCatalog()
	if b.Items[0].Script == "changed" || b.Items[0].Documents[0] == "changed" {
		t.Fatal("DefaultCatalog shares memory between calls")
	}
	it, _ := b.Item(b.Items[0].ID)
	it.Documents[0] = "changed"
	if b.Items[0].Documents[0] == "changed" {
		t.Fatal("Item shares memory with the catalog")
	}
}

func TestParseCatalogRoundTrip(t *testing.T) {
	c := cases.DefaultCatalog()
	data, err := c.JSON()
	if err != nil {
		t.Fatal(err)
	}
	d, err := cases.ParseCatalog(data)
	if err != nil {
		t.Fatalf("ParseCatalog(JSON()) = %v", err)
	}
	if len(d.Items) != len(c.Items) || len(d.Forbidden) != len(c.Forbidden) {
		t.Fatalf("round trip lost items or phrases")
	}
	if _, err := cases.ParseCatalog([]byte(`{"items": [], "forbiden": []}`)); !errors.Is(err, cases.ErrInvalid) {
		t.Errorf("unknown field: %v, want ErrInvalid", err)
	}
	if _, err := cases.ParseCatalog([]byte(`{"items": [`)); !errors.Is(err, cases.ErrInvalid) {
		t.Errorf("broken JSON: %v, want ErrInvalid", err)
	}
	// The embedded default catalog is read by ParseCatalog (DefaultCatalog
	// panics when it fails) and holds the shipped business.
	if d := cases.DefaultCatalog(); len(d.Items) == 0 {
		t.Error("the embedded default catalog is empty")
	}
}

func TestClassifyByID(t *testing.T) {
	c := cases.DefaultCatalog()
	r, err := c.Classify("meter_check", "这段文字被忽略")
	if err != nil {
		t.Fatal(err)
	}
	want := cases.Result{
		Class: cases.CrossDepartment, Item: "meter_check", ItemName: "电能表校验", ItemNameEN: "Meter accuracy test",
		Service: "E", Department: "营销部计量中心（电能表检定）", PromisedDays: 5, Confidence: 1,
	}
	if r.Class != want.Class || r.Item != want.Item || r.ItemName != want.ItemName || r.ItemNameEN != want.ItemNameEN ||
		r.Service != want.Service || r.Department != want.Department || r.PromisedDays != want.PromisedDays ||
		r.Confidence != 1 || r.Weak || r.Candidates != nil {
		t.Errorf("Classify(meter_check) = %+v", r)
	}
	if r.Script == "" || len(r.Documents) == 0 || r.Alternatives == nil || !strings.Contains(r.Why, "meter_check") {
		t.Errorf("Classify(meter_check) lacks script, documents or why: %+v", r)
	}

	r, err = c.Classify(" other_account_privacy ", "")
	if err != nil {
		t.Fatal(err)
	}
	if r.Class != cases.MustRefuse || r.Reason == "" || r.CanDo == "" || len(r.Alternatives) == 0 {
		t.Errorf("refusal result lacks reason, can-do or alternatives: %+v", r)
	}
	r, err = c.Classify("late_fee_waiver", "")
	if err != nil {
		t.Fatal(err)
	}
	if r.Class != cases.NeedsApproval || r.Approver == "" || r.Authority == "" {
		t.Errorf("approval result lacks approver or authority: %+v", r)
	}
}

func TestClassifyErrors(t *testing.T) {
	c := cases.DefaultCatalog()
	tests := []struct {
		name       string
		id, text   string
		err        error
		code       string
		weakOrNone bool
	}{
		{name: "unknown id", id: "no_such_item", err: cases.ErrUnknownItem, code: cases.CodeNotFound},
		{name: "unknown id wins over text", id: "no_such_item", text: "我来交电费", err: cases.ErrUnknownItem, code: cases.CodeNotFound},
		{name: "both empty", err: cases.ErrEmpty, code: cases.CodeInvalid},
		{name: "spaces", text: " \t　", err: cases.ErrEmpty, code: cases.CodeInvalid},
		{name: "punctuation only", text: "？？！。", err: cases.ErrEmpty, code: cases.CodeInvalid},
		{name: "too long", text: strings.Repeat("电", cases.MaxTextRunes+1), err: cases.ErrTooLong, code: cases.CodeInvalid},
		{name: "garbage", text: "asdfgh qwrtz", err: cases.ErrNoMatch, code: cases.CodeInvalid},
		{name: "emoji only", text: "🙂🙂🙂", err: cases.ErrEmpty, code: cases.CodeInvalid},
		{name: "unrelated", text: "今天天气真不错", weakOrNone: true},
		{name: "greeting", text: "你好", weakOrNone: true},
		{name: "weather", text: "明天会下雨吗", weakOrNone: true},
		{name: "english", text: "hello, where is the exit?", weakOrNone: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := c.Classify(tt.id, tt.text)
			if tt.weakOrNone {
				if err == nil && !r.Weak {
					t.Errorf("Classify(%q) = %s with confidence %.2f, want no match or a weak one", tt.text, r.Item, r.Confidence)
				}
				return
			}
			if !errors.Is(err, tt.err) {
				t.Fatalf("Classify(%q, %q) = %v, want %v", tt.id, tt.text, err, tt.err)
			}
			if got := cases.Code(err); got != tt.code {
				t.Errorf("Code = %q, want %q", got, tt.code)
			}
		})
	}
	if cases.Code(nil) != "" || cases.Code(errors.New("x")) != cases.CodeInternal {
		t.Error("Code(nil) or Code(other) is wrong")
	}
}

func TestClassifyWeakGivesCandidates(t *testing.T) {
	c := cases.DefaultCatalog()
	r, err := c.Classify("", "电表")
	if err != nil {
		t.Fatal(err)
	}
	if !r.Weak {
		t.Fatalf("a lone generic word should be weak, got %+v", r)
	}
	if len(r.Candidates) < 2 || len(r.Candidates) > cases.MaxCandidates {
		t.Fatalf("want 2–%d candidates, got %+v", cases.MaxCandidates, r.Candidates)
	}
	if r.Candidates[0].Item != r.Item {
		t.Errorf("the first candidate %s is not the result %s", r.Candidates[0].Item, r.Item)
	}
	for i, cand := range r.Candidates {
		if cand.ItemName == "" || cand.ItemNameEN == "" || !cand.Class.Valid() || cand.Service == "" || cand.Score <= 0 {
			t.Errorf("candidate %d incomplete: %+v", i, cand)
		}
		// With the refusal hint the best refusal comes second, out of order.
		prev := i - 1
		if r.Hint != "" && prev == 1 {
			prev = 0
		}
		if i > 0 && !(r.Hint != "" && i == 1) && cand.Score > r.Candidates[prev].Score {
			t.Errorf("candidates not best first: %+v", r.Candidates)
		}
	}
	if !strings.Contains(r.Why, "把握不大") && !strings.Contains(r.Why, cases.RefuseHint) {
		t.Errorf("weak Why should say so: %s", r.Why)
	}
}

func TestClassifyWhy(t *testing.T) {
	c := cases.DefaultCatalog()
	tests := []struct {
		text string
		item string
		why  []string // parts of Why
	}{
		{"电表走得太快了想校验一下", "meter_check", []string{"关键词", "「校验」", "「电表」", "→ 电能表校验"}},
		{"帮我查查邻居家用了多少电", "other_account_privacy", []string{"「邻居」", "「用了多少」", "→ 查询他人用电信息"}},
		{"你们营业员态度太差了", "service_complaint", []string{"「态度」「差」"}},
		{"他们态度太差劲", "service_complaint", []string{"→ 服务投诉"}},
	}
	for _, tt := range tests {
		r, err := c.Classify("", tt.text)
		if err != nil {
			t.Errorf("%q: %v", tt.text, err)
			continue
		}
		if r.Item != tt.item {
			t.Errorf("%q → %s, want %s (%s)", tt.text, r.Item, tt.item, r.Why)
		}
		for _, w := range tt.why {
			if !strings.Contains(r.Why, w) {
				t.Errorf("%q: Why %q lacks %q", tt.text, r.Why, w)
			}
		}
		if r.Confidence <= 0 || r.Confidence > 1 {
			t.Errorf("%q: confidence %v out of range", tt.text, r.Confidence)
		}
	}
}

// TestClassifyKeywordsWhy: the keyword rules alone say which exclusion word
// set an item aside.
func TestClassifyKeywordsWhy(t *testing.T) {
	r, err := cases.DefaultCatalog().ClassifyKeywords("帮我查查邻居家用了多少电")
	if err != nil || r.Item != "other_account_privacy" || !strings.Contains(r.Why, "排除词「邻居」→ 不按「本户电量电费查询」处理") {
		t.Fatalf("got %s %q %v", r.Item, r.Why, err)
	}
}

// TestGappedMatch checks the one-character gap inside long keywords, and that
// it never bridges a negation or a clause boundary.
func TestGappedMatch(t *testing.T) {
	c := &cases.Catalog{Items: []cases.Item{
		{ID: "x", NameZH: "甲", NameEN: "x", Class: cases.Immediate, Service: "D", Script: "好的",
			Keywords: []cases.Rule{{Words: []string{"态度差"}, Weight: 5}}},
		{ID: "y", NameZH: "乙", NameEN: "y", Class: cases.Immediate, Service: "D", Script: "好的",
			Keywords: []cases.Rule{{Words: []string{"要停电"}, Weight: 5}}},
	}}
	tests := []struct {
		text string
		item string // "" for no match
		why  string
	}{
		{"态度差", "x", "「态度差」"},
		{"态度太差", "x", "「态度差≈态度太差」"},
		{"态度太太差", "", ""},
		{"态度，差", "", ""},
		{"要不停电", "", ""},
		{"要马上停电", "", ""},
		{"要是停电", "y", "≈要是停电"},
	}
	for _, tt := range tests {
		r, err := c.ClassifyKeywords(tt.text)
		if tt.item == "" {
			if !errors.Is(err, cases.ErrNoMatch) {
				t.Errorf("%q: got %s (%s) %v, want no match", tt.text, r.Item, r.Why, err)
			}
			continue
		}
		if err != nil || r.Item != tt.item || !strings.Contains(r.Why, tt.why) {
			t.Errorf("%q: got %s %q %v, want %s with %q", tt.text, r.Item, r.Why, err, tt.item, tt.why)
		}
	}
	// A gapped match counts less than an exact one.
	exact, _ := c.ClassifyKeywords("态度差")
	gap, _ := c.ClassifyKeywords("态度太差")
	if gap.Confidence >= exact.Confidence {
		t.Errorf("gapped %.2f should be less sure than exact %.2f", gap.Confidence, exact.Confidence)
	}
}

func TestClassifyHandBuiltCatalog(t *testing.T) {
	// A catalog built by hand (no Reindex) still classifies, and notices an
	// appended item.
	c := &cases.Catalog{Items: []cases.Item{validItem(cases.Immediate)}}
	if r, err := c.Classify("", "测试"); err != nil || r.Item != "test_item" {
		t.Fatalf("hand-built: %+v %v", r, err)
	}
	c.Reindex()
	other := validItem(cases.MustRefuse)
	other.ID = "other"
	other.Keywords = []cases.Rule{{Words: []string{"别的"}, Weight: 2}}
	c.Items = append(c.Items, other)
	if r, err := c.Classify("", "别的"); err != nil || r.Item != "other" {
		t.Fatalf("appended item not found: %+v %v", r, err)
	}
}

func TestResultJSON(t *testing.T) {
	c := cases.DefaultCatalog()
	r, err := c.Classify("pay_bill", "")
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for _, k := range []string{`"class":"immediate"`, `"item":"pay_bill"`, `"item_name":"缴纳电费"`, `"service":"A"`,
		`"alternatives":[]`, `"documents":["户号或电费通知单"]`, `"why":`, `"confidence":1`, `"weak":false`, `"script":`} {
		if !strings.Contains(s, k) {
			t.Errorf("JSON %s lacks %s", s, k)
		}
	}
	for _, k := range []string{`"candidates"`, `"department"`, `"approver"`, `"reason"`, `"can_do"`, `null`} {
		if strings.Contains(s, k) {
			t.Errorf("JSON %s should not contain %s", s, k)
		}
	}
}

func TestNormalize(t *testing.T) {
	tests := map[string]string{
		"ＥＶ充電樁！":     "ev充电桩",
		"电 表，走得\t快？": "电表走得快",
		"ＩＣ卡　买电":     "ic卡买电",
		"10kV 专线":    "10kv专线",
		"电费😀💡":       "电费",
		"":           "",
	}
	for in, want := range tests {
		if got := cases.Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestItemsFor(t *testing.T) {
	c := cases.DefaultCatalog()
	a := c.ItemsFor("A")
	if len(a) == 0 || !slices.ContainsFunc(a, func(it cases.Item) bool { return it.ID == "pay_bill" }) {
		t.Fatalf("ItemsFor(A) = %d items without pay_bill", len(a))
	}
	for _, it := range a {
		if it.Service != "A" {
			t.Errorf("ItemsFor(A) returned %s of %s", it.ID, it.Service)
		}
	}
	if len(c.ItemsFor("Z")) != 0 {
		t.Error("ItemsFor(Z) is not empty")
	}
}

func TestClassNames(t *testing.T) {
	re := regexp.MustCompile(`\p{Han}`)
	for _, c := range cases.Classes {
		if !c.Valid() || !re.MatchString(c.NameZH()) {
			t.Errorf("class %s: valid %v, name %q", c, c.Valid(), c.NameZH())
		}
	}
	if cases.Class("other").Valid() {
		t.Error("unknown class is valid")
	}
}

// TestConcurrentClassify: eight goroutines classifying at once on a fresh
// catalog (its index built by whichever comes first) get the answers one
// goroutine gets alone on another copy; how right those are is
// TestPhrasings' business.
func TestConcurrentClassify(t *testing.T) {
	alone := cases.DefaultCatalog()
	want := make([]cases.Result, len(tuned))
	for i, p := range tuned {
		r, err := alone.Classify("", p.text)
		if err != nil {
			t.Fatalf("%q: %v", p.text, err)
		}
		want[i] = r
	}
	c := cases.DefaultCatalog()
	done := make(chan bool)
	for g := range 8 {
		go func() {
			for i := range 200 {
				k := (g*200 + i) % len(tuned)
				r, err := c.Classify("", tuned[k].text)
				if err != nil || r.Item != want[k].Item || r.Class != want[k].Class || r.Confidence != want[k].Confidence || r.Why != want[k].Why {
					t.Errorf("%q → %s %s %.3f %v, alone %s %s %.3f", tuned[k].text, r.Item, r.Class, r.Confidence, err, want[k].Item, want[k].Class, want[k].Confidence)
				}
			}
			done <- true
		}()
	}
	for range 8 {
		<-done
	}
}

func BenchmarkClassify(b *testing.B) {
	c := cases.DefaultCatalog()
	var texts []string
	for _, bt := range batches {
		for _, p := range bt.rows {
			texts = append(texts, p.text)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := c.Classify("", texts[i%len(texts)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkClassifyByID(b *testing.B) {
	c := cases.DefaultCatalog()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Classify("meter_check", ""); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDefaultCatalog(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		cases.DefaultCatalog()
	}
}
