package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// binary builds the reimburse binary into a temp dir (or takes --binary)
// and returns its path and a cleanup.
func binary(ctx context.Context, c config, logf func(string, ...any)) (string, func(), error) {
	if c.binary != "" {
		return c.binary, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "reimburse-bench-bin-")
	if err != nil {
		return "", nil, err
	}
	bin := filepath.Join(dir, "reimburse")
	args := []string{"build", "-o", bin}
	if c.tags != "" {
		args = append(args, "-tags", c.tags)
	}
	args = append(args, "github.com/reimburse/reimburse/cmd/reimburse")
	logf("go %s", strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("build: %w", err)
	}
	return bin, func() { os.RemoveAll(dir) }, nil
}

// command runs the binary and returns its stdout.
func command(ctx context.Context, bin string, args ...string) (string, error) {
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = cleanEnv()
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("reimburse %s: %w\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String(), nil
}

// cleanEnv drops the host's REIMBURSE_* variables, so that only the flags
// the bench passes configure the binary.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "REIMBURSE_") {
			env = append(env, kv)
		}
	}
	return env
}

var (
	rateRE    = regexp.MustCompile(`seeded (\d+) events.* in (\S+) \((\d+) events/s\)`)
	indexesRE = regexp.MustCompile(`indexes built in (\S+)`)
)

// seedOrReuse seeds c.db with the binary's seed command, unless --reuse
// finds it, and adds the seed row.
func seedOrReuse(ctx context.Context, c config, bin string, t *table, logf func(string, ...any)) error {
	if _, err := os.Stat(c.db); err == nil && c.reuse {
		logf("reusing %s", c.db)
		t.add(row{what: "seed (reused an existing file)", result: "not measured"})
		return nil
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(c.db + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	logf("seeding %d events into %s", c.events, c.db)
	start := time.Now()
	out, err := command(ctx, bin, "seed", "--db", c.db, "--events", strconv.Itoa(c.events),
		"--caregivers", strconv.Itoa(c.caregivers), "--types", strconv.Itoa(c.types),
		"--from", c.from, "--to", c.to, "--seed", strconv.FormatUint(c.seed, 10),
		"--reimbursed", strconv.FormatFloat(c.reimbursed, 'f', -1, 64), "--progress=false")
	if err != nil {
		return err
	}
	wall := time.Since(start)
	m := rateRE.FindStringSubmatch(out)
	if m == nil {
		return fmt.Errorf("seed printed no rate: %q", out)
	}
	rate, _ := strconv.Atoi(m[3])
	indexes := ""
	if m := indexesRE.FindStringSubmatch(out); m != nil {
		indexes = ", of which index builds " + m[1]
	}
	t.add(row{what: "seed (`reimburse seed`, bulk path)", n: 1, result: fmt.Sprintf("%s events/s (%s for %s events%s; %s with process start)",
		thousands(rate), m[2], thousands(c.events), indexes, wall.Round(time.Millisecond))})
	return nil
}

// server is a running reimburse serve process.
type server struct {
	url  string
	log  string // the server's log file, removed after a clean stop
	cmd  *exec.Cmd
	done chan error
	once sync.Once
	err  error
}

var listeningRE = regexp.MustCompile(`"msg":"listening","addr":"([^"]+)"`)

// startServer runs "serve" on 127.0.0.1 port 0 with JSON logs to a file,
// and waits (bounded) for its listening line.
func startServer(ctx context.Context, bin, db string, logf func(string, ...any)) (*server, error) {
	logFile, err := os.CreateTemp("", "reimburse-bench-server-*.log")
	if err != nil {
		return nil, err
	}
	// One token drives every client and the whole-period shape is large on
	// purpose: no rate limit, and the cost bounds and deadline lifted, so
	// the bench measures work, not refusals.
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", db, "--log-format", "json",
		"--rate-limit", "0", "--max-report-cells", "1000000000", "--max-fast-report-cells", "1000000000", "--request-timeout", "10m")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = cleanEnv()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	s := &server{cmd: cmd, log: logFile.Name(), done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait(); logFile.Close() }()
	deadline := time.Now().Add(30 * time.Second)
	for s.url == "" {
		b, _ := os.ReadFile(logFile.Name())
		if m := listeningRE.FindSubmatch(b); m != nil {
			s.url = "http://" + string(m[1])
			break
		}
		select {
		case err := <-s.done:
			return nil, fmt.Errorf("server exited before listening: %v\n%s", err, b)
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("server did not listen within 30s; log %s", logFile.Name())
		}
	}
	logf("server pid %d at %s (log %s)", cmd.Process.Pid, s.url, logFile.Name())
	return s, nil
}

// peakRSS returns the server's VmHWM in bytes, or 0.
func (s *server) peakRSS() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// stop sends SIGINT and waits for a graceful exit, killing the server after
// 30 s. It is safe to call more than once.
func (s *server) stop() error {
	s.once.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGINT)
		select {
		case s.err = <-s.done:
		case <-time.After(30 * time.Second):
			_ = s.cmd.Process.Kill()
			s.err = fmt.Errorf("killed after 30 s: %v", <-s.done)
		}
		if s.err == nil {
			os.Remove(s.log)
		}
	})
	return s.err
}

// thousands formats n with comma separators.
func thousands(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
