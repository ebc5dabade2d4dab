package killpoint

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// TestKillAt runs this test binary again armed at "point:2" (a process
// reads HALLQ_KILL_AT once, at start): it passes the point once, writes
// through an armed Writer, and is killed the second time, halfway through
// the copy, with SIGKILL, after saying so on stderr.
func TestKillAt(t *testing.T) {
	if os.Getenv(Env) != "" {
		At("other")
		At("point")
		fmt.Println("passed once")
		w := Writer("point", os.Stdout, 8)
		w.Write([]byte("abcdefgh\n"))
		fmt.Println("not killed")
		os.Exit(0)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillAt$", "-test.count=1")
	cmd.Env = append(os.Environ(), Env+"=point:2")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the armed process ended with %v, want SIGKILL; stdout %q", err, out.String())
	}
	if got := out.String(); !strings.HasPrefix(got, "passed once\nabcd") || strings.Contains(got, "efgh") || strings.Contains(got, "not killed") {
		t.Errorf("stdout %q: want the first pass and half the copy", got)
	}
	if errb.String() != "killpoint point:2\n" {
		t.Errorf("stderr %q", errb.String())
	}
}

// TestUnarmed: an unarmed point passes and its Writer is the writer itself.
func TestUnarmed(t *testing.T) {
	At("point")
	var b bytes.Buffer
	if w := Writer("point", &b, 8); w != &b {
		t.Errorf("an unarmed Writer wraps the writer")
	}
	for v, want := range map[string][2]any{"": {"", 1}, "a": {"a", 1}, "a:3": {"a", 3}, "a:x": {"a", 1}, "a:0": {"a", 1}} {
		if n, c := parse(v); n != want[0] || c != want[1] {
			t.Errorf("parse(%q) = %q, %d", v, n, c)
		}
	}
}
