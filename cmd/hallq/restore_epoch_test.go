package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"hallq/hall"
	"hallq/hall/store"
)

// epochIssue opens the hall in dir, issues n tickets and returns their ids,
// the sequences of the events they made and the store's epoch.
func epochIssue(t *testing.T, dir string, n int) (ids, seqs []uint64, epoch string) {
	t.Helper()
	h, err := hall.Open(hall.Options{Dir: dir, Logger: cmdQuiet, AlwaysOpen: true, Init: true})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	_, from := h.Snapshot()
	desk := hall.Principal{Kind: "user", Name: "desk", Role: hall.RoleManager}
	for range n {
		tk, err := h.Issue(context.Background(), desk, hall.IssueRequest{Service: "A"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tk.ID)
	}
	evs, err := h.Events(from, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		seqs = append(seqs, ev.Seq)
	}
	return ids, seqs, h.Epoch()
}

// TestCLIRestoreNeverReusesIDs: a backup restored after more tickets were
// issued starts a new epoch, and the tickets and events issued after it get
// ids and sequences never used before — whether the replaced database is
// readable (its counters are read), damaged or gone (a margin is added).
// Before epochs the restored hall issued the ids and sequences after the
// backup's a second time.
func TestCLIRestoreNeverReusesIDs(t *testing.T) {
	t.Parallel()
	for _, replaced := range []string{"readable", "damaged", "absent"} {
		t.Run(replaced, func(t *testing.T) {
			dir := t.TempDir()
			ids, seqs, e1 := epochIssue(t, dir, 3)
			file := filepath.Join(t.TempDir(), "backup.db")
			if _, _, err := cmdRun(t, "", "backup", file, "--data", dir); err != nil {
				t.Fatalf("backup: %v", err)
			}
			moreIDs, moreSeqs, e2 := epochIssue(t, dir, 3)
			if e1 == "" || e2 != e1 {
				t.Fatalf("epoch %q, then %q without a restore", e1, e2)
			}
			ids, seqs = append(ids, moreIDs...), append(seqs, moreSeqs...)
			into := dir
			switch replaced {
			case "damaged":
				db := filepath.Join(dir, store.FileName)
				fi, err := os.Stat(db)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(db, make([]byte, fi.Size()), 0o640); err != nil {
					t.Fatal(err)
				}
			case "absent": // the hall's machine is gone: restored on a new one
				into = filepath.Join(t.TempDir(), "new")
			}
			out, _, err := cmdRun(t, "", "restore", file, "--data", into)
			if err != nil {
				t.Fatalf("restore: %v", err)
			}
			if !strings.Contains(out, "new epoch ") {
				t.Errorf("restore did not name the new epoch: %q", out)
			}
			if out, _, err := cmdRun(t, "", "check", "--data", into); err != nil || !strings.HasPrefix(out, "ok: ") {
				t.Fatalf("check after restore: %v\n%s", err, out)
			}
			newIDs, newSeqs, e3 := epochIssue(t, into, 3)
			if e3 == "" || e3 == e1 {
				t.Errorf("epoch after the restore %q, before %q: want a new one", e3, e1)
			}
			for _, id := range newIDs {
				if slices.Contains(ids, id) || id <= slices.Max(ids) {
					t.Errorf("after the restore ticket id %d was issued; before it the hall issued %v", id, ids)
				}
			}
			for _, s := range newSeqs {
				if s <= slices.Max(seqs) {
					t.Errorf("after the restore event %d was written; before it the hall wrote up to %d", s, slices.Max(seqs))
				}
			}
			// A second restore of the same backup starts yet another epoch
			// and still passes everything issued so far.
			ids, seqs = append(ids, newIDs...), append(seqs, newSeqs...)
			if _, _, err := cmdRun(t, "", "restore", file, "--data", into); err != nil {
				t.Fatalf("second restore: %v", err)
			}
			againIDs, againSeqs, e4 := epochIssue(t, into, 1)
			if e4 == e3 || e4 == e1 {
				t.Errorf("the second restore kept epoch %q", e4)
			}
			if againIDs[0] <= slices.Max(ids) || againSeqs[0] <= slices.Max(seqs) {
				t.Errorf("after the second restore: id %d seq %d, before it up to id %d seq %d", againIDs[0], againSeqs[0], slices.Max(ids), slices.Max(seqs))
			}
		})
	}
}
