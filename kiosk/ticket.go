package kiosk

import (
	"fmt"
	"time"

	"hallq/i18n"
)

// Ticket is what a printed ticket says. Times are already in the hall's
// local time.
type Ticket struct {
	Hall      string    // 国网示范供电营业厅
	Number    string    // A023
	Service   string    // 电费缴纳
	Green     bool      // 绿色通道
	IssuedAt  time.Time // local
	Ahead     int
	WaitS     int
	Documents []string // 一次性告知: what to bring, when the item is known
	Item      string   // the business item's name, when known
	Tracking  string   // the tracking code
	TrackURL  string   // BASE/t/CODE, printed as the QR code
	Advice    string   // one short line at the foot; DefaultAdvice when empty
}

// DefaultAdvice is the foot line of a ticket.
const DefaultAdvice = "请留意叫号，过号请到服务台咨询。扫码可在手机上查看排队进度。"

// WaitText says an expected wait the way the kiosk screen does.
func WaitText(s int) string {
	switch {
	case s <= 0:
		return "无需等候"
	case s < 60:
		return "约 1 分钟"
	case s < 3600:
		return fmt.Sprintf("约 %d 分钟", (s+59)/60)
	}
	return fmt.Sprintf("约 %d 小时 %d 分钟", s/3600, (s%3600+59)/60)
}

// ESCPOS lays the ticket out for paper as one print job: the hall's name,
// the number in large type, service, time, people ahead and the expected
// wait, the documents to bring, the tracking QR code and the advice line;
// then the cut.
func (t Ticket) ESCPOS(p Paper) []byte {
	d := NewDoc(p)
	d.Align(Center).Bold(true).Size(1, 2).Line(t.Hall).Size(1, 1).Bold(false)
	d.Rule()
	d.Line(i18n.Bilingual("kiosk.your_number"))
	// Four characters at 4× width fill 16 columns: fits the 58 mm roll.
	scale := 4
	for scale > 1 && Width(t.Number)*scale > p.Columns {
		scale--
	}
	d.Bold(true).Size(scale, scale).Line(t.Number).Size(1, 1).Bold(false)
	d.Bold(true).Size(1, 2).Line(t.Service).Size(1, 1).Bold(false)
	if t.Green {
		d.Line("【绿色通道】")
	}
	d.Align(Left).Rule()
	d.Pair("取号时间", t.IssuedAt.Format("2006-01-02 15:04"))
	d.Pair("前面等候", fmt.Sprintf("%d 人", t.Ahead))
	d.Pair("预计等候", WaitText(t.WaitS))
	if len(t.Documents) > 0 {
		d.Rule()
		if t.Item != "" {
			d.Line("办理事项：" + t.Item)
		}
		d.Bold(true).Line("请备齐以下材料（一次性告知）：").Bold(false)
		for i, doc := range t.Documents {
			d.Hanging(fmt.Sprintf("%d. ", i+1), doc)
		}
	}
	if t.TrackURL != "" {
		d.Rule().Align(Center)
		d.Line("微信或浏览器扫码查看进度")
		d.QR(t.TrackURL)
		if t.Tracking != "" {
			d.Line("查询码 " + t.Tracking)
		}
	}
	advice := t.Advice
	if advice == "" {
		advice = DefaultAdvice
	}
	d.Align(Left).Rule().Line(advice)
	d.Feed(2).Cut()
	return d.Bytes()
}
