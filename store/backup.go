package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// BackupSQLite writes a consistent copy of the SQLite database at path to
// dest, which must not exist, while the database stays in use: VACUUM INTO
// reads one snapshot in a read transaction, so a server (in this process
// or another) keeps committing meanwhile, and the copy holds exactly the
// transactions committed before the snapshot, each whole. The copy is
// compacted, fsynced, and opens with Open like the original.
func BackupSQLite(ctx context.Context, path, dest string) error {
	if IsPostgres(path) {
		return errors.New("store: BackupSQLite copies SQLite files; back up PostgreSQL with pg_dump")
	}
	if err := mustExist(path); err != nil {
		return err
	}
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("store: backup: %s already exists; choose a new file", dest)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("store: backup: %w", err)
	}
	// Read-only, so the backup can neither change nor create the source.
	// (query_only would not do: SQLite counts VACUUM INTO as a write.)
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("store: backup: open %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", dest); err != nil {
		return fmt.Errorf("store: backup %s to %s: %w", path, dest, err)
	}
	if err := syncFile(dest); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	if err := syncFile(filepath.Dir(dest)); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	return nil
}

// syncFile flushes a file, or a directory's entries, to stable storage:
// a backup that a power cut can take away is no backup.
func syncFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
