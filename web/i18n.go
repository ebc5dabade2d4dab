package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"hallq/web/view"
)

// LangCookie remembers the language a device or person chose with ?lang=.
const LangCookie = "hallq_lang"

// pageLang is the page's language: ?lang=zh|en (remembered in a cookie), the
// cookie, or Chinese.
func pageLang(c *fiber.Ctx) string {
	if q := c.Query("lang"); q == "zh" || q == "en" {
		c.Cookie(&fiber.Cookie{Name: LangCookie, Value: q, Path: "/", SameSite: fiber.CookieSameSiteLaxMode,
			Expires: time.Now().AddDate(5, 0, 0)})
		return q
	}
	if v := c.Cookies(LangCookie); v == "en" {
		return v
	}
	return "zh"
}

// translator is the T of a page in lang.
func translator(lang string) view.T { return view.T{Lang: lang, Msgs: messages} }

// messages are every string of the pages (and of their scripts, which read
// them from the page): key → {Chinese, English}. Formats use fmt verbs (%d,
// %s), which the scripts fill in the same way.
var messages = map[string][2]string{
	"lang.switch":        {"English", "中文"},
	"conn.reconnecting":  {"连接中断，正在重新连接…", "Connection lost, reconnecting…"},
	"conn.connecting":    {"正在连接…", "Connecting…"},
	"conn.offline":       {"实时更新不可用，每隔几秒自动刷新", "Live updates unavailable; refreshing every few seconds"},
	"wait.none":          {"无需等候", "No wait"},
	"wait.minutes":       {"约 %d 分钟", "about %d min"},
	"counter.name_short": {"%d 号窗口", "Counter %d"},

	// Kiosk.
	"kiosk.title":         {"自助取号", "Take a ticket"},
	"kiosk.closed_banner": {"营业厅现在不在营业时间，欢迎营业时间再来", "The hall is closed now; please come back during opening hours"},
	"kiosk.choose":        {"请选择您要办理的业务", "Please choose what you came for"},
	"kiosk.green":         {"绿色通道", "Priority lane"},
	"kiosk.green_who":     {"老年人、残疾人、孕妇优先办理", "Older people, disabled people, pregnant women"},
	"kiosk.large":         {"大字模式", "Large print"},
	"kiosk.contact":       {"留下手机号或户号，方便查询进度（可不填）", "Phone or account number for progress updates (optional)"},
	"kiosk.phone":         {"手机号", "Phone"},
	"kiosk.account":       {"户号", "Account no."},
	"kiosk.phone_hint":    {"请输入 11 位手机号", "11-digit mobile number"},
	"kiosk.account_hint":  {"请输入户号", "Electricity account number"},
	"kiosk.phone_bad":     {"手机号应为 1 开头的 11 位数字", "A mobile number has 11 digits starting with 1"},
	"kiosk.account_bad":   {"户号应为 6–20 位数字", "An account number has 6–20 digits"},
	"kiosk.key_clear":     {"清空", "Clear"},
	"kiosk.key_back":      {"删除", "Delete"},
	"kiosk.back":          {"返回", "Back"},
	"kiosk.issue":         {"取号", "Get ticket"},
	"kiosk.issue_skip":    {"不填，直接取号", "Skip and get ticket"},
	"kiosk.issuing":       {"正在取号…", "Getting your ticket…"},
	"kiosk.ticket_ok":     {"取号成功", "Here is your ticket"},
	"kiosk.your_number":   {"您的号码", "Your number"},
	"kiosk.ahead":         {"前面还有", "People ahead"},
	"kiosk.people":        {"人", ""},
	"kiosk.expected":      {"预计等候", "Expected wait"},
	"kiosk.issued_at":     {"取号时间", "Issued at"},
	"kiosk.tracking":      {"查询码", "Tracking code"},
	"kiosk.ticket_note":   {"请留意叫号屏幕和语音广播，过号请到服务台咨询", "Watch the screens and listen for your number; if you miss it, ask at the service desk"},
	"kiosk.done":          {"完成", "Done"},
	"kiosk.countdown":     {"%d 秒后返回首页", "back to start in %d s"},
	"kiosk.help":          {"如需帮助，请咨询大堂引导员", "Our hall staff are happy to help"},
	"kiosk.back_start":    {"返回首页", "Back to start"},
	"kiosk.footer":        {"需要帮助？请咨询大堂引导员 · 95598 供电服务热线", "Need help? Ask our hall staff · Power service hotline 95598"},
	"kiosk.waiting_unit":  {"人等候", "waiting"},
	"kiosk.err.limit":     {"今日取号已达上限", "Today's limit is reached"},
	"kiosk.err.closed":    {"现在不在营业时间", "The hall is closed now"},
	"kiosk.err.invalid":   {"请检查填写的信息", "Please check what you entered"},
	"kiosk.err.other":     {"暂时无法取号", "We could not issue a ticket"},
	"kiosk.err.network":   {"网络连接异常，请稍后再试，或咨询大堂引导员", "The network is not responding; please try again or ask our staff"},

	// Hall display.
	"display.title":         {"综合屏", "Hall display"},
	"display.now_calling":   {"正在叫号", "Now calling"},
	"display.recent":        {"最近叫号", "Recent calls"},
	"display.welcome":       {"欢迎光临", "Welcome"},
	"display.take_ticket":   {"请先取号，留意屏幕和语音叫号", "Please take a ticket and wait for your number"},
	"display.closed":        {"现在不在营业时间", "The hall is closed now"},
	"display.waiting_unit":  {"人等候", "waiting"},
	"display.notice.hall":   {"欢迎光临%s", "Welcome to %s"},
	"display.notice.rules":  {"请按号码顺序办理业务，过号请到服务台咨询", "Tickets are served in order; if you miss your number, please ask at the service desk"},
	"display.notice.green":  {"绿色通道：老年人、残疾人、孕妇优先办理", "Priority lane for older people, disabled people and pregnant women"},
	"display.notice.online": {"缴费、查询可使用网上国网 App，足不出户办电", "Pay bills and check usage any time with the State Grid online app"},
	"call.please":           {"请", "Ticket"},
	"call.number_suffix":    {"号", ""},
	"call.to":               {"到", "to counter"},
	"call.counter_suffix":   {"号窗口办理", ""},
	"call.sentence":         {"请 %s 号到 %d 号窗口办理", "Ticket %s, please go to counter %d"},

	// Counter screen.
	"counter.title":       {"%d 号窗口", "Counter %d"},
	"counter.window":      {"号窗口", "Counter"},
	"counter.preview":     {"预览", "Preview"},
	"counter.services":    {"办理业务", "Services"},
	"counter.closed":      {"窗口未开放", "Closed"},
	"counter.closed_hint": {"请到其他窗口办理", "Please use another counter"},
	"counter.paused":      {"暂停服务", "Service paused"},
	"counter.paused_hint": {"请稍候，给您带来不便敬请谅解", "Please wait; we are sorry for the inconvenience"},
	"counter.serving":     {"正在办理", "Now serving"},
	"counter.calling":     {"请到本窗口办理", "Please come to this counter"},
	"counter.welcome":     {"欢迎光临", "Welcome"},
	"counter.idle_hint":   {"请留意叫号", "Please wait for your number"},
	"counter.clerk":       {"服务人员", "Served by"},
	"counter.staff_no":    {"工号", "Staff no."},

	// Clerk desk.
	"desk.app":              {"叫号台", "Clerk desk"},
	"desk.title":            {"%d 号窗口 叫号", "Counter %d desk"},
	"desk.call":             {"呼叫下一位", "Call next"},
	"desk.recall":           {"重呼", "Recall"},
	"desk.start":            {"开始办理", "Start"},
	"desk.finish":           {"办结", "Finish"},
	"desk.noshow":           {"过号", "No-show"},
	"desk.transfer":         {"转移", "Transfer"},
	"desk.postpone":         {"挂起", "Postpone"},
	"desk.pause":            {"暂停服务", "Pause"},
	"desk.resume":           {"恢复服务", "Resume"},
	"desk.named":            {"指呼", "Call a number"},
	"desk.named_hint":       {"输入号码，如 A023", "Number, e.g. A023"},
	"desk.named_go":         {"呼叫", "Call"},
	"desk.transfer_title":   {"转移当前客户", "Transfer the current customer"},
	"desk.transfer_service": {"转到业务", "To a service"},
	"desk.transfer_counter": {"转到窗口", "To a counter"},
	"desk.cancel":           {"取消", "Cancel"},
	"desk.pause_title":      {"暂停服务的原因", "Why are you pausing?"},
	"desk.reason.lunch":     {"午休", "Lunch break"},
	"desk.reason.away":      {"临时离开", "Away briefly"},
	"desk.reason.fault":     {"系统故障", "System fault"},
	"desk.reason.training":  {"业务培训", "Training"},
	"desk.reason_other":     {"其他原因（最多 60 字）", "Another reason (up to 60 characters)"},
	"desk.pause_go":         {"暂停", "Pause"},
	"desk.served_today":     {"今日已办", "Served today"},
	"desk.waiting":          {"等候队列", "Waiting"},
	"desk.waiting_count":    {"%d 人", "%d"},
	"desk.ready":            {"就绪", "Ready"},
	"desk.keys_hint":        {"快捷键：F1/空格 呼叫 · R 重呼 · S 开始 · F 办结 · N 过号 · T 转移 · P 挂起 · H 暂停/恢复 · / 指呼", "Keys: F1/Space call · R recall · S start · F finish · N no-show · T transfer · P postpone · H pause/resume · / call a number"},
	"desk.preview":          {"窗口屏", "Counter screen"},
	"desk.logout":           {"退出", "Sign out"},
	"desk.state.open":       {"服务中", "Open"},
	"desk.state.paused":     {"暂停服务", "Paused"},
	"desk.state.closed":     {"未开放", "Closed"},
	"desk.no_current":       {"当前没有客户", "No current customer"},
	"desk.no_current_hint":  {"按 F1 或空格呼叫下一位", "Press F1 or Space to call the next customer"},
	"desk.appointment":      {"预约", "Appointment"},
	"desk.recalls":          {"已重呼 %d 次", "recalled %d×"},
	"desk.issued":           {"取号", "Issued"},
	"desk.timer_called":     {"呼叫已", "Called"},
	"desk.timer_serving":    {"办理用时", "Serving for"},
	"desk.none_waiting":     {"暂无客户等候", "No one is waiting"},
	"desk.green_short":      {"绿色", "Priority"},
	"desk.postponed":        {"挂起", "Postponed"},
	"desk.transferred_here": {"转入", "Transferred"},
	"desk.callback":         {"叫回", "Call back"},
	"desk.call_this":        {"呼叫", "Call"},
	"desk.no_counter":       {"您登录时没有选择窗口，请重新登录并选择窗口", "You signed in without a counter; sign in again and choose one"},
	"desk.sign_in_again":    {"重新登录", "Sign in again"},
	"desk.choose_counter":   {"选择要操作的窗口", "Choose a counter to work"},
	"desk.working":          {"正在处理…", "Working…"},
	"desk.nobody":           {"暂无客户等候", "No one is waiting"},
	"desk.named_empty":      {"请输入要呼叫的号码，如 A023", "Type the number to call, e.g. A023"},
	"desk.reason_empty":     {"请选择或填写暂停原因", "Choose or type a reason for the pause"},
	"desk.ok.call":          {"已呼叫 %s", "Called %s"},
	"desk.ok.recall":        {"已重呼 %s", "Recalled %s"},
	"desk.ok.start":         {"%s 开始办理", "Serving %s"},
	"desk.ok.finish":        {"%s 已办结", "%s finished"},
	"desk.ok.no-show":       {"%s 已过号", "%s marked no-show"},
	"desk.ok.transfer":      {"%s 已转移", "%s transferred"},
	"desk.ok.postpone":      {"%s 已挂起，可在队列中叫回", "%s postponed; call it back from the list"},
	"desk.ok.pause":         {"已暂停服务", "Paused"},
	"desk.ok.resume":        {"已恢复服务", "Resumed"},
	"desk.err.network":      {"网络连接异常，请重试", "The network is not responding; try again"},
	"desk.err.session":      {"登录已失效，请重新登录", "Your session ended; sign in again"},
	"status.waiting":        {"等候中", "Waiting"},
	"status.called":         {"已呼叫", "Called"},
	"status.serving":        {"办理中", "Serving"},
	"status.done":           {"已办结", "Done"},
	"status.no_show":        {"已过号", "No-show"},
	"status.transferred":    {"已转移", "Transferred"},
	"status.cancelled":      {"已取消", "Cancelled"},

	// Sign-in.
	"login.title":        {"工作人员登录", "Staff sign-in"},
	"login.user":         {"用户名", "User name"},
	"login.password":     {"密码", "Password"},
	"login.counter":      {"窗口", "Counter"},
	"login.no_counter":   {"不在窗口（管理人员）", "No counter (managers)"},
	"login.counter_note": {"柜员请选择所在窗口，签到后窗口开放", "Clerks: choose the counter you sit at; it opens when you sign in"},
	"login.submit":       {"登录", "Sign in"},
	"login.signing_in":   {"正在登录…", "Signing in…"},
	"login.err.empty":    {"请输入用户名和密码", "Enter your user name and password"},
	"login.err.network":  {"网络连接异常，请重试", "The network is not responding; try again"},

	// Full-page messages.
	"msg.pair.title":      {"请先配对设备", "Pair this device first"},
	"msg.pair.body":       {"这台设备还没有配对。请管理员用 hallq device add 生成配对链接，在本设备上打开一次即可。", "This device is not paired yet. Ask the hall administrator for a pairing link (hallq device add) and open it once on this device."},
	"msg.pair.staff":      {"工作人员登录", "Staff sign-in"},
	"msg.badpair.title":   {"配对链接无效", "This pairing link is not valid"},
	"msg.badpair.body":    {"链接可能已撤销或输入有误。请向管理员索取新的配对链接。", "It may have been revoked or mistyped. Ask the hall administrator for a new one."},
	"msg.forbidden.title": {"无权访问此页面", "You may not open this page"},
	"msg.forbidden.body":  {"当前登录的身份不能使用此页面。如需使用，请换用有权限的账号登录。", "The account or device you are using cannot open this page. Sign in with an account that may."},
	"msg.login":           {"换个账号登录", "Sign in as someone else"},
	"msg.nocounter.title": {"没有这个窗口", "There is no such counter"},
	"msg.nocounter.body":  {"请检查窗口号，或请管理员重新配对这台窗口屏。", "Check the counter number, or ask the administrator to pair this counter screen again."},
}
