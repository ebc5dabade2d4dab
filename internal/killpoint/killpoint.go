// Package killpoint is the crash drill's hook (cmd/hallq's TestDrillHistory,
// docs/storage.md "Crash safety"): a process started with
// HALLQ_KILL_AT=NAME kills itself with SIGKILL the first time it reaches
// the point NAME, and with HALLQ_KILL_AT=NAME:N the N-th time. It prints
// "killpoint NAME" to stderr first, so the drill knows the kill was that
// one. Test-only in effect: nothing sets the variable in a hall, and an
// unarmed point costs one comparison with a string read at start.
package killpoint

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// Env names the point to kill at.
const Env = "HALLQ_KILL_AT"

var (
	name, nth = parse(os.Getenv(Env))
	mu        sync.Mutex
	reached   int
)

func parse(v string) (string, int) {
	n, count, ok := strings.Cut(v, ":")
	if !ok {
		return n, 1
	}
	c, err := strconv.Atoi(count)
	if err != nil || c < 1 {
		return n, 1
	}
	return n, c
}

// Armed reports whether at is the point this process is to be killed at.
func Armed(at string) bool { return name != "" && name == at }

// At kills the process when it reaches the armed point the N-th time.
func At(at string) {
	if !Armed(at) {
		return
	}
	mu.Lock()
	reached++
	now := reached == nth
	mu.Unlock()
	if now {
		fmt.Fprintf(os.Stderr, "killpoint %s\n", os.Getenv(Env))
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
}

// Writer returns w, or, when at is armed, w wrapped so that the process
// reaches the point at once half of size bytes went through it: a copy
// killed midway.
func Writer(at string, w io.Writer, size int64) io.Writer {
	if !Armed(at) {
		return w
	}
	return &halfWriter{at: at, w: w, half: max(size/2, 1)}
}

type halfWriter struct {
	at      string
	w       io.Writer
	n, half int64
}

func (h *halfWriter) Write(p []byte) (int, error) {
	if rest := h.half - h.n; rest > 0 && int64(len(p)) >= rest {
		n, err := h.w.Write(p[:rest])
		h.n += int64(n)
		if err != nil {
			return n, err
		}
		At(h.at)
		m, err := h.w.Write(p[rest:])
		h.n += int64(m)
		return n + m, err
	}
	n, err := h.w.Write(p)
	h.n += int64(n)
	return n, err
}
