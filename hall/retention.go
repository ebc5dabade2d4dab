package hall

import (
	"context"
	"time"
)

// ApplyRetention erases the phone and account numbers of tickets older than
// the hall's RetentionDays (服务档案安全与保密), in the tickets and in the
// event log, keeping every figure the reports use. It returns how many
// stored records it changed; with RetentionDays 0 it does nothing. The hall
// runs it once a day; it is safe to run at any time.
func (h *Hall) ApplyRetention(ctx context.Context) (int, error) {
	days := h.Config().RetentionDays
	if days <= 0 {
		return 0, nil
	}
	cutoff := h.now().In(h.Location()).AddDate(0, 0, -days).Format(time.DateOnly)
	return h.st.Anonymise(cutoff, 5000)
}

// retentionDue reports whether today's retention run is still to do, and
// marks it done.
func (h *Hall) retentionDue() bool {
	today := h.now().In(h.Location()).Format(time.DateOnly)
	h.retMu.Lock()
	defer h.retMu.Unlock()
	if h.retDay == today {
		return false
	}
	h.retDay = today
	return true
}
