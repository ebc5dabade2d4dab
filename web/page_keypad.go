package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"hallq/hall"
	"hallq/web/view"
)

// keypadPage: GET /keypad, the satisfaction keypad of the counter the device
// is paired to. It renders the pending rating, if the counter just finished
// a service, so a keypad that reloads asks again without waiting for the
// websocket; a person previews ?n=N (default: their counter, else 1).
func (s *Server) keypadPage(c *fiber.Ctx) error {
	p := principal(c)
	n := p.Counter
	if p.Kind == "user" {
		if q := c.QueryInt("n"); q > 0 {
			n = q
		}
		if n == 0 {
			n = 1
		}
	}
	snap, _ := s.hall.Snapshot()
	page := view.KeypadPage{T: translator(pageLang(c)), Hall: s.hallInfo(), Counter: n, Reasons: hall.RatingReasons,
		Preview: p.Kind == "user", Query: queryString(c)}
	found := false
	for _, k := range snap.Counters {
		if k.Number == n {
			found = true
			page.NameZH, page.NameEN, page.ClerkName, page.StaffNo = k.NameZH, k.NameEN, k.ClerkName, k.StaffNo
		}
	}
	if !found {
		return pageMessage(c, fiber.StatusNotFound, view.MessagePage{Title: "msg.nocounter.title", Body: "msg.nocounter.body"})
	}
	st := s.keypadState(n)
	page.WindowS = st.WindowS
	if st.Pending != nil {
		page.PendingTicket, page.PendingNumber, page.DeadlineMS = st.Pending.Ticket, st.Pending.Number, st.Pending.Deadline.UnixMilli()
	}
	return render(c, view.Keypad(page))
}

// keypadMessages are the keypad's, call-back page's and desk figures'
// strings, merged into messages.
var keypadMessages = map[string][2]string{
	"keypad.title":       {"%d 号窗口评价器", "Counter %d keypad"},
	"keypad.app":         {"服务评价", "Rate our service"},
	"keypad.serving_you": {"为您服务的是", "Serving you"},
	"keypad.no_clerk":    {"本窗口暂无工作人员", "No one at this counter"},
	"keypad.welcome":     {"您好，欢迎光临", "Welcome"},
	"keypad.ask":         {"请对本次服务进行评价", "Please rate this service"},
	"keypad.s5":          {"非常满意", "Very satisfied"},
	"keypad.s4":          {"满意", "Satisfied"},
	"keypad.s3":          {"基本满意", "Fairly satisfied"},
	"keypad.s2":          {"不满意", "Dissatisfied"},
	"keypad.s1":          {"非常不满意", "Very dissatisfied"},
	"keypad.ticket":      {"号码", "Ticket"},
	"keypad.keys_hint":   {"轻触表情，或按数字键 1–5 后按确认键", "Tap a face, or press 1–5 then Enter"},
	"keypad.left":        {"%d 秒", "%d s"},
	"keypad.reason_ask":  {"请告诉我们哪里做得不好", "What went wrong?"},
	"keypad.reason_hint": {"轻触原因，或按数字键后按确认键", "Tap a reason, or press its number then Enter"},
	"keypad.reason_skip": {"不选择原因", "Skip"},
	"keypad.thanks":      {"感谢您的评价！", "Thank you for your rating!"},
	"keypad.thanks_sub":  {"我们会认真改进，祝您生活愉快", "We will keep improving. Have a nice day"},
	"keypad.thanks_low":  {"我们会尽快与您联系", "We will contact you soon"},
	"keypad.error":       {"评价未能提交", "The rating was not accepted"},

	"keypad.reason.服务态度":      {"服务态度", "Attitude"},
	"keypad.reason.办理效率":      {"办理效率", "Efficiency"},
	"keypad.reason.等候时间":      {"等候时间", "Waiting time"},
	"keypad.reason.业务解答":      {"业务解答", "Answers to questions"},
	"keypad.reason.电费计量/抄表":   {"电费计量/抄表", "Metering / reading"},
	"keypad.reason.停电/抢修":     {"停电/抢修", "Outages / repairs"},
	"keypad.reason.其他":        {"其他", "Other"},
	"desk.rating.title":       {"今日评价", "Today's ratings"},
	"desk.rating.satisfied":   {"满意率", "Satisfaction"},
	"desk.rating.part":        {"参评率", "Participation"},
	"desk.rating.counts":      {"已评 %d / 办结 %d", "%d rated of %d served"},
	"desk.rating.low":         {"不满意 %d", "%d dissatisfied"},
	"desk.rating.none":        {"—", "—"},
	"callbacks.title":         {"回访任务", "Call-backs"},
	"callbacks.open":          {"待回访", "Open"},
	"callbacks.done":          {"已完成", "Done"},
	"callbacks.none":          {"没有待回访的任务", "No open call-backs"},
	"callbacks.ticket":        {"号码", "Ticket"},
	"callbacks.when":          {"时间", "When"},
	"callbacks.clerk":         {"工作人员", "Clerk"},
	"callbacks.counter":       {"窗口", "Counter"},
	"callbacks.class":         {"业务类别", "Case class"},
	"callbacks.score":         {"评价", "Rating"},
	"callbacks.reason":        {"原因", "Reason"},
	"callbacks.phone":         {"联系电话", "Phone"},
	"callbacks.outcome":       {"回访结果", "Outcome"},
	"callbacks.outcome_pick":  {"请选择回访结果", "Choose the outcome"},
	"callbacks.note":          {"回访情况", "What the customer said"},
	"callbacks.save":          {"记录", "Record"},
	"callbacks.attempts":      {"回访记录", "Calls"},
	"callbacks.alerts":        {"今日低分预警", "Low-rating alerts today"},
	"callbacks.alert":         {"%s 今日收到 %d 个不满意评价", "%s has %d low ratings today"},
	"callbacks.o.resolved":    {"已解决", "Resolved"},
	"callbacks.o.explained":   {"已解释，客户理解", "Explained"},
	"callbacks.o.unreachable": {"未联系上", "Unreachable"},
	"callbacks.o.escalated":   {"转投诉处理", "Escalated"},
	"callbacks.figures":       {"今日满意率", "Satisfaction today"},
}

func init() {
	for k, v := range keypadMessages {
		if _, dup := messages[k]; !dup {
			messages[k] = v
		}
	}
}

// deskRatings are the figures a clerk's desk shows: their own, of today.
func (s *Server) deskRatings(p hall.Principal) view.DeskRatings {
	if p.Role != hall.RoleClerk {
		return view.DeskRatings{}
	}
	today := s.hall.Now().In(s.hall.Location()).Format(time.DateOnly)
	rc, err := s.hall.ClerkFigures(p.Name, today)
	return view.DeskRatingsFor(rc, err == nil)
}
