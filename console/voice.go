package console

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"hallq/hall"
	"hallq/queue"
)

// keyVoice is the voice's record: kind "config" (hall.KindConfig), key
// "voice" (stored data: never change it).
const keyVoice = "voice"

// Voice is how the hall display calls tickets.
type Voice struct {
	Repeat int    `json:"repeat"` // times each call is spoken, 1–3
	Volume int    `json:"volume"` // 0–100
	Lang   string `json:"lang"`   // "zh", "en" or "zh+en"
}

// DefaultVoice is the voice before a manager changes it: Mandarin, twice.
var DefaultVoice = Voice{Repeat: 2, Volume: 80, Lang: "zh"}

// Voice returns the committed voice settings.
func (s *Service) Voice() Voice {
	r, ok, err := s.h.Record(hall.KindConfig, keyVoice)
	v := DefaultVoice
	if err == nil && ok {
		json.Unmarshal(r.Data, &v) // over the defaults: a field an old record lacks keeps its default
	}
	return v
}

// SaveVoice changes how the hall display calls (managers): one
// config_changed event "voice" with its actor. EINVALID for a repeat count
// outside 1–3, a volume outside 0–100, or an unknown language.
func (s *Service) SaveVoice(ctx context.Context, p hall.Principal, v Voice) (Voice, error) {
	if err := hall.StaffOnly(p); err != nil {
		return v, err
	}
	v.Lang = strings.TrimSpace(v.Lang)
	switch {
	case v.Repeat < 1 || v.Repeat > 3:
		return v, queue.Err(queue.EINVALID, "err.hall.the_repeat_count_must")
	case v.Volume < 0 || v.Volume > 100:
		return v, queue.Err(queue.EINVALID, "err.hall.the_volume_must_be")
	case v.Lang != "zh" && v.Lang != "en" && v.Lang != "zh+en":
		return v, queue.Err(queue.EINVALID, "err.hall.the_language_must_be")
	}
	if err := s.h.LogConfig(p.Actor(), "voice", hall.NewRecord(hall.KindConfig, keyVoice, v)); err != nil {
		return v, fmt.Errorf("save voice: %w", err)
	}
	return v, nil
}
