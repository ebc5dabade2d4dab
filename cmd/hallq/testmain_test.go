package main

import (
	"os"
	"testing"
)

// TestMain closes the Chromium that the browser tests share (browser_helpers_test.go)
// after every test of the package.
func TestMain(m *testing.M) {
	code := m.Run()
	closeChromium()
	os.Exit(code)
}
