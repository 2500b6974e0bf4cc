package main

import (
	"os"
	"strings"
	"testing"
)

// Regression tests for bugs found in review; each comment names the bug the
// test would catch again.

// TestBugHelpFlag: run's case "-h", "--help" is unreachable, because an
// argument that starts with "-" is never taken as the command. "reimburse -h"
// parses as "serve -h" and returns flag.ErrHelp, so main prints serve's
// flags, then "reimburse: flag: help requested", and exits 1.
func TestBugHelpFlag(t *testing.T) {
	for _, arg := range []string{"-h", "--help"} {
		out, _, err := runCmd(t, nil, arg)
		if err != nil || !strings.Contains(out, "usage:") {
			t.Errorf("%s: %q, %v; want usage on stdout and nil", arg, out, err)
		}
	}
}

// TestBugTokenArgsCheckedAfterOpen: tokenCmd opens (creates and migrates) the
// database before it checks the subcommand and the revoke id. Go's flag
// package stops at the first positional argument, so the natural
// "token revoke 3 --db FILE" ignores --db, creates ./reimburse.db in the
// working directory, and only then fails with "expected one token id".
func TestBugTokenArgsCheckedAfterOpen(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, args := range [][]string{
		{"token", "revoke", "1", "--db", tempDB(t)},
		{"token", "frobnicate"},
		{"token", "revoke"},
	} {
		if _, _, err := runCmd(t, nil, args...); err == nil {
			t.Errorf("%v: want an error", args)
		}
		if _, err := os.Stat("reimburse.db"); err == nil {
			t.Fatalf("%v created ./reimburse.db", args)
		}
	}
}

// TestBugTokenCaregiverOnAdmin: "token create --role ADMIN --caregiver 999"
// succeeds and stores an ADMIN token bound to a caregiver that does not
// exist (model.NewToken.Normalize ignores CaregiverID unless the role is
// CAREGIVER, and tokens.caregiver_id has no foreign key).
func TestBugTokenCaregiverOnAdmin(t *testing.T) {
	out, _, err := runCmd(t, nil, "token", "create", "--db", newDB(t), "--role", "ADMIN", "--caregiver", "999")
	if err == nil {
		t.Fatalf("token create --role ADMIN --caregiver 999 succeeded: %q", out)
	}
}

// TestBugTokenNameControlChars: a token name may hold tabs and newlines, which
// break the columns of "token list" (a name "a\tb" shifts every later column;
// a newline forges a row).
func TestBugTokenNameControlChars(t *testing.T) {
	db := tempDB(t)
	for _, name := range []string{"a\tb", "a\nb"} {
		if out, _, err := runCmd(t, nil, "token", "create", "--db", db, "--name", name); err == nil {
			t.Errorf("--name %q accepted: %q", name, out)
		}
	}
}

// TestBugListenAfterFirstToken: serve creates and prints the first ADMIN token
// before it binds the address, so a first start that fails to listen (port
// in use, bad --addr) spends the one-time token inside a failed run's
// output; no later start prints it again.
func TestBugListenAfterFirstToken(t *testing.T) {
	db := tempDB(t)
	out, _, err := runCmd(t, nil, "serve", "--db", db, "--addr", "not-an-address")
	if err == nil {
		t.Fatal("serve --addr not-an-address started")
	}
	if strings.Contains(out, "rbt_") {
		t.Errorf("a failed start printed the first token: %q", out)
	}
	if srv := startServer(t, db); srv.Token == "" {
		t.Error("the next (good) start printed no first token")
	}
}

// TestBugServeStrayArgs: serve ignores positional arguments, so
// "reimburse serve 8080" or "reimburse serve --db a.db b.db" start silently
// with settings the user did not mean.
func TestBugServeStrayArgs(t *testing.T) {
	_, _, err := runCmd(t, nil, "serve", "--addr", "127.0.0.1:0", "--db", tempDB(t), "8080")
	if err == nil {
		t.Fatal("serve with a stray argument: want an error")
	}
}

// TestBugPlaygroundNeedsInternet: DESIGN.md says the playground at / must
// work with no internet, its assets embedded in the binary; serve.go uses
// gqlgen's playground.Handler, whose page loads React and GraphiQL from
// cdn.jsdelivr.net.
func TestBugPlaygroundNeedsInternet(t *testing.T) {
	srv := startServer(t, tempDB(t))
	_, _, body := httpGet(t, srv.URL+"/")
	for _, ext := range []string{`src="http`, `href="http`, `src="//`, `href="//`} {
		if strings.Contains(body, ext) {
			t.Errorf("the playground page loads an external asset (%s...)", ext)
		}
	}
}
