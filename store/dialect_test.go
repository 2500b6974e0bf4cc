package store_test

import (
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
	"github.com/reimburse/reimburse/store/migrations"
	"github.com/reimburse/reimburse/store/storetest"
)

// eachDialect runs fn as one subtest per dialect: "sqlite" on a file in a
// temp dir, and "postgres" on a schema of its own when
// REIMBURSE_TEST_POSTGRES_URL is set (skipped with a message otherwise).
// Under REIMBURSE_TEST_DIALECT=postgres, the run that repeats the suite on
// PostgreSQL, only the PostgreSQL subtest runs: the default run did SQLite.
func eachDialect(t *testing.T, fn func(t *testing.T, path string)) {
	t.Helper()
	if !storetest.Postgres() {
		t.Run("sqlite", func(t *testing.T) { fn(t, filepath.Join(t.TempDir(), "test.db")) })
	}
	t.Run("postgres", func(t *testing.T) { fn(t, storetest.PostgresURL(t)) })
}

// TestPostgres proves the PostgreSQL path in every run of the default suite
// that has a server: the dialect, the recorded zone and currency, a write
// of each kind, the report and verify.
func TestPostgres(t *testing.T) {
	url := storetest.PostgresURL(t)
	ctx := t.Context()
	stockholm := mustZone(t, "Europe/Stockholm")
	f := newFixture(t, withPath(url), withZone(stockholm), withCurrency("EUR"))
	if got := f.s.Dialect(); got != "postgres" {
		t.Fatalf("dialect %q", got)
	}
	// 2024-05-31 23:30 UTC is June in Stockholm: the month is computed in
	// Go in the recorded zone.
	evs := mustRegister(t, f.s,
		model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: utc(2024, 5, 31, 23, 30), IdempotencyKey: ptr("a")},
		model.NewEvent{EventTypeID: f.et2.ID, CaregiverID: f.cg2.ID, OccurredAt: utc(2024, 5, 2, 8, 0)},
		model.NewEvent{EventTypeID: f.et2.ID, CaregiverID: f.cg2.ID, OccurredAt: utc(2024, 5, 3, 8, 0)})
	if evs[0].Month != 202406 || evs[1].Month != 202405 || evs[0].ID == evs[1].ID {
		t.Fatalf("events %+v", evs)
	}
	again := mustRegister(t, f.s, model.NewEvent{EventTypeID: f.et1.ID, CaregiverID: f.cg1.ID, OccurredAt: utc(2024, 5, 31, 23, 30), IdempotencyKey: ptr("a")})
	if again[0].ID != evs[0].ID {
		t.Fatalf("idempotent replay got event %d, want %d", again[0].ID, evs[0].ID)
	}
	if _, err := f.s.VoidEvent(ctx, admin, evs[2].ID, "twice"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.ReimbursePending(ctx, admin, nil, 202405); err != nil {
		t.Fatal(err)
	}
	rep, err := f.s.Report(ctx, model.ReportQuery{ByEventType: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.TimeZone != "Europe/Stockholm" || rep.Currency != "EUR" || rep.Totals.EventCount != 2 ||
		rep.Totals.Reimbursed != 25050 || rep.Totals.Pending != 100000 {
		t.Fatalf("report %s", strings.Join(reportLines(rep), "\n"))
	}
	naive, err := f.s.ReportNaive(ctx, model.ReportQuery{ByEventType: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(reportLines(rep), reportLines(naive)) {
		t.Fatal(reportDiff(rep, naive))
	}
	if diffs, err := f.s.VerifyRollups(ctx); err != nil || len(diffs) > 0 {
		t.Fatalf("verify: %v %v", diffs, err)
	}
	if err := f.s.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	f.s.Close()
	if _, err := openAt(t, url, withZone(mustZone(t, "UTC")), withCurrency("EUR")); err == nil || !strings.Contains(err.Error(), "Europe/Stockholm") {
		t.Fatalf("reopen in another zone: %v, want a refusal naming Europe/Stockholm", err)
	}
	s, err := openAt(t, url, withZone(stockholm), withCurrency("EUR"))
	if err != nil {
		t.Fatal(err)
	}
	if n := countEvents(t, s); n != 3 {
		t.Fatalf("%d events after reopening, want 3", n)
	}
}

// TestPostgresOpenTogether starts several stores on one empty database at
// once, as servers behind a load balancer do: the advisory lock lets one
// migrate while the others wait, and all of them open.
func TestPostgresOpenTogether(t *testing.T) {
	url := storetest.PostgresURL(t)
	errs := make([]error, 6)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = openAt(t, url)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestPostgresSynchronous: durability on PostgreSQL is the server's
// synchronous_commit, which Synchronous reports; SQLite's NORMAL is
// refused rather than silently ignored.
func TestPostgresSynchronous(t *testing.T) {
	url := storetest.PostgresURL(t)
	s, err := openAt(t, url, func(o *store.Options) { o.Synchronous = "FULL" })
	if err != nil {
		t.Fatal(err)
	}
	// storetest turns synchronous_commit off for speed.
	if got, err := s.Synchronous(t.Context()); err != nil || got != "synchronous_commit=off" {
		t.Fatalf("Synchronous = %q, %v", got, err)
	}
	if _, err := openAt(t, url, func(o *store.Options) { o.Synchronous = "NORMAL" }); err == nil || !strings.Contains(err.Error(), "synchronous_commit") {
		t.Fatalf("NORMAL on PostgreSQL: %v, want a refusal naming synchronous_commit", err)
	}
}

// TestMigrationsMirror keeps the dialects in step: every migration has a
// twin of the same name in the other dialect.
func TestMigrationsMirror(t *testing.T) {
	names := func(fsys fs.FS, dir string) []string {
		t.Helper()
		ents, err := fs.ReadDir(fsys, dir)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range ents {
			out = append(out, e.Name())
		}
		return out
	}
	lite, pg := names(migrations.SQLite, "sqlite"), names(migrations.Postgres, "postgres")
	if len(lite) == 0 || !slices.Equal(lite, pg) {
		t.Fatalf("migrations differ between dialects:\nsqlite:   %v\npostgres: %v", lite, pg)
	}
}

func TestIsPostgresRedact(t *testing.T) {
	for _, tc := range []struct {
		db, redacted string
		pg           bool
	}{
		{"reimburse.db", "reimburse.db", false},
		{"/var/lib/reimburse/postgres.db", "/var/lib/reimburse/postgres.db", false},
		{"postgres://u:secret@db:5432/r?sslmode=require", "postgres://u:xxxxx@db:5432/r?sslmode=require", true},
		{"postgresql://u@db/r", "postgresql://u@db/r", true},
		{"postgres://u@db/r?password=secret", "postgres://u@db/r?password=xxxxx", true},
	} {
		if got := store.IsPostgres(tc.db); got != tc.pg {
			t.Errorf("IsPostgres(%q) = %v", tc.db, got)
		}
		if got := store.Redact(tc.db); got != tc.redacted {
			t.Errorf("Redact(%q) = %q, want %q", tc.db, got, tc.redacted)
		}
	}
}
