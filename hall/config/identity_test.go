package config_test

import (
	"os"
	"path/filepath"
	"testing"

	"hallq/hall/config"
	"hallq/queue"
)

func TestHallIdentity(t *testing.T) {
	for _, c := range []struct {
		name   string
		nameEN string
		nameZH string
		want   string
	}{
		{"English name", "State Grid Demonstration Service Hall", "国网示范供电营业厅", "state-grid-demonstration-service-hall"},
		{"punctuation and digits", "  Futian No.2 (East) ", "福田", "futian-no-2-east"},
		{"Chinese only", "", "国网示范供电营业厅", "hall-"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := config.DeriveID(queue.Config{NameEN: c.nameEN, NameZH: c.nameZH})
			if c.want == "hall-" {
				if len(got) != len("hall-")+8 || got[:5] != "hall-" || got == config.DeriveID(queue.Config{NameZH: "另一个营业厅"}) {
					t.Errorf("DeriveID = %q, want hall- and 8 hex digits of the name", got)
				}
			} else if got != c.want {
				t.Errorf("DeriveID = %q, want %q", got, c.want)
			}
			if err := config.ValidID(got); err != nil {
				t.Errorf("a derived id is invalid: %v", err)
			}
		})
	}
	for _, bad := range []string{"", "-x", "Upper", "有中文", "a b", string(make([]byte, 65))} {
		if queue.ErrorCode(config.ValidID(bad)) != queue.EINVALID {
			t.Errorf("ValidID(%q) accepted", bad)
		}
	}
	dir := t.TempDir()
	if id := config.ReadIdentity(dir); id.ID != "" || id.Region.ShipTo != "" {
		t.Errorf("no config.json: %+v", id)
	}
	os.WriteFile(filepath.Join(dir, config.File), []byte(`{"id": " sz-futian ", "region": {"ship_to": "postgres://r/x", "ship_every_s": 5}}`), 0o600)
	if id := config.ReadIdentity(dir); id.ID != "sz-futian" || id.Region.ShipTo != "postgres://r/x" || id.Region.ShipEveryS != 5 {
		t.Errorf("ReadIdentity = %+v", id)
	}
}
