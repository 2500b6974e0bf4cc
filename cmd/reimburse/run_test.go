package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRecordedSettings checks that a database remembers the time zone and
// currency it was created with and refuses a server started with others
// (TestSettingsRecorded covers every command).
func TestRecordedSettings(t *testing.T) {
	tests := []struct {
		name         string
		create, open []string
		want         []string // all in the error
	}{
		{"ErrTimeZone", []string{"--timezone", "Europe/Stockholm"}, []string{"--timezone", "UTC"},
			[]string{"Europe/Stockholm", "UTC", "--timezone"}},
		{"ErrCurrency", []string{"--currency", "EUR"}, []string{"--currency", "SEK"},
			[]string{"EUR", "SEK", "--currency"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := tempDB(t)
			if err := startServer(t, db, tt.create...).Stop(); err != nil {
				t.Fatal(err)
			}
			args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db}, tt.open...)
			out, _, err := runCmd(t, nil, args...)
			if err == nil {
				t.Fatalf("serve %v on a database created with %v started", tt.open, tt.create)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
			if strings.Contains(out, "rbt_") {
				t.Errorf("a refused start printed a token: %q", out)
			}
			// The same settings again: it starts.
			startServer(t, db, tt.create...)
		})
	}
}

func TestRunErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // in the error
	}{
		{"ErrUnknownCommand", []string{"frobnicate"}, "frobnicate"},
		{"ErrTimeZoneBogus", []string{"serve", "--addr", "127.0.0.1:0", "--timezone", "Nowhere/Bogus"}, "Nowhere/Bogus"},
		{"ErrTimeZoneBogusMigrate", []string{"migrate", "--timezone", "Nowhere/Bogus"}, "--timezone"},
		{"ErrCurrencyLower", []string{"serve", "--addr", "127.0.0.1:0", "--currency", "sek"}, "--currency"},
		{"ErrCurrencyLong", []string{"migrate", "--currency", "SEKK"}, "--currency"},
		{"ErrLogFormat", []string{"serve", "--addr", "127.0.0.1:0", "--log-format", "xml"}, "--log-format"},
		{"ErrUnknownFlag", []string{"serve", "--nope"}, "nope"},
		{"ErrAddrInUse", nil, ""}, // filled in below
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := tempDB(t)
			args := append(append([]string{}, tt.args...), "--db", db)
			if tt.name == "ErrAddrInUse" {
				srv := startServer(t, tempDB(t))
				args = []string{"serve", "--db", db, "--addr", strings.TrimPrefix(srv.URL, "http://")}
			}
			out, errOut, err := runCmd(t, nil, args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("run %v: err = %v, want one containing %q", args, err, tt.want)
			}
			if strings.Contains(out, "rbt_") {
				t.Errorf("a failed run printed a token: %q", out)
			}
			if tt.name == "ErrUnknownCommand" && !strings.Contains(errOut, "usage:") {
				t.Errorf("unknown command: no usage on stderr: %q", errOut)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	// "-h" and "--help": see TestBugHelpFlag.
	for _, arg := range []string{"help"} {
		out, _, err := runCmd(t, nil, arg)
		if err != nil || !strings.Contains(out, "usage:") {
			t.Errorf("%s: %q, %v; want usage on stdout", arg, out, err)
		}
	}
}

func TestMigrate(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "sub-less.db")
		out, _, err := runCmd(t, nil, "migrate", "--db", db)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, db) {
			t.Errorf("migrate stdout = %q, want it to name %s", out, db)
		}
		if fi, err := os.Stat(db); err != nil || fi.Size() == 0 {
			t.Fatalf("migrate did not create %s: %v", db, err)
		}
		// Twice is fine, and a server then starts on it with a first token.
		if _, _, err := runCmd(t, nil, "migrate", "--db", db); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		if srv := startServer(t, db); srv.Token == "" {
			t.Error("serve after migrate printed no first-start token")
		}
	})

	t.Run("ErrRecordedZone", func(t *testing.T) {
		db := tempDB(t)
		if _, _, err := runCmd(t, nil, "migrate", "--db", db, "--timezone", "Asia/Tokyo"); err != nil {
			t.Fatal(err)
		}
		// Without --timezone the recorded zone applies.
		if _, _, err := runCmd(t, nil, "migrate", "--db", db); err != nil {
			t.Fatalf("migrate without --timezone: %v", err)
		}
		_, _, err := runCmd(t, nil, "migrate", "--db", db, "--timezone", "UTC")
		if err == nil || !strings.Contains(err.Error(), "Asia/Tokyo") {
			t.Fatalf("migrate with another zone: err = %v, want one naming Asia/Tokyo", err)
		}
	})

	t.Run("ErrNoSuchDir", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "missing", "x.db")
		if _, _, err := runCmd(t, nil, "migrate", "--db", db); err == nil {
			t.Fatal("migrate into a missing directory succeeded")
		}
		if _, err := os.Stat(filepath.Dir(db)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("migrate created %s: %v", filepath.Dir(db), err)
		}
	})
}
