package hall_test

import (
	"strings"
	"testing"
	"time"

	"hallq/hall"
	"hallq/queue"
)

// TestLoginLockout: five wrong passwords lock the name (even the right
// password is refused, with a wait in minutes), other names are not
// affected, and the lock lifts after the window.
func TestLoginLockout(t *testing.T) {
	f := newFixture(t, time.Date(2026, 11, 23, 9, 0, 0, 0, shanghai), true)
	f.clerk("li", 0)
	f.clerk("wang", 0)
	for i := range hall.LoginFailures {
		_, _, err := f.h.Login(ctx, "li", "wrong", 0)
		if queue.ErrorCode(err) != queue.EUNAUTHORIZED {
			t.Fatalf("wrong password %d: %v, want unauthorized", i+1, err)
		}
		f.clock.Add(time.Minute)
	}
	_, _, err := f.h.Login(ctx, "li", "li-password", 0)
	if queue.ErrorCode(err) != queue.ERATELIMIT {
		t.Fatalf("right password while locked: %v, want rate_limited", err)
	}
	if msg := queue.ErrorMessage(err); msg == "" || !containsAll(msg, "分钟", "minutes") {
		t.Errorf("lock message %q should say how long to wait", msg)
	}
	_, _, err = f.h.Login(ctx, " LI ", "li-password", 0)
	if queue.ErrorCode(err) != queue.ERATELIMIT {
		t.Errorf("same name in other case and spacing: %v, want rate_limited", err)
	}
	f.login("wang", 0) // another user signs in as usual
	f.clock.Add(hall.LoginWindow)
	f.login("li", 0) // the lock has lifted
	// A good sign-in clears the count: four more failures do not lock.
	for range hall.LoginFailures - 1 {
		f.h.Login(ctx, "li", "wrong", 0)
	}
	f.login("li", 0)
	// Unknown names count too, so guessing names costs the same.
	for range hall.LoginFailures {
		f.h.Login(ctx, "nobody", "x", 0)
	}
	if _, _, err := f.h.Login(ctx, "nobody", "x", 0); queue.ErrorCode(err) != queue.ERATELIMIT {
		t.Errorf("unknown name after %d failures: %v, want rate_limited", hall.LoginFailures, err)
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
