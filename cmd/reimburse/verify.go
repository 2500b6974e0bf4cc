package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

// maxDiffsShown bounds the differences verify prints.
const maxDiffsShown = 50

// verifyCmd recounts the monthly rollups from the raw events and exits
// non-zero when any differ.
func verifyCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	s, _, err := openOnly(ctx, "verify", args, getenv, stderr, true)
	if err != nil {
		return err
	}
	defer s.Close()
	start := time.Now()
	diffs, err := s.VerifyRollups(ctx)
	if err != nil {
		return err
	}
	for i, d := range diffs {
		if i == maxDiffsShown {
			fmt.Fprintf(stdout, "... and %d more\n", len(diffs)-maxDiffsShown)
			break
		}
		fmt.Fprintln(stdout, d)
	}
	if len(diffs) > 0 {
		return fmt.Errorf("verify: %d rollup rows differ from the events", len(diffs))
	}
	fmt.Fprintf(stdout, "rollups match the events (checked in %s)\n", time.Since(start).Round(time.Millisecond))
	return nil
}
