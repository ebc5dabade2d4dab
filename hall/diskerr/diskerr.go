// Package diskerr words a commit the disk refused (was hall/diskerr.go): the
// kernel's committer hands it the store's error.
package diskerr

import (
	"errors"
	"fmt"
	"syscall"

	_ "hallq/i18n" // queue.Err renders its keys with the catalog that i18n registers in its init
	"hallq/queue"
)

// Commit explains a failed commit of an event of type typ. The disk conditions a hall PC meets
// (full, turned read-only, failing) get EUNAVAILABLE with a message the clerk
// can act on; nothing of the command was kept, so it may simply be tried
// again once the disk is fixed. Anything else stays an internal error.
func Commit(typ string, err error) error {
	var key string
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		key = "err.hall.disk_full"
	case errors.Is(err, syscall.EROFS), errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		key = "err.hall.disk_read_only"
	case errors.Is(err, syscall.EIO):
		key = "err.hall.disk_failed"
	default:
		return fmt.Errorf("commit %s: %w", typ, err)
	}
	return &diskError{queue.Err(queue.EUNAVAILABLE, key), err}
}

// diskError is a user-safe EUNAVAILABLE error that still wraps its cause.
type diskError struct {
	user  *queue.Error
	cause error
}

func (e *diskError) Error() string   { return e.user.Error() + ": " + e.cause.Error() }
func (e *diskError) Unwrap() []error { return []error{e.user, e.cause} }
