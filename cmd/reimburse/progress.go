package main

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// seedNow is seed's clock; tests replace it to count frames and rates
// without timing them.
var seedNow = time.Now

// progressThrottle is the least time between two frames but the last.
const progressThrottle = 200 * time.Millisecond

// progressWidth is the width of the bar in cells.
const progressWidth = 40

// seedProgress draws seed's progress line: the events loaded and their rate,
// always the count over the time since start, so the first frame is as
// true as the last, and the last frame and the summary line share one
// count and one duration (finish).
type seedProgress struct {
	w       io.Writer
	visible bool
	now     func() time.Time
	start   time.Time
	total   int64
	done    int64
	shown   time.Time // when the last frame was drawn; zero before the first
	width   int       // the widest frame so far, in runes, to blank its remains
}

// add counts n more events and draws a frame, unless one was drawn less
// than progressThrottle ago or the count is complete (finish draws that).
func (p *seedProgress) add(n int) {
	p.done += int64(n)
	t := p.now()
	if p.done >= p.total || !p.shown.IsZero() && t.Sub(p.shown) < progressThrottle {
		return
	}
	p.shown = t
	p.draw(t.Sub(p.start), false)
}

// finish draws the last frame and returns what it shows: the time since
// start and the rate in events per second.
func (p *seedProgress) finish() (time.Duration, float64) {
	d := p.now().Sub(p.start)
	p.draw(d, true)
	return d, rate(p.done, d)
}

// rate is n events over d, 0 for a d that is not positive (no time
// measured is no rate, rather than an infinite one).
func rate(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// draw writes one frame over the previous one, e.g.
// "events  45% |██████████████████                      | (45000/100000, 12345 events/s) [4s:5s]".
func (p *seedProgress) draw(d time.Duration, final bool) {
	if !p.visible {
		return
	}
	pct := int64(100)
	if p.total > 0 {
		pct = min(100, p.done*100/p.total)
	}
	fill := int(progressWidth * pct / 100)
	var b strings.Builder
	fmt.Fprintf(&b, "events %3d%% |%s%s| (%d/%d", pct, strings.Repeat("█", fill), strings.Repeat(" ", progressWidth-fill), p.done, p.total)
	r := rate(p.done, d)
	if r > 0 {
		fmt.Fprintf(&b, ", %.0f events/s", r)
	}
	fmt.Fprintf(&b, ") [%s", d.Round(time.Second))
	if !final && r > 0 {
		left := time.Duration(float64(p.total-p.done) / r * float64(time.Second))
		fmt.Fprintf(&b, ":%s", left.Round(time.Second))
	}
	b.WriteString("]")
	line := b.String()
	n := utf8.RuneCountInString(line)
	p.width = max(p.width, n)
	fmt.Fprint(p.w, "\r"+line+strings.Repeat(" ", p.width-n))
}
