package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/reimburse/reimburse/store"
)

// backupCmd copies a live SQLite database to a new file. For PostgreSQL it
// prints the pg_dump and pg_restore commands instead and fails, so that a
// script never mistakes the advice for a backup.
func backupCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("backup", stderr)
	db := fs.String("db", "reimburse.db", "SQLite database file to copy (for a postgres:// URL, prints the pg_dump command)")
	// Taken, like every command's, so that one set of REIMBURSE_* variables
	// serves them all; given explicitly, they must match the recorded ones.
	var f dbFlags
	f.registerSettings(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: reimburse backup FILE [--db PATH]\n\nWrites a consistent copy of the database to FILE, which must not exist,\nwhile the server keeps running.")
		fs.PrintDefaults()
	}
	pos, err := parse(fs, args, getenv)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errors.New("backup: want exactly one FILE")
	}
	dest := pos[0]
	if store.IsPostgres(*db) {
		fmt.Fprint(stderr, pgDumpAdvice(*db, dest))
		return errors.New("backup: no backup made; run pg_dump as shown above")
	}
	loc, cur, err := f.settings()
	if err != nil {
		return err
	}
	if loc != nil || cur != "" {
		if err := store.CheckSettings(ctx, *db, loc, cur); err != nil {
			return noDatabase(err)
		}
	}
	start := time.Now()
	if err := store.BackupSQLite(ctx, *db, dest); err != nil {
		return noDatabase(err)
	}
	fi, err := os.Stat(dest)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "backed up %s to %s (%d bytes) in %s; check it with: reimburse verify --db %s\n",
		*db, dest, fi.Size(), time.Since(start).Round(time.Millisecond), shellQuote(dest))
	return nil
}

// libpqParams are the URL parameters pg_dump understands; pgx-only ones
// (default_query_exec_mode, statement_cache_capacity, ...) would make it
// refuse the URL.
var libpqParams = map[string]bool{
	"sslmode": true, "sslrootcert": true, "sslcert": true, "sslkey": true, "sslpassword": true,
	"sslnegotiation": true, "sslsni": true, "channel_binding": true, "gssencmode": true,
	"connect_timeout": true, "application_name": true, "target_session_attrs": true,
	"options": true, "passfile": true, "host": true, "port": true, "dbname": true, "user": true,
	"service": true, "krbsrvname": true, "requirepeer": true,
}

// pgDumpAdvice explains how to back up and restore a PostgreSQL database,
// with the commands for db (its password left out).
func pgDumpAdvice(db, dest string) string {
	target, schema := db, ""
	if u, err := url.Parse(db); err == nil {
		q := u.Query()
		schema = q.Get("search_path")
		for k := range q {
			if !libpqParams[k] {
				q.Del(k)
			}
		}
		if q.Has("password") {
			q.Del("password")
		}
		if _, ok := u.User.Password(); ok {
			u.User = url.User(u.User.Username())
		}
		u.RawQuery = q.Encode()
		target = u.String()
	}
	dump := "pg_dump --format=custom"
	if schema != "" {
		dump += " --schema=" + shellQuote(schema)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "reimburse backup copies SQLite files. Back up PostgreSQL with pg_dump, which reads\n")
	fmt.Fprintf(&b, "one consistent snapshot while the server keeps writing (the password comes from\n")
	fmt.Fprintf(&b, "PGPASSWORD or ~/.pgpass):\n\n")
	fmt.Fprintf(&b, "  %s --file=%s %s\n\n", dump, shellQuote(dest), shellQuote(target))
	fmt.Fprintf(&b, "Restore into an empty database, then check it:\n\n")
	fmt.Fprintf(&b, "  pg_restore --no-owner --exit-on-error --dbname=%s %s\n", shellQuote(target), shellQuote(dest))
	fmt.Fprintf(&b, "  reimburse verify --db %s\n\n", shellQuote(store.Redact(db)))
	return b.String()
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@=,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
