package store

import (
	"os"
	"syscall"
)

// fdatasync writes f's data to the disk without its metadata (times): the
// log's size never changes, so nothing else needs writing.
func fdatasync(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			return err
		}
	}
}
