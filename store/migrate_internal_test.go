package store

import (
	"context"
	"database/sql"
	"io/fs"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store/migrations"
	"github.com/reimburse/reimburse/store/storetest"
	"github.com/uptrace/bun"
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

// firstMigrations returns the dialect's embedded migrations up to and
// including the one named last.
func firstMigrations(t *testing.T, postgres bool, last string) fs.FS {
	t.Helper()
	all := withMigration(t, postgres, "x", "").(fstest.MapFS)
	delete(all, "x")
	for name := range all {
		if name > last {
			delete(all, name)
		}
	}
	return all
}

// TestMigrationsKeepData: the migrations that rebuild tables on SQLite
// (per-caregiver idempotency keys, integer-only rollups) keep every event,
// rollup and index of a database made before them; after them a key is
// per caregiver. On SQLite a bulk load interrupted before them, whose
// dropped indexes the next start builds, still starts.
func TestMigrationsKeepData(t *testing.T) {
	ctx := context.Background()
	t.Run("KeepsData", func(t *testing.T) {
		path := storetest.DB(t)
		old := firstMigrations(t, IsPostgres(path), "20260301000001_caregiver_rollups.tx.up.sql")
		s, _, cg, et := internalFixture(t, Options{Path: path, migrations: old})
		by, err := s.Authenticate(ctx, mustAdminSecret(t, s))
		if err != nil {
			t.Fatal(err)
		}
		other, err := s.CreateCaregiver(ctx, model.NewCaregiver{Name: "Bo"})
		if err != nil {
			t.Fatal(err)
		}
		key := "k1"
		at := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
		if _, err := s.RegisterEvents(ctx, *by, []model.NewEvent{
			{EventTypeID: et.ID, CaregiverID: cg.ID, OccurredAt: at, IdempotencyKey: &key},
			{EventTypeID: et.ID, CaregiverID: other.ID, OccurredAt: at.AddDate(0, 1, 0)},
		}); err != nil {
			t.Fatal(err)
		}
		// Under the old index Bo cannot use Anna's key.
		_, err = s.RegisterEvents(ctx, *by, []model.NewEvent{{EventTypeID: et.ID, CaregiverID: other.ID, OccurredAt: at, IdempotencyKey: &key}})
		if model.ErrorCode(err) != model.EConflict {
			t.Fatalf("before the migration, Bo's use of Anna's key: %v, want CONFLICT", err)
		}
		evs, _, err := s.FindEvents(ctx, model.EventFilter{}, model.PageArgs{First: 10})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := s.Report(ctx, model.ReportQuery{ByEventType: true})
		if err != nil {
			t.Fatal(err)
		}
		s.Close()

		s, err = Open(ctx, Options{Path: path})
		if err != nil {
			t.Fatalf("open with every migration: %v", err)
		}
		defer s.Close()
		after, _, err := s.FindEvents(ctx, model.EventFilter{}, model.PageArgs{First: 10})
		if err != nil || !reflect.DeepEqual(after, evs) {
			t.Fatalf("events after the migrations\n%+v (%v)\nwant\n%+v", after, err, evs)
		}
		if got, err := s.Report(ctx, model.ReportQuery{ByEventType: true}); err != nil || !reflect.DeepEqual(got, rep) {
			t.Fatalf("report after the migrations %+v (%v), want %+v", got, err, rep)
		}
		if diffs, err := s.VerifyRollups(ctx); err != nil || len(diffs) > 0 {
			t.Fatalf("rollups: %v %v", diffs, err)
		}
		if !IsPostgres(path) {
			var idx []string
			if err := s.w.NewRaw("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN (?) ORDER BY name",
				bun.In(bulkIndexTables)).Scan(ctx, &idx); err != nil {
				t.Fatal(err)
			}
			want := []string{"events_caregiver_key", "events_caregiver_occurred_at", "events_occurred_at", "events_pending", "events_reimbursement",
				"month_caregiver_rollups_caregiver", "month_rollups_caregiver",
				"sqlite_autoindex_month_caregiver_rollups_1", "sqlite_autoindex_month_rollups_1"}
			if !reflect.DeepEqual(idx, want) {
				t.Fatalf("indexes %v, want %v", idx, want)
			}
		}
		bo, err := s.RegisterEvents(ctx, *by, []model.NewEvent{{EventTypeID: et.ID, CaregiverID: other.ID, OccurredAt: at, IdempotencyKey: &key}})
		if err != nil || bo[0].ID == evs[0].ID || bo[0].CaregiverID != other.ID {
			t.Fatalf("after the migration, Bo's use of Anna's key: %+v, %v; want his own event", bo, err)
		}
	})
	t.Run("InterruptedBulkLoad", func(t *testing.T) {
		storetest.SkipPostgres(t, "bulk loads drop indexes on SQLite only")
		path := storetest.DB(t)
		old := firstMigrations(t, false, "20260301000001_caregiver_rollups.tx.up.sql")
		s, _, _, _ := internalFixture(t, Options{Path: path, migrations: old})
		if _, err := s.NewBulkLoader(ctx, model.Principal{TokenID: 1, Role: model.RoleAdmin}, BulkOptions{RebuildIndexes: true}); err != nil {
			t.Fatal(err)
		}
		s.Close() // without the loader's Close: its indexes are still to build
		s, err := Open(ctx, Options{Path: path})
		if err != nil {
			t.Fatalf("open after an interrupted bulk load: %v", err)
		}
		defer s.Close()
		// A bulk load keeps the unique index of the keys, which the
		// migration made a named one.
		if _, err := s.NewBulkLoader(ctx, model.Principal{TokenID: 1, Role: model.RoleAdmin}, BulkOptions{RebuildIndexes: true}); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := s.w.NewRaw("SELECT COUNT(*) FROM sqlite_master WHERE name = 'events_caregiver_key'").Scan(ctx, &n); err != nil || n != 1 {
			t.Fatalf("during a bulk load the key index is there %d times (%v), want 1", n, err)
		}
	})
}

// mustAdminSecret makes another ADMIN token and returns its secret.
func mustAdminSecret(t *testing.T, s *Store) string {
	t.Helper()
	secret, _, err := s.CreateToken(context.Background(), model.NewToken{Role: model.RoleAdmin, Name: "migrations"})
	if err != nil {
		t.Fatal(err)
	}
	return secret
}
