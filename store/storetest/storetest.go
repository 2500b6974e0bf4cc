// Package storetest gives tests a fresh database of the dialect under test:
// a SQLite file in a temp dir, or a PostgreSQL schema of its own.
//
// The store and graph test suites open every store through DB, so the whole
// suites run on PostgreSQL when REIMBURSE_TEST_DIALECT=postgres (CI runs
// them a second time so). Tests that must touch PostgreSQL whatever the
// dialect under test use PostgresURL, which skips without a server.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// URLEnv names the variable holding the URL of a PostgreSQL server (and
// database) the tests may create schemas in, e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const URLEnv = "REIMBURSE_TEST_POSTGRES_URL"

// DialectEnv names the variable that selects the dialect DB opens:
// "postgres" or "sqlite" (the default).
const DialectEnv = "REIMBURSE_TEST_DIALECT"

// Postgres reports whether DB opens PostgreSQL databases.
func Postgres() bool { return os.Getenv(DialectEnv) == "postgres" }

// DB returns the database (a store.Options.Path) of one test in the dialect
// under test: a new SQLite file in tb.TempDir(), or a PostgreSQL URL whose
// search_path is a new schema, dropped when the test ends. Under
// REIMBURSE_TEST_DIALECT=postgres a missing REIMBURSE_TEST_POSTGRES_URL
// fails the test rather than skipping it, so a misconfigured CI run cannot
// pass by testing nothing.
func DB(tb testing.TB) string {
	tb.Helper()
	switch d := os.Getenv(DialectEnv); d {
	case "", "sqlite":
		return filepath.Join(tb.TempDir(), "test.db")
	case "postgres":
		if os.Getenv(URLEnv) == "" {
			tb.Fatalf("%s=postgres needs %s", DialectEnv, URLEnv)
		}
		return PostgresURL(tb)
	default:
		tb.Fatalf("%s=%q: want sqlite or postgres", DialectEnv, d)
		return ""
	}
}

// SkipPostgres skips a test about SQLite itself (its files, pragmas, WAL)
// when the dialect under test is PostgreSQL.
func SkipPostgres(tb testing.TB, why string) {
	tb.Helper()
	if Postgres() {
		tb.Skipf("SQLite only: %s", why)
	}
}

// PostgresURL creates a schema test_<random> on the server named by
// REIMBURSE_TEST_POSTGRES_URL and returns a URL whose connections use it
// (search_path); the schema is dropped with everything in it when the test
// ends. Without the variable the test is skipped.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(URLEnv)
	if base == "" {
		tb.Skipf("PostgreSQL: set %s (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run this test", URLEnv)
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatal(err)
	}
	schema := "test_" + hex.EncodeToString(b[:])
	if err := exec(base, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema on %s: %v", URLEnv, err)
	}
	// Registered before the test opens its store, so it runs after the
	// store's own cleanup has closed it.
	tb.Cleanup(func() {
		if err := exec(base, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("%s: %v", URLEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema) // pgx sends unknown parameters as session settings
	// Commits need not wait for the WAL flush: a test database need not
	// survive a crash of its server, and the suites run faster. A URL that
	// sets it (benchmarks: synchronous_commit=on) wins.
	if !q.Has("synchronous_commit") {
		q.Set("synchronous_commit", "off")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// exec runs one statement on a connection of its own, so that a test holds
// no connection beyond its store's.
func exec(dsn, stmt string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(context.Background(), stmt)
	return err
}
