package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// IsPostgres reports whether a database name (Options.Path, --db) is a
// PostgreSQL URL (postgres:// or postgresql://) rather than a SQLite file.
func IsPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// Redact returns a database name fit for logs and error messages: a
// PostgreSQL URL loses its password, a SQLite path is returned as is.
func Redact(db string) string {
	if !IsPostgres(db) {
		return db
	}
	u, err := url.Parse(db)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// defaultPostgresConns is the least pool size on PostgreSQL when
// Options.MaxConns is 0, which means max(defaultPostgresConns, 2*NumCPU):
// enough to keep a server's handlers busy while each transaction waits on
// the network, small enough that several servers share one PostgreSQL's
// max_connections (default 100).
const defaultPostgresConns = 16

// postgresLockID is the advisory lock that serializes migrations and the
// meta check when several servers start on one database at once. It is
// arbitrary but fixed: the first bytes of "reimburse" as an integer.
const postgresLockID = 0x7265696d62757273

// openPostgres opens one pool for readers and writers: PostgreSQL has no
// single-writer limit, and correctness under concurrent writers comes from
// row locks, conditional updates and upserts with increments, with the
// transaction helper retrying serialization failures and deadlocks.
func (s *Store) openPostgres(ctx context.Context, opt Options, c checkedOptions) (*Store, error) {
	if c.synchronous != "FULL" {
		return nil, fmt.Errorf("store: synchronous %q is a SQLite setting; on PostgreSQL, durability is the server's synchronous_commit (keep it on)", opt.Synchronous)
	}
	conns := opt.MaxConns
	if conns <= 0 {
		conns = max(defaultPostgresConns, 2*runtime.NumCPU())
	}
	conns = max(conns, 2) // setUpPostgres holds one connection while it works on another
	dsn, err := postgresDSN(opt.Path)
	if err != nil {
		return nil, err
	}
	sqldb, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", Redact(opt.Path), err)
	}
	sqldb.SetMaxOpenConns(conns)
	sqldb.SetMaxIdleConns(conns)
	// Recycle connections now and then so that a failover, a DNS change or
	// a pgbouncer rebalance reaches every one of them.
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	sqldb.SetConnMaxLifetime(30 * time.Minute)
	if err := sqldb.PingContext(ctx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("store: open %s: %w", Redact(opt.Path), err)
	}
	db := bun.NewDB(sqldb, pgdialect.New())
	for _, h := range opt.Hooks {
		db.AddQueryHook(h)
	}
	s.w, s.r = db, db
	s.w.AddQueryHook(boundsInvalidator{&s.bounds})
	if err := s.setUpPostgres(ctx, opt.migrations); err != nil {
		db.Close()
		return nil, err
	}
	// Group commit pays on PostgreSQL too: a batch shares one commit and
	// one upsert per rollup row, which concurrent single transactions would
	// otherwise take in turn.
	if c.groupCommit.MaxBatch > 1 {
		s.gc = newGroupCommitter(s, c.groupCommit)
	}
	return s, nil
}

// setUpPostgres migrates and checks the meta table while holding an
// advisory lock, so that servers starting together neither race on
// CREATE TABLE nor record different zones. The lock belongs to a
// transaction held open on a connection of its own (the work runs on
// others), not to a session, so that it is released on every path, also
// through pgbouncer in transaction mode, which would hand a session lock's
// unlock to another server connection.
func (s *Store) setUpPostgres(ctx context.Context, migrations fs.FS) error {
	lock, err := s.w.DB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: lock for migrations: %w", err)
	}
	// Ending the transaction releases the lock; it writes nothing, so a
	// rollback is all it needs.
	defer lock.Rollback()
	if _, err := lock.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(postgresLockID)); err != nil {
		return fmt.Errorf("store: lock for migrations: %w", err)
	}
	if err := s.migrate(ctx, migrations); err != nil {
		return err
	}
	return s.checkMeta(ctx)
}

// postgresDSN adds pgx defaults to a URL unless it sets them: the "exec"
// query mode runs each statement in one round trip with an unnamed
// statement. bun formats arguments into the SQL text, so pgx's default of
// preparing and caching every distinct statement would cost a second round
// trip per query and churn the cache without ever reusing an entry, and it
// does not work through pgbouncer in transaction mode.
func postgresDSN(db string) (string, error) {
	u, err := url.Parse(db)
	if err != nil {
		return "", fmt.Errorf("store: %s is not a valid PostgreSQL URL", Redact(db))
	}
	q := u.Query()
	if !q.Has("default_query_exec_mode") {
		q.Set("default_query_exec_mode", "exec")
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// isPG reports whether db, a store's connection or a transaction on it,
// is PostgreSQL: the one test of the dialect, for the few places where the
// two databases need different SQL or settings.
func isPG(db bun.IDB) bool { return db.Dialect().Name() == dialect.PG }

// Dialect names the database the store runs on: "sqlite" or "postgres".
func (s *Store) Dialect() string {
	if isPG(s.w) {
		return "postgres"
	}
	return "sqlite"
}

// forUpdate locks the selected rows until the transaction ends on
// PostgreSQL, so that a read-then-write sees the rows as they are when it
// writes. SQLite has no row locks and needs none: its one writer connection
// serializes write transactions.
func (s *Store) forUpdate(q *bun.SelectQuery) *bun.SelectQuery {
	if isPG(s.w) {
		return q.For("UPDATE")
	}
	return q
}

// readTx is the options of a read-only transaction that must see one
// snapshot across its statements. SQLite's read transactions always do;
// PostgreSQL's default READ COMMITTED takes a new snapshot per statement,
// so multi-statement reads (a report's rollups and edge months, verify's
// recount and rollups) ask for REPEATABLE READ, which for a read-only
// transaction never fails with a serialization error.
func (s *Store) readTx() *sql.TxOptions {
	if isPG(s.w) {
		return &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}
	}
	return &sql.TxOptions{ReadOnly: true}
}

// lockSetup serializes one-time setup transactions, such as making the
// first ADMIN token, between servers that start together on one PostgreSQL
// database: a transaction-scoped advisory lock, so the second waits and
// then sees the first one's token. SQLite's one writer already serializes
// them.
func (s *Store) lockSetup(ctx context.Context, tx bun.Tx) error {
	if !isPG(s.w) {
		return nil
	}
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", int64(postgresLockID)); err != nil {
		return fmt.Errorf("store: setup lock: %w", err)
	}
	return nil
}

// postgresSynchronous reports the server's synchronous_commit: every value
// but "off" makes a commit durable on the primary before it is
// acknowledged ("local" does not wait for synchronous replicas).
func (s *Store) postgresSynchronous(ctx context.Context) (string, error) {
	var v string
	if err := s.w.QueryRowContext(ctx, "SHOW synchronous_commit").Scan(&v); err != nil {
		return "", fmt.Errorf("store: read synchronous_commit: %w", err)
	}
	return "synchronous_commit=" + v, nil
}
