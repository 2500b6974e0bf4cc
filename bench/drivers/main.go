// Command drivers compares SQLite drivers for Go on the operations that
// matter to Reimburse, on the store's own schema (its embedded migrations):
// bulk insert (100-row prepared INSERTs, 100,000 rows per transaction, every
// index in place), one event per transaction at synchronous=FULL (the event
// and its rollup row), the rollup report and the naive GROUP BY over the
// events.
//
// One driver is compiled in per build, chosen by build tag (mattn's and
// ncruces' drivers both register "sqlite3"):
//
//	go run .                                       # modernc.org/sqlite
//	CGO_ENABLED=1 go run -tags sqlite_mattn .      # mattn/go-sqlite3 (needs gcc)
//	go run -tags sqlite_ncruces .                  # ncruces/go-sqlite3
//	go run . -compare                              # all three, one table
//
// It is its own module so that the cgo driver never enters the project's
// go.mod and the project keeps building with CGO_ENABLED=0.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/reimburse/reimburse/store/migrations"
)

// result is what one driver run measures; -json prints it.
type result struct {
	Driver        string  `json:"driver"`
	SQLite        string  `json:"sqlite"`
	Events        int     `json:"events"`
	BulkRowsPerS  float64 `json:"bulkRowsPerS"`
	RollupBuildS  float64 `json:"rollupBuildS"`
	SingleTxPerS  float64 `json:"singleTxPerS"`
	RollupWholeMS float64 `json:"rollupWholeMs"`
	Rollup12MS    float64 `json:"rollup12Ms"`
	NaiveWholeMS  float64 `json:"naiveWholeMs"`
	Naive12MS     float64 `json:"naive12Ms"`
	// CPU time (user+sys of the process) is steadier than wall time on a
	// shared machine: other tenants stretch the wall clock, not our CPU.
	BulkCPUUSPerRow   float64 `json:"bulkCpuUsPerRow"`
	NaiveWholeCPUMS   float64 `json:"naiveWholeCpuMs"`
	RollupWholeCPUMS  float64 `json:"rollupWholeCpuMs"`
	SingleTxCPUUSPerT float64 `json:"singleTxCpuUsPerTx"`
}

func main() {
	events := flag.Int("events", 1_000_000, "events to insert")
	caregivers := flag.Int("caregivers", 5000, "caregivers")
	types := flag.Int("types", 50, "event types")
	runs := flag.Int("runs", 5, "timed runs of each query (median reported)")
	singles := flag.Int("singles", 2000, "one-event transactions to time (bounded by -singles-for too)")
	singlesFor := flag.Duration("singles-for", 10*time.Second, "time bound of the one-event transactions")
	dir := flag.String("dir", os.TempDir(), "directory for the database file (deleted afterwards)")
	asJSON := flag.Bool("json", false, "print the result as JSON")
	compare := flag.Bool("compare", false, "run every driver (go run with each tag) and print one table")
	flag.Parse()
	if *compare {
		if err := compareAll(os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "drivers:", err)
			os.Exit(1)
		}
		return
	}
	r, err := measure(context.Background(), *dir, *events, *caregivers, *types, *runs, *singles, *singlesFor)
	if err != nil {
		fmt.Fprintln(os.Stderr, "drivers:", err)
		os.Exit(1)
	}
	if *asJSON {
		_ = json.NewEncoder(os.Stdout).Encode(r)
		return
	}
	printTable([]result{r})
}

// open opens path with one connection, so the pragmas sent once reach every
// statement, in the same mode as the store's writer.
func open(path string) (*sql.DB, error) {
	db, err := sql.Open(driverName, "file:"+path)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	for _, p := range []string{"PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON",
		"PRAGMA busy_timeout = 10000", "PRAGMA cache_size = -524288", "PRAGMA temp_store = MEMORY"} {
		if _, err := db.Exec(p); err != nil {
			db.Close()
			return nil, fmt.Errorf("%s: %w", p, err)
		}
	}
	return db, nil
}

// schema applies the store's SQLite migrations.
func schema(db *sql.DB) error {
	files, err := fs.Glob(migrations.SQLite, "sqlite/*.up.sql")
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, f := range files {
		b, err := migrations.SQLite.ReadFile(f)
		if err != nil {
			return err
		}
		for _, stmt := range strings.Split(string(b), "--bun:split") {
			if _, err := db.Exec(stmt); err != nil {
				return fmt.Errorf("%s: %w", f, err)
			}
		}
	}
	return nil
}

func measure(ctx context.Context, dir string, events, caregivers, types, runs, singles int, singlesFor time.Duration) (result, error) {
	r := result{Driver: driverLabel, Events: events}
	tmp, err := os.MkdirTemp(dir, "reimburse-drivers-")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(tmp)
	db, err := open(filepath.Join(tmp, "drivers.db"))
	if err != nil {
		return r, err
	}
	defer db.Close()
	if err := db.QueryRow("SELECT sqlite_version()").Scan(&r.SQLite); err != nil {
		return r, err
	}
	if err := schema(db); err != nil {
		return r, err
	}
	if err := references(db, caregivers, types); err != nil {
		return r, err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	from := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(5, 0, 0)
	fmt.Fprintf(os.Stderr, "%s: bulk insert of %d events\n", driverLabel, events)
	start, cpu := time.Now(), cpuTime()
	if err := bulkInsert(ctx, db, rng, events, caregivers, types, from, to); err != nil {
		return r, err
	}
	r.BulkRowsPerS = float64(events) / time.Since(start).Seconds()
	r.BulkCPUUSPerRow = float64(cpuTime()-cpu) / 1e3 / float64(max(events, 1))
	start = time.Now()
	if _, err := db.Exec(`INSERT INTO month_rollups (month, caregiver_id, event_type_id, status, event_count, amount)
		SELECT month, caregiver_id, event_type_id, status, COUNT(*), SUM(amount) FROM events WHERE status <> 'VOIDED'
		GROUP BY month, caregiver_id, event_type_id, status`); err != nil {
		return r, err
	}
	r.RollupBuildS = time.Since(start).Seconds()
	fmt.Fprintf(os.Stderr, "%s: queries, %d runs each\n", driverLabel, runs)
	year := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	hundred := make([]string, 0, 100)
	for i := 1; i <= caregivers && len(hundred) < 100; i += max(1, caregivers/100) {
		hundred = append(hundred, fmt.Sprint(i))
	}
	in := "caregiver_id IN (" + strings.Join(hundred, ", ") + ")"
	queries := []struct {
		dst, cpu *float64
		sql      string
		args     []any
	}{
		{&r.RollupWholeMS, &r.RollupWholeCPUMS, `SELECT month, caregiver_id, status, SUM(event_count), SUM(amount) FROM month_rollups
			WHERE month >= ? AND month <= ? GROUP BY month, caregiver_id, status ORDER BY month, caregiver_id`, []any{202101, 202512}},
		{&r.Rollup12MS, nil, `SELECT month, caregiver_id, status, SUM(event_count), SUM(amount) FROM month_rollups
			WHERE month >= ? AND month <= ? AND ` + in + ` GROUP BY month, caregiver_id, status ORDER BY month, caregiver_id`, []any{202501, 202512}},
		{&r.NaiveWholeMS, &r.NaiveWholeCPUMS, `SELECT month, caregiver_id, status, COUNT(*), SUM(amount) FROM events
			WHERE status <> 'VOIDED' AND occurred_at >= ? AND occurred_at < ? GROUP BY month, caregiver_id, status ORDER BY month, caregiver_id`,
			[]any{from.UnixMicro(), to.UnixMicro()}},
		{&r.Naive12MS, nil, `SELECT month, caregiver_id, status, COUNT(*), SUM(amount) FROM events
			WHERE status <> 'VOIDED' AND occurred_at >= ? AND occurred_at < ? AND ` + in + ` GROUP BY month, caregiver_id, status ORDER BY month, caregiver_id`,
			[]any{year.UnixMicro(), to.UnixMicro()}},
	}
	for _, q := range queries {
		cpu := cpuTime()
		d, err := median(runs, func() error { return scanAll(db, q.sql, q.args...) })
		if err != nil {
			return r, err
		}
		*q.dst = float64(d) / 1e6
		if q.cpu != nil {
			*q.cpu = float64(cpuTime()-cpu) / 1e6 / float64(runs)
		}
	}
	fmt.Fprintf(os.Stderr, "%s: one-event transactions\n", driverLabel)
	cpu = cpuTime()
	var n int
	if r.SingleTxPerS, n, err = singleTx(ctx, db, rng, singles, singlesFor, caregivers, types); err != nil {
		return r, err
	}
	r.SingleTxCPUUSPerT = float64(cpuTime()-cpu) / 1e3 / float64(max(n, 1))
	return r, nil
}

func references(db *sql.DB, caregivers, types int) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmts := []string{"INSERT INTO tokens (id, name, role, secret_hash, created_at) VALUES (1, 'bench', 'ADMIN', 'x', 0)"}
	for i := 1; i <= caregivers; i++ {
		stmts = append(stmts, fmt.Sprintf("INSERT INTO caregivers (id, name, created_at) VALUES (%d, 'Caregiver %d', 0)", i, i))
	}
	for i := 1; i <= types; i++ {
		stmts = append(stmts, fmt.Sprintf("INSERT INTO event_types (id, code, name, created_at) VALUES (%d, 'T%d', 'Type %d', 0)", i, i, i))
	}
	for _, s := range stmts {
		if _, err := tx.Exec(s); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// scanAll runs a query and reads every row, as the report does.
func scanAll(db *sql.DB, q string, args ...any) error {
	rows, err := db.Query(q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var month, cg, n, amount int64
	var status string
	for rows.Next() {
		if err := rows.Scan(&month, &cg, &status, &n, &amount); err != nil {
			return err
		}
	}
	return rows.Err()
}

// cpuTime returns the user+system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// median runs f n times and returns the median duration.
func median(n int, f func() error) (time.Duration, error) {
	ds := make([]time.Duration, 0, n)
	for range n {
		start := time.Now()
		if err := f(); err != nil {
			return 0, err
		}
		ds = append(ds, time.Since(start))
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2], nil
}
