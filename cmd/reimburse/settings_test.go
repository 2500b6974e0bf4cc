package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/reimburse/reimburse/store/storetest"
)

// The refusals of a zone and a currency other than those recorded, word
// for word: the currency one says nothing about zones.
const (
	wantZoneRefusal = "store: the database was created with timezone Europe/Stockholm, but timezone UTC was given; " +
		"omit --timezone to use the recorded one, or give --timezone Europe/Stockholm (reports group events by months of the recorded zone)"
	wantCurrencyRefusal = "store: the database was created with currency EUR, but currency SEK was given; " +
		"omit --currency to use the recorded one, or give --currency EUR"
)

// settingsDB creates a database of the dialect under test with
// --timezone Europe/Stockholm --currency EUR and one token named victim;
// it returns the database and the token's id.
func settingsDB(t *testing.T) (db, id string) {
	t.Helper()
	db = storetest.DB(t)
	rec := []string{"--db", db, "--timezone", "Europe/Stockholm", "--currency", "EUR"}
	if _, _, err := runCmd(t, nil, append([]string{"migrate"}, rec...)...); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCmd(t, nil, append([]string{"token", "create", "--name", "victim"}, rec...)...); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCmd(t, nil, append([]string{"token", "list"}, rec...)...)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(out, "\n")[1:] {
		if f := strings.Fields(line); len(f) >= 2 && f[1] == "victim" {
			return db, f[0]
		}
	}
	t.Fatalf("no victim token in:\n%s", out)
	return "", ""
}

// settingsCommand is a command that opens an existing database: its
// arguments on the token id and a temp dir, and the stdout that shows it
// worked.
type settingsCommand struct {
	name, want string
	args       func(id, dir string) []string
	sqliteOnly bool // backup copies SQLite files only
}

// settingsArgs is a command's arguments that need neither.
func settingsArgs(args ...string) func(id, dir string) []string {
	return func(string, string) []string { return slices.Clone(args) }
}

var settingsCommands = []settingsCommand{
	{"TokenCreate", "rbt_", settingsArgs("token", "create", "--name", "ci"), false},
	{"TokenList", "victim", settingsArgs("token", "list"), false},
	{"TokenRevoke", " revoked", func(id, _ string) []string { return []string{"token", "revoke", id} }, false},
	{"Verify", "rollups match", settingsArgs("verify"), false},
	{"Backup", "backed up", func(_, dir string) []string { return []string{"backup", filepath.Join(dir, "copy.db")} }, true},
	{"Migrate", "migrations applied", settingsArgs("migrate"), false},
	{"Seed", "seeded 10 events", settingsArgs("seed", "--events", "10", "--caregivers", "2", "--types", "2", "--from", "2024-01-01", "--to", "2024-02-01", "--progress=false"), false},
	{"Serve", "", settingsArgs("serve", "--addr", "127.0.0.1:0"), false},
}

// TestSettingsRecorded checks that every command on an existing database
// takes the recorded zone and currency without being told, and refuses
// only an explicit other one, by flag or environment twin.
func TestSettingsRecorded(t *testing.T) {
	for _, tc := range settingsCommands {
		t.Run(tc.name, func(t *testing.T) {
			if tc.sqliteOnly {
				storetest.SkipPostgres(t, "backup copies SQLite files")
			}
			t.Run("OKRecorded", func(t *testing.T) {
				db, id := settingsDB(t)
				args := append(tc.args(id, t.TempDir()), "--db", db)
				if tc.name == "Serve" {
					srv := startRun(t, args, nil)
					if log := srv.Stderr.String(); !strings.Contains(log, "timezone=Europe/Stockholm currency=EUR") {
						t.Fatalf("serve did not take the recorded settings:\n%s", log)
					}
					return
				}
				out, errOut, err := runCmd(t, nil, args...)
				if err != nil {
					t.Fatalf("%v: %v\n%s", args, err, errOut)
				}
				if !strings.Contains(out, tc.want) {
					t.Fatalf("%v: stdout %q, want %q in it", args, out, tc.want)
				}
				// The recorded settings are unchanged: the same zone again is fine.
				if _, _, err := runCmd(t, nil, "migrate", "--db", db, "--timezone", "Europe/Stockholm", "--currency", "EUR"); err != nil {
					t.Fatalf("after %v: %v", args, err)
				}
			})
			for _, bad := range []struct {
				name string
				args []string
				env  map[string]string
				want string
			}{
				{"ErrZoneFlag", []string{"--timezone", "UTC"}, nil, wantZoneRefusal},
				{"ErrZoneEnv", nil, map[string]string{"REIMBURSE_TIMEZONE": "UTC"}, wantZoneRefusal},
				{"ErrCurrencyFlag", []string{"--currency", "SEK"}, nil, wantCurrencyRefusal},
				{"ErrCurrencyEnv", nil, map[string]string{"REIMBURSE_CURRENCY": "SEK"}, wantCurrencyRefusal},
			} {
				t.Run(bad.name, func(t *testing.T) {
					db, id := settingsDB(t)
					args := append(append(tc.args(id, t.TempDir()), "--db", db), bad.args...)
					out, _, err := runCmd(t, bad.env, args...)
					if err == nil || err.Error() != bad.want {
						t.Fatalf("%v %v: err = %v\nwant %s", args, bad.env, err, bad.want)
					}
					if strings.Contains(out, "rbt_") {
						t.Errorf("a refused command printed a token: %q", out)
					}
				})
			}
		})
	}
}

// TestSettingsMissingFile checks that the commands that only read or
// administer a database refuse a SQLite file that does not exist and
// create nothing.
func TestSettingsMissingFile(t *testing.T) {
	for _, args := range [][]string{
		{"verify"},
		{"token", "create"},
		{"token", "list"},
		{"token", "revoke", "1"},
		{"backup", "copy.db"},
		{"verify", "--timezone", "Europe/Stockholm"},
		{"backup", "copy.db", "--currency", "EUR"},
	} {
		t.Run(strings.Join(args, "_"), func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "typo.db")
			for i, a := range args {
				if a == "copy.db" {
					args[i] = filepath.Join(dir, a)
				}
			}
			out, _, err := runCmd(t, nil, append(args, "--db", db)...)
			want := "store: no such database file: " + db + " does not exist; check --db (serve, migrate and seed create a database, this command does not)"
			if err == nil || err.Error() != want {
				t.Fatalf("%v: err = %v\nwant %s", args, err, want)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			if ents, err := os.ReadDir(dir); err != nil || len(ents) != 0 {
				t.Fatalf("the refused command left files: %v, %v", ents, err)
			}
		})
	}
}

// TestSettingsMissingFileExit checks the exit status of the real binary.
func TestSettingsMissingFileExit(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "reimburse")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	db := filepath.Join(dir, "typo.db")
	out, err := exec.Command(bin, "verify", "--db", db).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("verify --db %s: %v, want exit status 1\n%s", db, err, out)
	}
	if !strings.Contains(string(out), "reimburse: store: no such database file: "+db) || strings.Contains(string(out), "rollups match") {
		t.Fatalf("output:\n%s", out)
	}
	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("verify created %s: %v", db, err)
	}
}
