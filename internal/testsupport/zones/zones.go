// Package zones lists the IANA zones of Go's tzdata for the property tests
// of model and store. It is for tests only: non-test code must not import
// it, and it imports nothing of this module.
package zones

import (
	"archive/zip"
	"errors"
	"io/fs"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TZData lists the zone names of Go's tzdata: the zoneinfo.zip that ships
// in GOROOT (time/tzdata embeds the same zones but no list of them). It
// skips tb with a message where the file is absent.
func TZData(tb testing.TB) []string {
	tb.Helper()
	path := filepath.Join(runtime.GOROOT(), "lib", "time", "zoneinfo.zip")
	r, err := zip.OpenReader(path)
	if errors.Is(err, fs.ErrNotExist) {
		tb.Skipf("no zone list: %s is absent (GOROOT %q)", path, runtime.GOROOT())
	}
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	var names []string
	for _, f := range r.File {
		if !strings.HasSuffix(f.Name, "/") {
			names = append(names, f.Name)
		}
	}
	if len(names) < 300 {
		tb.Fatalf("%s lists only %d zones", path, len(names))
	}
	return names
}
