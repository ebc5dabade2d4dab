package queue

import "time"

// AheadByScan is aheadOf the slow way, over every waiting ticket of every
// service: the random test checks the per-service index against it.
func (e *Engine) AheadByScan(id uint64, now time.Time) (int, bool) {
	t := e.tickets[id]
	if t == nil || t.Status != Waiting {
		return 0, false
	}
	n := 0
	for _, w := range e.waiting {
		if w.ID != t.ID && w.Service == t.Service && !w.Postponed && e.before(w, t, -1, now) {
			n++
		}
	}
	return n, true
}

// FallbackText is the text of key with no catalog registered (SetTexts never
// called); the test binary links hallq/i18n, so render itself never falls
// back here.
func FallbackText(key string, args ...any) string { return renderWith(nil, "", key, args...) }
