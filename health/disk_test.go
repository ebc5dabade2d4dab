package health_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"hallq/backup"
	"hallq/hall"
	"hallq/hall/config"
	"hallq/hall/store"
	"hallq/health"
	"hallq/internal/halltest"
	"hallq/queue"
)

// TestDiskAlertsAndBackupRoom: with an injected free-space figure, a disk
// below the limit is a manager alert (data and backups disks both), and a
// backup that would take the disk below the limit is refused before it
// writes — even while the disk is still above it.
func TestDiskAlertsAndBackupRoom(t *testing.T) {
	var free, total atomic.Uint64
	free.Store(5 << 30)
	total.Store(10 << 30)
	dir := t.TempDir()
	h := halltest.Open(t, hall.Options{Dir: dir, Now: halltest.NewClock(halltest.Monday10).Now, AlwaysOpen: true})
	hs := health.New(h, health.Options{FreeSpace: func(string) (uint64, uint64, error) { return free.Load(), total.Load(), nil }})
	mgr := hall.Principal{Kind: "user", Name: "mgr", Role: hall.RoleManager}
	alerts := func() (kinds []string, text string) {
		m, err := monitorOf(h, hs, mgr)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range m.Alerts {
			kinds = append(kinds, a.Kind)
			text += a.TextEN + "\n"
		}
		return kinds, text
	}
	if k, _ := alerts(); len(k) != 0 {
		t.Errorf("alerts with 5 GiB of 10 free: %v", k)
	}
	if r := hs.Report(); r.Status != "ok" {
		t.Errorf("health %+v", r)
	}

	// Above the limit, but the copy would take the disk below it.
	fi, err := os.Stat(filepath.Join(dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	free.Store(1<<30 + uint64(fi.Size())/2)
	if k, _ := alerts(); len(k) != 0 {
		t.Errorf("alerts just above the limit: %v", k)
	}
	// (package backup asks Room before every copy)
	copyPath := filepath.Join(dir, health.BackupDir, "hallq-20261123.db")
	_, err = backup.New(h, backup.Options{}, hs).Write(copyPath, 0)
	if queue.ErrorCode(err) != queue.EUNAVAILABLE || !strings.Contains(queue.ErrorMessage(err), "备份盘空间不足") {
		t.Errorf("backup that would fill the disk: %v", err)
	}
	if _, err := os.Stat(copyPath); !os.IsNotExist(err) {
		t.Errorf("backup written: %v", err)
	}

	free.Store(512 << 20)
	k, text := alerts()
	if strings.Join(k, ",") != "disk,disk" || !strings.Contains(text, "The data disk is low on space") || !strings.Contains(text, "The backups disk is low") || !strings.Contains(text, "512 MB free (5.0%)") {
		t.Errorf("alerts on a low disk: %v\n%s", k, text)
	}
	if r := hs.Report(); r.Status != "degraded" || len(r.Problems) != 2 {
		t.Errorf("health %+v", r)
	}

	// Percent limit: 5 % of a 100 GiB disk is 5 GiB.
	free.Store(4 << 30)
	total.Store(100 << 30)
	if k, _ := alerts(); strings.Join(k, ",") != "disk,disk" {
		t.Errorf("alerts at 4 %% free: %v", k)
	}
}

// TestDiskLimitsFromHallJSON: the limits come from the "disk" section of
// DATA/hall.json, read at every start; the defaults fill what it leaves out.
func TestDiskLimitsFromHallJSON(t *testing.T) {
	dir := t.TempDir()
	raw, err := json.Marshal(config.Default())
	if err != nil {
		t.Fatal(err)
	}
	raw = append(raw[:len(raw)-1], []byte(`,"disk":{"min_free_mb":200}}`)...)
	if err := os.WriteFile(filepath.Join(dir, config.File), raw, 0o640); err != nil {
		t.Fatal(err)
	}
	h := halltest.Open(t, hall.Options{Dir: dir})
	hs := health.New(h, health.Options{FreeSpace: func(string) (uint64, uint64, error) { return 300 << 20, 1 << 30, nil }})
	if l := hs.Limits(); l.MinFreeMB != 200 || l.MinFreePct != health.DefaultMinFreePct {
		t.Errorf("limits %+v", l)
	}
	// 300 MB of 1 GiB is 29 %: above both limits.
	if r := hs.Report(); r.Status != "ok" {
		t.Errorf("health %+v", r)
	}
}
