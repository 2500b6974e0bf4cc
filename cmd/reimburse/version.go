package main

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// readBuildInfo is debug.ReadBuildInfo; tests replace it, because a test
// binary carries no VCS settings.
var readBuildInfo = debug.ReadBuildInfo

// version describes the binary from the build info Go embeds: the module
// version ("(devel)" for go run and go build inside a checkout, vX.Y.Z for
// go install of a tag), the VCS revision, its time and whether the work
// tree had uncommitted changes, and the Go version.
func version() string {
	bi, ok := readBuildInfo()
	if !ok {
		return "reimburse (no build info) " + runtime.Version()
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	parts := []string{"reimburse", v}
	set := map[string]string{}
	for _, s := range bi.Settings {
		set[s.Key] = s.Value
	}
	if rev := set["vcs.revision"]; rev != "" {
		if set["vcs.modified"] == "true" {
			rev += "+modified"
		}
		parts = append(parts, "revision "+rev)
	}
	if t := set["vcs.time"]; t != "" {
		parts = append(parts, "committed "+t)
	}
	goVersion := bi.GoVersion
	if goVersion == "" {
		goVersion = runtime.Version()
	}
	return strings.Join(append(parts, goVersion), " ")
}
