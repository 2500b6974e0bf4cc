//go:build unix

package testsupport

import (
	"syscall"
	"time"
)

// CPUTime is the CPU time (user and system, all threads) the process has
// used. On a shared machine it varies less than wall time, which includes
// waiting for a core; for gqlgen, which runs a report's cells on several
// goroutines, it also counts the work done in parallel.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
