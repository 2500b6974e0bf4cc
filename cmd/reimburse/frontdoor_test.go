package main

import (
	"runtime"
	"runtime/debug"
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
