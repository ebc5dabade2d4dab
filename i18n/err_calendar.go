package i18n

// calendarErrors are the messages of the errors of calendar.
var calendarErrors = map[string][2]string{
	"err.calendar.line_date_appears_twice":   {"第 %d 行：日期 %s 重复", "line %d: date %s appears twice"},
	"err.calendar.line_must_be_date":         {"第 %d 行格式应为“日期 休息”或“日期 08:30-17:30 [调休] [说明]”", "line %d must be \"DATE closed\" or \"DATE 08:30-17:30 [workday] [note]\""},
	"err.calendar.the_official_calendar_has": {"日历中没有 %d 年的法定节假日安排", "the official calendar has no holidays for %d yet"},
	"err.calendar.weekday_has_no_opening":    {"星期%s 不营业，无法作为调休上班日的营业时间", "weekday %s has no opening hours to use for 调休 working days"},
}
