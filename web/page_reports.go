package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"hallq/queue"
	"hallq/report"
	"hallq/web/view"
)

// reportsPage: GET /reports?from=&to=&service=&slot= (managers) — the
// printable peak-period report: figures and tables rendered here, charts
// drawn by assets/js/reports.js (embedded ECharts) from the same JSON. The
// range defaults to the 90 days before today.
func (s *Server) reportsPage(c *fiber.Ctx) error {
	t := translator(pageLang(c))
	h := s.hallInfo()
	cfg := s.hall.Config()
	today := h.Now
	p := view.ReportsPage{T: t, Hall: h, Query: queryString(c), From: c.Query("from"), To: c.Query("to"),
		Service: c.Query("service"), Slot: 30, Services: cfg.Services, Counters: cfg.Counters}
	if p.From == "" && p.To == "" {
		p.From = today.AddDate(0, 0, -90).Format(time.DateOnly)
		p.To = today.AddDate(0, 0, -1).Format(time.DateOnly)
	}
	if c.Query("slot") == "15" {
		p.Slot = 15
	}
	rp := report.Params{From: p.From, To: p.To, Service: p.Service, SlotMin: p.Slot}
	status := fiber.StatusOK
	if err := rp.Validate(cfg); err != nil {
		p.Error, status = queue.ErrorMessage(err), statusOf[queue.ErrorCode(err)]
	} else if err := s.hall.Store().EnsureRollups(); err != nil {
		return err
	} else if r, err := report.Build(s.hall.Store(), cfg, rp, s.hall.Now()); err != nil {
		return err
	} else {
		s.nameClerks(c, r)
		p.Report = r
	}
	c.Status(status)
	return render(c, view.Reports(p))
}

// nameClerks puts the clerks' display names and 工号 into the clerk table
// (a login the hall no longer has keeps the login as its name).
func (s *Server) nameClerks(c *fiber.Ctx, r *report.Report) {
	users, err := s.hall.Users(c.UserContext())
	if err != nil {
		return
	}
	byName := map[string]int{}
	for i, u := range users {
		byName[u.Name] = i
	}
	for i := range r.Clerks {
		if j, ok := byName[r.Clerks[i].Clerk]; ok {
			if d := users[j].Display; d != "" {
				r.Clerks[i].Name = d
			}
			r.Clerks[i].StaffNo = users[j].StaffNo
		}
	}
}

func init() {
	for k, v := range reportMessages {
		messages[k] = v
	}
}

// reportMessages are the report page's strings (merged into messages).
var reportMessages = map[string][2]string{
	"rp.title":           {"高峰时段等候分析", "Peak-period wait report"},
	"rp.back":            {"返回管理台", "Back to console"},
	"rp.from":            {"开始日期", "From"},
	"rp.to":              {"结束日期", "To"},
	"rp.service":         {"业务类别", "Service"},
	"rp.all":             {"全部业务", "All services"},
	"rp.slot":            {"时段", "Slot"},
	"rp.minutes":         {"分钟", "min"},
	"rp.show":            {"生成报告", "Show report"},
	"rp.print":           {"打印 / 导出PDF", "Print / PDF"},
	"rp.tickets_csv":     {"全部票据 CSV", "All tickets CSV"},
	"rp.days":            {"营业 %d 天", "%d days open"},
	"rp.peaks":           {"高峰时段：", "Peaks: "},
	"rp.k.tickets":       {"取号人数", "Customers"},
	"rp.k.avg":           {"平均等候", "Mean wait"},
	"rp.k.p90":           {"90% 等候不超过", "90th pct wait"},
	"rp.k.sl":            {"服务水平", "Service level"},
	"rp.k.noshow":        {"过号率", "No-show rate"},
	"rp.k.service":       {"平均办理", "Mean service"},
	"rp.min":             {"分钟", "min"},
	"rp.h.heat":          {"到达人数与等候时间（星期 × 时段）", "Arrivals and waits (weekday × slot)"},
	"rp.h.services":      {"各业务类别", "By service"},
	"rp.h.staffing":      {"人员配置建议（Erlang C）", "Staffing advice (Erlang C)"},
	"rp.staffing.note":   {"按各时段实际到达量与平均办理时间，计算让 %d%% 的客户在目标时间内被叫号所需的窗口数，并与实际开放窗口数对比；红色为缺口。", "Counters needed for %d%% of customers to be called within their service's target, from each slot's observed arrivals and service times, beside the counters actually open; red is a shortage."},
	"rp.weekday":         {"星期", "Weekday"},
	"rp.c.slot":          {"时段", "Slot"},
	"rp.c.perhour":       {"每小时到达", "Arrivals/h"},
	"rp.c.byservice":     {"各类所需", "Needed by service"},
	"rp.c.needed":        {"所需窗口", "Needed"},
	"rp.c.open":          {"实开窗口", "Open"},
	"rp.c.gap":           {"缺口", "Gap"},
	"rp.c.service":       {"业务类别", "Service"},
	"rp.c.target":        {"目标等候", "Target wait"},
	"rp.h.whatif":        {"排班推演（what-if）", "What-if schedule"},
	"rp.whatif.note":     {"用所选范围内真实到达的客户（最多 %d 天），按您编辑的窗口排班重新模拟，预测等候时间并与实际对比。", "Replays the customers who really came in the range (at most %d days) with the counter schedule you edit, and compares the predicted waits with the real ones."},
	"rp.whatif.add":      {"增加一行", "Add row"},
	"rp.whatif.run":      {"开始推演", "Run what-if"},
	"rp.whatif.running":  {"推演中…", "Running…"},
	"rp.whatif.real":     {"实际", "Real"},
	"rp.whatif.pred":     {"预测", "Predicted"},
	"rp.c.counter":       {"窗口", "Counter"},
	"rp.c.days":          {"适用日", "Days"},
	"rp.c.opens":         {"开放", "Opens"},
	"rp.c.closes":        {"关闭", "Closes"},
	"rp.workdays":        {"工作日", "Workdays"},
	"rp.weekends":        {"周末", "Weekends"},
	"rp.everyday":        {"每天", "Every day"},
	"rp.remove":          {"删除", "Remove"},
	"rp.h.clerks":        {"柜员工作量与满意度", "Clerks"},
	"rp.h.counters":      {"窗口", "Counters"},
	"rp.c.clerk":         {"柜员", "Clerk"},
	"rp.c.served":        {"办结", "Served"},
	"rp.c.openh":         {"开放(时)", "Open (h)"},
	"rp.c.idleh":         {"空闲(时)", "Idle (h)"},
	"rp.c.idlewaith":     {"有人等候时空闲(时)", "Idle while customers waited (h)"},
	"rp.c.walks":         {"叫号到开始办理(秒)", "Call to start (s)"},
	"rp.c.pauses":        {"暂停次数", "Pauses"},
	"rp.c.pauseh":        {"暂停(时)", "Paused (h)"},
	"rp.c.satisfaction":  {"满意度", "Score"},
	"rp.c.satisfied":     {"满意率", "Satisfied"},
	"rp.c.participation": {"参评率", "Rated"},
	"rp.h.cases":         {"业务事项与四类业务", "Cases"},
	"rp.h.refusals":      {"不予受理（按原因）", "Refusals by reason"},
	"rp.c.class":         {"四类业务", "Class"},
	"rp.c.count":         {"件数", "Count"},
	"rp.c.item":          {"业务事项", "Item"},
	"rp.c.reason":        {"原因", "Reason"},
	"rp.c.followup":      {"跟踪事项", "Follow-up"},
	"rp.noitem":          {"未记录事项", "No item recorded"},
	"rp.wo.opened":       {"工单 开立", "Work orders opened"},
	"rp.wo.open":         {"工单 未办结", "Work orders open"},
	"rp.wo.overdue":      {"工单 超期", "Work orders overdue"},
	"rp.ap.pending":      {"审批 待决定", "Approvals pending"},
	"rp.ap.decided":      {"审批 已决定", "Approvals decided"},
	"rp.generated":       {"生成时间 %s · hallq", "Generated %s · hallq"},
	"rp.ch.arrivals":     {"日均到达人数", "Arrivals per day"},
	"rp.ch.avg":          {"平均等候（分钟）", "Mean wait (min)"},
	"rp.ch.p90":          {"90% 等候（分钟）", "90th pct wait (min)"},
	"rp.ch.month":        {"每月各日：到达与等候", "Day of month: arrivals and waits"},
	"rp.ch.queue":        {"一天中的排队人数", "Queue length over the day"},
	"rp.ch.queue_avg":    {"平均排队", "Mean queue"},
	"rp.ch.queue_max":    {"最多排队", "Most waiting"},
	"rp.ch.staff":        {"所需窗口与实开窗口", "Counters needed vs open"},
	"rp.ch.whatif":       {"平均等候：实际与预测（分钟）", "Mean wait: real vs predicted (min)"},
	"rp.wd.1":            {"周一", "Mon"},
	"rp.wd.2":            {"周二", "Tue"},
	"rp.wd.3":            {"周三", "Wed"},
	"rp.wd.4":            {"周四", "Thu"},
	"rp.wd.5":            {"周五", "Fri"},
	"rp.wd.6":            {"周六", "Sat"},
	"rp.wd.7":            {"周日", "Sun"},
	"rp.day":             {"日", ""},
	"rp.error":           {"出错了", "Something went wrong"},
}
