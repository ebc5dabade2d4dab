package web

import (
	"cmp"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"hallq/hall"
	"hallq/queue"
	"hallq/report"
	"hallq/web/view"
)

// managerPage renders one tab of the manager console (managers, admins):
// the live monitor, services and counters, hall settings (hours, holidays,
// voice, notices), staff, devices, and the audit with backups. Every tab is
// rendered on the server; assets/js/manager.js keeps the monitor live and
// sends the forms to the JSON API.
func (s *Server) managerPage(tab string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p := principal(c)
		pg := view.ManagerPage{T: translator(pageLang(c)), Hall: s.hallInfo(), Tab: tab, Query: queryString(c),
			User: view.DeskUser{Name: p.Name, Display: p.Display, StaffNo: p.StaffNo, Role: p.Role}, Config: view.ManagerConfig{}}
		cfg := s.configNow()
		pg.Config = view.ManagerConfig{Settings: cfg.Settings, Services: cfg.Services, Counters: cfg.Counters,
			Voice: view.ManagerVoice{Repeat: cfg.Voice.Repeat, Volume: cfg.Voice.Volume, Lang: cfg.Voice.Lang}}
		var err error
		switch tab {
		case "monitor":
			m, err := s.hall.Monitor(p)
			if err != nil {
				return err
			}
			pg.Monitor = m
			if pg.Curve, pg.Health, err = s.monitorExtras(c, p, m); err != nil {
				return err
			}
			s.hall.Read(func(e *queue.Engine, _ uint64) {
				for _, t := range e.Tickets() {
					if t.Status == queue.Waiting {
						pg.Waiting = append(pg.Waiting, publicTicket(t))
					}
				}
			})
		case "hall":
			pg.Notices, err = s.hall.Notices(false)
		case "appointments":
			pg.Appt, err = s.hall.AppointmentSettings()
		case "phone":
			pg.Phone = s.phoneTab(cfg.Settings) // api_phone.go
		case "staff":
			pg.Users, err = s.hall.Users(c.UserContext())
		case "devices":
			if pg.Devices, err = s.hall.Devices(c.UserContext()); err == nil {
				pg.Pairings, err = s.hall.Pairings(c.UserContext())
			}
		case "audit":
			q, qerr := auditQuery(c)
			q = s.hall.AuditDefaults(q)
			pg.AuditQuery, pg.BackupKeep = q, s.backups.Keep()
			if qerr == nil {
				pg.Audit, qerr = s.hall.Audit(p, q)
			}
			if qerr != nil {
				pg.AuditError = queue.ErrorMessage(qerr)
			}
			pg.Backups, err = s.backups.List()
		}
		if err != nil {
			return err
		}
		pg.AuditCategories = hall.AuditCategories
		return render(c, view.Manager(pg))
	}
}

func init() {
	for k, v := range managerMessages {
		messages[k] = v
	}
}

// managerMessages are the manager console's strings.
var managerMessages = map[string][2]string{
	"mg.app":                {"营业厅管理", "Hall manager"},
	"mg.tab.monitor":        {"实时监控", "Live monitor"},
	"mg.tab.services":       {"业务与窗口", "Services & counters"},
	"mg.tab.hall":           {"营业设置", "Hall settings"},
	"mg.tab.staff":          {"员工账号", "Staff"},
	"mg.tab.devices":        {"设备配对", "Devices"},
	"mg.tab.audit":          {"审计与备份", "Audit & backups"},
	"mg.link.reports":       {"高峰报表", "Peak reports"},
	"mg.link.approvals":     {"审批", "Approvals"},
	"mg.link.workorders":    {"工单", "Work orders"},
	"mg.link.callbacks":     {"差评回访", "Call-backs"},
	"mg.link.catalog":       {"业务目录与话术", "Catalog & scripts"},
	"mg.link.display":       {"综合屏预览", "Hall display preview"},
	"mg.link.kiosk":         {"取号机预览", "Kiosk preview"},
	"mg.logout":             {"退出", "Sign out"},
	"mg.totals.issued":      {"今日取号", "Issued today"},
	"mg.totals.waiting":     {"正在等候", "Waiting"},
	"mg.totals.served":      {"已办结", "Served"},
	"mg.totals.noshow":      {"过号", "No-show"},
	"mg.totals.cancelled":   {"已取消", "Cancelled"},
	"mg.totals.sat":         {"满意度", "Satisfaction"},
	"mg.totals.rated":       {"%d 人评价", "%d ratings"},
	"mg.alerts":             {"提醒", "Alerts"},
	"mg.alerts.none":        {"暂无需要处理的情况", "Nothing needs attention"},
	"mg.services":           {"业务等候", "Services"},
	"mg.svc":                {"业务", "Service"},
	"mg.svc.waiting":        {"等候人数", "Waiting"},
	"mg.svc.longest":        {"最长等候", "Longest wait"},
	"mg.svc.expected":       {"预计等候", "Expected wait"},
	"mg.svc.target":         {"目标", "Target"},
	"mg.svc.open":           {"开放窗口", "Open counters"},
	"mg.counters":           {"窗口状态", "Counters"},
	"mg.ctr":                {"窗口", "Counter"},
	"mg.ctr.state":          {"状态", "State"},
	"mg.ctr.clerk":          {"工作人员", "Clerk"},
	"mg.ctr.current":        {"当前号", "Current"},
	"mg.ctr.serving":        {"办理时长", "Serving for"},
	"mg.ctr.served":         {"今日办结", "Served"},
	"mg.ctr.actions":        {"操作", "Actions"},
	"mg.ctr.open":           {"开放", "Open"},
	"mg.ctr.close":          {"关闭", "Close"},
	"mg.ctr.release":        {"释放", "Release"},
	"mg.ctr.releaseHint":    {"让签到的职员离开此窗口，以便其他职员签到", "Free the counter from its clerk so another may sign in"},
	"mg.state.open":         {"服务中", "Open"},
	"mg.state.paused":       {"暂停", "Paused"},
	"mg.state.closed":       {"关闭", "Closed"},
	"mg.paused.for":         {"%s，已暂停 %s", "%s, paused %s"},
	"mg.waiting":            {"等候中的号", "Waiting tickets"},
	"mg.waiting.none":       {"现在没有人等候", "No one is waiting"},
	"mg.tk.number":          {"号码", "Number"},
	"mg.tk.waited":          {"已等", "Waited"},
	"mg.tk.priority":        {"类型", "Priority"},
	"mg.tk.move":            {"转到", "Move to"},
	"mg.tk.moveBtn":         {"转移", "Move"},
	"mg.tk.cancel":          {"取消此号", "Cancel"},
	"mg.tk.confirmCancel":   {"确定取消 %s 吗？", "Cancel ticket %s?"},
	"mg.pri.normal":         {"普通", "Normal"},
	"mg.pri.green":          {"绿色通道", "Priority"},
	"mg.pri.appointment":    {"预约", "Appointment"},
	"mg.min":                {"%d 分钟", "%d min"},
	"mg.none":               {"—", "—"},
	"mg.save":               {"保存", "Save"},
	"mg.saved":              {"已保存", "Saved"},
	"mg.add":                {"添加", "Add"},
	"mg.svc.prefix":         {"前缀", "Prefix"},
	"mg.svc.nameZH":         {"中文名称", "Chinese name"},
	"mg.svc.nameEN":         {"英文名称", "English name"},
	"mg.svc.targetMin":      {"目标等候（分钟）", "Target wait (min)"},
	"mg.svc.limit":          {"每日限额（0 为不限）", "Daily limit (0: none)"},
	"mg.svc.returnPlaces":   {"过号顺延排在第几位之后（0 为 3）", "A missed ticket returns behind (0: 3)"},
	"mg.svc.docs":           {"所需材料（每行一项）", "Documents (one a line)"},
	"mg.svc.new":            {"新增业务", "New service"},
	"mg.ctr.number":         {"窗口号", "Number"},
	"mg.ctr.services":       {"办理业务（按优先顺序，如 A,B）", "Services in order (e.g. A,B)"},
	"mg.ctr.spoken":         {"播报名称（如 VIP 室，空为窗口号）", "Spoken name (e.g. VIP room; empty: the number)"},
	"mg.ctr.hours":          {"开放时间", "Open hours"},
	"mg.hours.open":         {"%s 开门时间", "%s opens at"},
	"mg.hours.close":        {"%s 关门时间", "%s closes at"},
	"mg.user.role_of":       {"%s 的角色", "Role of %s"},
	"mg.ctr.new":            {"新增窗口", "New counter"},
	"mg.hall.settings":      {"营业厅与营业时间", "Hall and opening hours"},
	"mg.hall.nameZH":        {"营业厅名称", "Hall name (Chinese)"},
	"mg.hall.nameEN":        {"英文名称", "Hall name (English)"},
	"mg.hall.hours":         {"营业时间（留空为休息）", "Opening hours (blank: closed)"},
	"mg.hall.holidays":      {"节假日（每行一个 YYYY-MM-DD）", "Holidays (one YYYY-MM-DD a line)"},
	"mg.hall.starve":        {"等候超过此时长优先呼叫（秒）", "Call first after waiting (s)"},
	"mg.hall.recalls":       {"过号前需重呼次数", "Recalls before no-show"},
	"mg.hall.phoneLimit":    {"每个手机号每日取号上限", "Tickets per phone a day"},
	"mg.hall.numberWidth":   {"号码位数（0 为 3 位；用完后自动加一位，如 A999 之后为 A1000）", "Number digits (0: 3; numbers then go on, A999 → A1000)"},
	"mg.hall.green":         {"绿色通道（公平）", "Green channel (fair)"},
	"mg.hall.greenBurst":    {"连续叫绿色通道号最多几个后叫一个普通号（0 为总是优先）", "Green calls in a row before one other (0: green always first)"},
	"mg.hall.greenOvertake": {"普通号等候超过多少秒后不再被绿色通道插队（0 为不限）", "Seconds after which a ticket is no longer overtaken by green (0: no cap)"},
	"mg.hall.returns":       {"过号顺延", "Missed numbers coming back"},
	"mg.hall.returnLimit":   {"每个号可顺延次数（0 为 1 次，-1 为不可顺延）", "Times a missed ticket may come back (0: once, -1: never)"},
	"mg.hall.returnWindow":  {"过号后多少秒内可顺延（0 为 1800 秒）", "Seconds after the miss it may come back (0: 1800)"},
	"mg.voice":              {"语音播报", "Voice calling"},
	"mg.voice.repeat":       {"播报次数", "Times each call is spoken"},
	"mg.voice.volume":       {"音量（0–100）", "Volume (0–100)"},
	"mg.voice.lang":         {"语言", "Language"},
	"mg.voice.zh":           {"普通话", "Mandarin"},
	"mg.voice.en":           {"英语", "English"},
	"mg.voice.zhen":         {"普通话 + 英语", "Mandarin + English"},
	"mg.notices":            {"综合屏公告", "Notices on the hall display"},
	"mg.notice.text":        {"公告内容", "Text"},
	"mg.notice.textEN":      {"英文内容（可选）", "English text (optional)"},
	"mg.notice.start":       {"开始", "Start"},
	"mg.notice.end":         {"结束", "End"},
	"mg.notice.active":      {"显示中", "Showing"},
	"mg.notice.waiting":     {"未开始", "Not yet"},
	"mg.notice.over":        {"已结束", "Ended"},
	"mg.notice.delete":      {"删除", "Delete"},
	"mg.notice.new":         {"发布公告", "New notice"},
	"mg.notice.none":        {"没有公告", "No notices"},
	"mg.user.name":          {"用户名", "User name"},
	"mg.user.display":       {"显示姓名", "Name shown"},
	"mg.user.staffNo":       {"工号", "Staff no."},
	"mg.user.role":          {"角色", "Role"},
	"mg.user.disabled":      {"停用", "Disabled"},
	"mg.user.password":      {"新密码（至少 8 位）", "New password (8+ characters)"},
	"mg.user.reset":         {"重设密码", "Reset password"},
	"mg.user.new":           {"新增员工", "New account"},
	"mg.role.clerk":         {"窗口人员", "Clerk"},
	"mg.role.manager":       {"值班长", "Manager"},
	"mg.role.admin":         {"系统管理员", "Admin"},
	"mg.dev.name":           {"设备名称", "Device name"},
	"mg.dev.kind":           {"类型", "Kind"},
	"mg.dev.counter":        {"窗口", "Counter"},
	"mg.dev.printer":        {"打印机（取号机，可选）", "Printer (kiosks, optional)"},
	"mg.dev.created":        {"配对时间", "Paired"},
	"mg.dev.state":          {"状态", "State"},
	"mg.dev.active":         {"使用中", "Active"},
	"mg.dev.revoked":        {"已撤销", "Revoked"},
	"mg.dev.revoke":         {"撤销", "Revoke"},
	"mg.dev.confirmRevoke":  {"撤销后该设备立即停止工作，确定吗？", "The device stops working at once. Revoke it?"},
	"mg.dev.new":            {"配对新设备", "Pair a device"},
	"mg.dev.make":           {"生成配对码", "Make a pairing code"},
	"mg.dev.scan":           {"在设备的浏览器中打开此地址（或扫码），仅可使用一次，24 小时内有效：", "Open this address in the device's browser (or scan it); it works once, within 24 hours:"},
	"mg.dev.list":           {"已配对的设备", "Paired devices"},
	"mg.dev.codes":          {"配对码", "Pairing codes"},
	"mg.dev.used":           {"已使用", "Used"},
	"mg.dev.unused":         {"未使用", "Not used"},
	"mg.dev.expires":        {"有效期至", "Valid until"},
	"mg.dev.by":             {"创建人", "Made by"},
	"mg.kind.kiosk":         {"取号机", "Kiosk"},
	"mg.kind.display":       {"综合屏", "Hall display"},
	"mg.kind.counter":       {"窗口屏", "Counter screen"},
	"mg.kind.keypad":        {"评价器", "Keypad"},
	"mg.curve":              {"今日排队与等候（对比同星期的典型日）", "Today's queue and waits beside a typical day"},
	"mg.curve.sub":          {"典型日：最近 %[2]d 个%[1]s的中位数，每 30 分钟", "Typical day: the median of the last %[2]d %[1]ss, per 30 minutes"},
	"mg.curve.none":         {"还没有同星期的历史数据：只显示今天", "No history of this weekday yet: today only"},
	"mg.curve.queue":        {"排队人数", "People waiting"},
	"mg.curve.wait":         {"平均等候（分钟，按取号时段）", "Average wait (minutes, by arrival)"},
	"mg.curve.today":        {"今天", "Today"},
	"mg.curve.typical":      {"典型日", "Typical day"},
	"mg.wd.1":               {"周一", "Monday"},
	"mg.wd.2":               {"周二", "Tuesday"},
	"mg.wd.3":               {"周三", "Wednesday"},
	"mg.wd.4":               {"周四", "Thursday"},
	"mg.wd.5":               {"周五", "Friday"},
	"mg.wd.6":               {"周六", "Saturday"},
	"mg.wd.7":               {"周日", "Sunday"},
	"mg.health":             {"设备状态", "Device health"},
	"mg.health.device":      {"设备", "Device"},
	"mg.health.kind":        {"类型", "Kind"},
	"mg.health.state":       {"连接", "Connection"},
	"mg.health.seen":        {"最近连接", "Last seen"},
	"mg.health.printer":     {"打印机", "Printer"},
	"mg.health.counter":     {"%d 号窗口", "counter %d"},
	"mg.health.online":      {"在线", "Online"},
	"mg.health.offline":     {"离线", "Offline"},
	"mg.health.never":       {"启动以来未连接", "Not since start"},
	"mg.printer.ready":      {"正常", "Ready"},
	"mg.printer.offline":    {"离线", "Offline"},
	"mg.printer.paper_out":  {"缺纸", "Out of paper"},
	"mg.printer.cover_open": {"盖子未关", "Cover open"},
	"mg.printer.error":      {"故障", "Fault"},
	"mg.printer.unknown":    {"未检测", "Not checked"},
	"mg.printer.none":       {"未接打印机", "No printer"},
	"mg.audit":              {"操作审计", "Audit log"},
	"mg.actor.user":         {"用户", "user"},
	"mg.actor.device":       {"设备", "device"},
	"mg.actor.system":       {"系统", "system"},
	"mg.actor.anonymous":    {"匿名", "anonymous"},
	"mg.audit.q":            {"搜索（人员、号码、内容）", "Search (who, number, text)"},
	"mg.audit.from":         {"从", "From"},
	"mg.audit.to":           {"到", "To"},
	"mg.audit.category":     {"类别", "Category"},
	"mg.audit.all":          {"全部", "All"},
	"mg.audit.search":       {"查询", "Search"},
	"mg.audit.time":         {"时间", "Time"},
	"mg.audit.actor":        {"操作人", "Who"},
	"mg.audit.what":         {"内容", "What"},
	"mg.audit.none":         {"没有符合条件的记录", "Nothing matches"},
	"mg.cat.login":          {"登录", "Sign-in"},
	"mg.cat.config":         {"配置变更", "Configuration"},
	"mg.cat.cancel":         {"取消号", "Cancellation"},
	"mg.cat.move":           {"转移号", "Move"},
	"mg.cat.approval":       {"审批", "Approval"},
	"mg.cat.refusal":        {"不予受理", "Refusal"},
	"mg.cat.counter":        {"窗口开关", "Counter open/close"},
	"mg.cat.security":       {"安全事件", "Security"},
	"mg.cat.override":       {"管理越权操作", "Manager override"},
	"mg.backups":            {"数据备份", "Backups"},
	"mg.backup.download":    {"下载当前完整备份", "Download a full backup now"},
	"mg.backup.now":         {"立即生成今日备份", "Make today's backup now"},
	"mg.backup.sched":       {"每日自动备份保存在数据目录 backups/ 中，保留最近 %d 份：", "Daily backups are kept in the data directory's backups/ folder, the newest %d:"},
	"mg.backup.off":         {"每日自动备份未开启（hallq serve 默认开启）。", "Daily backups are off (hallq serve turns them on)."},
	"mg.cat.logout":         {"退出", "Sign-out"},
	"mg.backup.name":        {"文件", "File"},
	"mg.backup.size":        {"大小", "Size"},
	"mg.backup.time":        {"时间", "Time"},
	"mg.backup.none":        {"还没有自动备份", "No scheduled backup yet"},
}

// monitorExtras is the monitor's chart (today's queue and waits beside the
// median of the last same weekdays, from the report rollups) and device
// health (each paired device: connected now, last seen, a kiosk's printer).
func (s *Server) monitorExtras(c *fiber.Ctx, p hall.Principal, m hall.Monitor) (report.Curve, []view.DeviceHealth, error) {
	var loc *time.Location
	s.hall.Read(func(v *queue.Engine, _ uint64) { loc = v.Location() })
	now := m.Now.In(loc)
	nowS := now.Hour()*3600 + now.Minute()*60 + now.Second()
	curve, err := report.QueueCurve(s.hall.Store(), m.Snapshot.Day, nowS, 1800)
	if err != nil {
		return curve, nil, err
	}
	devs, err := s.hall.Devices(c.UserContext())
	if err != nil {
		return curve, nil, err
	}
	printers := map[string]hall.PrinterView{}
	if list, err := s.hall.Printers(c.UserContext(), p); err == nil {
		for _, pv := range list {
			printers[pv.Device] = pv
		}
	}
	seen := s.hub.Presence()
	var out []view.DeviceHealth
	for _, d := range devs {
		if d.Revoked {
			continue
		}
		h := view.DeviceHealth{ID: d.ID, Name: d.Name, Kind: d.Kind, Counter: d.Counter}
		if ps, ok := seen[d.ID]; ok {
			h.Online, h.LastSeen = ps.Online > 0, ps.LastSeen
		}
		if d.Kind == hall.KindKiosk {
			h.Printer = "unknown"
			if pv, ok := printers[d.Name]; ok && pv.State != "" {
				h.Printer, h.PrinterMsg = pv.State, pv.Message
			}
		}
		out = append(out, h)
	}
	kinds := []string{hall.KindKiosk, hall.KindDisplay, hall.KindCounter, hall.KindKeypad}
	slices.SortStableFunc(out, func(a, b view.DeviceHealth) int {
		return cmp.Or(cmp.Compare(slices.Index(kinds, a.Kind), slices.Index(kinds, b.Kind)),
			cmp.Compare(a.Counter, b.Counter), cmp.Compare(a.Name, b.Name))
	})
	return curve, out, nil
}
