package main

import (
	"os"
	"testing"
)

// TestMain closes the Chromium that the browser tests share (browser_helpers_test.go)
// after every test of the package, and removes the drills' child program (childBinary).
func TestMain(m *testing.M) {
	code := m.Run()
	closeChromium()
	removeChildBinary()
	os.Exit(code)
}
