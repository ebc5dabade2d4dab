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

// openLogFile opens the log for its appends with O_DIRECT: each append
// writes the 4 KB blocks its frame touches and nothing else. Through the
// page cache a write dirties a whole folio, and Linux (6.16 on, ext4) caches
// a file written or read in large pieces in folios of up to megabytes: one
// 700-byte frame then wrote the whole 1 MB log (measured). A file system
// without O_DIRECT gets the page cache.
func openLogFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_DIRECT, 0)
	if err == nil {
		return f, nil
	}
	return os.OpenFile(path, os.O_RDWR, 0)
}
