package testsupport

import "time"

// UTC is the time y-m-d h:min:00 in UTC.
func UTC(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}
