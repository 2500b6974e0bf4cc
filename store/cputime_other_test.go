//go:build !unix

package store_test

import (
	"testing"
	"time"
)

// cpuTime is not measured on this platform: cpu-us/event reads 0.
func cpuTime(testing.TB) time.Duration { return 0 }
