package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reimburse/reimburse/internal/testsupport"
	"github.com/reimburse/reimburse/store/storetest"
)

// startTimeout bounds how long a test waits for the server to listen.
const startTimeout = 10 * time.Second

// envFrom returns a getenv that reads only m, so the host's REIMBURSE_*
// variables never leak into a test.
func envFrom(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// tempDB returns a new database of the dialect under test (not created
// yet): a SQLite file in a fresh temp dir, or under
// REIMBURSE_TEST_DIALECT=postgres a PostgreSQL schema of its own
// (storetest.DB). Tests about SQLite files use sqliteDB.
func tempDB(t testing.TB) string {
	t.Helper()
	return storetest.DB(t)
}

// sqliteDB returns the path of a SQLite database file in a fresh temp dir,
// whatever the dialect under test.
func sqliteDB(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "reimburse.db")
}

// newDB returns a database that migrate has created: the commands that
// only administer a database (token, verify) refuse a missing one.
func newDB(t testing.TB) string {
	t.Helper()
	db := tempDB(t)
	if _, _, err := runCmd(t, nil, "migrate", "--db", db); err != nil {
		t.Fatal(err)
	}
	return db
}

// server is one running instance of run.
type server struct {
	URL    string // http://HOST:PORT
	Token  string // the first-start ADMIN token, "" when none was printed
	Stdout *testsupport.SyncBuffer
	Stderr *testsupport.SyncBuffer
	stop   func() error
}

// Stop cancels the context and waits for run to return; run's error is
// returned. It is safe to call more than once.
func (s *server) Stop() error { return s.stop() }

var listeningRE = regexp.MustCompile(`msg=listening addr=(\S+)|"msg":"listening","addr":"([^"]+)"`)

// startServer runs "serve --addr 127.0.0.1:0 --db db" plus extra args and
// registers a cleanup that requires a graceful (nil) return.
func startServer(t testing.TB, db string, extra ...string) *server {
	t.Helper()
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db}, extra...)
	return startRun(t, args, nil)
}

// startRun runs run(args) in a goroutine with getenv reading env, waits
// (bounded) for the "listening" log line and returns the server. The
// cleanup stops it and fails the test unless run returned nil.
func startRun(t testing.TB, args []string, env map[string]string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &testsupport.SyncBuffer{}, &testsupport.SyncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, envFrom(env), stdout, stderr) }()

	var once sync.Once
	var runErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(startTimeout):
				t.Errorf("run did not return within %s of cancel", startTimeout)
				runErr = context.DeadlineExceeded
			}
		})
		return runErr
	}
	s := &server{Stdout: stdout, Stderr: stderr, stop: stop}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("run returned %v on shutdown, want nil (graceful)\nstderr:\n%s", err, stderr)
		}
	})

	deadline := time.Now().Add(startTimeout)
	for {
		if m := listeningRE.FindStringSubmatch(stderr.String()); m != nil {
			s.URL = "http://" + m[1] + m[2]
			break
		}
		select {
		case err := <-done:
			// run returned before listening: report it here, once.
			once.Do(cancel)
			t.Fatalf("run returned before listening: %v\nstderr:\n%s", err, stderr)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no listening line within %s\nstderr:\n%s", startTimeout, stderr)
		}
	}
	s.Token = firstToken(t, stdout.String())
	return s
}

// firstToken returns the token printed on the line after the first-start
// banner, or "" when there is no banner.
func firstToken(t testing.TB, out string) string {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if !strings.HasPrefix(sc.Text(), "Created the first ADMIN token") {
			continue
		}
		if !sc.Scan() {
			t.Fatalf("banner without a token line:\n%s", out)
		}
		tok := sc.Text()
		if !strings.HasPrefix(tok, "rbt_") || strings.TrimSpace(tok) != tok {
			t.Fatalf("token line %q: want the token alone, starting with rbt_", tok)
		}
		return tok
	}
	return ""
}

// runCmd runs a non-serving command to completion.
func runCmd(t testing.TB, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // a bound, not a timing assertion: seed runs here
	defer cancel()
	var o, e bytes.Buffer
	err = run(ctx, args, envFrom(env), &o, &e)
	return o.String(), e.String(), err
}

// gqlError is one entry of a GraphQL response's errors.
type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// gqlResponse is a decoded GraphQL response with its HTTP status.
type gqlResponse struct {
	Status int
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// code is the extensions.code of the first error, or "".
func (r *gqlResponse) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// post sends a GraphQL POST with token as bearer (none when "").
func post(t testing.TB, base, token, query string, vars map[string]any) *gqlResponse {
	t.Helper()
	return postJSON(t, base, token, map[string]any{"query": query, "variables": vars})
}

// postJSON sends payload, JSON-encoded, as a GraphQL POST with token as
// bearer (none when "").
func postJSON(t testing.TB, base, token string, payload map[string]any) *gqlResponse {
	t.Helper()
	body, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return do(t, req, token)
}

// get sends a GraphQL GET with the query in the URL.
func get(t testing.TB, base, token, query string) *gqlResponse {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/graphql?query="+url.QueryEscape(query), nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, req, token)
}

func do(t testing.TB, req *http.Request, token string) *gqlResponse {
	t.Helper()
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := &gqlResponse{Status: res.StatusCode}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("%s %s: status %d, body not JSON: %v\n%s", req.Method, req.URL.Path, res.StatusCode, err, raw)
	}
	return out
}

// mustData requires a 200 without errors and decodes data into v.
func (r *gqlResponse) mustData(t testing.TB, v any) {
	t.Helper()
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("status %d, errors %+v", r.Status, r.Errors)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decode data %s: %v", r.Data, err)
	}
}
