package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
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
