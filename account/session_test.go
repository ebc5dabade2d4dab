package account_test

import (
	"testing"
	"time"

	"hallq/account"
	"hallq/hall"
	"hallq/internal/halltest"
	"hallq/queue"
)

// TestSessionSurvivesRestart: a clerk's session outlives a restart of the
// hall: the token still names the same person at the same counter, who goes
// on serving. (Moved from hall's TestRestart, which keeps the queue's part.)
func TestSessionSurvivesRestart(t *testing.T) {
	f := newFixture(t, monday10, false)
	tok1, c1 := f.clerk("clerk1", 1)
	f.clock.Add(time.Minute)
	f.issue("A")
	f.clock.Add(time.Minute)
	f.op(c1, 1, "call")
	f.clock.Add(time.Minute)
	f.restart()
	p, err := halltest.Accounts(f.h).Authenticate(ctx, tok1)
	if err != nil || p != c1 {
		t.Errorf("session after restart: %+v %v, want %+v", p, err, c1)
	}
	if tk := f.op(p, 1, "finish"); tk.Status != queue.Done {
		t.Errorf("finish after restart: %+v", tk)
	}
}

// TestSessionEndsWithTheDay: a hall opened on a later day does not know
// yesterday's session, and yesterday's sign-in at the counter is gone; the
// clerk signs in again and works. (Moved from hall's TestRolloverOnRestart,
// which keeps the queue's part.)
func TestSessionEndsWithTheDay(t *testing.T) {
	f := newFixture(t, monday10, false)
	tok, c1 := f.clerk("clerk1", 1)
	f.issue("A")
	f.op(c1, 1, "call")
	checkClose(t, f.h)
	f.clock.Set(time.Date(2026, 11, 24, 9, 0, 0, 0, shanghai))
	f.open()
	if _, err := halltest.Accounts(f.h).Authenticate(ctx, tok); queue.ErrorCode(err) != queue.EUNAUTHORIZED {
		t.Errorf("yesterday's session: %v, want %s", err, queue.EUNAUTHORIZED)
	}
	if _, err := f.h.Operate(ctx, c1, 1, hall.CounterOp{Action: "call"}); queue.ErrorCode(err) != queue.EFORBIDDEN {
		t.Errorf("call with yesterday's sign-in: %v, want %s", err, queue.EFORBIDDEN)
	}
	_, c1 = f.login("clerk1", 1)
	n1 := f.issue("A")
	if tk := f.op(c1, 1, "call"); tk.ID != n1.ID {
		t.Errorf("called %s, want the new day's %s", tk.Number, n1.Number)
	}
}

// TestHeldCounterRefusesSecondClerk: another clerk may not sign in at a
// counter a clerk holds; once a manager releases it they may, and the first
// loses it. (Moved from hall's TestOperatePermissions.)
func TestHeldCounterRefusesSecondClerk(t *testing.T) {
	f := newFixture(t, monday10, true)
	_, clerk1 := f.clerk("clerk1", 1)
	boss := f.manager()
	f.issue("A")
	f.issue("A")
	halltest.Clerk(t, f.h, "clerk2", 0)
	if _, _, err := halltest.Accounts(f.h).SignIn(ctx, account.SignIn{Name: "clerk2", Password: "clerk2-password", Counter: 1}); queue.ErrorCode(err) != queue.ECONFLICT {
		t.Fatalf("a second clerk at a held counter: %v, want conflict", err)
	}
	if _, err := halltest.Accounts(f.h).ReleaseCounter(ctx, clerk1, 1); queue.ErrorCode(err) != queue.EFORBIDDEN {
		t.Errorf("a clerk releases a counter: %v, want forbidden", err)
	}
	if _, err := halltest.Accounts(f.h).ReleaseCounter(ctx, boss, 1); err != nil {
		t.Fatal(err)
	}
	_, clerk2 := f.login("clerk2", 1)
	if _, err := f.h.Operate(ctx, clerk1, 1, hall.CounterOp{Action: "call"}); queue.ErrorCode(err) != queue.EFORBIDDEN {
		t.Errorf("call by the clerk who lost the counter: %v", err)
	}
	if tk := f.op(clerk2, 1, "call"); tk.Clerk != "clerk2" {
		t.Errorf("call by the new clerk: %+v", tk)
	}
}
