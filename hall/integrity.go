package hall

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"hallq/hall/store"
)

// DefaultIntegrityHour is the local hour of the daily check of the hot file:
// 3 am, when a hall is closed. The check's page walk holds the writer's lock
// (bbolt's check compares the pages with the freelist), so it belongs to a
// quiet hour.
const DefaultIntegrityHour = 3

// StoreCheck is the outcome of a check of the hall's database.
type StoreCheck struct {
	At      time.Time     `json:"at"`
	Took    time.Duration `json:"took_ns"`
	OK      bool          `json:"ok"`
	Summary store.Summary `json:"summary"`
	Error   string        `json:"error,omitempty"`
}

type integrity struct {
	hour int // local hour of the daily check; <0: off
	mu   sync.Mutex
	day  string      // the local day the check last ran
	last *StoreCheck // nil until one ran
}

// CheckStore runs the full check of the hall's database now (store.Verify:
// pages, every value's checksum, the rules of the data), logs the outcome
// and keeps it for the manager's alerts (Monitor) and /healthz. The daily
// check calls it at the quiet hour; it is safe to call at any time.
func (h *Hall) CheckStore() StoreCheck {
	start := time.Now()
	sum, err := h.st.Verify()
	res := StoreCheck{At: h.now(), Took: time.Since(start), OK: err == nil, Summary: sum}
	if err != nil {
		res.Error = err.Error()
		h.log.Error("store check found problems", "problems", len(sum.Problems)+sum.More, "damage", sum.Damaged(), "err", err)
	} else {
		h.log.Info("store check ok", "took", res.Took.Round(time.Millisecond), "tickets", sum.Tickets, "events", sum.Events)
	}
	h.integ.mu.Lock()
	h.integ.last = &res
	h.integ.mu.Unlock()
	return res
}

// LastStoreCheck returns the latest CheckStore outcome; ok is false when no
// check ran since the hall opened.
func (h *Hall) LastStoreCheck() (c StoreCheck, ok bool) {
	h.integ.mu.Lock()
	defer h.integ.mu.Unlock()
	if h.integ.last == nil {
		return StoreCheck{}, false
	}
	return *h.integ.last, true
}

// integrityDue reports whether the daily check should start now (the
// integrity hour of a local day it has not run on) and marks it started.
func (h *Hall) integrityDue() bool {
	if h.integ.hour < 0 {
		return false
	}
	local := h.now().In(h.Location())
	if local.Hour() != h.integ.hour {
		return false
	}
	day := local.Format(time.DateOnly)
	h.integ.mu.Lock()
	defer h.integ.mu.Unlock()
	if h.integ.day == day {
		return false
	}
	h.integ.day = day
	return true
}

// integrityAlert is the manager's alert for a failed check, or nil.
func (h *Hall) integrityAlert() *Alert {
	c, ok := h.LastStoreCheck()
	if !ok || c.OK {
		return nil
	}
	var first []string
	for i, p := range c.Summary.Problems {
		if i == 3 {
			break
		}
		first = append(first, p.String())
	}
	n := len(c.Summary.Problems) + c.Summary.More
	what := strings.Join(first, "; ")
	if c.Summary.Damaged() {
		return &Alert{Kind: "integrity",
			TextZH: fmt.Sprintf("数据库自检（%s）发现 %d 处损坏，请联系系统管理员用备份恢复（hallq check 列出详情）：%s", c.At.In(h.Location()).Format("01-02 15:04"), n, what),
			TextEN: fmt.Sprintf("The database check at %s found %d damaged records; call the administrator to restore a backup (hallq check lists them): %s", c.At.In(h.Location()).Format("01-02 15:04"), n, what)}
	}
	return &Alert{Kind: "integrity",
		TextZH: fmt.Sprintf("数据库自检（%s）发现 %d 处数据不一致（文件完好），请联系技术支持：%s", c.At.In(h.Location()).Format("01-02 15:04"), n, what),
		TextEN: fmt.Sprintf("The database check at %s found %d inconsistent records (the file is intact); report them to support: %s", c.At.In(h.Location()).Format("01-02 15:04"), n, what)}
}
