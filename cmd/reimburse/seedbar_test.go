package main

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestSeedBarRate: the progress bar's clock starts with the load (its first
// frame is the blank one, 0 events), so no frame divides a count by the
// nanoseconds since its own first drawing, and its last frame and the
// summary line give one rate for one span.
func TestSeedBarRate(t *testing.T) {
	out, errOut, err := runCmd(t, nil, "seed", "--db", sqliteDB(t), "--events", "30000", "--caregivers", "20", "--types", "5",
		"--from", "2023-01-01", "--to", "2024-01-01")
	if err != nil {
		t.Fatal(err)
	}
	frame := regexp.MustCompile(`\((\d+)/30000, (\d+) events/(s|min|hr)\)`)
	var frames [][]string
	for _, line := range strings.Split(errOut, "\r") {
		if m := frame.FindStringSubmatch(line); m != nil {
			frames = append(frames, m)
		}
	}
	if len(frames) < 2 || frames[0][1] != "0" {
		t.Fatalf("frames %q: want the blank frame (0 events) first, then the load", frames)
	}
	last := frames[len(frames)-1]
	sum := regexp.MustCompile(`seeded 30000 events, .* in \S+ \((\d+) events/s\)`).FindStringSubmatch(out)
	if last[1] != "30000" || last[3] != "s" || sum == nil {
		t.Fatalf("last frame %q, summary %q", last, out)
	}
	barRate, _ := strconv.ParseFloat(last[2], 64)
	sumRate, _ := strconv.ParseFloat(sum[1], 64)
	// One span, read twice a few microseconds apart (the frame, then the
	// completion callback): the rates agree to well under a percent.
	if sumRate <= 0 || math.Abs(barRate-sumRate)/sumRate > 0.01 {
		t.Fatalf("last frame says %.0f events/s, the summary %.0f", barRate, sumRate)
	}
}
