package main

import (
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// newSeedBar returns the seed's progress bar over total events and a
// function that reports how long the load took, from the bar's start to
// its last frame, for the summary line.
//
// The bar is drawn blank at once, which starts its clock with the load:
// otherwise the library starts it at the first frame and divides that
// frame's count by the nanoseconds since, a rate of billions per second.
// The last frame (total reached) shows the count over the time since that
// start, and the summary takes the same span (ending when that frame was
// drawn), so the two agree. The bar itself is
// github.com/schollz/progressbar; only its start is ours.
func newSeedBar(total int64, w io.Writer, visible bool) (*progressbar.ProgressBar, func() time.Duration) {
	var mu sync.Mutex
	var end time.Time
	start := time.Now()
	bar := progressbar.NewOptions64(total, progressbar.OptionSetWriter(w), progressbar.OptionSetVisibility(visible),
		progressbar.OptionSetDescription("events"), progressbar.OptionShowCount(), progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("events"), progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionSetRenderBlankState(true),
		progressbar.OptionOnCompletion(func() {
			mu.Lock()
			end = time.Now()
			mu.Unlock()
		}))
	return bar, func() time.Duration {
		mu.Lock()
		last := end
		mu.Unlock()
		if last.IsZero() || !bar.IsStarted() { // no last frame: hidden, or no events
			return time.Since(start)
		}
		// The bar's own start, which its rates count from.
		now := time.Now()
		barStart := now.Add(-time.Duration(bar.State().SecondsSince * float64(time.Second)))
		return last.Sub(barStart)
	}
}
