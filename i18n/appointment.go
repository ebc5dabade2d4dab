package i18n

// appointmentTexts are the messages a booking's check-in shows at the kiosk
// (appointment.CheckInResult.Message), not errors.
var appointmentTexts = map[string][2]string{
	"appt.checkin_early": {"您预约的是 %[1]s %[2]s，请于 %[3]s 之后来签到", "your booking is at %[4]s %[5]s; please check in from %[6]s"},
	"appt.checkin_late":  {"预约已过签到时间，请取普通号办理", "the check-in time of this booking has passed; please take a normal ticket"},
	"appt.checkin_done":  {"签到成功，您的号码 %[1]s", "checked in: your ticket is %[2]s"},
}
