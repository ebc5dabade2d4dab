//go:build unix

package history_test

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the process has used (user and system, all
// threads: the garbage collector's too). Benchmarks report CPU per event
// with it, which the machine's other load moves less than wall time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
