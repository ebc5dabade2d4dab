package web

// Strings of the appointment parts of staff pages: the manager console's
// appointments tab (view/manager_appointments.templ,
// assets/js/manager_appointments.js), the appointment figures of /reports
// (assets/js/reports_appointments.js) and the desk's phone-booking link.
func init() {
	for k, v := range apptStaffMessages {
		messages[k] = v
	}
}

var apptStaffMessages = map[string][2]string{
	"mg.tab.appointments": {"预约设置", "Appointments"},
	"ma.settings":         {"预约规则", "Booking rules"},
	"ma.settings.note":    {"保存后立即生效，无需重启；已有的预约保留原时段。", "Saved settings apply at once, without a restart; existing bookings keep their slots."},
	"ma.horizon":          {"可提前预约天数（0 为仅当天）", "Days ahead one may book (0: today only)"},
	"ma.early":            {"签到最早（时段开始前，分钟）", "Check-in opens (minutes before the slot)"},
	"ma.late":             {"签到最晚（时段开始后，分钟）", "Check-in closes (minutes after the start)"},
	"ma.phoneLimit":       {"每个手机号未办理预约上限（0 为不限）", "Open bookings per phone (0: no limit)"},
	"ma.hours":            {"预约时段（营业厅未设营业时间时使用）", "Booking hours (when the hall has no opening hours)"},
	"ma.hours.hall":       {"本厅已设营业时间，预约时段按营业时间和节假日安排。", "The hall has opening hours: slots follow them and the holidays."},
	"ma.plans":            {"各业务的预约时段", "Slots per service"},
	"ma.plan.service":     {"业务", "Service"},
	"ma.plan.slot":        {"每段时长（分钟）", "Slot length (min)"},
	"ma.plan.capacity":    {"每段可约人数（0 为不开放预约）", "Bookings per slot (0: not bookable)"},
	"ma.plan.slot_of":     {"%s 每段时长（分钟）", "%s: slot length (min)"},
	"ma.plan.capacity_of": {"%s 每段可约人数", "%s: bookings per slot"},
	"ma.hours.open":       {"预约开始时间", "Bookings from"},
	"ma.hours.close":      {"预约结束时间", "Bookings until"},
	"ma.plan.off":         {"不开放", "Off"},
	"ma.saved":            {"已保存，预约页已按新设置开放", "Saved: the booking page uses the new settings now"},
	"ma.list":             {"预约名单", "Bookings"},
	"ma.day":              {"日期", "Day"},
	"ma.refresh":          {"刷新", "Refresh"},
	"ma.book":             {"电话预约", "Phone booking"},
	"ma.c.slot":           {"时段", "Time"},
	"ma.c.service":        {"业务", "Service"},
	"ma.c.code":           {"预约码", "Code"},
	"ma.c.phone":          {"手机号", "Phone"},
	"ma.c.name":           {"姓名", "Name"},
	"ma.c.status":         {"状态", "Status"},
	"ma.c.ticket":         {"取号", "Ticket"},
	"ma.c.by":             {"预约方式", "Booked by"},
	"ma.by.online":        {"网上预约", "Online"},
	"ma.by.phone":         {"电话预约 · %s", "By phone · %s"},
	"ma.none":             {"这一天没有预约", "No bookings on this day"},
	"ma.count":            {"共 %d 个预约，已签到 %d，待签到 %d", "%d bookings: %d checked in, %d to come"},
	"ma.st.booked":        {"待签到", "Booked"},
	"ma.st.checked_in":    {"已签到", "Checked in"},
	"ma.st.cancelled":     {"已取消", "Cancelled"},
	"ma.st.no_show":       {"未到", "No-show"},

	"rp.h.appt":          {"预约取号", "Appointments"},
	"rp.appt.note":       {"按预约日期统计，全部业务。", "By the day booked, all services."},
	"rp.appt.booked":     {"预约数", "Booked"},
	"rp.appt.checked_in": {"已签到", "Checked in"},
	"rp.appt.no_show":    {"未到（爽约）", "No-shows"},
	"rp.appt.pending":    {"待签到", "To come"},
	"rp.appt.cancelled":  {"已取消", "Cancelled"},
	"rp.appt.show_rate":  {"到场率", "Show-up rate"},
	"rp.appt.wait":       {"平均等候：预约号与现场取号", "Average wait: appointments vs walk-ins"},
	"rp.appt.kind":       {"类别", "Kind"},
	"rp.appt.tickets":    {"已叫号", "Called"},
	"rp.appt.avg":        {"平均等候（分钟）", "Average wait (min)"},
	"rp.appt.appt":       {"预约号", "Appointment tickets"},
	"rp.appt.walkin":     {"现场取号", "Walk-ins"},
	"rp.appt.loading":    {"正在读取预约数据…", "Loading the appointment figures…"},

	"desk.phone_booking":      {"电话预约", "Phone booking"},
	"desk.phone_booking.hint": {"为来电客户预约时段", "Book a slot for a caller"},
	"bk.agent":                {"电话预约：您以 %s 的身份代来电客户预约，预约记录会登记您的账号。", "Phone booking: you are booking on behalf of a caller as %s; the booking records your account."},
	"bk.agent.back":           {"返回工作台", "Back to the desk"},
	"bk.agent.tell":           {"请把预约码和所需材料告知来电客户。", "Tell the caller the booking code and the documents to bring."},
}
