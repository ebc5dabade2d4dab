package store_test

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"hallq/hall/store"
	"hallq/queue"
)

// issue returns the event that issues ticket id (its own sequence, seq).
func issueEv(seq, id uint64) queue.Event {
	return issued(seq, ticket(id, "2026-11-23", fmt.Sprintf("A%03d", id), 1))
}

// seqsOf returns the sequences of every stored event, in order.
func seqsOf(t *testing.T, s *store.Store) []uint64 {
	t.Helper()
	evs, err := s.Events(0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	var out []uint64
	for _, ev := range evs {
		out = append(out, ev.Seq)
	}
	return out
}

// wantSeqs fails unless the store holds exactly the events 1…n, once each,
// with their tickets.
func wantSeqs(t *testing.T, what string, s *store.Store, n uint64) {
	t.Helper()
	got := seqsOf(t, s)
	want := []uint64{}
	for i := uint64(1); i <= n; i++ {
		want = append(want, i)
	}
	if !slices.Equal(got, want) && !(len(got) == 0 && n == 0) {
		t.Fatalf("%s: events %v, want 1…%d", what, got, n)
	}
	for i := uint64(1); i <= n; i++ {
		if _, err := s.TicketByTracking(fmt.Sprintf("TRK%09d", i)); err != nil {
			t.Fatalf("%s: ticket %d: %v", what, i, err)
		}
	}
}

// TestWALReadAfterCommit: a commit is a frame of the log, pending, until a
// read: the read sees it (every kind of read), and the frames reach the tree
// together. A record a pending frame carries is read from the tree only
// after the flush.
func TestWALReadAfterCommit(t *testing.T) {
	s := openStore(t, t.TempDir())
	gen0, _ := store.WALState(s)
	for i := uint64(1); i <= 3; i++ {
		ev := issueEv(i, i)
		ev.Records = []queue.Record{{Kind: "note", Key: fmt.Sprint(i), Rev: 1, Data: []byte(`{"n":1}`)}}
		commit(t, s, ev)
	}
	if _, frames := store.WALState(s); frames != 3 {
		t.Fatalf("%d frames pending after three commits, want 3", frames)
	}
	r, ok, err := s.Record("note", "3")
	if err != nil || !ok || r.Rev != 1 {
		t.Fatalf("record of a pending frame: %+v %v %v", r, ok, err)
	}
	if gen, frames := store.WALState(s); frames != 0 || gen != gen0+1 {
		t.Fatalf("after a read: generation %d (was %d), %d frames pending", gen, gen0, frames)
	}
	commit(t, s, issueEv(4, 4))
	if got, err := s.TicketByTracking("TRK000000004"); err != nil || got.ID != 4 {
		t.Fatalf("tracking right after the commit: %+v %v", got, err)
	}
	commit(t, s, issueEv(5, 5))
	if ev, ok, err := s.LastEvent(); err != nil || !ok || ev.Seq != 5 || ev.Ticket != 5 {
		t.Fatalf("last event right after the commit: %d %v %v", ev.Seq, ok, err)
	}
	if _, frames := store.WALState(s); frames != 1 {
		t.Fatalf("the last event is read from the pending frame: %d frames pending, want 1", frames)
	}
	commit(t, s, issueEv(6, 6))
	if st, err := s.Load("2026-11-23"); err != nil || len(st.Tickets) != 6 || st.LastSeq != 6 {
		t.Fatalf("load right after the commit: %d tickets, last %d, %v", len(st.Tickets), st.LastSeq, err)
	}
	// A read of what no commit writes does not flush.
	commit(t, s, issueEv(7, 7))
	if err := s.PutUser(store.User{Name: "u", Role: "clerk"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.User("u"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Record("note", "1"); !ok {
		t.Fatal("record note/1 gone")
	}
	if _, frames := store.WALState(s); frames != 1 {
		t.Fatalf("%d frames pending after reads of accounts and of a record no frame carries, want 1", frames)
	}
	wantSeqs(t, "after the reads", s, 7)
	d, err := s.DiskStats()
	if err != nil || d.WALFrames != 7 {
		t.Fatalf("disk stats: %+v %v", d, err)
	}
}

// TestWALFlushesAt64: pending frames reach the tree once they hold 64
// events; a commit of more than 64 goes to the tree directly.
func TestWALFlushesAt64(t *testing.T) {
	s := openStore(t, t.TempDir())
	gen0, _ := store.WALState(s)
	var seq uint64
	for range 63 {
		seq++
		commit(t, s, issueEv(seq, seq))
	}
	if gen, frames := store.WALState(s); frames != 63 || gen != gen0 {
		t.Fatalf("63 events: generation %d, %d frames pending", gen, frames)
	}
	seq++
	commit(t, s, issueEv(seq, seq))
	if gen, frames := store.WALState(s); frames != 0 || gen != gen0+1 {
		t.Fatalf("64 events: generation %d, %d frames pending", gen, frames)
	}
	seq++
	commit(t, s, issueEv(seq, seq)) // pending, then flushed before the big one
	var big []queue.Event
	for range 65 {
		seq++
		big = append(big, issueEv(seq, seq))
	}
	commit(t, s, big...)
	if gen, frames := store.WALState(s); frames != 0 || gen != gen0+2 {
		t.Fatalf("after a commit of 65: generation %d, %d frames pending", gen, frames)
	}
	s = reopen(t, s)
	wantSeqs(t, "reopened", s, seq)
}

// TestWALFlushTimer: the first pending frame arms the flush timer; when it
// goes off the frames reach the tree, and a flush disarms it.
func TestWALFlushTimer(t *testing.T) {
	s := openStore(t, t.TempDir())
	if store.WALTimer(s, false) {
		t.Fatal("a timer is armed with nothing pending")
	}
	commit(t, s, issueEv(1, 1))
	commit(t, s, issueEv(2, 2))
	if !store.WALTimer(s, true) {
		t.Fatal("no timer armed for the pending frames")
	}
	if _, frames := store.WALState(s); frames != 0 {
		t.Fatalf("%d frames pending after the timer went off", frames)
	}
	commit(t, s, issueEv(3, 3))
	if _, err := s.Events(0, 1); err != nil {
		t.Fatal(err)
	}
	if store.WALTimer(s, false) {
		t.Fatal("the timer is still armed after a flush")
	}
	store.Abandon(s)
	s = openStore(t, filepath.Dir(s.Path()))
	wantSeqs(t, "reopened", s, 3)
}

// TestWALReplay: frames pending when the process stops (Abandon: no flush,
// no close) are in the tree after the next open, once each, and a second
// open changes nothing.
func TestWALReplay(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	commit(t, s, issueEv(1, 1), issueEv(2, 2))
	if _, err := s.Events(0, 10); err != nil { // flushed: the tree holds 1, 2
		t.Fatal(err)
	}
	commit(t, s, issueEv(3, 3))
	commit(t, s, issueEv(4, 4), issueEv(5, 5))
	store.Abandon(s)
	// A read-only open sees them without writing the hall's files.
	before := fileSums(t, dir)
	ro, err := store.OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	wantSeqs(t, "read-only", ro, 5)
	if !strings.Contains(ro.WALNote(), "3 events") {
		t.Errorf("read-only note %q", ro.WALNote())
	}
	if sum, err := ro.Verify(); err != nil {
		t.Errorf("check of the read-only store: %v %+v", err, sum.Problems)
	}
	ro.Close()
	if after := fileSums(t, dir); !slicesEqualMap(before, after) {
		t.Errorf("a read-only open changed the hall's files: %v → %v", before, after)
	}
	s = openStore(t, dir)
	wantSeqs(t, "replayed", s, 5)
	store.Abandon(s)
	s = openStore(t, dir)
	wantSeqs(t, "opened again", s, 5)
	commit(t, s, issueEv(6, 6))
	s = reopen(t, s)
	wantSeqs(t, "a commit after the replay", s, 6)
}

func fileSums(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	for _, n := range []string{store.FileName, store.WALName} {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		out[n] = sha256.Sum256(b)
	}
	return out
}

func slicesEqualMap(a, b map[string][32]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

var errCrash = errors.New("crash")

// commitCrashing commits evs with the log's append stopped midway (half
// the frame written and synced, as a crash leaves it); the commit never
// returns.
func commitCrashing(t *testing.T, s *store.Store, evs ...queue.Event) {
	t.Helper()
	defer store.SetWALHook(func(point string) {
		if point == "append" {
			panic(errCrash)
		}
	})()
	defer func() {
		if r := recover(); r != errCrash {
			t.Fatalf("the append did not stop midway: %v", r)
		}
	}()
	s.Commit(evs, nil)
}

// TestWALTornTail: a frame cut short at the end of the log was never
// acknowledged: the open drops it and starts from the frames before it;
// the log goes on past it.
func TestWALTornTail(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	commit(t, s, issueEv(1, 1))
	commit(t, s, issueEv(2, 2))
	commitCrashing(t, s, issueEv(3, 3))
	store.Abandon(s)
	if err := store.CheckWAL(dir); err != nil {
		t.Fatalf("a torn tail is not damage: %v", err)
	}
	s = openStore(t, dir)
	wantSeqs(t, "after the torn append", s, 2)
	commit(t, s, issueEv(3, 3))
	store.Abandon(s)
	s = openStore(t, dir)
	wantSeqs(t, "after the next commit", s, 3)
}

// TestWALDamagedMiddle: a changed byte in a frame that whole frames
// follow refuses the open, names the way out, and check reports it; moving
// the log aside as told lets the hall start.
func TestWALDamagedMiddle(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	commit(t, s, issueEv(1, 1))
	commit(t, s, issueEv(2, 2))
	commit(t, s, issueEv(3, 3))
	store.Abandon(s)
	path := filepath.Join(dir, store.WALName)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte{'#'}, store.WALData+store.WALFrameHead+40) // in the first frame's event
	f.Close()
	_, err = store.Open(dir)
	if !errors.Is(err, store.ErrWALDamaged) || !strings.Contains(err.Error(), "mv "+path) {
		t.Fatalf("open of a log damaged in its middle: %v", err)
	}
	if err := store.CheckWAL(dir); !errors.Is(err, store.ErrWALDamaged) {
		t.Fatalf("CheckWAL: %v", err)
	}
	ro, err := store.OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := ro.Verify()
	ro.Close()
	if !errors.Is(err, store.ErrDamaged) || len(sum.Problems) == 0 || sum.Problems[0].Rule != store.RuleWAL {
		t.Fatalf("check of a damaged log: %v %+v", err, sum.Problems)
	}
	if err := os.Rename(path, path+".damaged"); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, dir)
	wantSeqs(t, "the log moved aside", s, 0)
}

// TestWALForeign: a log is replayed only into its own file: after the file
// is replaced by another hall's (another epoch) or by an older copy of its
// own (same epoch, an older generation), the log is moved aside, and the
// file is read as it is.
func TestWALForeign(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	o := openStore(t, other)
	commit(t, o, issueEv(1, 100))
	checkClose(t, o)

	s := openStore(t, dir)
	commit(t, s, issueEv(1, 1))
	oldCopy := filepath.Join(t.TempDir(), "old.db")
	if _, err := s.BackupFile(oldCopy); err != nil { // flushes
		t.Fatal(err)
	}
	commit(t, s, issueEv(2, 2))
	if _, err := s.Events(0, 1); err != nil { // flush: the next generation
		t.Fatal(err)
	}
	commit(t, s, issueEv(3, 3))
	store.Abandon(s)
	copyTo(t, filepath.Join(dir, store.FileName), oldCopy)
	s = openStore(t, dir)
	if got := seqsOf(t, s); !slices.Equal(got, []uint64{1}) {
		t.Fatalf("an older copy of the file got the log's frames: events %v", got)
	}
	checkClose(t, s)
	if aside, _ := filepath.Glob(filepath.Join(dir, store.WALName+".foreign-*")); len(aside) != 1 {
		t.Fatalf("log moved aside: %v", aside)
	}

	s = openStore(t, dir)
	commit(t, s, issueEv(2, 2))
	store.Abandon(s)
	copyTo(t, filepath.Join(dir, store.FileName), filepath.Join(other, store.FileName))
	s = openStore(t, dir)
	if got, err := s.TicketByTracking("TRK000000100"); err != nil || got.ID != 100 {
		t.Fatalf("the other hall's file: %+v %v", got, err)
	}
	if _, err := s.TicketByTracking("TRK000000002"); err == nil {
		t.Fatal("another hall's file got this hall's logged ticket")
	}
}

func copyTo(t *testing.T, dst, src string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o640); err != nil {
		t.Fatal(err)
	}
}
