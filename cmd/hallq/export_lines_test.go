package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestExportOfflineEqualsRunning: hallq export of a stopped hall prints the
// same lines, byte for byte, as the running hall's export of the same store
// (its /events feed): the case's item, class and clerk, a rating's score,
// each ticket's target wait and the epoch of each event included — over
// sealed days and today.
func TestExportOfflineEqualsRunning(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, _, err := cmdRun(t, "", "simulate", "--days", "3", "--seed", "5", "--quiet", "--data", dir); err != nil {
		t.Fatalf("simulate: %v", err)
	}
	cmdSeal(t, dir)

	var out bytes.Buffer
	m := &Main{Addr: "127.0.0.1:0", DataDir: dir, Stdout: &out, Logger: cmdQuiet, BcryptCost: 4}
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		t.Fatalf("run: %v", err)
	}
	running, _, err := cmdRun(t, "", "export", "--data", dir)
	m.Close()
	if err != nil {
		t.Fatalf("export while running: %v", err)
	}
	offline, _, err := cmdRun(t, "", "export", "--data", dir)
	if err != nil {
		t.Fatalf("export, hall stopped: %v", err)
	}
	on, off := strings.Split(running, "\n"), strings.Split(offline, "\n")
	if len(on) < 100 || len(on) != len(off) {
		t.Fatalf("export: %d lines while running, %d stopped", len(on), len(off))
	}
	facts := map[string]int{}
	for i := range on {
		if on[i] != off[i] {
			t.Fatalf("line %d differs:\nrunning %s\nstopped %s", i+1, on[i], off[i])
		}
		var l map[string]any
		if on[i] == "" {
			continue
		}
		if err := json.Unmarshal([]byte(on[i]), &l); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		for _, k := range []string{"hall", "epoch", "class", "item", "score", "target_wait_s"} {
			if v, ok := l[k]; ok && v != "" {
				facts[k]++
			}
		}
	}
	for _, k := range []string{"hall", "epoch", "class", "item", "score", "target_wait_s"} {
		if facts[k] == 0 {
			t.Errorf("no line carries %q: %v", k, facts)
		}
	}
}
