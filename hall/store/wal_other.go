//go:build !linux

package store

import "os"

// fdatasync is fsync where there is no fdatasync.
func fdatasync(f *os.File) error { return f.Sync() }

// openLogFile opens the log for its appends.
func openLogFile(path string) (*os.File, error) { return os.OpenFile(path, os.O_RDWR, 0) }
