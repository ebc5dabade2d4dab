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

	"hallq/hall/store"
	"hallq/queue"
	"hallq/web"
)

// check: hallq check — verify the store, through the running server if
// there is one (it holds the database), else by opening it read-only.
func check(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	data := fs.String("data", "./data", "data directory")
	pos, err := parse(fs, args)
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	if len(pos) != 0 {
		return errors.New("usage: hallq check [--data DIR]")
	}
	var sum store.Summary
	via := ""
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
		sum, _ = st.Verify() // the problems are in sum
	}
	for _, f := range incompleteFiles(*data) {
		fmt.Fprintf(stdout, "incomplete, not a backup (an interrupted backup or restore left it; it may be deleted): %s\n", f)
	}
	return checkResult(stdout, *data, sum, via)
}

// incompleteFiles lists the temporary files of backups and restores that did
// not finish, in the data directory and its backups: never backups.
func incompleteFiles(dir string) []string {
	var out []string
	for _, d := range []string{dir, filepath.Join(dir, "backups")} {
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			if e.Type().IsRegular() && store.IsTempName(e.Name()) {
				out = append(out, filepath.Join(d, e.Name()))
			}
		}
	}
	return out
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
	pos, err := parse(fs, args)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if len(pos) != 1 {
		return errors.New("usage: hallq restore FILE [--data DIR]")
	}
	if ok, _ := viaSocket(*data, "/check", struct{}{}, nil); ok {
		return errors.New("hallq is running on this data directory: stop it first (systemctl stop hallq), then restore")
	}
	sum, kept, ep, err := store.Restore(*data, pos[0])
	if err != nil {
		return userError(err)
	}
	fmt.Fprintf(stdout, "restored %s\n", sum)
	fmt.Fprintf(stdout, "new epoch %s: ticket ids continue after %d, events after %d (%s)\n", ep.ID, ep.TicketFloor, ep.SeqFloor, ep.Basis)
	if kept != "" {
		fmt.Fprintf(stdout, "the database it replaced is kept as %s\n", kept)
	}
	return nil
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
	enc := json.NewEncoder(stdout)
	epoch := st.Epoch()
	return st.EachEvent(*since, func(ev queue.Event) error {
		return enc.Encode(web.ExportLine{Event: web.ExportEvent(ev), Epoch: epoch})
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
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() && !store.IsTempName(e.Name()) {
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
		if _, err := store.VerifyFile(b.path); err == nil {
			return b.path, tried
		}
	}
	return "", tried
}
