package web

// kioskGuideMessages are the strings of the kiosk pre-check's guided
// questions and its refusal screen, merged into messages at start.
var kioskGuideMessages = map[string][2]string{
	"kp.type_title":    {"也可以直接输入", "Or type it"},
	"kp.r_cando":       {"我们可以为您做的", "What we can do for you"},
	"kp.r_why":         {"为什么这样办", "Why"},
	"kp.r_ways":        {"您还可以", "Other ways"},
	"kp.r_95598":       {"供电服务热线，24 小时", "power service hotline, 24 hours"},
	"kp.r_app_name":    {"网上国网 App", "State Grid app"},
	"kp.r_app":         {"在手机上办理、查询", "apply and check on your phone"},
	"kp.r_counter_any": {"咨询窗口", "Enquiries counter"},
	"kp.r_counter":     {"取咨询号，当面为您解答", "take a consultation ticket and ask in person"},
	"kp.r_counter_n":   {"%s 号窗口", "Counter %s"},
}

func init() {
	for k, v := range kioskGuideMessages {
		messages[k] = v
	}
}
