package web_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hallq/backup"
	"hallq/hall/store"
	"hallq/history"
)

// TestBackupDownloadSealed: once the hall has sealed days, the managers'
// download (GET /api/v1/backup) and a listed backup's download are one tar
// archive (hallq.db, the segments, MANIFEST last) that restores the days.
func TestBackupDownloadSealed(t *testing.T) {
	t.Parallel()
	e := apiNewServerWith(t, apiSetup{})
	mgr := e.login("manager", 0)
	day := "2026-11-20"
	if _, err := history.WriteFile(history.PathFor(backup.HistoryDir(e.hall.Dir()), day), &history.Day{Day: day}, history.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if r := e.do("POST", "/api/v1/backups", mgr, nil); r.Status != 201 {
		t.Fatalf("back up now: %d %s", r.Status, r.Body)
	}
	var list []backup.File
	e.do("GET", "/api/v1/backups", mgr, nil).JSON(t, &list)
	if len(list) != 1 || list[0].Segments != 1 {
		t.Fatalf("backups %+v", list)
	}
	for _, path := range []string{"/api/v1/backup", "/api/v1/backups/" + list[0].Name} {
		r := e.do("GET", path, mgr, nil)
		if r.Status != 200 || !strings.Contains(r.Header.Get("Content-Disposition"), ".tar\"") {
			t.Fatalf("%s: %d %q", path, r.Status, r.Header.Get("Content-Disposition"))
		}
		file := filepath.Join(t.TempDir(), "hall.tar")
		if err := os.WriteFile(file, r.Body, 0o600); err != nil {
			t.Fatal(err)
		}
		un := filepath.Join(t.TempDir(), "un")
		if err := backup.Unpack(file, un); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if _, err := store.VerifyFile(filepath.Join(un, store.FileName)); err != nil {
			t.Errorf("%s: the hot file: %v", path, err)
		}
		plan, ok, err := backup.PlanHistory(filepath.Join(un, store.FileName), t.TempDir())
		if err != nil || !ok || len(plan.Copy) != 1 || plan.Copy[0].Day != day {
			t.Errorf("%s: plan %+v %v %v", path, plan, ok, err)
		}
	}
}
