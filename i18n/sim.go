package i18n

// simTexts are the notes of a simulation's result (sim.Result.Notes), shown
// with the what-if report; not errors.
var simTexts = map[string][2]string{
	// The cancel notes the simulator writes into its simulated event log.
	"sim.note_hall_closed":   {"营业结束", "hall closed"},
	"sim.note_customer_left": {"客户离开", "customer left"},
	"sim.note_no_customers":  {"没有客户：本厅在 %[1]s … %[2]s 每天都不营业（营业时间、节假日）", "no customers: the hall is closed on every day from %[3]s to %[4]s (its opening hours and holidays)"},
	"sim.note_no_hours":      {"本厅没有营业时间（全天营业）：按 08:30–17:30 模拟客户", "the hall has no opening hours (open around the clock): customers are simulated 08:30–17:30"},
	"sim.note_hours_beyond":  {"星期%[1]d 营业 %[2]s–%[3]s，超出模拟的营业日：按 %[4]s–%[5]s 模拟", "weekday %[6]d is open %[7]s–%[8]s, beyond the staffed day the simulator models: simulated %[9]s–%[10]s"},
}
