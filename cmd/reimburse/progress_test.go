package main

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// stepClock returns a clock that moves step forward at every reading.
func stepClock(step time.Duration) func() time.Time {
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time {
		t = t.Add(step)
		return t
	}
}

// frames splits what the bar wrote into its frames, trailing blanks cut.
func frames(out string) []string {
	var fs []string
	for _, f := range strings.Split(out, "\r")[1:] {
		fs = append(fs, strings.TrimRight(f, " \n"))
	}
	return fs
}

// TestSeedProgressRate: every frame's rate is its count over the time
// since the start, the first one included (the progress library's first
// frame divided by the nanoseconds since its own first render), and the
// last frame shows what finish returns.
func TestSeedProgressRate(t *testing.T) {
	var out strings.Builder
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	p := &seedProgress{w: &out, visible: true, now: clock, start: now, total: 300000}
	now = now.Add(2 * time.Second)
	p.add(100000) // 50000/s, 4s left
	now = now.Add(100 * time.Millisecond)
	p.add(50000) // throttled
	now = now.Add(400 * time.Millisecond)
	p.add(50000) // 200000 in 2.5s: 80000/s, 1.25s left
	now = now.Add(time.Second)
	p.add(100000) // complete: left to finish
	now = now.Add(500 * time.Millisecond)
	d, r := p.finish() // 300000 in 4s
	if d != 4*time.Second || r != 75000 {
		t.Errorf("finish = %s, %g; want 4s, 75000", d, r)
	}
	bar := func(cells int) string {
		return "|" + strings.Repeat("█", cells) + strings.Repeat(" ", 40-cells) + "|"
	}
	want := []string{
		"events  33% " + bar(13) + " (100000/300000, 50000 events/s) [2s:4s]",
		"events  66% " + bar(26) + " (200000/300000, 80000 events/s) [3s:1s]",
		"events 100% " + bar(40) + " (300000/300000, 75000 events/s) [4s]",
	}
	if got := frames(out.String()); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("frames:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// No time measured is no rate, not an infinite one.
	out.Reset()
	p = &seedProgress{w: &out, visible: true, now: clock, start: now, total: 10}
	p.add(5)
	if got := frames(out.String()); len(got) != 1 || got[0] != "events  50% "+bar(20)+" (5/10) [0s]" {
		t.Errorf("frame at no elapsed time: %q", got)
	}
}

// TestSeedSummaryMatchesBar: seed's summary line states the duration and
// rate of the bar's last frame.
func TestSeedSummaryMatchesBar(t *testing.T) {
	defer func(f func() time.Time) { seedNow = f }(seedNow)
	seedNow = stepClock(time.Second)
	out, errOut, err := runCmd(t, nil, "seed", "--db", tempDB(t), "--events", "5000", "--caregivers", "3", "--types", "2",
		"--from", "2024-01-01", "--to", "2024-02-01")
	if err != nil {
		t.Fatal(err)
	}
	fs := frames(errOut)
	last := regexp.MustCompile(`^events 100% \|█{40}\| \(5000/5000, (\d+) events/s\) \[(\d+)s\]$`).FindStringSubmatch(fs[len(fs)-1])
	if last == nil {
		t.Fatalf("last frame %q", fs[len(fs)-1])
	}
	secs, _ := strconv.Atoi(last[2])
	if rate, _ := strconv.Atoi(last[1]); secs == 0 || rate != int(math.Round(5000/float64(secs))) {
		t.Errorf("last frame: %s events/s over %ss, want 5000 events over it", last[1], last[2])
	}
	if want := " in " + last[2] + "s (" + last[1] + " events/s);"; !strings.Contains(out, want) {
		t.Errorf("summary %q does not state the last frame's %q", out, want)
	}
}
