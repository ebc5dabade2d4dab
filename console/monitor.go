package console

import (
	"encoding/json"
	"fmt"
	"time"

	"hallq/hall"
	"hallq/queue"
)

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
	Alerts   []hall.Alert   `json:"alerts"`
	Totals   Totals         `json:"totals"`
}

// ServingLong is how long a counter may serve one ticket before the monitor
// warns: twice the service's average, and never less than this.
const ServingLong = 20 * time.Minute

// Monitor returns the live monitor (managers): the snapshot, alerts and
// today's totals.
func (s *Service) Monitor(p hall.Principal) (Monitor, error) {
	if err := hall.StaffOnly(p); err != nil {
		return Monitor{}, err
	}
	h := s.h
	now := h.Now()
	m := Monitor{Now: now, Alerts: []hall.Alert{}}
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
			m.Alerts = append(m.Alerts, hall.Alert{Kind: "wait", Service: s.Prefix,
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
			m.Alerts = append(m.Alerts, hall.Alert{Kind: "serving", Counter: c.Number,
				TextZH: fmt.Sprintf("%d 号窗口办理 %s 已 %d 分钟", c.Number, t.Number, int(d.Minutes())),
				TextEN: fmt.Sprintf("Counter %d has served %s for %d min", c.Number, t.Number, int(d.Minutes()))})
		}
	}
	for _, a := range s.sec.Alerts() { // security.go: sign-in lock-outs and booking bursts
		m.Alerts = append(m.Alerts, hall.Alert{Kind: "security", Link: "/manager/audit?category=security",
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
			m.Alerts = append(m.Alerts, hall.Alert{Kind: "printer",
				TextZH: fmt.Sprintf("取号机打印机故障：%s %s", name, msg),
				TextEN: fmt.Sprintf("Ticket printer fault: %s %s", name, msg)})
		}
		return true
	})
	m.Alerts = append(m.Alerts, s.hallAlerts(m.Snapshot.Day)...)
	for _, fn := range s.opt.Alerts { // the features': casework's work orders and approvals, rating's low ratings
		m.Alerts = append(m.Alerts, fn(p, m.Snapshot.Day)...)
	}
	if s.opt.Rated != nil {
		m.Totals.Rated, m.Totals.Satisfaction = s.opt.Rated(m.Snapshot.Day)
	}
	return m, nil
}

// hallAlerts are the monitor's lines about the hall itself, in this order: a
// failed database check (health), a clock that went back (the kernel saw
// it), low disks (health).
func (s *Service) hallAlerts(day string) []hall.Alert {
	hs := s.opt.Health
	if hs == nil {
		return s.clockAlerts(day)
	}
	var out []hall.Alert
	if a := hs.IntegrityAlert(); a != nil {
		out = append(out, *a)
	}
	out = append(out, s.clockAlerts(day)...)
	return append(out, hs.DiskAlerts()...)
}

// clockAlerts is the monitor's alert for a step back of the clock the
// kernel saw (Hall.ClockStep): while the clock is behind, and for the rest
// of the day it was corrected on.
func (s *Service) clockAlerts(day string) []hall.Alert {
	st, ok := s.h.ClockStep()
	if !ok {
		return nil
	}
	loc := s.h.Location()
	if st.Caught != nil && st.Caught.In(loc).Format(time.DateOnly) != day {
		return nil
	}
	seen := st.Seen.In(loc).Format("01-02 15:04")
	behind := st.Behind.Round(time.Second)
	if st.Caught == nil {
		return []hall.Alert{{Kind: "clock",
			TextZH: fmt.Sprintf("系统时钟比最后一笔业务的时间慢 %s（%s 发现），请校准时间；在此之前记录的时间暂停在 %s", behind, seen, seen),
			TextEN: fmt.Sprintf("The system clock is %s behind the last recorded event (seen %s); set the clock right. Times are held at %s until then", behind, seen, seen)}}
	}
	caught := st.Caught.In(loc).Format("15:04")
	return []hall.Alert{{Kind: "clock",
		TextZH: fmt.Sprintf("系统时钟曾回拨 %s（%s 发现，%s 恢复）；其间记录的时间停在 %s", behind, seen, caught, seen),
		TextEN: fmt.Sprintf("The system clock went back %s (seen %s, right again at %s); times recorded in between were held at %s", behind, seen, caught, seen)}}
}
