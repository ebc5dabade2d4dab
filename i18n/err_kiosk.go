package i18n

// kioskErrors are the messages of the printer driver: its faults (shown on
// the hall's monitor) and malformed printer addresses.
var kioskErrors = map[string][2]string{
	"err.kiosk.printer_offline":    {"打印机未连接或离线", "the printer is off line or unreachable"},
	"err.kiosk.printer_paper_out":  {"打印机缺纸，请更换纸卷", "the printer is out of paper"},
	"err.kiosk.printer_cover_open": {"打印机纸仓盖未关好", "the printer cover is open"},
	"err.kiosk.printer_error":      {"打印机故障", "the printer reports an error"},
	"err.kiosk.paper_width":        {"纸宽须为 #58mm 或 #80mm", "the paper width must be #58mm or #80mm"},
	"err.kiosk.printer_port":       {"打印机端口须在 1–65535 之间", "the printer port must be 1–65535"},
	"err.kiosk.printer_address":    {"打印机地址须为 tcp://主机:端口 或 /dev/… 设备文件", "a printer address is tcp://HOST:PORT or a /dev/… device file"},
}
