package hall

import (
	"strings"
	"sync"
	"time"

	"hallq/queue"
)

// Sign-in lockout: after LoginFailures wrong passwords for one user name
// within LoginWindow, that name is locked for LoginWindow from the last
// failure, whatever password is tried; a good sign-in clears the count.
// Counting per name (not per address) protects accounts from a guesser who
// moves between machines; the lock lifts by itself, so a forgetful clerk is
// not locked out for the day.
const (
	LoginFailures = 5
	LoginWindow   = 15 * time.Minute
)

type lockout struct {
	mu    sync.Mutex
	fails map[string][]time.Time // lower-cased name → recent failures
}

func (l *lockout) key(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// check returns ERATELIMIT while name is locked.
func (l *lockout) check(name string, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	recent := l.prune(l.key(name), now)
	if len(recent) < LoginFailures {
		return nil
	}
	left := recent[len(recent)-1].Add(LoginWindow).Sub(now)
	mins := int(left.Minutes()) + 1
	return queue.Errorf(queue.ERATELIMIT, "登录失败次数过多，账号已临时锁定，请 %d 分钟后再试或联系值班长 / too many failed sign-ins: try again in %d minutes or ask the duty manager", mins, mins)
}

func (l *lockout) prune(k string, now time.Time) []time.Time {
	recent := l.fails[k][:0]
	for _, t := range l.fails[k] {
		if now.Sub(t) < LoginWindow {
			recent = append(recent, t)
		}
	}
	if len(recent) == 0 {
		delete(l.fails, k)
		return nil
	}
	l.fails[k] = recent
	return recent
}

// fail records a wrong password for name.
func (l *lockout) fail(name string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fails == nil {
		l.fails = map[string][]time.Time{}
	}
	k := l.key(name)
	l.fails[k] = append(l.prune(k, now), now)
	if len(l.fails) > 10000 { // a flood of made-up names must not grow memory without bound
		for k2 := range l.fails {
			l.prune(k2, now)
		}
	}
}

// clear forgets name's failures after a good sign-in.
func (l *lockout) clear(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, l.key(name))
}
