package main

import (
	"os"
	"path/filepath"
	"testing"

	"hallq/hall/store"
)

// TestYearsHelpers: the pieces of BenchmarkYears that measure: the RSS
// fields of /proc/PID/status, and the copy of a store (the hot file copied,
// the segments linked, nothing else taken).
func TestYearsHelpers(t *testing.T) {
	status := []byte("Name:\thallq\nVmHWM:\t  204800 kB\nVmRSS:\t   51200 kB\nThreads:\t9\n")
	if got := procField(status, "VmRSS"); got != 50<<20 {
		t.Errorf("VmRSS = %v, want %v", got, 50<<20)
	}
	if got := procField(status, "VmHWM"); got != 200<<20 {
		t.Errorf("VmHWM = %v, want %v", got, 200<<20)
	}
	if got := procField(status, "VmSwap"); got != 0 {
		t.Errorf("a missing field = %v, want 0", got)
	}
	if raw, err := os.ReadFile("/proc/self/status"); err == nil && procField(raw, "VmRSS") <= 0 {
		t.Errorf("this process's VmRSS reads as %v", procField(raw, "VmRSS"))
	}

	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "copy")
	files := map[string]string{
		store.FileName:                    "hot",
		"history/2026/2026-11-30.seg":     "seg a",
		"history/2026/2026-12-01.seg":     "seg b",
		"history/2026/2026-11.facts":      "month facts",
		"history/2026/2026-12-02.seg.tmp": "left by a crash",
		"backups/hallq-20261201.db":       "a backup",
	}
	for name, body := range files {
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	if err := yearsCopy(src, dst); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		got, err := os.ReadFile(filepath.Join(dst, name))
		want := name == store.FileName || filepath.Ext(name) == ".seg" || filepath.Ext(name) == ".facts"
		if want && (err != nil || string(got) != body) {
			t.Errorf("%s in the copy: %q %v, want %q", name, got, err, body)
		}
		if !want && err == nil {
			t.Errorf("%s was copied", name)
		}
	}
	// The hot file is a copy (the server writes it), not a link.
	if err := os.WriteFile(filepath.Join(dst, store.FileName), []byte("changed"), 0o640); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(src, store.FileName)); string(got) != "hot" {
		t.Errorf("writing the copy's hot file changed the original: %q", got)
	}
	if err := yearsCopy(t.TempDir(), filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("copying a directory without a store succeeded")
	}
}
