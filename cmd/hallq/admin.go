package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	backups "hallq/backup"
	"hallq/casework"
	"hallq/hall/store"
	"hallq/history"
	"hallq/queue"
	"hallq/region/feed"
)

// check: hallq check — verify the store, through the running server if
// there is one (it holds the database), else by opening it read-only.
func check(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	data := fs.String("data", "./data", "data directory")
	backupDir := fs.String("backup-dir", "", "a backup directory to look in for good copies of damaged sealed days, besides DATA/backups")
	pos, err := parse(fs, args)
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	if len(pos) != 0 {
		return errors.New("usage: hallq check [--data DIR] [--backup-dir DIR]")
	}
	var sum store.Summary
	via, walNote := "", ""
	if ok, err := viaSocket(*data, "/check", struct{}{}, &sum); ok {
		if err != nil {
			return err
		}
		via = " (checked by the running hall)"
	} else {
		st, err := store.OpenReadOnly(*data)
		if errors.Is(err, store.ErrDamaged) {
			return damaged(*data, err)
		} else if err != nil {
			return userError(err)
		}
		defer st.Close()
		walNote = st.WALNote()
		sum, _ = st.Verify() // the problems are in sum
	}
	for _, f := range incompleteFiles(*data, *backupDir) {
		fmt.Fprintf(stdout, "incomplete, not a backup (an interrupted backup or restore left it; it may be deleted): %s\n", f)
	}
	hot := checkResult(stdout, *data, sum, via)
	if walNote != "" {
		fmt.Fprintln(stdout, walNote)
	}
	dirs := []string{filepath.Join(*data, "backups")}
	if *backupDir != "" {
		dirs = append(dirs, *backupDir)
	}
	return errors.Join(hot, checkHistory(stdout, *data, dirs))
}

// checkHistory verifies every sealed day under DATA/history (each block
// read and checked) and names, for a damaged one, the backups in dirs that
// hold a good copy, with the command that puts it back.
func checkHistory(w io.Writer, data string, dirs []string) error {
	ix, err := history.Scan(backups.HistoryDir(data))
	if err != nil {
		return err
	}
	// Days the newest backups list but the data directory lacks (deleted
	// or moved away): the hot file's sealed_through will tell on its own.
	missing := 0
	for _, dir := range dirs {
		for _, hot := range backupsIn(dir) {
			m, ok, err := backups.ReadManifest(hot)
			if err != nil || !ok {
				continue
			}
			for _, sg := range m.Segments {
				if _, found := ix.Find(sg.Day); !found {
					missing++
					fmt.Fprintf(w, "missing: the sealed day %s is not in %s; the backup %s holds it:\n  hallq restore --history-only %s --data %s\n",
						sg.Day, backups.HistoryDir(data), hot, strconv.Quote(hot), data)
				}
			}
			break // the newest backup with a manifest
		}
	}
	if len(ix.Segments) == 0 && missing == 0 {
		return nil
	}
	bad := 0
	for _, e := range ix.Segments {
		seg, err := history.Open(e.Path)
		var want backups.Seg
		if err == nil {
			want = backups.Seg{Day: seg.Day(), Size: seg.Size(), Sum: seg.Sum()}
			err = seg.Verify()
		}
		if err == nil {
			continue
		}
		bad++
		fmt.Fprintf(w, "damaged: %v\n", err)
		if good := backups.Good(e.Day, want, dirs...); len(good) > 0 {
			fmt.Fprintf(w, "  good copies of %s are in: %s\n  put it back (the hall may keep running): hallq restore --history-only %s --data %s && hallq check --data %s\n",
				e.Day, strings.Join(good, ", "), strconv.Quote(good[0]), data, data)
		} else {
			fmt.Fprintf(w, "  no backup in %s holds a good copy of %s; restore it from an off-site backup (hallq restore FILE|DIR --data %s)\n", strings.Join(dirs, ", "), e.Day, data)
		}
	}
	if bad > 0 || missing > 0 {
		return fmt.Errorf("%w: of %d sealed days %d are damaged, and %d listed by a backup are missing (listed above); the hall keeps issuing tickets", history.ErrDamaged, len(ix.Segments), bad, missing)
	}
	fmt.Fprintf(w, "ok: %d sealed days verified (%d bytes)\n", len(ix.Segments), ix.Size())
	return nil
}

// incompleteFiles lists the temporary files of backups and restores that did
// not finish, in the data directory and its backups: never backups.
func incompleteFiles(dir, backupDir string) []string {
	var out []string
	dirs := []string{dir, filepath.Join(dir, "backups")}
	if backupDir != "" {
		dirs = append(dirs, backupDir)
	}
	for _, d := range dirs {
		if ix, err := history.Scan(backups.HistoryDir(d)); err == nil {
			out = append(out, ix.Incomplete...)
		}
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			if e.Type().IsRegular() && store.IsTempName(e.Name()) {
				out = append(out, filepath.Join(d, e.Name()))
			}
		}
	}
	return out
}

// onlySegments: every finding is a sealed day's segment (none lies beyond
// the listed ones).
func onlySegments(sum store.Summary) bool {
	for _, p := range sum.Problems {
		if p.Rule != store.RuleSegment {
			return false
		}
	}
	return len(sum.Problems) > 0 && sum.More == 0
}

// checkResult prints a check's findings, one line each, and says what to do:
// damage to the file points at the newest backup that is intact; a broken
// rule of the data (which every backup of the hall shares) does not.
func checkResult(w io.Writer, dir string, sum store.Summary, via string) error {
	if len(sum.Problems) == 0 {
		fmt.Fprintf(w, "ok%s: %s\n", via, sum)
		return nil
	}
	fmt.Fprintf(w, "%s%s\n", sum, via)
	for _, p := range sum.Problems {
		fmt.Fprintf(w, "  %s\n", p)
	}
	if sum.More > 0 {
		fmt.Fprintf(w, "  … and %d more\n", sum.More)
	}
	n := len(sum.Problems) + sum.More
	if onlySegments(sum) { // the hot file is intact: restoring it would rewind the hall for nothing
		return fmt.Errorf("%w: %d sealed days damaged or missing (listed above); the hall database itself is intact and the hall keeps issuing tickets: put the days back with hallq restore --history-only (above), no stop needed", history.ErrDamaged, n)
	}
	if sum.Damaged() {
		return damaged(dir, fmt.Errorf("%w: %d problems, listed above", store.ErrDamaged, n))
	}
	return fmt.Errorf("%w: %d problems, listed above.\nThe file itself is intact and the hall can keep working; its backups hold the same records, so restoring one would not help. Keep this output and report it", store.ErrInconsistent, n)
}

// restore: hallq restore FILE — replace the hall's database with a verified
// backup. The server must be stopped.
func restore(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	data := fs.String("data", "./data", "data directory")
	historyOnly := fs.Bool("history-only", false, "put back only the sealed days the backup lists that are missing or damaged; the hot database stays as it is (allowed while hallq runs)")
	pos, err := parse(fs, args)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if len(pos) != 1 {
		return errors.New("usage: hallq restore FILE|DIR [--history-only] [--data DIR]")
	}
	if *historyOnly {
		return restoreHistory(pos[0], *data, stdout)
	}
	if ok, _ := viaSocket(*data, "/check", struct{}{}, nil); ok {
		return errors.New("hallq is running on this data directory: stop it first (systemctl stop hallq), then restore")
	}
	hot, cleanup, err := restoreSource(pos[0], *data)
	if err != nil {
		return userError(err)
	}
	defer cleanup()
	// Everything the backup's manifest lists is checked before anything
	// changes: a backup that cannot restore its history changes nothing.
	plan, sealed, err := backups.PlanHistory(hot, *data)
	if err != nil {
		return userError(err)
	}
	db, done, err := backups.PlainFile(hot, *data) // a compressed hot copy, expanded on the data's disk
	if err != nil {
		return userError(err)
	}
	defer done()
	sum, kept, ep, err := store.Restore(*data, db)
	if err != nil {
		return userError(err)
	}
	if sealed {
		if err := plan.Apply(*data); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "history: %d sealed days were in place and whole, %d copied back from %s\n", len(plan.Have), len(plan.Copy), plan.From)
	}
	sum.Path = hot
	fmt.Fprintf(stdout, "restored %s\n", sum)
	fmt.Fprintf(stdout, "new epoch %s: ticket ids continue after %d, events after %d (%s)\n", ep.ID, ep.TicketFloor, ep.SeqFloor, ep.Basis)
	if kept != "" {
		fmt.Fprintf(stdout, "the database it replaced is kept as %s\n", kept)
	}
	return nil
}

// restoreHistory: hallq restore --history-only — copy back the sealed days
// the backup lists that DATA/history lacks or holds damaged, and nothing
// else. Segments never change and are replaced by a rename, so this is safe
// while the hall runs: a reader has the old file or the new one open.
func restoreHistory(arg, data string, stdout io.Writer) error {
	hot, cleanup, err := restoreSource(arg, data)
	if err != nil {
		return userError(err)
	}
	defer cleanup()
	plan, sealed, err := backups.PlanHistory(hot, data)
	if err != nil {
		return userError(err)
	}
	if !sealed {
		return fmt.Errorf("%s lists no sealed days (a backup of a hall without history, or from before it): nothing to put back", hot)
	}
	if err := plan.Apply(data); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "history: %d sealed days were in place and whole, %d copied back from %s; the hot database is unchanged\n", len(plan.Have), len(plan.Copy), plan.From)
	return nil
}

// restoreSource finds the hot file to restore from arg: the file itself (a
// backup's hot file, its manifest beside it, or a backup from before
// segments); a tar archive, unpacked into a hidden directory of data that
// cleanup removes; or a backup directory, whose newest backup it takes.
func restoreSource(arg, data string) (hot string, cleanup func(), err error) {
	cleanup = func() {}
	fi, err := os.Stat(arg)
	if err != nil {
		return "", cleanup, err
	}
	if fi.IsDir() {
		if _, err := os.Stat(filepath.Join(arg, store.FileName)); err == nil {
			return filepath.Join(arg, store.FileName), cleanup, nil
		}
		if b := backupsIn(arg); len(b) > 0 {
			return b[0], cleanup, nil
		}
		return "", cleanup, fmt.Errorf("%s holds no backup (hallq-….db.gz or hallq-….db)", arg)
	}
	if !backups.IsTar(arg) {
		return arg, cleanup, nil
	}
	if err := os.MkdirAll(data, 0o750); err != nil {
		return "", cleanup, err
	}
	tmp := filepath.Join(data, ".restore-"+time.Now().Format("20060102-150405.000000000"))
	cleanup = func() { os.RemoveAll(tmp) }
	if err := backups.Unpack(arg, tmp); err != nil {
		cleanup()
		return "", func() {}, err
	}
	return filepath.Join(tmp, store.FileName), cleanup, nil
}

// backupsIn lists the backups (hallq-….db.gz or, older, hallq-….db,
// complete: renamed into place) in dir, newest first.
func backupsIn(dir string) []string {
	ents, _ := os.ReadDir(dir)
	type f struct {
		path string
		mod  int64
	}
	var fs []f
	for _, e := range ents {
		n := e.Name()
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() && strings.HasPrefix(n, "hallq-") && (strings.HasSuffix(n, ".db") || strings.HasSuffix(n, ".db.gz")) {
			fs = append(fs, f{filepath.Join(dir, n), info.ModTime().UnixNano()})
		}
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].mod > fs[j].mod })
	out := make([]string, len(fs))
	for i, b := range fs {
		out[i] = b.path
	}
	return out
}

// export: hallq export [--since SEQ] — the event log after SEQ as NDJSON on
// standard output, personal fields masked, for the regional roll-up.
func export(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	data := fs.String("data", "./data", "data directory")
	since := fs.Uint64("since", 0, "export the events after this sequence number")
	pos, err := parse(fs, args)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if len(pos) != 0 {
		return errors.New("usage: hallq export [--since SEQ] [--data DIR]")
	}
	if ok, err := socketStream(*data, "/events", map[string]uint64{"since": *since}, stdout); ok {
		return err
	}
	st, err := store.OpenReadOnly(*data)
	if err != nil {
		return userError(err)
	}
	defer st.Close()
	cat, err := casework.StoredCatalog(st)
	if err != nil {
		return fmt.Errorf("export: the saved business catalog: %w", err)
	}
	src, err := feed.StoreSource(st, *data, cat)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	enc := json.NewEncoder(stdout)
	return st.EachEvent(*since, func(ev queue.Event) error {
		return enc.Encode(src.Line(ev))
	})
}

// damaged explains a failed verification and names the newest backup that
// passes its own integrity check.
func damaged(dir string, err error) error {
	msg := fmt.Sprintf("%v\nthe hall database in %s is damaged.", err, dir)
	if b, n := newestGoodBackup(dir); b != "" {
		msg += fmt.Sprintf(" The newest intact backup is %s:\n  systemctl stop hallq && hallq restore %s --data %s && hallq check --data %s", b, strconv.Quote(b), dir, dir)
	} else if n > 0 {
		msg += fmt.Sprintf(" None of the %d newest backups in %s is intact either; restore an older or off-site one with: hallq restore FILE --data %s", n, filepath.Join(dir, "backups"), dir)
	} else {
		msg += " No backup was found in " + filepath.Join(dir, "backups") + "; restore one with: hallq restore FILE --data " + dir
	}
	return errors.New(msg)
}

// newestGoodBackup returns the newest file in DIR/backups that passes
// store.VerifyFile ("" if none of the three newest does) and how many it
// tried.
func newestGoodBackup(dir string) (string, int) {
	entries, err := os.ReadDir(filepath.Join(dir, "backups"))
	if err != nil {
		return "", 0
	}
	type f struct {
		path string
		mod  int64
	}
	var fs []f
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() && !store.IsTempName(e.Name()) && !strings.HasSuffix(e.Name(), ".manifest") {
			fs = append(fs, f{filepath.Join(dir, "backups", e.Name()), info.ModTime().UnixNano()})
		}
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].mod > fs[j].mod })
	tried := 0
	for _, b := range fs {
		if tried == 3 {
			break
		}
		tried++
		if _, err := backups.VerifyHot(b.path); err == nil {
			return b.path, tried
		}
	}
	return "", tried
}
