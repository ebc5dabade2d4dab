package i18n

// reportErrors are the messages of the errors of report.
var reportErrors = map[string][2]string{
	"err.report.a_what_if_covers":       {"模拟推演最多 %d 天", "a what-if covers at most %d days"},
	"err.report.dates_must_be_yyyy":     {"日期格式应为 YYYY-MM-DD", "dates must be YYYY-MM-DD"},
	"err.report.from_and_to_yyyy":       {"请给出起止日期 from 和 to（YYYY-MM-DD）", "from and to (YYYY-MM-DD) are required"},
	"err.report.slot_must_be_15":        {"时段长度只能是 15 或 30 分钟", "slot must be 15 or 30 minutes"},
	"err.report.the_range_may_span":     {"日期范围最多 %d 天", "the range may span at most %d days"},
	"err.report.the_service_level_goal": {"服务水平目标须在 0 与 1 之间", "the service level goal must be between 0 and 1"},
	"err.report.to_is_before_from":      {"结束日期早于开始日期", "to is before from"},
	"err.report.unknown_service":        {"没有 %q 这类业务", "unknown service %q"},
}
