package account

import (
	"strings"
	"sync"
	"time"

	"hallq/queue"
)

// Sign-in throttling (docs/security.md). Every attempt reserves a slot before
// its password is checked, under one lock: a name has at most LoginFailures
// failures plus attempts in flight within LoginWindow, an address at most
// AddrFailures, so a burst of concurrent guesses gets no more bcrypt checks
// than a slow one. When the count is reached the name (or address) is
// locked for LoginWindow from its last failure, whatever password is tried;
// a good sign-in clears the name's count.
//
// Counting per name protects an account from a guesser who moves between
// machines; counting per address stops one machine spraying a password over
// many names. Because anyone can lock a name, a lock-out must not keep the
// hall's manager out: the right password from a paired device of the hall
// is counted per device and name, not against the name's lock, and a
// manager can lift a lock (UnlockUser). Every lock-out raises an alert.
const (
	LoginFailures = 5
	AddrFailures  = 20
	LoginWindow   = 15 * time.Minute
)

// lockKey is one counter an attempt is charged to.
type lockKey struct {
	key   string
	limit int
}

func nameKey(name string) string { return "n:" + strings.ToLower(strings.TrimSpace(name)) }

type lockout struct {
	mu       sync.Mutex
	fails    map[string][]time.Time // key → recent failures
	inflight map[string]int         // key → attempts reserved, not yet judged
}

// reserve charges an attempt to every key, or to none: ERATELIMIT (and the
// key that is locked) when a key's failures and attempts in flight reach its
// limit. A reservation ends with done.
func (l *lockout) reserve(now time.Time, keys ...lockKey) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inflight == nil {
		l.fails, l.inflight = map[string][]time.Time{}, map[string]int{}
	}
	for _, k := range keys {
		recent := l.prune(k.key, now)
		if len(recent)+l.inflight[k.key] < k.limit {
			continue
		}
		mins := 1
		if len(recent) > 0 {
			mins = int(recent[len(recent)-1].Add(LoginWindow).Sub(now).Minutes()) + 1
		}
		return k.key, queue.Err(queue.ERATELIMIT, "err.hall.too_many_failed_sign", mins)
	}
	for _, k := range keys {
		l.inflight[k.key]++
	}
	return "", nil
}

// done ends a reservation: a failure is counted against every key; it
// returns the keys this failure locked (their count reached the limit).
func (l *lockout) done(now time.Time, failed bool, keys ...lockKey) (locked []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		if l.inflight[k.key]--; l.inflight[k.key] <= 0 {
			delete(l.inflight, k.key)
		}
		if !failed {
			continue
		}
		l.fails[k.key] = append(l.prune(k.key, now), now)
		if len(l.fails[k.key]) == k.limit {
			locked = append(locked, k.key)
		}
	}
	if len(l.fails) > 10000 { // a flood of made-up names must not grow memory without bound
		for k := range l.fails {
			l.prune(k, now)
		}
	}
	return locked
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

// clear forgets a key's failures (a good sign-in, a manager's unlock); true
// if there were any.
func (l *lockout) clear(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, ok := l.fails[key]
	delete(l.fails, key)
	return ok
}
