//go:build !unix

package testsupport

import "time"

// CPUTime is not measured on this platform; cpu-ns/op then reads 0.
func CPUTime() time.Duration { return 0 }
