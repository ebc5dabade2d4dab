package i18n

// simErrors are the messages of the errors of sim.
var simErrors = map[string][2]string{
	"err.sim.counter_open_and_close":     {"%d 号窗口的开放时间无效（HH:MM，开始早于结束）", "counter %d: open and close must be HH:MM, open before close"},
	"err.sim.days_must_be_1":             {"天数须在 1–7320 之间", "--days must be 1–7320"},
	"err.sim.profile_needs_at_least":     {"规模 %s 需要至少 %d 个窗口，本厅只有 %d 个：请用新的数据目录", "profile %s needs at least %d counters, this hall has %d: use a fresh data directory"},
	"err.sim.the_data_directory_already": {"数据目录已有 %s 的记录，模拟只能写在已有记录之前的日子：请用新的数据目录", "the data directory already holds %s; history can only be simulated before it: use a fresh data directory"},
	"err.sim.the_schedule_is_empty":      {"排班表为空：至少开放一个窗口", "the schedule is empty: open at least one counter"},
	"err.sim.the_schedule_may_have":      {"排班表最多 500 行", "the schedule may have at most 500 rows"},
	"err.sim.there_is_no_counter":        {"没有 %d 号窗口", "there is no counter %d"},
	"err.sim.unknown_profile_small_or":   {"未知的模拟规模 %q（small 或 large）", "unknown profile %q (small or large)"},
	"err.sim.weekdays_must_be_1":         {"星期须为 1–7", "weekdays must be 1–7"},
}
