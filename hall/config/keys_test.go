package config_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hallq/hall/config"
	"hallq/queue"
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

// TestLoadConfigUnknownKeys: a hall.json key the config does not know is
// refused with its JSON path and the nearest known key; known keys in any
// case (as encoding/json reads them) and the embedded default pass.
func TestLoadConfigUnknownKeys(t *testing.T) {
	elem := func(m map[string]any, list string, i int) map[string]any {
		return m[list].([]any)[i].(map[string]any)
	}
	for _, tc := range []struct {
		name       string
		edit       func(m map[string]any)
		path, near string // "" : accepted
	}{
		{"default", func(map[string]any) {}, "", ""},
		{"case folded", func(m map[string]any) { m["PHONE_DAILY_LIMIT"] = 3; delete(m, "phone_daily_limit") }, "", ""},
		{"top level typo", func(m map[string]any) { m["phone_daly_limit"] = 3 }, "phone_daly_limit", "phone_daily_limit"},
		{"service field", func(m map[string]any) { elem(m, "services", 2)["prefx"] = "Z" }, "services[2].prefx", "prefix"},
		{"counter hours", func(m map[string]any) {
			elem(m, "counters", 1)["hours"] = map[string]any{"open": "09:00", "clsoe": "17:00"}
		}, "counters[1].hours.clsoe", "close"},
		{"hall hours map", func(m map[string]any) {
			m["hours"].(map[string]any)["1"].(map[string]any)["opne"] = "08:00"
		}, "hours.1.opne", "open"},
		{"unicode key", func(m map[string]any) { m["营业时间"] = 1 }, "营业时间", ""},
		{"dated overrides and phone tickets", func(m map[string]any) {
			m["overrides"] = map[string]any{"2026-09-27": map[string]any{"open": "08:30", "close": "17:30", "workday": true, "name": "调休"},
				"2026-10-01": map[string]any{"closed": true}}
			m["remote_tickets"], m["remote_grace_s"] = true, 900
		}, "", ""},
		{"override typo", func(m map[string]any) {
			m["overrides"] = map[string]any{"2026-09-27": map[string]any{"open": "08:30", "close": "17:30", "work_day": true}}
		}, "overrides.2026-09-27.work_day", "workday"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), config.File)
			if err := os.WriteFile(path, withKey(t, tc.edit), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := config.Load(path)
			if tc.path == "" {
				if err != nil {
					t.Fatalf("LoadConfig: %v", err)
				}
				if tc.name == "dated overrides and phone tickets" && (!c.Overrides["2026-09-27"].Workday || !c.Overrides["2026-10-01"].Closed || !c.RemoteTickets || c.RemoteGraceS != 900) {
					t.Errorf("hall.json read as %+v / %v %d", c.Overrides, c.RemoteTickets, c.RemoteGraceS)
				}
				if tc.name == "case folded" && c.PhoneDailyLimit != 3 {
					t.Errorf("phone_daily_limit %d, want 3", c.PhoneDailyLimit)
				}
				return
			}
			if err == nil {
				t.Fatalf("LoadConfig accepted the unknown key %s", tc.path)
			}
			if queue.ErrorCode(err) != queue.EINVALID {
				t.Errorf("code %q, want %q (%v)", queue.ErrorCode(err), queue.EINVALID, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, "unknown key "+tc.path+" ") {
				t.Errorf("error %q does not name the path %s", msg, tc.path)
			}
			if tc.near != "" && !strings.Contains(msg, `did you mean "`+tc.near+`"`) {
				t.Errorf("error %q does not suggest %q", msg, tc.near)
			}
		})
	}
}
