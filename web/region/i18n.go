package region

import (
	"fmt"
	"math"
	"slices"

	"hallq/region"
)

// T translates the region console's strings (zh, en).
type T struct{ Lang string }

// HTMLLang is the page's lang attribute.
func (t T) HTMLLang() string {
	if t.Lang == "en" {
		return "en"
	}
	return "zh-CN"
}

// S is the text of key in the page's language.
func (t T) S(key string) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	if t.Lang == "en" {
		return m[1]
	}
	return m[0]
}

// F formats the text of key.
func (t T) F(key string, args ...any) string { return fmt.Sprintf(t.S(key), args...) }

// Pick chooses the Chinese or English text (English falls back to Chinese).
func (t T) Pick(zh, en string) string {
	if t.Lang == "en" && en != "" {
		return en
	}
	return zh
}

// Dur is a duration in seconds as minutes and seconds.
func (t T) Dur(s int) string {
	if s <= 0 {
		return "0"
	}
	if s < 60 {
		return t.F("dur.s", s)
	}
	return t.F("dur.ms", s/60, s%60)
}

var messages = map[string][2]string{
	"app":                    {"区域服务中心 · 营业厅总览", "Regional service centre · halls"},
	"lang.switch":            {"English", "中文"},
	"tab.overview":           {"各厅对比", "All halls"},
	"tab.peaks":              {"高峰时段", "Peak periods"},
	"tab.catalog":            {"统一业务目录", "Shared catalog"},
	"from":                   {"开始日期", "From"},
	"to":                     {"结束日期", "To"},
	"hall":                   {"营业厅", "Hall"},
	"all_halls":              {"全部营业厅", "All halls"},
	"show":                   {"查询", "Show"},
	"asof":                   {"实时数据截至 %s（按各厅最新上送的事件）", "Live as of %s (from each hall's latest shipped events)"},
	"export":                 {"导出 CSV", "Export CSV"},
	"no_halls":               {"还没有营业厅上送数据。在各厅运行 hallq ship --to postgres://… 后这里会出现。", "No hall has shipped yet. Halls appear here once they run hallq ship --to postgres://…"},
	"no_data":                {"所选日期内没有取号记录。", "No tickets in the chosen range."},
	"live":                   {"今日实时", "Today, live"},
	"range":                  {"%s 至 %s", "%s to %s"},
	"waiting":                {"等候人数", "Waiting"},
	"longest":                {"最长等候", "Longest wait"},
	"counters_open":          {"开放窗口", "Counters open"},
	"customers":              {"客户数", "Customers"},
	"avg_wait":               {"平均等候", "Mean wait"},
	"p90_wait":               {"90% 等候", "P90 wait"},
	"service_level":          {"服务水平", "Service level"},
	"no_shows":               {"过号", "No-shows"},
	"satisfied":              {"满意率", "Satisfied"},
	"class.immediate":        {"即办", "Immediate"},
	"class.cross_department": {"跨部门协办", "Cross-dept."},
	"class.needs_approval":   {"需审批", "Approval"},
	"refusals":               {"不予受理", "Refusals"},
	"work_orders":            {"工单", "work orders"},
	"total":                  {"全区域合计", "Region total"},
	"last_seen":              {"最近上送 %s", "last shipped %s"},
	"defs":                   {"口径与各厅“报表”相同：客户数不含转办续号；等候为首次叫号减取号时间；服务水平为在目标等候内叫到的比例；满意率为评价 4–5 分占已评价的比例；即办/协办/审批/不予受理按办结客户记录的业务事项分类；工单为期间新开的跨部门工单。", "Same definitions as each hall's report: customers leave out transferred tickets; a wait is first call minus issue; service level is the share called within the service's target; satisfied is ratings of 4–5 over rated services; case classes count served customers by their recorded item; work orders are those opened in the range."},
	"top_slots":              {"最忙的时段", "Busiest periods"},
	"by_slot":                {"每日平均到达人数（星期 × 时段）", "Arrivals per day (weekday × time)"},
	"weekday":                {"星期", "Weekday"},
	"slot":                   {"时段", "Time"},
	"per_day":                {"日均到达", "Arrivals per day"},
	"heat_help":              {"颜色越深表示到达越多；各厅按当地时间计。", "Darker means more arrivals; each hall in its local time."},
	"cell_title":             {"到达 %d 人，90%% 等候 %d 秒", "%d arrivals, P90 wait %d s"},
	"wd.1":                   {"周一", "Mon"},
	"wd.2":                   {"周二", "Tue"},
	"wd.3":                   {"周三", "Wed"},
	"wd.4":                   {"周四", "Thu"},
	"wd.5":                   {"周五", "Fri"},
	"wd.6":                   {"周六", "Sat"},
	"wd.7":                   {"周日", "Sun"},
	"dur.s":                  {"%d 秒", "%d s"},
	"dur.ms":                 {"%d 分 %02d 秒", "%d min %02d s"},
	"catalog_help":           {"区域中心统一维护业务事项、话术、服务忌语和默认业务类别，签名后发布；各厅连上中心时自动拉取，保留本厅自行修改的字段（营业时间、窗口、公告和本厅改过的字段）。", "The centre keeps one business catalog (items, scripts, forbidden phrases, default services) and publishes it signed; each hall pulls it when it can reach the centre and keeps the fields it changed itself (hours, counters, notices and any field its manager changed)."},
	"no_bundles":             {"尚未发布业务目录。", "No catalog published yet."},
	"version":                {"版本", "Version"},
	"published":              {"发布时间", "Published"},
	"author":                 {"发布人", "By"},
	"items":                  {"业务事项", "Items"},
	"services":               {"业务类别", "Services"},
	"note":                   {"说明", "Note"},
}

func pct(x float64, n int) string {
	if n == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", x*100)
}

// waitClass marks a long wait: over 20 minutes a warning, over 40 bad.
func waitClass(s int) string {
	switch {
	case s > 2400:
		return "bad"
	case s > 1200:
		return "warn"
	}
	return ""
}

func levelClass(f region.RangeFigures) string {
	switch {
	case f.Called == 0:
		return ""
	case f.ServiceLevel < 0.6:
		return "bad"
	case f.ServiceLevel < 0.8:
		return "warn"
	}
	return ""
}

func totalWaiting(o *region.Overview) (n int) {
	for _, h := range o.Halls {
		n += h.Live.Waiting
	}
	return n
}

func totalOpen(o *region.Overview) (n int) {
	for _, h := range o.Halls {
		n += h.Live.CountersOpen
	}
	return n
}

func slotStarts(p *region.Peaks) []string {
	var out []string
	for _, s := range p.Slots {
		if !slices.Contains(out, s.Start) {
			out = append(out, s.Start)
		}
	}
	slices.Sort(out)
	return out
}

func slotAt(p *region.Peaks, wd int, start string) (region.PeakSlot, bool) {
	for _, s := range p.Slots {
		if s.Weekday == wd && s.Start == start {
			return s, true
		}
	}
	return region.PeakSlot{}, false
}

func maxPerDay(p *region.Peaks) float64 {
	m := 0.0
	for _, s := range p.Slots {
		m = math.Max(m, s.ArrivalsPerDay)
	}
	return m
}

// heatStyle shades a cell from white to a green light enough for the dark
// text on it to keep a contrast above 7:1.
func heatStyle(v, max float64) string {
	f := 0.0
	if max > 0 {
		f = v / max
	}
	l := 97 - 35*f
	return fmt.Sprintf("background: hsl(160, 45%%, %.0f%%)", l)
}

// topSlots are the n slots with the most arrivals per day.
func topSlots(p *region.Peaks, n int) []region.PeakSlot {
	out := slices.Clone(p.Slots)
	slices.SortStableFunc(out, func(a, b region.PeakSlot) int {
		switch {
		case a.ArrivalsPerDay > b.ArrivalsPerDay:
			return -1
		case a.ArrivalsPerDay < b.ArrivalsPerDay:
			return 1
		}
		return 0
	})
	return out[:min(n, len(out))]
}
