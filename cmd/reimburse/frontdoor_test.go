package main

import (
	"errors"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

// TestHelpFlags: "COMMAND -h" and "--help" print the usage and succeed,
// without the "flag: help requested" error (exit 1) of flag.ErrHelp.
func TestHelpFlags(t *testing.T) {
	for _, cmd := range [][]string{
		{"serve"}, {"migrate"}, {"seed"}, {"verify"}, {"backup"},
		{"token", "create"}, {"token", "list"}, {"token", "revoke"}, {"token"},
	} {
		for _, h := range []string{"-h", "--help"} {
			args := append(append([]string{}, cmd...), h)
			out, errOut, err := runCmd(t, nil, args...)
			if err != nil {
				t.Errorf("%v: err = %v, want nil", args, err)
			}
			if !strings.Contains(errOut, "sage") || out != "" {
				t.Errorf("%v: stdout %q, stderr %q; want the usage on stderr", args, out, errOut)
			}
		}
	}
}

// TestVersion: --version prints the module version and the VCS settings
// of the build info (a test binary has none, so they are injected).
func TestVersion(t *testing.T) {
	defer func(f func() (*debug.BuildInfo, bool)) { readBuildInfo = f }(readBuildInfo)
	readBuildInfo = func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{GoVersion: "go1.99.1", Main: debug.Module{Path: "github.com/reimburse/reimburse", Version: "v1.2.3"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.modified", Value: "true"}, {Key: "vcs.time", Value: "2026-12-01T20:00:00Z"}}}, true
	}
	for _, arg := range []string{"--version", "-version"} {
		out, _, err := runCmd(t, nil, arg)
		if want := "reimburse v1.2.3 revision 0123abcd+modified committed 2026-12-01T20:00:00Z go1.99.1\n"; err != nil || out != want {
			t.Errorf("%s: %q, %v; want %q", arg, out, err, want)
		}
	}
	// go run: "(devel)" and no VCS settings.
	readBuildInfo = func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, true
	}
	if out, _, err := runCmd(t, nil, "--version"); err != nil || out != "reimburse (devel) "+runtime.Version()+"\n" {
		t.Errorf("devel: %q, %v", out, err)
	}
	if _, _, err := runCmd(t, nil, "--version", "extra"); err == nil {
		t.Error("--version extra: want an error")
	}
}

// TestListeningURLs: the start-up log line names the playground and GraphQL
// URLs a browser or client on this host can open; without the playground
// only the API's.
func TestListeningURLs(t *testing.T) {
	srv := startServer(t, tempDB(t))
	line := listeningLine(t, srv.Stderr.String())
	if want := " playground=" + srv.URL + "/ graphql=" + srv.URL + "/graphql\n"; !strings.HasSuffix(line, want) {
		t.Errorf("listening line %q does not end %q", line, want)
	}
	srv = startServer(t, tempDB(t), "--playground=false")
	line = listeningLine(t, srv.Stderr.String())
	if !strings.HasSuffix(line, " graphql="+srv.URL+"/graphql\n") || strings.Contains(line, "playground=") {
		t.Errorf("--playground=false: listening line %q", line)
	}
	for addr, want := range map[string]string{"[::]:8080": "http://localhost:8080", "0.0.0.0:80": "http://localhost:80",
		"127.0.0.1:8080": "http://127.0.0.1:8080", "[::1]:9": "http://[::1]:9"} {
		if got := baseURL(&net.TCPAddr{IP: net.ParseIP(strings.Trim(addr[:strings.LastIndex(addr, ":")], "[]")), Port: port(t, addr)}); got != want {
			t.Errorf("baseURL(%s) = %s, want %s", addr, got, want)
		}
	}
}

func port(t *testing.T, addr string) int {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// listeningLine returns the "listening" line of a text log.
func listeningLine(t *testing.T, log string) string {
	t.Helper()
	for _, l := range strings.SplitAfter(log, "\n") {
		if strings.Contains(l, "msg=listening ") {
			return l
		}
	}
	t.Fatalf("no listening line in %q", log)
	return ""
}

// TestServePortCheckedFirst: serve on an address in use fails before it
// opens the database, so a new database file is not created.
func TestServePortCheckedFirst(t *testing.T) {
	srv := startServer(t, tempDB(t))
	db := sqliteDB(t)
	out, _, err := runCmd(t, nil, "serve", "--db", db, "--addr", strings.TrimPrefix(srv.URL, "http://"))
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("serve on an address in use: err = %v", err)
	}
	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a run that could not listen created %s (stat: %v)", db, err)
	}
	if strings.Contains(out, "rbt_") {
		t.Errorf("a run that could not listen printed a token: %q", out)
	}
}
