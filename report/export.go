package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"hallq/queue"
)

// Table is one table of the report, as the CSV and XLSX exports write it.
type Table struct {
	Name    string   // CSV ?table= name
	SheetZH string   // XLSX sheet name
	Keys    []string // CSV headers (JSON field names)
	HeadZH  []string // XLSX headers
	Rows    [][]any
}

// WeekdayZH names ISO weekdays.
var WeekdayZH = [8]string{"", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"}

// Tables returns the report's tables in export order.
func (r *Report) Tables() []Table {
	ts := []Table{r.summaryTable(), r.slotsTable(), r.monthDaysTable(), r.queueLengthTable(), r.servicesTable(),
		r.peaksTable(), r.staffingTable(),
		peopleTable("clerks", "柜员", "柜员", r.Clerks, func(x ClerkRow) any { return x.Clerk }),
		peopleTable("counters", "窗口", "窗口", r.Counters, func(x ClerkRow) any { return x.Counter })}
	if c := r.Cases; c != nil {
		ts = append(ts, c.casesTable(), c.followupsTable())
	}
	return ts
}

func (r *Report) summaryTable() Table {
	s := r.Summary
	svc := "全部"
	if r.Service != "" {
		svc = r.Service
	}
	return Table{Name: "summary", SheetZH: "概要",
		Keys:   []string{"from", "to", "service", "tickets", "called", "served", "no_shows", "cancelled", "avg_wait_s", "p90_wait_s", "max_wait_s", "service_level", "no_show_rate", "avg_service_s", "days", "peak_text"},
		HeadZH: []string{"开始日期", "结束日期", "业务类别", "取号人数", "已叫号", "已办结", "过号", "取消/离开", "平均等候(秒)", "90%等候(秒)", "最长等候(秒)", "服务水平", "过号率", "平均办理(秒)", "营业天数", "高峰时段"},
		Rows:   [][]any{{r.From, r.To, svc, s.Tickets, s.Called, s.Served, s.NoShows, s.Cancelled, s.AvgWaitS, s.P90WaitS, s.MaxWaitS, s.ServiceLevel, s.NoShowRate, s.AvgServiceS, s.Days, r.PeakText}}}
}

func (r *Report) slotsTable() Table {
	t := Table{Name: "slots", SheetZH: "时段热力",
		Keys:   []string{"weekday", "start", "arrivals", "arrivals_per_day", "called", "avg_wait_s", "p90_wait_s"},
		HeadZH: []string{"星期", "时段开始", "到达人数", "日均到达", "已叫号", "平均等候(秒)", "90%等候(秒)"}}
	for _, x := range r.Slots {
		t.Rows = append(t.Rows, []any{x.Weekday, x.Start, x.Arrivals, x.ArrivalsPerDay, x.Called, x.AvgWaitS, x.P90WaitS})
	}
	return t
}

func (r *Report) monthDaysTable() Table {
	t := Table{Name: "month_days", SheetZH: "每月日期",
		Keys:   []string{"day", "arrivals", "arrivals_per_day", "called", "avg_wait_s", "p90_wait_s"},
		HeadZH: []string{"日期(日)", "到达人数", "日均到达", "已叫号", "平均等候(秒)", "90%等候(秒)"}}
	for _, x := range r.MonthDays {
		t.Rows = append(t.Rows, []any{x.Day, x.Arrivals, x.ArrivalsPerDay, x.Called, x.AvgWaitS, x.P90WaitS})
	}
	return t
}

func (r *Report) queueLengthTable() Table {
	t := Table{Name: "queue_length", SheetZH: "排队人数",
		Keys: []string{"at", "avg", "max"}, HeadZH: []string{"时刻", "平均排队人数", "最多排队人数"}}
	for _, x := range r.QueueLength {
		t.Rows = append(t.Rows, []any{x.At, x.Avg, x.Max})
	}
	return t
}

func (r *Report) servicesTable() Table {
	t := Table{Name: "services", SheetZH: "业务类别",
		Keys:   []string{"service", "name_zh", "target_wait_s", "tickets", "called", "avg_wait_s", "p90_wait_s", "service_level", "no_show_rate", "avg_service_s"},
		HeadZH: []string{"类别", "名称", "目标等候(秒)", "取号人数", "已叫号", "平均等候(秒)", "90%等候(秒)", "服务水平", "过号率", "平均办理(秒)"}}
	for _, x := range r.Services {
		t.Rows = append(t.Rows, []any{x.Service, x.NameZH, x.TargetWaitS, x.Tickets, x.Called, x.AvgWaitS, x.P90WaitS, x.ServiceLevel, x.NoShowRate, x.AvgServiceS})
	}
	return t
}

func (r *Report) peaksTable() Table {
	t := Table{Name: "peaks", SheetZH: "高峰时段",
		Keys:   []string{"kind", "period", "customers", "avg_wait_s", "service", "service_avg_wait_s", "text_zh"},
		HeadZH: []string{"类型", "时段", "人数", "平均等候(秒)", "等候最多的类别", "该类平均等候(秒)", "说明"}}
	for _, x := range r.Peaks {
		period := x.From + "–" + x.To
		if x.Kind == "month_days" {
			period = fmt.Sprintf("%d–%d", x.FirstDay, x.LastDay)
		}
		t.Rows = append(t.Rows, []any{x.Kind, period, x.Customers, x.AvgWaitS, x.Service, x.ServiceAvgWaitS, x.TextZH})
	}
	return t
}

func (r *Report) staffingTable() Table {
	t := Table{Name: "staffing", SheetZH: "人员配置建议",
		Keys:   []string{"weekday", "start", "arrivals_per_hour", "needed_by_service", "needed", "open", "gap", "avg_wait_s"},
		HeadZH: []string{"星期", "时段开始", "每小时到达", "各类别所需窗口", "所需窗口", "实际开放窗口", "缺口", "平均等候(秒)"}}
	for _, x := range r.Staffing {
		t.Rows = append(t.Rows, []any{x.Weekday, x.Start, x.PerHour, neededText(x.NeededBy), x.Needed, x.Open, x.Gap, x.AvgWaitS})
	}
	return t
}

// peopleTable is the clerks or counters table (name "clerks", "counters":
// its first column is the name without the plural s).
func peopleTable(name, sheet, keyHead string, rows []ClerkRow, key func(ClerkRow) any) Table {
	t := Table{Name: name, SheetZH: sheet,
		Keys:   []string{name[:len(name)-1], "served", "no_shows", "transferred", "avg_service_s", "open_s", "busy_s", "idle_s", "pauses", "pause_s", "rated", "unrated", "satisfaction", "satisfied", "participation", "walks", "avg_walk_s", "idle_waiting_s"},
		HeadZH: []string{keyHead, "办结", "过号", "转移", "平均办理(秒)", "开放时长(秒)", "办理时长(秒)", "空闲时长(秒)", "暂停次数", "暂停时长(秒)", "评价数", "未评价", "满意度(1–5)", "满意率", "参评率", "叫号到办理次数", "平均叫号到办理(秒)", "有人等候时空闲(秒)"}}
	for _, x := range rows {
		t.Rows = append(t.Rows, []any{key(x), x.Served, x.NoShows, x.Transferred, x.AvgServiceS, x.OpenS, x.BusyS, x.IdleS, x.Pauses, x.PauseS, x.Rated, x.Unrated, x.Satisfaction, x.Satisfied, x.Participation, x.Walks, x.AvgWalkS, x.IdleWaitingS})
	}
	return t
}

func (c *CaseTable) casesTable() Table {
	t := Table{Name: "cases", SheetZH: "业务事项",
		Keys: []string{"class", "item", "name_zh", "count"}, HeadZH: []string{"四类业务", "事项编号", "事项名称", "件数"}}
	for _, x := range c.ByClass {
		t.Rows = append(t.Rows, []any{x.NameZH, "", "（合计）", x.Count})
	}
	for _, x := range c.ByItem {
		t.Rows = append(t.Rows, []any{queueClassZH(x.Class), x.Item, x.NameZH, x.Count})
	}
	return t
}

func (c *CaseTable) followupsTable() Table {
	t := Table{Name: "followups", SheetZH: "工单与审批",
		Keys:   []string{"what", "count"},
		HeadZH: []string{"项目", "数量"},
		Rows: [][]any{{"工单 开立", c.WorkOrders.Opened}, {"工单 未办结", c.WorkOrders.Open}, {"工单 超期", c.WorkOrders.Overdue},
			{"审批 申请", c.Approvals.Requested}, {"审批 待决定", c.Approvals.Pending}, {"审批 同意", c.Approvals.Approved}, {"审批 不同意", c.Approvals.Rejected}}}
	for _, x := range c.Refusals {
		t.Rows = append(t.Rows, []any{"不予受理：" + x.Item + "（" + x.Reason + "）", x.Count})
	}
	return t
}

func queueClassZH(c string) string {
	switch c {
	case "immediate":
		return "即办"
	case "cross_department":
		return "跨部门协办"
	case "needs_approval":
		return "需审批"
	case "must_refuse":
		return "不予受理"
	}
	return "未分类"
}

func neededText(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s:%d", k, m[k])
	}
	return b.String()
}

// Table returns the named table; ok is false for an unknown name.
func (r *Report) Table(name string) (Table, bool) {
	for _, t := range r.Tables() {
		if t.Name == name {
			return t, true
		}
	}
	return Table{}, false
}

// SafeCell makes a text cell that a spreadsheet would take for a formula
// (it begins with = + - @, a tab or a carriage return) plain text, by
// putting an apostrophe before it, as spreadsheets themselves do: a
// service name or a note in an export can never run as a formula.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// safeRow returns row with its text cells made safe (SafeCell); numbers
// stay numbers.
func safeRow(row []any) []any {
	out := make([]any, len(row))
	for i, v := range row {
		if s, ok := v.(string); ok {
			v = SafeCell(s)
		}
		out[i] = v
	}
	return out
}

func cellText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// WriteCSV writes one table as CSV with its JSON field names as headers.
func (t Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Keys); err != nil {
		return err
	}
	row := make([]string, len(t.Keys))
	for _, r := range t.Rows {
		for i, v := range safeRow(r) {
			row[i] = cellText(v)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteXLSX writes every table of the report as a sheet with Chinese
// headers.
func (r *Report) WriteXLSX(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"#E6F0EE"}, Pattern: 1}})
	for i, t := range r.Tables() {
		sheet := t.SheetZH
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sheet); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(sheet); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(sheet)
		if err != nil {
			return err
		}
		head := make([]any, len(t.HeadZH))
		for j, h := range t.HeadZH {
			head[j] = excelize.Cell{StyleID: bold, Value: h}
		}
		if err := sw.SetRow("A1", head); err != nil {
			return err
		}
		for j, row := range t.Rows {
			cell, _ := excelize.CoordinatesToCellName(1, j+2)
			if t.Name == "slots" || t.Name == "staffing" {
				row = append([]any{WeekdayZH[row[0].(int)]}, row[1:]...)
			}
			if err := sw.SetRow(cell, safeRow(row)); err != nil {
				return err
			}
		}
		_ = sw.SetColWidth(1, len(t.HeadZH), 14)
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	f.SetDocProps(&excelize.DocProperties{Title: fmt.Sprintf("高峰时段等候报告 %s 至 %s", r.From, r.To), Creator: "hallq"})
	return f.Write(w)
}

// TicketHeaders are the columns of tickets.csv: the ticket JSON field names.
var TicketHeaders = []string{"id", "day", "number", "service", "priority", "status", "issued_at", "called_at", "started_at",
	"finished_at", "counter", "clerk", "recalls", "item", "transferred_from", "transferred_to", "phone"}

// TicketRow is a ticket as a tickets.csv row; times are RFC 3339 with
// nanoseconds in the hall's time zone, phone numbers masked by mask.
func TicketRow(t *queue.Ticket, loc *time.Location, mask func(string) string) []string {
	tm := func(p *time.Time) string {
		if p == nil {
			return ""
		}
		return p.In(loc).Format(time.RFC3339Nano)
	}
	u := func(v uint64) string {
		if v == 0 {
			return ""
		}
		return strconv.FormatUint(v, 10)
	}
	row := []string{strconv.FormatUint(t.ID, 10), t.Day, t.Number, t.Service, string(t.Priority), string(t.Status),
		t.IssuedAt.In(loc).Format(time.RFC3339Nano), tm(t.CalledAt), tm(t.StartedAt), tm(t.FinishedAt),
		strconv.Itoa(t.Counter), t.Clerk, strconv.Itoa(t.Recalls), t.Item, u(t.TransferredFrom), u(t.TransferredTo), mask(t.Phone)}
	for i := range row {
		row[i] = SafeCell(row[i])
	}
	return row
}
