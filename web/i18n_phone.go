package web

// Strings of the phone page (扫码取号, view/phone.templ), the tracking page's
// phone-ticket parts and alerts, and the console's 扫码取号与通知 tab.
func init() {
	for k, v := range phoneMessages {
		messages[k] = v
	}
}

var phoneMessages = map[string][2]string{
	"ph.title":              {"扫码取号", "Take a ticket"},
	"ph.service":            {"请选择业务", "Choose a service"},
	"ph.waiting":            {"%d 人等候", "%d waiting"},
	"ph.phone":              {"手机号码（用于限号和叫号提醒）", "Mobile number (for the daily limit and call alerts)"},
	"ph.note":               {"取号后请在 %d 分钟内到店签到：到店后扫描门口二维码，或在取号机输入手机查询码。未签到的号将被跳过。", "Check in within %d minutes of taking the ticket: scan the QR at the door, or type your tracking code at the kiosk. A ticket not checked in is skipped."},
	"ph.note.door":          {"您已在营业厅门口，取号后即完成签到。", "You are at the hall's door: the ticket is checked in at once."},
	"ph.take":               {"取号", "Take a ticket"},
	"ph.off":                {"本厅暂未开通扫码取号，请到取号机取号。", "This hall does not take tickets from phones yet; please use the kiosk."},
	"ph.closed":             {"营业厅现在不在营业时间，欢迎营业时间再来。", "The hall is closed now; please come back in opening hours."},
	"ph.current":            {"您今天已取号。", "You have a ticket today."},
	"ph.current.open":       {"查看我的号", "See my ticket"},
	"ph.private":            {"手机号只用于本厅限号和叫号提醒，不在大厅屏幕上显示。", "Your number is used only for the daily limit and call alerts; it is never shown on the hall's screens."},
	"ph.poster":             {"扫码取号海报", "Phone ticket poster"},
	"ph.poster.off":         {"注意：扫码取号尚未开通（控制台 → 扫码取号）", "Note: phone tickets are switched off (console → Phone tickets)"},
	"ph.poster.print":       {"打印", "Print"},
	"track.remote":          {"手机取号，请到店签到", "Phone ticket: please check in at the hall"},
	"track.remote.due":      {"请在 %s 前到店签到，否则此号将被跳过。签到：扫描门口二维码，或在取号机输入查询码", "Check in before %s or the ticket is skipped. To check in, scan the QR at the door or type this code at the kiosk"},
	"track.remote.arrived":  {"已签到，请在大厅等候叫号", "Checked in: please wait in the hall"},
	"track.alert.soon":      {"即将叫到：前面还有 %d 位，请到窗口附近等候", "Nearly your turn: %d ahead of you"},
	"track.alert.called":    {"请到 %d 号窗口办理", "Please go to counter %d"},
	"track.alert.enable":    {"开启提醒（振动和声音）", "Turn on alerts (vibration and sound)"},
	"mg.tab.phone":          {"扫码取号与通知", "Phone tickets"},
	"mp.phone":              {"扫码取号", "Tickets from phones"},
	"mp.phone.on":           {"开通扫码取号（当天号，限号与营业时间同取号机）", "Take same-day tickets from phones (same limits and hours as the kiosk)"},
	"mp.phone.grace":        {"到店签到时限（分钟，超时未签到跳过）", "Check-in grace (minutes; a ticket not checked in by then is skipped)"},
	"mp.poster":             {"打印门口二维码海报", "Print the door QR poster"},
	"mp.cal":                {"特殊日期（调休、节假日）", "Dated hours (调休, holidays)"},
	"mp.cal.help":           {"每行一个日期：“2026-10-01 休息 国庆节”或“2026-09-27 08:30-17:30 调休 国庆节调休上班”。特殊日期优先于每周营业时间和节假日。", "One date a line: \"2026-10-01 closed National Day\" or \"2026-09-27 08:30-17:30 workday\". A dated line comes before the weekly hours and the holidays."},
	"mp.cal.year":           {"导入国家法定节假日安排（年份）", "Import the official holiday calendar (year)"},
	"mp.cal.import":         {"一键导入", "Import"},
	"mp.notify":             {"通知网关（短信/微信）", "Notification gateway (SMS/WeChat)"},
	"mp.notify.off":         {"通知服务未运行。", "The notifier is not running."},
	"mp.notify.url":         {"网关地址（HTTP webhook）", "Gateway URL (HTTP webhook)"},
	"mp.notify.secret":      {"签名密钥（HMAC-SHA256）", "Signing secret (HMAC-SHA256)"},
	"mp.notify.secret.set":  {"已设置；留空保持不变", "set; leave blank to keep it"},
	"mp.notify.secret.none": {"至少 16 个字符", "at least 16 characters"},
	"mp.notify.soon":        {"即将叫到（前面 3 位）", "Nearly your turn (3 ahead)"},
	"mp.notify.called":      {"叫号", "Called"},
	"mp.notify.cases":       {"工单进展、审批结果", "Work-order progress, approval outcomes"},
	"mp.notify.attempts":    {"每条重试次数（0 为 5 次）", "Attempts per message (0: 5)"},
	"mp.notify.sent":        {"本次启动后已送达 %d 条", "%d delivered since start"},
	"mp.notify.test":        {"发送测试通知", "Send a test"},
	"mp.dead":               {"未送达通知", "Undelivered notices"},
	"mp.dead.retry":         {"重发", "Retry"},
	"mp.dead.dismiss":       {"移除", "Dismiss"},
	"mp.dead.none":          {"没有未送达的通知", "No undelivered notices"},
}
