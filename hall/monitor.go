package hall

import (
	"encoding/json"
	"fmt"
	"time"

	"hallq/queue"
)

// Alert is something on the live monitor a manager should look at.
type Alert struct {
	Kind    string `json:"kind"` // wait|serving|printer|workorder|approval|rating|integrity|disk|security|clock
	TextZH  string `json:"text_zh"`
	TextEN  string `json:"text_en"`
	Link    string `json:"link,omitempty"`
	Service string `json:"service,omitempty"`
	Counter int    `json:"counter,omitempty"`
}

// Totals are today's figures so far.
type Totals struct {
	Issued       int     `json:"issued"`
	Waiting      int     `json:"waiting"`
	Served       int     `json:"served"`
	NoShow       int     `json:"no_show"`
	Cancelled    int     `json:"cancelled"`
	Rated        int     `json:"rated"`
	Satisfaction float64 `json:"satisfaction"` // satisfied / rated, 0–1
}

// Monitor is the manager's live view of the hall.
type Monitor struct {
	Seq      uint64         `json:"seq"`
	Now      time.Time      `json:"now"`
	Snapshot queue.Snapshot `json:"snapshot"`
	Alerts   []Alert        `json:"alerts"`
	Totals   Totals         `json:"totals"`
}

// ServingLong is how long a counter may serve one ticket before the monitor
// warns: twice the service's average, and never less than this.
const ServingLong = 20 * time.Minute

// Monitor returns the live monitor (managers): the snapshot, alerts and
// today's totals.
func (h *Hall) Monitor(p Principal) (Monitor, error) {
	if err := StaffOnly(p); err != nil {
		return Monitor{}, err
	}
	now := h.now()
	m := Monitor{Now: now, Alerts: []Alert{}}
	var counts map[queue.Status]int
	h.Read(func(v *queue.Engine, seq uint64) {
		m.Snapshot, m.Seq = v.Snapshot(now), seq
		counts, m.Totals.Issued = v.StatusCounts(), v.Issued()
	})
	m.Totals.Waiting, m.Totals.Served = counts[queue.Waiting], counts[queue.Done]
	m.Totals.NoShow, m.Totals.Cancelled = counts[queue.NoShow], counts[queue.Cancelled]
	avg := map[string]float64{}
	for _, s := range m.Snapshot.Services {
		avg[s.Prefix] = s.AvgServiceS
		if s.TargetWaitS > 0 && s.Waiting > 0 && s.LongestWaitS > s.TargetWaitS {
			m.Alerts = append(m.Alerts, Alert{Kind: "wait", Service: s.Prefix,
				TextZH: fmt.Sprintf("%s %s 最长已等 %d 分钟，超过目标 %d 分钟", s.Prefix, s.NameZH, s.LongestWaitS/60, s.TargetWaitS/60),
				TextEN: fmt.Sprintf("%s %s: longest wait %d min, past the %d min target", s.Prefix, s.NameEN, s.LongestWaitS/60, s.TargetWaitS/60)})
		}
	}
	for _, c := range m.Snapshot.Counters {
		t := c.Ticket
		if t == nil || t.StartedAt == nil {
			continue
		}
		limit := max(ServingLong, time.Duration(2*avg[t.Service])*time.Second)
		if d := now.Sub(*t.StartedAt); d > limit {
			m.Alerts = append(m.Alerts, Alert{Kind: "serving", Counter: c.Number,
				TextZH: fmt.Sprintf("%d 号窗口办理 %s 已 %d 分钟", c.Number, t.Number, int(d.Minutes())),
				TextEN: fmt.Sprintf("Counter %d has served %s for %d min", c.Number, t.Number, int(d.Minutes()))})
		}
	}
	for _, a := range h.SecurityAlerts() { // security.go: sign-in lock-outs
		m.Alerts = append(m.Alerts, Alert{Kind: "security", Link: "/manager/audit?category=security",
			TextZH: fmt.Sprintf("安全提醒（%s）：%s", a.At.In(h.Location()).Format("15:04"), a.What),
			TextEN: fmt.Sprintf("Security alert (%s): %s", a.At.In(h.Location()).Format("15:04"), a.What)})
	}
	h.EachRecord("printer", "", func(r queue.Record) bool {
		var st struct {
			OK      *bool  `json:"ok"`
			Status  string `json:"status"`
			Error   string `json:"error"`
			Message string `json:"message"`
			Name    string `json:"name"`
		}
		if json.Unmarshal(r.Data, &st) != nil {
			return true
		}
		bad := (st.OK != nil && !*st.OK) || (st.Status != "" && st.Status != "ok")
		if bad {
			msg := st.Error + st.Message
			name := st.Name
			if name == "" {
				name = r.Key
			}
			m.Alerts = append(m.Alerts, Alert{Kind: "printer",
				TextZH: fmt.Sprintf("取号机打印机故障：%s %s", name, msg),
				TextEN: fmt.Sprintf("Ticket printer fault: %s %s", name, msg)})
		}
		return true
	})
	if a := h.integrityAlert(); a != nil { // integrity.go
		m.Alerts = append(m.Alerts, *a)
	}
	m.Alerts = append(m.Alerts, h.clockAlerts(m.Snapshot.Day)...) // clock.go
	m.Alerts = append(m.Alerts, h.diskAlerts()...)                // disk.go
	m.Alerts = append(m.Alerts, h.featureAlerts(p)...)            // MonitorAlerts (casework: work orders, approvals)
	h.hooks.mu.RLock()
	defer h.hooks.mu.RUnlock()
	for _, fn := range h.hooks.monitor { // the features' parts: rating's figures and alerts
		fn(&m)
	}
	return m, nil
}

// OnMonitor registers fn to add a feature's part to every live monitor
// (Totals it counts, its Alerts, appended after the kernel's), in the order
// registered: the rating feature's rated figures and low-rating alerts.
func (h *Hall) OnMonitor(fn func(m *Monitor)) {
	h.hooks.mu.Lock()
	h.hooks.monitor = append(h.hooks.monitor, fn)
	h.hooks.mu.Unlock()
}
