package backup_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"hallq/backup"
	"hallq/hall"
	"hallq/hall/config"
	"hallq/hall/store"
	"hallq/health"
	"hallq/history"
	"hallq/internal/halltest"
	"hallq/queue"
	"hallq/sim"
)

// simDays simulates days small-profile days into data's store, ending the
// day before halltest.Monday10, and returns the days and their events.
func simDays(t *testing.T, data string, days int) ([]string, map[string][]queue.Event) {
	t.Helper()
	st, err := store.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	end := time.Date(halltest.Monday10.Year(), halltest.Monday10.Month(), halltest.Monday10.Day(), 0, 0, 0, 0, time.UTC)
	if _, err := sim.Run(st, sim.Options{Days: days, Seed: 5, NewHall: config.Default(), End: end}); err != nil {
		st.Close()
		t.Fatal(err)
	}
	evs, err := st.Events(0, 1<<30)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	by := map[string][]queue.Event{}
	var order []string
	for _, ev := range evs {
		if _, ok := by[ev.Day]; !ok {
			order = append(order, ev.Day)
		}
		by[ev.Day] = append(by[ev.Day], ev)
	}
	if len(order) < days {
		t.Fatalf("simulated %d days with events, want %d", len(order), days)
	}
	return order, by
}

// seal writes the segment of day into data/history (history.WriteFile, as
// the sealer does).
func seal(t *testing.T, data, day string, evs []queue.Event) string {
	t.Helper()
	w, err := history.WriteFile(history.PathFor(backup.HistoryDir(data), day), &history.Day{Day: day, Events: evs}, history.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return w.Path
}

// sealedData is a data directory with a simulated store and every day but
// the last sealed into segments; it returns the sealed days, the last one
// and all events by day.
func sealedData(t *testing.T, days int) (data string, sealed []string, last string, evs map[string][]queue.Event) {
	t.Helper()
	data = t.TempDir()
	order, by := simDays(t, data, days)
	for _, d := range order[:len(order)-1] {
		seal(t, data, d, by[d])
	}
	return data, order[:len(order)-1], order[len(order)-1], by
}

// eventsOf reads every event of the segments of days under data, as JSON.
func eventsOf(t *testing.T, data string, days []string) [][]byte {
	t.Helper()
	var out [][]byte
	for _, d := range days {
		seg, err := history.Open(history.PathFor(backup.HistoryDir(data), d))
		if err != nil {
			t.Fatal(err)
		}
		if err := seg.EachEvent(0, func(ev *queue.Event) error {
			b, err := json.Marshal(ev)
			out = append(out, b)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func sameFile(t *testing.T, a, b string) bool {
	t.Helper()
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}

func segPaths(t *testing.T, dir string) []string {
	t.Helper()
	ix, err := history.Scan(backup.HistoryDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ix.Segments {
		out = append(out, e.Day)
	}
	return out
}

// TestSegmentBackups: the daily backup copies the hot file and only the
// segments not backed up yet, lists them in its manifest, and retention
// removes a shared segment only when no kept backup lists it.
func TestSegmentBackups(t *testing.T) {
	data, sealed, last, evs := sealedData(t, 6)
	clk := halltest.NewClock(halltest.Monday10)
	h := halltest.Open(t, hall.Options{Dir: data, Now: clk.Now, AlwaysOpen: true})
	b := backup.New(h, backup.Options{}, health.New(h, health.Options{}))
	bdir := filepath.Join(data, backup.Dir) // the default backup directory

	f1, err := b.Make(2)
	if err != nil || f1.Segments != len(sealed) {
		t.Fatalf("first backup %+v %v; want %d segments", f1, err, len(sealed))
	}
	if got := segPaths(t, bdir); !slices.Equal(got, sealed) {
		t.Fatalf("backup history %v, want %v", got, sealed)
	}
	m, ok, err := backup.ReadManifest(filepath.Join(bdir, f1.Name))
	if err != nil || !ok || len(m.Segments) != len(sealed) {
		t.Fatalf("manifest %+v %v %v", m, ok, err)
	}
	for i, s := range m.Segments {
		seg, err := history.Open(history.PathFor(backup.HistoryDir(data), sealed[i]))
		if err != nil || s.Day != sealed[i] || s.Size != seg.Size() || s.Sum != seg.Sum() {
			t.Fatalf("manifest line %d: %+v, segment %v", i, s, err)
		}
	}
	first := history.PathFor(backup.HistoryDir(bdir), sealed[0])
	before, _ := os.Stat(first)
	if sameFile(t, first, history.PathFor(backup.HistoryDir(data), sealed[0])) {
		t.Fatalf("the daily backup linked a segment instead of copying it")
	}

	// The next day: one more sealed day, copied alone.
	seal(t, data, last, evs[last])
	clk.Add(24 * time.Hour)
	f2, err := b.Make(2)
	if err != nil || f2.Segments != len(sealed)+1 {
		t.Fatalf("second backup %+v %v", f2, err)
	}
	if after, _ := os.Stat(first); !os.SameFile(before, after) {
		t.Errorf("a segment backed up before was copied again")
	}

	// The oldest day leaves the data directory; the backups that list it
	// keep it until the last of them is removed.
	if err := os.Remove(history.PathFor(backup.HistoryDir(data), sealed[0])); err != nil {
		t.Fatal(err)
	}
	clk.Add(24 * time.Hour)
	if f3, err := b.Make(2); err != nil || f3.Segments != len(sealed) {
		t.Fatalf("third backup %+v %v", f3, err)
	}
	if _, err := os.Stat(ManifestOf(bdir, f1.Name)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the removed backup's manifest is still there: %v", err)
	}
	if _, err := os.Stat(first); err != nil {
		t.Errorf("a segment a kept backup lists was removed: %v", err)
	}
	clk.Add(24 * time.Hour)
	if _, err := b.Make(2); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(first); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a segment no kept backup lists is still there: %v", err)
	}
	if got, want := segPaths(t, bdir), append(slices.Clone(sealed[1:]), last); !slices.Equal(got, want) {
		t.Errorf("backup history %v, want %v", got, want)
	}
	list, _ := b.List()
	if len(list) != 2 || list[0].Segments != len(sealed) {
		t.Errorf("backups %+v", list)
	}

	// The console's download is a tar archive of the whole hall.
	var buf bytes.Buffer
	if _, err := b.Stream(&buf); err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(t.TempDir(), "hall.tar")
	if err := os.WriteFile(archive, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if !backup.IsTar(archive) {
		t.Fatalf("the download of a sealed hall is not a tar archive")
	}
	un := filepath.Join(t.TempDir(), "un")
	if err := backup.Unpack(archive, un); err != nil {
		t.Fatal(err)
	}
	if _, err := store.VerifyFile(filepath.Join(un, store.FileName)); err != nil {
		t.Errorf("the archive's hot file: %v", err)
	}
	fresh := t.TempDir()
	plan, ok, err := backup.PlanHistory(filepath.Join(un, store.FileName), fresh)
	if err != nil || !ok || len(plan.Copy) != len(sealed) || len(plan.Have) != 0 {
		t.Fatalf("plan from the archive: %+v %v %v", plan, ok, err)
	}
	if err := plan.Apply(fresh); err != nil {
		t.Fatal(err)
	}
	days := append(slices.Clone(sealed[1:]), last)
	if got, want := eventsOf(t, fresh, days), eventsOf(t, data, days); !slices.EqualFunc(got, want, bytes.Equal) || len(got) == 0 {
		t.Errorf("the archive's history: %d events, the hall's %d (or they differ)", len(got), len(want))
	}
	// A kept backup downloads as an archive of the days it lists.
	if !b.Archived(list[0].Name) {
		t.Errorf("%s lists sealed days but is not sent as an archive", list[0].Name)
	}
	var kept bytes.Buffer
	if _, err := b.Send(list[0].Name, &kept); err != nil {
		t.Fatal(err)
	}
	keptTar := filepath.Join(t.TempDir(), "kept.tar")
	os.WriteFile(keptTar, kept.Bytes(), 0o600)
	un2 := filepath.Join(t.TempDir(), "un2")
	if err := backup.Unpack(keptTar, un2); err != nil {
		t.Fatal(err)
	}
	if plan, ok, err := backup.PlanHistory(filepath.Join(un2, store.FileName), t.TempDir()); err != nil || !ok || len(plan.Copy) != len(sealed) {
		t.Errorf("plan from the kept backup's archive: %+v %v %v", plan, ok, err)
	}
	// The command line's online backup into a new directory: the layout,
	// segments hard-linked from the data directory.
	usb := filepath.Join(t.TempDir(), "usb") + string(filepath.Separator)
	res, err := b.Write(usb, 0)
	if err != nil || res.Segments != len(sealed) || res.Copied != len(sealed) || filepath.Dir(res.Path) != filepath.Clean(usb) {
		t.Fatalf("online backup into a directory: %+v %v", res, err)
	}
	if !sameFile(t, history.PathFor(backup.HistoryDir(usb), last), history.PathFor(backup.HistoryDir(data), last)) {
		t.Errorf("the online directory backup copied a segment it could link")
	}
	if m, ok, err := backup.ReadManifest(res.Path); err != nil || !ok || len(m.Segments) != len(sealed) {
		t.Errorf("the online directory backup's manifest: %+v %v %v", m, ok, err)
	}
	// Again an hour later, keeping one: the first goes, with its manifest.
	clk.Add(time.Hour)
	res2, err := b.Write(usb, 1)
	if err != nil || res2.Copied != 0 || res2.Path == res.Path {
		t.Fatalf("second online directory backup: %+v %v", res2, err)
	}
	if hots, _ := filepath.Glob(filepath.Join(usb, "hallq-*")); !slices.Equal(hots, []string{res2.Path, backup.ManifestPath(res2.Path)}) {
		t.Errorf("after keeping 1: %v", hots)
	}
	if got := segPaths(t, usb); len(got) != len(sealed) {
		t.Errorf("after keeping 1: segments %v", got)
	}
	if _, err := b.Write(filepath.Join(t.TempDir(), "x.tar"), 3); err == nil {
		t.Errorf("keeping N of a file was accepted")
	}
	// An archive cut short has no manifest and is refused.
	if err := os.WriteFile(archive, buf.Bytes()[:buf.Len()-2048], 0o600); err != nil {
		t.Fatal(err)
	}
	if err := backup.Unpack(archive, filepath.Join(t.TempDir(), "cut")); !errors.Is(err, store.ErrIncomplete) {
		t.Errorf("a cut archive unpacked: %v", err)
	}
}

// ManifestOf is the manifest path of the backup name in dir.
func ManifestOf(dir, name string) string { return backup.ManifestPath(filepath.Join(dir, name)) }

// TestRestoreSegments: back up, delete, damage and cut segments of the
// hall, then restore: every listed segment is whole again and every event
// equal; a backup whose copy of a needed segment is damaged is refused by
// the plan, before anything changes.
func TestRestoreSegments(t *testing.T) {
	data, sealed, _, _ := sealedData(t, 6)
	want := eventsOf(t, data, sealed)
	st, err := store.OpenReadOnly(data)
	if err != nil {
		t.Fatal(err)
	}
	bdir := t.TempDir()
	res, err := backup.WriteDir(st, data, bdir, "hallq-20261123.db", false)
	st.Close()
	if err != nil || res.Segments != len(sealed) || res.Copied != len(sealed) {
		t.Fatalf("backup %+v %v", res, err)
	}
	hdir := backup.HistoryDir(data)
	os.Remove(history.PathFor(hdir, sealed[0]))             // deleted
	flipByte(t, history.PathFor(hdir, sealed[1]), 100)      // a block damaged
	raw, _ := os.ReadFile(history.PathFor(hdir, sealed[2])) // cut short
	os.WriteFile(history.PathFor(hdir, sealed[2]), raw[:len(raw)/2], 0o640)

	plan, ok, err := backup.PlanHistory(res.Path, data)
	if err != nil || !ok || len(plan.Copy) != 3 || len(plan.Have) != len(sealed)-3 {
		t.Fatalf("plan %+v %v %v", plan, ok, err)
	}
	if _, _, _, err := store.Restore(data, res.Path); err != nil {
		t.Fatal(err)
	}
	if err := plan.Apply(data); err != nil {
		t.Fatal(err)
	}
	if got := eventsOf(t, data, sealed); !slices.EqualFunc(got, want, bytes.Equal) {
		t.Fatalf("after the restore: %d events, %d before (or they differ)", len(got), len(want))
	}
	for _, d := range sealed {
		seg, err := history.Open(history.PathFor(hdir, d))
		if err == nil {
			err = seg.Verify()
		}
		if err != nil {
			t.Errorf("after the restore: %v", err)
		}
	}
	// The backup's own copy damaged, and the hall's missing: refused.
	flipByte(t, history.PathFor(backup.HistoryDir(bdir), sealed[3]), 100)
	os.Remove(history.PathFor(hdir, sealed[3]))
	if _, _, err := backup.PlanHistory(res.Path, data); err == nil || !errors.Is(err, history.ErrDamaged) || !strings.Contains(err.Error(), sealed[3]) {
		t.Errorf("a backup with a damaged segment planned: %v", err)
	}
	if got := backup.Good(sealed[3], backup.Seg{}, bdir); len(got) != 0 {
		t.Errorf("a damaged copy was named good: %v", got)
	}
	if got := backup.Good(sealed[4], backup.Seg{}, bdir); !slices.Equal(got, []string{res.Path}) {
		t.Errorf("good copies of %s: %v, want %s", sealed[4], got, res.Path)
	}
}

func flipByte(t *testing.T, path string, at int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := []byte{0}
	if _, err := f.ReadAt(b, at); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x55
	if _, err := f.WriteAt(b, at); err != nil {
		t.Fatal(err)
	}
}

// TestIncompleteBackupCleaned: what an interrupted backup leaves (a hot
// copy under .tmp, a manifest without its hot file, a segment under .tmp)
// is never listed and is removed by the next backup; a backup from before
// segments (a hot file alone) stays and still restores.
func TestIncompleteBackupCleaned(t *testing.T) {
	data, sealed, _, _ := sealedData(t, 3)
	clk := halltest.NewClock(halltest.Monday10)
	h := halltest.Open(t, hall.Options{Dir: data, Now: clk.Now, AlwaysOpen: true})
	b := backup.New(h, backup.Options{}, health.New(h, health.Options{}))
	bdir := filepath.Join(data, backup.Dir) // the default backup directory
	os.MkdirAll(filepath.Join(bdir, "history", "2026"), 0o750)
	old := filepath.Join(bdir, "hallq-20261120.db") // today's format, before segments
	if _, err := h.Store().BackupFile(old); err != nil {
		t.Fatal(err)
	}
	left := []string{
		filepath.Join(bdir, "hallq-20261122.db.tmp"),
		filepath.Join(bdir, "hallq-20261121.db.gz.tmp"),
		filepath.Join(bdir, ".expand-1", store.FileName), // a check of a compressed copy, cut short
		filepath.Join(bdir, "hallq-20261122.manifest"),
		filepath.Join(bdir, "history", "2026", sealed[0]+".seg.tmp"),
	}
	for _, p := range left {
		os.MkdirAll(filepath.Dir(p), 0o750)
		if err := os.WriteFile(p, []byte("half"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	if list, _ := b.List(); len(list) != 1 || list[0].Name != "hallq-20261120.db" {
		t.Fatalf("listed %+v", list)
	}
	if _, err := b.Make(14); err != nil {
		t.Fatal(err)
	}
	for _, p := range left {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left by an interrupted backup is still there (%v)", p, err)
		}
	}
	list, _ := b.List()
	if len(list) != 2 || list[0].Name != "hallq-20261123.db.gz" || list[1].Name != "hallq-20261120.db" || list[1].Segments != 0 {
		t.Fatalf("listed %+v", list)
	}
	if plan, ok, err := backup.PlanHistory(old, t.TempDir()); ok || err != nil || len(plan.Copy) != 0 {
		t.Errorf("an old backup has a history to restore: %+v %v %v", plan, ok, err)
	}
	if _, err := store.VerifyFile(old); err != nil {
		t.Errorf("the old backup: %v", err)
	}
}

// TestCrashDuringBackup kills a real child process (SIGKILL) while it backs
// up, after the hot copy and the segments, before the manifest: nothing is
// listed as a backup, the last complete backup restores, the hall starts,
// and the next backup removes the leftovers.
func TestCrashDuringBackup(t *testing.T) {
	if data := os.Getenv("BACKUP_CRASH_DATA"); data != "" {
		backup.SetBeforeManifest(func(tmp string) {
			fmt.Println("copied", tmp)
			select {} // the parent kills the process here
		})
		st, err := store.OpenReadOnly(data)
		if err != nil {
			fmt.Println("open", err)
			os.Exit(3)
		}
		_, err = backup.WriteDir(st, data, os.Getenv("BACKUP_CRASH_DIR"), "hallq-20261124.db", false)
		fmt.Println("returned", err)
		os.Exit(3)
	}
	data, sealed, last, evs := sealedData(t, 5)
	bdir := t.TempDir()
	st, err := store.OpenReadOnly(data)
	if err != nil {
		t.Fatal(err)
	}
	good, err := backup.WriteDir(st, data, bdir, "hallq-20261123.db", false)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	seal(t, data, last, evs[last])

	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashDuringBackup$", "-test.count=1")
	cmd.Env = append(os.Environ(), "BACKUP_CRASH_DATA="+data, "BACKUP_CRASH_DIR="+bdir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "copied ") {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child said %q (%v)", line, err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	half := filepath.Join(bdir, "hallq-20261124.db")
	if _, err := os.Stat(half); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the killed backup is visible: %v", err)
	}
	if _, err := os.Stat(half + ".tmp"); err != nil {
		t.Fatalf("the killed backup left no hot copy under .tmp (killed too early?): %v", err)
	}
	// The last complete backup restores, history and all.
	fresh := t.TempDir()
	plan, ok, err := backup.PlanHistory(good.Path, fresh)
	if err != nil || !ok || len(plan.Copy) != len(sealed) {
		t.Fatalf("the last complete backup: %+v %v %v", plan, ok, err)
	}
	if _, _, _, err := store.Restore(fresh, good.Path); err != nil {
		t.Fatal(err)
	}
	if err := plan.Apply(fresh); err != nil {
		t.Fatal(err)
	}
	if got, want := eventsOf(t, fresh, sealed), eventsOf(t, data, sealed); !slices.EqualFunc(got, want, bytes.Equal) {
		t.Errorf("restored history differs: %d events, %d", len(got), len(want))
	}
	// The hall starts on its data directory.
	h := halltest.Open(t, hall.Options{Dir: data, AlwaysOpen: true})
	if err := h.Ping(context.Background()); err != nil {
		t.Errorf("the hall after the crash: %v", err)
	}
	// The next backup removes the leftovers and lists every day.
	b := backup.New(h, backup.Options{Dir: bdir}, health.New(h, health.Options{}))
	f, err := b.Make(14)
	if err != nil || f.Segments != len(sealed)+1 {
		t.Fatalf("the backup after the crash %+v %v", f, err)
	}
	if _, err := os.Stat(half + ".tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the killed backup's hot copy is still there: %v", err)
	}
}

// TestBackupRoomCountsSegments: the daily backup asks for room for the hot
// file and the sealed days it will copy, and writes nothing when the disk is
// short of them.
func TestBackupRoomCountsSegments(t *testing.T) {
	data, sealed, _, _ := sealedData(t, 4)
	clk := halltest.NewClock(halltest.Monday10)
	h := halltest.Open(t, hall.Options{Dir: data, Now: clk.Now, AlwaysOpen: true})
	fi, err := os.Stat(h.Store().Path())
	if err != nil {
		t.Fatal(err)
	}
	if p := backup.Pending(data, filepath.Join(data, backup.Dir)); p < 1000 {
		t.Fatalf("pending %d bytes for %d sealed days", p, len(sealed))
	}
	// Room for the hot file and 1,000 bytes more, above the 1 GiB limit.
	free := uint64(health.DefaultMinFreeMB<<20) + uint64(fi.Size()) + 1000
	hs := health.New(h, health.Options{FreeSpace: func(string) (uint64, uint64, error) { return free, free * 10, nil }})
	b := backup.New(h, backup.Options{}, hs)
	if _, err := b.Make(14); queue.ErrorCode(err) != queue.EUNAVAILABLE {
		t.Fatalf("a backup the disk has no room for: %v", err)
	}
	if list, _ := b.List(); len(list) != 0 {
		t.Fatalf("written anyway: %+v", list)
	}
	if got := segPaths(t, filepath.Join(data, backup.Dir)); len(got) != 0 {
		t.Fatalf("segments copied anyway: %v", got)
	}
	free += uint64(backup.Pending(data, filepath.Join(data, backup.Dir)))
	if f, err := b.Make(14); err != nil || f.Segments != len(sealed) {
		t.Fatalf("with room: %+v %v", f, err)
	}
}

// afterCtx is a context whose Err turns to Canceled at its n-th call, so a
// test stops a backup at a chosen point without a timer.
type afterCtx struct {
	context.Context
	calls, n int
}

func (c *afterCtx) Err() error {
	c.calls++
	if c.calls >= c.n {
		return context.Canceled
	}
	return nil
}

// TestBackupStops: a backup whose context ends (the hall stopping during
// the first backup of years of history) stops at its next write or file
// and leaves no backup, no temporary file and no manifest behind — only
// whole, verified segments that the next backup finds in place; that next
// backup is complete and restores every event.
func TestBackupStops(t *testing.T) {
	data, sealed, _, _ := sealedData(t, 6)
	want := eventsOf(t, data, sealed)
	st, err := store.OpenReadOnly(data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	bdir := t.TempDir()
	// Count the checks a whole backup makes, then stop at each of a spread of them.
	probe := &afterCtx{Context: context.Background(), n: math.MaxInt}
	if _, err := backup.WriteDirContext(probe, st, data, t.TempDir(), "hallq-20261122.db.gz", false); err != nil {
		t.Fatal(err)
	}
	if probe.calls < len(sealed)+2 {
		t.Fatalf("a whole backup checked its context %d times, want one per write and per segment", probe.calls)
	}
	for _, n := range []int{1, 2, probe.calls / 2, probe.calls - 1, probe.calls} {
		_, err := backup.WriteDirContext(&afterCtx{Context: context.Background(), n: n}, st, data, bdir, "hallq-20261123.db.gz", false)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("stopped at check %d of %d: %v, want canceled", n, probe.calls, err)
		}
		ents, _ := os.ReadDir(bdir)
		for _, e := range ents {
			if !e.IsDir() {
				t.Errorf("stopped at check %d of %d: %s left in the backup directory", n, probe.calls, e.Name())
			}
		}
		if segs := segPaths(t, bdir); len(segs) > len(sealed) {
			t.Errorf("stopped at check %d: %d segments copied, the hall has %d", n, len(segs), len(sealed))
		}
	}
	res, err := backup.WriteDir(st, data, bdir, "hallq-20261123.db.gz", false)
	if err != nil || res.Segments != len(sealed) {
		t.Fatalf("the backup after the stopped ones: %+v %v", res, err)
	}
	if res.Copied == len(sealed) {
		t.Errorf("the backup after the stopped ones copied all %d segments again: the stopped runs kept none", res.Copied)
	}
	restored := t.TempDir()
	db, done, err := backup.PlainFile(res.Path, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	if _, _, _, err := store.Restore(restored, db); err != nil {
		t.Fatal(err)
	}
	plan, ok, err := backup.PlanHistory(res.Path, restored)
	if err != nil || !ok {
		t.Fatalf("plan %+v %v %v", plan, ok, err)
	}
	if err := plan.Apply(restored); err != nil {
		t.Fatal(err)
	}
	if got := eventsOf(t, restored, sealed); !slices.EqualFunc(got, want, bytes.Equal) {
		t.Fatalf("restored from the backup after the stopped ones: %d events, %d in the hall (or they differ)", len(got), len(want))
	}
}
