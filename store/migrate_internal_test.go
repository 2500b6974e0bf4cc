package store

import (
	"context"
	"database/sql"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/reimburse/reimburse/store/migrations"
	"github.com/reimburse/reimburse/store/storetest"
)

// withMigration returns the dialect's embedded migrations plus one more,
// name, holding body.
func withMigration(t *testing.T, postgres bool, name, body string) fs.FS {
	t.Helper()
	src, dir := fs.FS(migrations.SQLite), "sqlite"
	if postgres {
		src, dir = migrations.Postgres, "postgres"
	}
	out := fstest.MapFS{}
	entries, err := fs.ReadDir(src, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := fs.ReadFile(src, dir+"/"+e.Name())
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = &fstest.MapFile{Data: b}
	}
	out[name] = &fstest.MapFile{Data: []byte(body)}
	return out
}

// rawDB opens the database at path with no store around it.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	driver, dsn := "sqlite", "file:"+path
	if IsPostgres(path) {
		driver = "pgx"
		dsn = path
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestMigrationInterruptedRunsAgain: a migration that fails half-way (its
// first statement ran, its second failed) is not recorded as applied and
// leaves nothing of itself, so the next start runs it again, whole. bun's
// default records a migration before running it, so the broken one counted
// as applied and never ran again.
func TestMigrationInterruptedRunsAgain(t *testing.T) {
	ctx := context.Background()
	path := storetest.DB(t)
	pg := IsPostgres(path)
	const name = "29990101000001_probe.tx.up.sql"
	const create = "CREATE TABLE probe (id BIGINT NOT NULL)\n--bun:split\n"
	broken := withMigration(t, pg, name, create+"INSERT INTO no_such_table (id) VALUES (1)\n")
	fixed := withMigration(t, pg, name, create+"INSERT INTO probe (id) VALUES (1)\n")

	_, err := Open(ctx, Options{Path: path, migrations: broken})
	if err == nil || !strings.Contains(err.Error(), "29990101000001") {
		t.Fatalf("open with a failing migration: err = %v, want it to name the migration", err)
	}
	db := rawDB(t, path)
	var recorded, applied int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM bun_migrations WHERE name = '29990101000001'").Scan(&recorded); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM bun_migrations").Scan(&applied); err != nil {
		t.Fatal(err)
	}
	want := len(must(fs.Glob(broken, "*.up.sql"))) - 1
	if recorded != 0 || applied != want {
		t.Fatalf("after the failure: the broken migration recorded %d times, %d migrations recorded; want 0 and %d", recorded, applied, want)
	}
	if _, err := db.ExecContext(ctx, "SELECT id FROM probe"); err == nil {
		t.Fatal("the failed migration's first statement was kept")
	}

	s, err := Open(ctx, Options{Path: path, migrations: fixed})
	if err != nil {
		t.Fatalf("open after fixing the migration: %v", err)
	}
	defer s.Close()
	var probes int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM probe").Scan(&probes); err != nil {
		t.Fatalf("the migration did not run again: %v", err)
	}
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM bun_migrations WHERE name = '29990101000001'").Scan(&recorded); err != nil {
		t.Fatal(err)
	}
	if probes != 1 || recorded != 1 {
		t.Fatalf("after the second start: %d probe rows, migration recorded %d times; want 1 and 1", probes, recorded)
	}
	if err := s.Ready(ctx); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM bun_migrations").Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if applied != want+1 {
		t.Fatalf("%d migration records, want one per migration (%d)", applied, want+1)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
