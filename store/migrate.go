package store

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/reimburse/reimburse/store/migrations"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

// migrate applies the migrations not yet applied, in name order. A
// migration is recorded as applied in its own transaction, after its last
// statement, so a migration that fails or is interrupted leaves no record
// and runs again on the next start; the default of bun's migrator, a
// record written before the migration runs, would skip it forever. bun then
// marks it applied once more after the commit, an upsert on the name that
// changes nothing (WithMarkAppliedOnSuccess, WithUpsert), so no crash
// between the two can leave a committed migration unrecorded either.
func (s *Store) migrate(ctx context.Context, fsys fs.FS) error {
	if fsys == nil {
		var err error
		if isPG(s.w) {
			fsys, err = fs.Sub(migrations.Postgres, "postgres")
		} else {
			fsys, err = fs.Sub(migrations.SQLite, "sqlite")
		}
		if err != nil {
			return err
		}
	}
	ms := migrate.NewMigrations()
	if err := ms.Discover(fsys); err != nil {
		return fmt.Errorf("store: discover migrations: %w", err)
	}
	s.migrations = len(ms.Sorted())
	m := migrate.NewMigrator(s.w, ms, migrate.WithMarkAppliedOnSuccess(true), migrate.WithUpsert(true),
		migrate.AfterMigration(recordMigration))
	if err := m.Init(ctx); err != nil {
		return fmt.Errorf("store: init migrations: %w", err)
	}
	if _, err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

// recordMigration records migration as applied on db, the migration's own
// transaction (every migration is a .tx.up.sql), after its statements ran.
func recordMigration(ctx context.Context, db bun.IConn, migration *migrate.Migration) error {
	_, err := db.ExecContext(ctx, "INSERT INTO bun_migrations (name, group_id, migrated_at) VALUES (?, ?, CURRENT_TIMESTAMP)",
		migration.Name, migration.GroupID)
	if err != nil {
		return fmt.Errorf("record migration %s: %w", migration.Name, err)
	}
	return nil
}
