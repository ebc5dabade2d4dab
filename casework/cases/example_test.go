package cases_test

import (
	"errors"
	"fmt"
	"strings"

	"hallq/casework/cases"
)

func ExampleCatalog_Classify() {
	cat := cases.DefaultCatalog()

	r, _ := cat.Classify("", "电表走得太快了想校验一下")
	fmt.Println(r.Class, r.Item, r.Department, r.PromisedDays, r.Weak)
	fmt.Println(strings.Contains(r.Why, "「校验」"), strings.Contains(r.Why, "→ 电能表校验"))

	r, _ = cat.Classify("", "帮我查查邻居家用了多少电")
	fmt.Println(r.Class, r.Item)
	fmt.Println(r.Alternatives[0])

	r, _ = cat.Classify("", "这个月电费给我全免了")
	fmt.Println(r.Class, r.Item)

	r, _ = cat.Classify("", "电表")
	fmt.Println(r.Weak, len(r.Candidates) > 1)

	_, err := cat.Classify("", "asdf qwer")
	fmt.Println(errors.Is(err, cases.ErrNoMatch), cases.Code(err))
	// Output:
	// cross_department meter_check 营销部计量中心（电能表检定） 5 false
	// true true
	// must_refuse other_account_privacy
	// 请户主本人携带身份证来营业厅查询
	// must_refuse bill_waiver_request
	// true true
	// true invalid
}

func ExampleCheckScript() {
	err := cases.CheckScript("对不起，这个业务我们不能办理。", cases.DefaultForbidden())
	var pe *cases.PhraseError
	if errors.As(err, &pe) {
		fmt.Println(pe.Phrase, pe.Pos)
		fmt.Println(err)
	}
	// Output:
	// 不能 10
	// 话术含服务忌语「不能」（第 10 字起，从 0 计）/ the text contains the forbidden service phrase "不能" at rune 10
}
