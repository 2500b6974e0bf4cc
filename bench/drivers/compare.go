package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// compareAll runs this program once per driver, each built with its tag,
// and prints their results as one table. args are passed on, less -compare.
func compareAll(args []string) error {
	var pass []string
	for _, a := range args {
		if a != "-compare" && a != "--compare" {
			pass = append(pass, a)
		}
	}
	var results []result
	for _, tag := range []string{"", "sqlite_mattn", "sqlite_ncruces"} {
		cmdArgs := []string{"run"}
		if tag != "" {
			cmdArgs = append(cmdArgs, "-tags", tag)
		}
		cmdArgs = append(cmdArgs, ".", "-json")
		cmdArgs = append(cmdArgs, pass...)
		fmt.Fprintf(os.Stderr, "go %s\n", strings.Join(cmdArgs, " "))
		var out bytes.Buffer
		cmd := exec.Command("go", cmdArgs...)
		cmd.Stdout, cmd.Stderr = &out, os.Stderr
		if tag == "sqlite_mattn" {
			cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
		}
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: %w", tag, err)
		}
		var r result
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			return fmt.Errorf("%s: %w: %q", tag, err, out.String())
		}
		results = append(results, r)
	}
	printTable(results)
	return nil
}

func printTable(rs []result) {
	fmt.Println("| driver | SQLite | events | bulk insert rows/s | bulk CPU µs/row | rollup build s | 1-event tx/s (FULL) | CPU µs/tx | rollup whole ms | CPU ms | rollup 12x100 ms | naive whole ms | CPU ms | naive 12x100 ms |")
	fmt.Println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range rs {
		fmt.Printf("| %s | %s | %d | %.0f | %.1f | %.2f | %.0f | %.0f | %.0f | %.0f | %.1f | %.0f | %.0f | %.1f |\n", r.Driver, r.SQLite, r.Events,
			r.BulkRowsPerS, r.BulkCPUUSPerRow, r.RollupBuildS, r.SingleTxPerS, r.SingleTxCPUUSPerT, r.RollupWholeMS, r.RollupWholeCPUMS,
			r.Rollup12MS, r.NaiveWholeMS, r.NaiveWholeCPUMS, r.Naive12MS)
	}
}
