package hall

import (
	"errors"
	"fmt"
	"syscall"

	"hallq/queue"
)

// commitError explains a failed commit. The disk conditions a hall PC meets
// (full, turned read-only, failing) get EUNAVAILABLE with a message the clerk
// can act on; nothing of the command was kept, so it may simply be tried
// again once the disk is fixed. Anything else stays an internal error.
func commitError(typ string, err error) error {
	var msg string
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		msg = "数据盘已满，本次操作未保存，请联系管理员清理磁盘后重试 / the data disk is full: nothing was saved; ask the administrator to free space, then try again"
	case errors.Is(err, syscall.EROFS), errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		msg = "数据目录只读，本次操作未保存，请联系管理员 / the data directory is read-only: nothing was saved; call the administrator"
	case errors.Is(err, syscall.EIO):
		msg = "数据盘读写故障，本次操作未保存，请联系管理员 / the data disk failed: nothing was saved; call the administrator"
	default:
		return fmt.Errorf("commit %s: %w", typ, err)
	}
	return &diskError{queue.Errorf(queue.EUNAVAILABLE, "%s", msg), err}
}

// diskError is a user-safe EUNAVAILABLE error that still wraps its cause.
type diskError struct {
	user  *queue.Error
	cause error
}

func (e *diskError) Error() string   { return e.user.Error() + ": " + e.cause.Error() }
func (e *diskError) Unwrap() []error { return []error{e.user, e.cause} }
