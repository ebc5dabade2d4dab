package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"hallq/account"
	"hallq/internal/halltest"
	"hallq/returns"

	"hallq/hall"
	"hallq/hall/store"
	"hallq/queue"
)

// cmdHallDay runs an ordinary morning in the hall in dir: tickets issued,
// one transferred to another service (a second ticket record with the same
// number), one recalled, postponed, called back and served, a green-lane
// ticket; then the hall is closed.
func cmdHallDay(t *testing.T, dir string) {
	t.Helper()
	ctx := context.Background()
	h, err := hall.Open(hall.Options{Dir: dir, Logger: cmdQuiet, AlwaysOpen: true})
	if err != nil {
		t.Fatal(err)
	}
	h.Authorise(account.Rules{})
	defer h.Close()
	if err := halltest.Accounts(h).AddUser(ctx, account.NewUser{Name: "c1", Password: "c1-password", Role: hall.RoleClerk}); err != nil {
		t.Fatal(err)
	}
	_, clerk, err := halltest.Accounts(h).SignIn(ctx, account.SignIn{Name: "c1", Password: "c1-password", Counter: 1})
	if err != nil {
		t.Fatal(err)
	}
	desk := hall.Principal{Kind: "user", Name: "desk", Role: hall.RoleManager}
	for _, r := range []hall.IssueRequest{{Service: "A"}, {Service: "A"}, {Service: "A", Priority: "green"}, {Service: "D"}} {
		if _, err := h.Issue(ctx, desk, r); err != nil {
			t.Fatalf("issue %+v: %v", r, err)
		}
	}
	var postponed string
	for _, op := range []hall.CounterOp{
		{Action: "call"}, {Action: "transfer", Service: "B"},
		{Action: "call"}, {Action: "recall"}, {Action: "postpone"},
		{Action: "call"}, {Action: "start"}, {Action: "finish"},
		{Action: "call", Number: "postponed"}, {Action: "start"}, {Action: "finish"},
	} {
		if op.Number == "postponed" {
			op.Number = postponed
		}
		tk, err := h.Operate(ctx, clerk, 1, op)
		if err != nil {
			t.Fatalf("%s: %v", op.Action, err)
		}
		if op.Action == "postpone" {
			postponed = tk.Number
		}
	}
	ts, err := h.Store().Tickets("2000-01-01", "2999-12-31")
	if err != nil {
		t.Fatal(err)
	}
	twice := 0
	numbers := map[string]int{}
	for _, tk := range ts {
		if numbers[tk.Number]++; numbers[tk.Number] == 2 {
			twice++
		}
	}
	if twice != 1 {
		t.Fatalf("%d numbers have two ticket records after one transfer, want 1: %+v", twice, ts)
	}
}

// cmdRestoreCycle backs up the hall in dir, checks it, restores the backup
// into a fresh directory and into dir itself, checks both and serves the
// restored hall, which goes on numbering where it was.
func cmdRestoreCycle(t *testing.T, dir string) {
	t.Helper()
	if out, _, err := cmdRun(t, "", "check", "--data", dir); err != nil || !strings.HasPrefix(out, "ok: ") {
		t.Fatalf("check of the hall: %v\n%s", err, out)
	}
	file := filepath.Join(t.TempDir(), "hallq-backup.db")
	if _, _, err := cmdRun(t, "", "backup", file, "--data", dir); err != nil {
		t.Fatalf("backup: %v", err)
	}
	fresh := filepath.Join(t.TempDir(), "restored")
	for _, into := range []string{fresh, dir} {
		out, _, err := cmdRun(t, "", "restore", file, "--data", into)
		if err != nil {
			t.Fatalf("restore into %s: %v", into, err)
		}
		if !strings.Contains(out, "restored ") {
			t.Errorf("restore printed %q", out)
		}
		if out, _, err := cmdRun(t, "", "check", "--data", into); err != nil || !strings.HasPrefix(out, "ok: ") {
			t.Fatalf("check after restore into %s: %v\n%s", into, err, out)
		}
	}
	// Serve it at a moment the hall is open (a simulated hall keeps hours).
	var clock struct {
		sync.Mutex
		t time.Time
	}
	clock.t = time.Now()
	now := func() time.Time { clock.Lock(); defer clock.Unlock(); return clock.t }
	m := &Main{Addr: "127.0.0.1:0", DataDir: fresh, Stdout: io.Discard, Logger: cmdQuiet,
		Options: hall.Options{Now: now, Tick: time.Hour}, BcryptCost: 4}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("serve the restored hall: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	if cfg := m.Hall.Config(); len(cfg.Hours) > 0 {
		e, err := queue.New(cfg, clock.t)
		if err != nil {
			t.Fatal(err)
		}
		at := clock.t.Truncate(time.Hour)
		for !e.OpenAt(at) && at.Before(clock.t.AddDate(0, 0, 15)) {
			at = at.Add(time.Hour)
		}
		clock.Lock()
		clock.t = at.Add(10 * time.Minute)
		clock.Unlock()
	}
	if code, body := cmdGet(t, m.URL+"/healthz", ""); code != 200 {
		t.Fatalf("healthz of the restored hall: %d %s", code, body)
	}
	before, err := m.Hall.Store().Tickets("2000-01-01", "2999-12-31")
	if err != nil {
		t.Fatal(err)
	}
	desk := hall.Principal{Kind: "user", Name: "desk", Role: hall.RoleManager}
	tk, err := m.Hall.Issue(context.Background(), desk, hall.IssueRequest{Service: "F"})
	if err != nil {
		t.Fatalf("issue in the restored hall: %v", err)
	}
	for _, old := range before {
		if old.ID >= tk.ID {
			t.Errorf("the restored hall issued id %d, the backup holds %d", tk.ID, old.ID)
		}
	}
	sum, err := m.Hall.Store().Verify()
	if err != nil {
		t.Errorf("check while serving the restored hall: %v", err)
	}
	if b, _ := json.Marshal(sum); len(sum.Problems) != 0 {
		t.Errorf("problems: %s", b)
	}
}

// TestCLIRestoreAfterTransfer: a hall whose day had a transfer (and a
// recall, a postponed ticket, an appointment) passes check, and its backup
// restores, checks and serves. Before check knew transfers it reported
// "ticket number A001 is used twice" and restore refused the backup.
func TestCLIRestoreAfterTransfer(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cmdHallDay(t, dir)
	cmdRestoreCycle(t, dir)
}

// TestCLIRestoreSimulatedHistory: the same cycle on a week of simulated
// history (transfers, no-shows, recalls, midnights, ratings).
func TestCLIRestoreSimulatedHistory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, _, err := cmdRun(t, "", "simulate", "--days", "7", "--seed", "3", "--quiet", "--data", dir); err != nil {
		t.Fatalf("simulate: %v", err)
	}
	st, err := store.OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	transfers := 0
	st.EachEvent(0, func(ev queue.Event) error {
		if ev.Type == queue.EvTransferred {
			transfers++
		}
		return nil
	})
	st.Close()
	if transfers == 0 {
		t.Fatalf("the simulated week has no transfer; pick another seed")
	}
	cmdRestoreCycle(t, dir)
}

// TestCLICheckReportsBrokenRules: records that break a rule of the data are
// listed one per line; check fails but, since a backup of the hall holds the
// same, it does not advise restoring one.
func TestCLICheckReportsBrokenRules(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	tk := func(id uint64) queue.Ticket {
		return queue.Ticket{ID: id, Day: "2026-11-23", Number: "A001", Serial: 1, Service: "A", Priority: queue.Normal,
			Status: queue.Waiting, Tracking: "T" + string(rune('0'+id)), Rev: 1}
	}
	evs := []queue.Event{{Seq: 1, Type: queue.EvIssued, Day: "2026-11-23", Tickets: []queue.Ticket{tk(1)}},
		{Seq: 2, Type: queue.EvIssued, Day: "2026-11-23", Tickets: []queue.Ticket{tk(2)}}}
	if err := st.Commit(evs, nil); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if err := os.MkdirAll(filepath.Join(dir, "backups"), 0o750); err != nil {
		t.Fatal(err)
	}
	out, _, err := cmdRun(t, "", "check", "--data", dir)
	if err == nil {
		t.Fatalf("check passed:\n%s", out)
	}
	if !strings.Contains(out, "record tickets/20261123#2: number A001 on 2026-11-23 was issued twice") || !strings.Contains(out, "[number-unique]") {
		t.Errorf("check printed:\n%s", out)
	}
	if msg := err.Error(); strings.Contains(msg, "hallq restore") || !strings.Contains(msg, "restoring one would not help") {
		t.Errorf("check advised: %v", err)
	}
}

// TestCLIRestoreAfterReturn: a busy day past A999 (A1000 …) with a missed
// number that came back (过号顺延: no_show → waiting → done, one ticket)
// passes check, and its backup restores, checks and serves, keeping the
// returned ticket as it was.
func TestCLIRestoreAfterReturn(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	func() {
		ctx := context.Background()
		h, err := hall.Open(hall.Options{Dir: dir, Logger: cmdQuiet, AlwaysOpen: true})
		if err != nil {
			t.Fatal(err)
		}
		h.Authorise(account.Rules{})
		defer h.Close()
		if err := halltest.Accounts(h).AddUser(ctx, account.NewUser{Name: "c1", Password: "c1-password", Role: hall.RoleClerk}); err != nil {
			t.Fatal(err)
		}
		_, clerk, err := halltest.Accounts(h).SignIn(ctx, account.SignIn{Name: "c1", Password: "c1-password", Counter: 1})
		if err != nil {
			t.Fatal(err)
		}
		desk := hall.Principal{Kind: "user", Name: "desk", Role: hall.RoleManager}
		var last queue.Ticket
		for range 1003 {
			if last, err = h.Issue(ctx, desk, hall.IssueRequest{Service: "A"}); err != nil {
				t.Fatal(err)
			}
		}
		if last.Number != "A1003" {
			t.Fatalf("the 1,003rd ticket is %s", last.Number)
		}
		op := func(o hall.CounterOp) queue.Ticket {
			tk, err := h.Operate(ctx, clerk, 1, o)
			if err != nil {
				t.Fatalf("%s: %v", o.Action, err)
			}
			return tk
		}
		missed := op(hall.CounterOp{Action: "call"})
		op(hall.CounterOp{Action: "recall"})
		op(hall.CounterOp{Action: "no-show"})
		if tk, err := returns.Ticket(ctx, h, desk, returns.Request{Number: missed.Number}); err != nil || tk.Ahead != 3 {
			t.Fatalf("return %s: %+v %v", missed.Number, tk, err)
		}
		for {
			tk := op(hall.CounterOp{Action: "call"})
			op(hall.CounterOp{Action: "finish"})
			if tk.ID == missed.ID {
				break
			}
		}
	}()
	cmdRestoreCycle(t, dir)
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ts, err := st.Tickets("2000-01-01", "2999-12-31")
	if err != nil {
		t.Fatal(err)
	}
	returned := 0
	for _, tk := range ts {
		if tk.Returns == 1 {
			returned++
			if tk.Status != queue.Done || tk.RejoinAt == nil || tk.Number != "A001" {
				t.Errorf("the returned ticket after restore: %+v", tk)
			}
		}
	}
	if returned != 1 {
		t.Errorf("%d returned tickets after restore, want 1", returned)
	}
}
