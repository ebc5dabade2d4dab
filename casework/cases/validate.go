package cases

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Errors returned by this package. Each message is safe to show a clerk or
// customer: Chinese first, English after a slash. Callers map them with
// errors.Is (or Code): ErrUnknownItem is a 404, the others are 422.
var (
	// ErrUnknownItem: no item has the id asked for.
	ErrUnknownItem = errors.New("没有这个业务事项 / unknown business item")
	// ErrEmpty: neither an item id nor any text to match was given.
	ErrEmpty = errors.New("请选择业务事项或说明您要办理的业务 / choose a business item or describe the request")
	// ErrNoMatch: the text matched no rule of any item.
	ErrNoMatch = errors.New("没有找到对应的业务事项，请从目录中选择，或取咨询号由工作人员为您解答 / no business item matches; choose one from the catalog or take a consultation ticket")
	// ErrVague: the text names nothing of the hall's business (今天天气真不错,
	// 你好): the customer is asked to say what they need.
	ErrVague = errors.New("这句话里没有要办理的业务，请说明您要办什么（例如：交电费、电表走得快、装充电桩），或取咨询号由工作人员为您解答 / this does not read as a request to the hall; please say what you need (e.g. pay a bill, my meter runs fast, install a charger) or take a consultation ticket")
	// ErrTooLong: the text is longer than MaxTextRunes.
	ErrTooLong = errors.New("描述太长，请简要说明您要办理的业务 / the description is too long; please keep it short")
	// ErrInvalid: a catalog or item breaks a rule (a *PhraseError is one too).
	ErrInvalid = errors.New("业务目录内容有误 / invalid business catalog")
)

// Error codes returned by Code. They are the strings of the codes the rest of
// hallq uses (queue.ENOTFOUND, queue.EINVALID, queue.EINTERNAL).
const (
	CodeNotFound = "not_found" // 404
	CodeInvalid  = "invalid"   // 422
	CodeInternal = "internal"  // 500
)

// Code returns the error code of an error from this package: CodeNotFound for
// ErrUnknownItem, CodeInvalid for ErrEmpty, ErrNoMatch, ErrVague, ErrTooLong, ErrInvalid
// and *PhraseError, CodeInternal for anything else, and "" for nil.
func Code(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrUnknownItem):
		return CodeNotFound
	case errors.Is(err, ErrEmpty), errors.Is(err, ErrNoMatch), errors.Is(err, ErrVague), errors.Is(err, ErrTooLong), errors.Is(err, ErrInvalid):
		return CodeInvalid
	}
	return CodeInternal
}

// defaultForbidden are the service phrases (服务忌语) a clerk must not use: the
// four named by the service guide, and the common ones of the State Grid
// service standards.
var defaultForbidden = []string{
	"不能", "不会", "不愿意", "不可以",
	"不行", "不知道", "不清楚", "不归我管", "不关我的事", "不是我负责",
	"没办法", "没有办法", "办不了", "解决不了", "不可能", "不受理", "不予受理",
	"找别人", "自己看", "自己去问", "急什么", "快下班了", "下班了",
	"有意见找领导", "你问我我问谁", "不是告诉你了吗", "听不懂吗", "没看我正忙着吗",
}

// DefaultForbidden returns the default forbidden-phrase list (服务忌语): 不能、
// 不会、不愿意、不可以 and the other common ones. A catalog with an empty
// Forbidden list is checked against it.
func DefaultForbidden() []string { return slices.Clone(defaultForbidden) }

// PhraseError reports a forbidden phrase in a script. Pos is the offset in
// runes (characters, from 0) of the phrase's first character in the checked
// text. Item and Field say where the text came from when the check ran on a
// catalog item (Validate, Put); they are empty for CheckScript.
type PhraseError struct {
	Phrase string
	Pos    int
	Item   string
	Field  string
}

func (e *PhraseError) Error() string {
	where, whereEN := "", ""
	if e.Item != "" {
		where = fmt.Sprintf("业务事项 %s 的 %s：", e.Item, e.Field)
		whereEN = fmt.Sprintf("item %s, %s: ", e.Item, e.Field)
	}
	return fmt.Sprintf("%s话术含服务忌语「%s」（第 %d 字起，从 0 计）/ %sthe text contains the forbidden service phrase %q at rune %d",
		where, e.Phrase, e.Pos, whereEN, e.Phrase, e.Pos)
}

// Is makes errors.Is(err, ErrInvalid) true for a *PhraseError.
func (e *PhraseError) Is(target error) bool { return target == ErrInvalid }

// CheckScript returns a *PhraseError for the first forbidden phrase in text
// (the one that starts earliest; the longest one when two start at the same
// place), or nil. The match ignores spaces, punctuation, case and full-width
// forms, so "不 能" and "不，能" are caught as well; Pos is the rune offset in
// the original text. An empty list forbids nothing.
func CheckScript(text string, forbidden []string) error {
	var folded []rune
	var pos []int // pos[i] is the rune offset in text of folded[i]
	i := 0
	for _, r := range text {
		if f, ok := fold(r); ok {
			folded = append(folded, f)
			pos = append(pos, i)
		}
		i++
	}
	best, bestLen, bestPhrase := -1, 0, ""
	for _, p := range forbidden {
		fp := []rune(Normalize(p))
		if len(fp) == 0 {
			continue
		}
		at := indexRunes(folded, fp)
		if at < 0 {
			continue
		}
		if best < 0 || at < best || (at == best && len(fp) > bestLen) {
			best, bestLen, bestPhrase = at, len(fp), p
		}
	}
	if best < 0 {
		return nil
	}
	return &PhraseError{Phrase: bestPhrase, Pos: pos[best]}
}

func indexRunes(s, sub []rune) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if slices.Equal(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

var validID = regexp.MustCompile(`^[a-z][a-z0-9_]{0,47}$`)

// Validate checks the whole catalog and returns every problem found, joined
// (errors.Join), each wrapping ErrInvalid; a forbidden phrase is a
// *PhraseError (errors.As finds it). The rules: the forbidden phrases are
// non-empty; group names are non-empty and every group has words; every item
// passes ValidateItem; ids are unique.
func (c *Catalog) Validate() error {
	var errs []error
	for i, p := range c.Forbidden {
		if Normalize(p) == "" {
			errs = append(errs, fmt.Errorf("%w: 第 %d 个服务忌语为空 / forbidden phrase %d is empty", ErrInvalid, i, i))
		}
	}
	for name, words := range c.Groups {
		if name == "" || strings.ContainsAny(name, "|@") {
			errs = append(errs, fmt.Errorf("%w: 关键词组名 %q 无效 / bad keyword group name %q", ErrInvalid, name, name))
		}
		if len(altsOf(words)) == 0 {
			errs = append(errs, fmt.Errorf("%w: 关键词组 %q 没有词 / keyword group %q has no words", ErrInvalid, name, name))
		}
	}
	seen := make(map[string]bool, len(c.Items))
	for _, it := range c.Items {
		if seen[it.ID] {
			errs = append(errs, fmt.Errorf("%w: 业务事项编号 %q 重复 / duplicate item id %q", ErrInvalid, it.ID, it.ID))
		}
		seen[it.ID] = true
		if err := c.ValidateItem(it); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// ValidateItem checks one item against the catalog's forbidden phrases and
// keyword groups (not the uniqueness of its id): the id is 1–48 of a-z, 0-9
// and _, starting with a letter; both names are set; the class is one of the
// four; the service is one letter A–Z; the script is set; every rule has
// words, a weight of 0–100 and refers only to existing groups; the fields of
// its class are set (cross_department: department and promised days 1–365;
// needs_approval: approver and authority; must_refuse: reason, can-do and at
// least one alternative); and no spoken text contains a forbidden phrase.
// All problems are returned, joined, each wrapping ErrInvalid.
func (c *Catalog) ValidateItem(it Item) error {
	var errs []error
	bad := func(zh, en string) {
		errs = append(errs, fmt.Errorf("%w: 业务事项 %s：%s / item %s: %s", ErrInvalid, it.ID, zh, it.ID, en))
	}
	if !validID.MatchString(it.ID) {
		bad("编号须为小写字母开头的字母、数字、下划线（最多 48 位）", "id must be a-z, 0-9 and _, starting with a letter, at most 48")
	}
	if strings.TrimSpace(it.NameZH) == "" || strings.TrimSpace(it.NameEN) == "" {
		bad("须填写中文和英文名称", "name_zh and name_en are required")
	}
	if !it.Class.Valid() {
		bad(fmt.Sprintf("类别 %q 无效", it.Class), fmt.Sprintf("unknown class %q (immediate, cross_department, needs_approval, must_refuse)", it.Class))
	}
	if len(it.Service) != 1 || it.Service[0] < 'A' || it.Service[0] > 'Z' {
		bad(fmt.Sprintf("业务类型 %q 须为一个大写字母", it.Service), fmt.Sprintf("service %q must be one letter A–Z", it.Service))
	}
	if strings.TrimSpace(it.Script) == "" {
		bad("须填写话术", "script is required")
	}
	for i, d := range it.Documents {
		if strings.TrimSpace(d) == "" {
			bad(fmt.Sprintf("第 %d 项所需资料为空", i), fmt.Sprintf("document %d is empty", i))
		}
	}
	for i, e := range it.Examples {
		if Normalize(e) == "" || len([]rune(e)) > MaxExampleRunes {
			bad(fmt.Sprintf("第 %d 条例句为空或超过 %d 字", i, MaxExampleRunes), fmt.Sprintf("example %d is empty or longer than %d characters", i, MaxExampleRunes))
		}
	}
	for i, r := range it.Keywords {
		if len(r.Words) == 0 {
			bad(fmt.Sprintf("第 %d 条关键词规则没有词", i), fmt.Sprintf("rule %d has no words", i))
		}
		if r.Weight < 0 || r.Weight > 100 {
			bad(fmt.Sprintf("第 %d 条关键词规则的权重须在 0–100 之间", i), fmt.Sprintf("rule %d: weight must be 0–100", i))
		}
		for _, w := range append(slices.Clone(r.Words), r.Not...) {
			alts := altsOf([]string{w})
			if len(alts) == 0 {
				bad(fmt.Sprintf("第 %d 条关键词规则有空词", i), fmt.Sprintf("rule %d has an empty word", i))
			}
			for _, a := range alts {
				if g, ok := strings.CutPrefix(a, "@"); ok {
					if _, ok := c.Groups[g]; !ok {
						bad(fmt.Sprintf("第 %d 条关键词规则引用了不存在的关键词组 %s", i, a), fmt.Sprintf("rule %d refers to unknown group %s", i, a))
					}
				} else if Normalize(a) == "" {
					bad(fmt.Sprintf("第 %d 条关键词规则的词 %q 只有标点或空格", i, a), fmt.Sprintf("rule %d: word %q has no letters", i, a))
				}
			}
		}
	}
	switch it.Class {
	case CrossDepartment:
		if strings.TrimSpace(it.Department) == "" {
			bad("跨部门协办须填写协办部门", "cross_department needs a department")
		}
		if it.PromisedDays < 1 || it.PromisedDays > 365 {
			bad("跨部门协办须填写承诺办结天数（1–365）", "cross_department needs promised_days 1–365")
		}
	case NeedsApproval:
		if strings.TrimSpace(it.Approver) == "" {
			bad("需审批事项须填写审批人岗位", "needs_approval needs an approver")
		}
		if strings.TrimSpace(it.Authority) == "" {
			bad("需审批事项须填写权限说明（谁有权处理）", "needs_approval needs the authority text")
		}
	case MustRefuse:
		if strings.TrimSpace(it.Reason) == "" {
			bad("不予受理事项须说明原因", "must_refuse needs a reason")
		}
		if strings.TrimSpace(it.CanDo) == "" {
			bad("不予受理事项须说明我们能做什么", "must_refuse needs can_do")
		}
		if len(it.Alternatives) == 0 {
			bad("不予受理事项须给出替代方案", "must_refuse needs at least one alternative")
		}
	}
	if n := len(it.AlternativesEN); n > 0 && n != len(it.Alternatives) {
		bad(fmt.Sprintf("英文替代方案须与中文一一对应（%d 对 %d）", n, len(it.Alternatives)), fmt.Sprintf("alternatives_en must match alternatives one to one (%d vs %d)", n, len(it.Alternatives)))
	}
	fields, texts := it.spoken()
	forbidden := c.forbidden()
	for i, t := range texts {
		if err := CheckScript(t, forbidden); err != nil {
			pe := err.(*PhraseError)
			pe.Item, pe.Field = it.ID, fields[i]
			errs = append(errs, pe)
		}
	}
	return errors.Join(errs...)
}

// altsOf splits rule words into their alternatives, trimmed, without empties.
func altsOf(words []string) []string {
	var out []string
	for _, w := range words {
		for a := range strings.SplitSeq(w, "|") {
			if a = strings.TrimSpace(a); a != "" {
				out = append(out, a)
			}
		}
	}
	return out
}
