package hall_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hallq/hall"
	"hallq/hall/config"
)

// withKey returns the default hall as JSON with edit applied to its decoded
// form (a map, so the test can add keys the config does not know).
func withKey(t *testing.T, edit func(m map[string]any)) []byte {
	t.Helper()
	raw, err := json.Marshal(config.Default())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestOpenRefusesTypoInHallJSON: a new hall whose hall.json has a typo does
// not start (the limit would silently stay at its default), and starts once
// the key is spelled right, with the file's value.
func TestOpenRefusesTypoInHallJSON(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, config.File)
	if err := os.WriteFile(path, withKey(t, func(m map[string]any) { m["phone_daly_limit"] = 2 }), 0o600); err != nil {
		t.Fatal(err)
	}
	opt := hall.Options{Dir: dir, Now: func() time.Time { return monday10 }, Logger: quiet, Tick: time.Hour}
	if h, err := hall.Open(opt); err == nil {
		h.Close()
		t.Fatal("Open accepted hall.json with phone_daly_limit")
	} else if !strings.Contains(err.Error(), `phone_daly_limit (did you mean "phone_daily_limit"?)`) {
		t.Errorf("Open: %v", err)
	}
	if err := os.WriteFile(path, withKey(t, func(m map[string]any) { m["phone_daily_limit"] = 2 }), 0o600); err != nil {
		t.Fatal(err)
	}
	h, err := hall.Open(opt)
	if err != nil {
		t.Fatalf("Open with the key spelled right: %v", err)
	}
	defer h.Close()
	if got := h.Config().PhoneDailyLimit; got != 2 {
		t.Errorf("phone_daily_limit %d, want 2 from hall.json", got)
	}
}
