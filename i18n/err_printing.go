package i18n

// printingErrors are the messages of the kiosk print service.
var printingErrors = map[string][2]string{
	"err.printing.failed": {"打印失败", "printing failed"},
}

// printingTexts are the reasons of the printer events that are not faults
// (the monitor shows them beside the printer's state).
var printingTexts = map[string][2]string{
	"printing.ready_again": {"打印机恢复正常", "the printer is ready again"},
	"printing.ready":       {"打印机就绪", "the printer is ready"},
}
