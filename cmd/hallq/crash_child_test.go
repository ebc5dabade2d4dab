package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"hallq/account"

	"hallq/web"
)

// crashChildEnv names the data directory of a server child process: the
// crash test and the benchmarks run the test binary again with it set, and
// TestCrashChild then serves the real program there until it is killed.
const crashChildEnv = "HALLQ_CRASH_CHILD_DATA"

// crashChildAddrEnv, when set, is the address a child serves on (else
// 127.0.0.1:0): the drill restarts the server on the same port, so the
// display clients reconnect to the address they know, as screens do.
const crashChildAddrEnv = "HALLQ_CRASH_CHILD_ADDR"

// crashChildMarker starts the one line a child prints once it serves.
const crashChildMarker = "HALLQ-CRASH-CHILD "

// crashChildInfo is what a child prints after its marker, as JSON.
type crashChildInfo struct {
	URL  string       `json:"url"`
	Demo account.Demo `json:"demo"`
}

// raceBuild is true in a test binary built with -race (race_test.go).
var raceBuild bool

// childBin is the program of the drills' child processes (childBinary).
var childBin struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// childBinary is the program the crash drills start as their server and
// command processes (TestCrashChild, TestCmdChild): this test binary, or,
// when it was built with -race (make test), the same test package built
// once for the run without it (go test -c: the package's own objects and a
// link; the dependencies are in the build cache from make vet). What the
// drills assert is read from the data a killed process left and from the
// answers it gave; a child's race reports were never read (it dies by
// SIGKILL, its stderr shown only when it fails to start), while its race
// instrumentation cost 5–10 times the CPU of every server round. The same
// server code runs under -race in this process in the browser and CLI
// tests, and in web's.
func childBinary(t testing.TB) string {
	t.Helper()
	if !raceBuild {
		return os.Args[0]
	}
	childBin.once.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
		}
		if childBin.dir, childBin.err = os.MkdirTemp("", "hallq-child-"); childBin.err != nil {
			return
		}
		childBin.path = filepath.Join(childBin.dir, "hallq-child.test")
		// The tests run in the package's directory.
		cmd := exec.Command(goTool, "test", "-c", "-o", childBin.path, ".")
		if out, err := cmd.CombinedOutput(); err != nil {
			childBin.err = fmt.Errorf("go test -c (the drills' child processes, without -race): %v\n%s", err, out)
		}
	})
	if childBin.err != nil {
		t.Fatal(childBin.err)
	}
	return childBin.path
}

// removeChildBinary deletes the child program built for the run (TestMain).
func removeChildBinary() {
	if childBin.dir != "" {
		os.RemoveAll(childBin.dir)
	}
}

// TestCrashChild is not a test: run with crashChildEnv set it is the server
// process of TestCrash. It runs Main (the same code as `hallq serve --demo`)
// on 127.0.0.1:0, prints its URL and the demo credentials, and serves until
// the parent kills it.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashChildEnv)
	if dir == "" {
		t.Skip("the server process of TestCrash")
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	addr := os.Getenv(crashChildAddrEnv)
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	m := &Main{Addr: addr, DataDir: dir, Demo: true, Stdout: io.Discard, Logger: log,
		BcryptCost: 4, Web: web.Options{KioskBurst: -1}}
	if tick, err := time.ParseDuration(os.Getenv(crashChildTickEnv)); err == nil {
		// TestDrillHistory: the sealer runs at once; no daily backup
		// comes between the drill's own.
		m.Options.Tick, m.BackupKeep = tick, -1
	}
	if err := m.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		os.Exit(3)
	}
	line, _ := json.Marshal(crashChildInfo{URL: m.URL, Demo: m.DemoAccounts})
	fmt.Printf("%s%s\n", crashChildMarker, line)
	select {} // until SIGKILL
}

// cmdChildEnv holds the JSON arguments of a command child: TestCmdChild
// then runs them as `hallq ARGS` would, so a drill can kill a backup or a
// restore midway.
const cmdChildEnv = "HALLQ_CMD_CHILD_ARGS"

// TestCmdChild is not a test: run with cmdChildEnv set it is a hallq
// command process of TestCrashBackupRestore.
func TestCmdChild(t *testing.T) {
	raw := os.Getenv(cmdChildEnv)
	if raw == "" {
		t.Skip("a command process of TestCrashBackupRestore")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		fmt.Fprintln(os.Stderr, "command child:", err)
		os.Exit(3)
	}
	if err := Dispatch(context.Background(), args, strings.NewReader(""), os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}
