// Command bench measures Reimburse end to end in one run and prints one
// markdown table: the seed rate, ingest over HTTP (registerEvents in
// 10,000-event batches and single registerEvent calls from concurrent
// clients), four report shapes over HTTP as p50/p95 beside the naive GROUP BY
// on the same file, and the server's peak RSS.
//
// It builds the real binary into a temp dir, seeds (or with --reuse keeps) a
// database, runs the server on 127.0.0.1 port 0 and talks to it only there.
// Every loop is bounded in count or time; it stops by itself.
//
//	go run ./bench                            # 10M events, 5 years, 5,000 caregivers
//	go run ./bench --events 1000000 --runs 10 --whole-runs 1 # quicker
//	go run ./bench --reuse                    # keep the seeded file of an earlier run
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// config is what the flags set.
type config struct {
	db                   string
	reuse                bool
	events, caregivers   int
	types                int
	from, to             string
	seed                 uint64
	reimbursed           float64
	runs, wholeRuns      int
	naive                bool
	batches, batchSize   int
	clients              int
	singleFor            time.Duration
	tags, binary, output string
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.db, "db", "", "database file (default: reimburse-bench-EVENTS.db in the temp dir)")
	fs.BoolVar(&c.reuse, "reuse", false, "reuse --db when it exists instead of seeding it anew (pass the same --from/--to)")
	fs.IntVar(&c.events, "events", 10_000_000, "events to seed")
	fs.IntVar(&c.caregivers, "caregivers", 5000, "caregivers to seed")
	fs.IntVar(&c.types, "types", 50, "event types to seed")
	fs.StringVar(&c.from, "from", "2021-01-01", "first day of the seeded period (UTC)")
	fs.StringVar(&c.to, "to", "2026-01-01", "day after the seeded period (UTC); ingest writes after it")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the synthetic data")
	fs.Float64Var(&c.reimbursed, "reimbursed", 0.3, "fraction of the period reimbursed, oldest months first")
	fs.IntVar(&c.runs, "runs", 20, "timed runs of each small report shape (HTTP and naive)")
	fs.IntVar(&c.wholeRuns, "whole-runs", 3, "timed runs of the whole-period shape (HTTP and naive)")
	fs.BoolVar(&c.naive, "naive", true, "time the naive GROUP BY beside each shape")
	fs.IntVar(&c.batches, "batches", 10, "registerEvents calls to time")
	fs.IntVar(&c.batchSize, "batch-size", 10_000, "events per registerEvents call")
	fs.IntVar(&c.clients, "clients", 32, "concurrent clients calling registerEvent")
	fs.DurationVar(&c.singleFor, "single-for", 10*time.Second, "how long the concurrent registerEvent clients run")
	fs.StringVar(&c.tags, "tags", "", "build tags for the server binary (e.g. sqlite_mattn)")
	fs.StringVar(&c.binary, "binary", "", "use this reimburse binary instead of building one")
	fs.StringVar(&c.output, "o", "", "also write the table to this file")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.db == "" {
		c.db = filepath.Join(os.TempDir(), fmt.Sprintf("reimburse-bench-%d.db", c.events))
	}
	if c.runs < 1 || c.wholeRuns < 1 || c.batches < 0 || c.batchSize < 1 || c.batchSize > 10_000 || c.clients < 1 || c.singleFor < 0 {
		return c, fmt.Errorf("need --runs >= 1, --whole-runs >= 1, --batches >= 0, 1 <= --batch-size <= 10000, --clients >= 1")
	}
	if c.singleFor > 5*time.Minute {
		return c, fmt.Errorf("--single-for is at most 5m")
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	logf := func(format string, a ...any) { fmt.Fprintf(stderr, "bench: "+format+"\n", a...) }
	var t table

	bin, cleanup, err := binary(ctx, c, logf)
	if err != nil {
		return err
	}
	defer cleanup()
	if err := seedOrReuse(ctx, c, bin, &t, logf); err != nil {
		return err
	}
	shapes, err := newShapes(ctx, c)
	if err != nil {
		return err
	}
	defer shapes.st.Close()
	token, err := command(ctx, bin, "token", "create", "--role", "ADMIN", "--name", "bench", "--db", c.db)
	if err != nil {
		return err
	}
	srv, err := startServer(ctx, bin, c.db, logf)
	if err != nil {
		return err
	}
	defer srv.stop()
	cl := newClient(srv.url, strings.TrimSpace(token))

	for _, sh := range shapes.list {
		if err := measureShape(ctx, c, cl, shapes, sh, &t, logf); err != nil {
			return err
		}
	}
	rssReports := srv.peakRSS()
	if err := measureIngest(ctx, c, cl, shapes, &t, logf); err != nil {
		return err
	}
	rssEnd := srv.peakRSS()
	if err := srv.stop(); err != nil {
		logf("server: %v", err)
	}
	t.add(row{what: "peak server RSS (VmHWM) after the report shapes", result: mib(rssReports)})
	t.add(row{what: "peak server RSS (VmHWM) at the end", result: mib(rssEnd)})

	var out strings.Builder
	fmt.Fprintf(&out, "%d events in the file, %d caregivers, %d event types, shapes over %s..%s; %s; GOMAXPROCS %d, %s\n\n",
		shapes.events, len(shapes.caregivers), c.types, c.from, c.to, fileSize(c.db), runtime.GOMAXPROCS(0), time.Now().UTC().Format(time.DateOnly))
	t.write(&out)
	fmt.Fprint(stdout, out.String())
	if c.output != "" {
		return os.WriteFile(c.output, []byte(out.String()), 0o644)
	}
	return nil
}

func mib(b int64) string {
	if b <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
}

func fileSize(path string) string {
	var n int64
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(path + suffix); err == nil {
			n += fi.Size()
		}
	}
	return fmt.Sprintf("database %.2f GiB", float64(n)/(1<<30))
}
