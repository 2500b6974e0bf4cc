// Package store keeps Reimburse's data with bun: migrations, queries and
// report aggregation. Exported methods own their transactions; unexported
// helpers take bun.IDB so they serve a *bun.DB and a bun.Tx alike.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/reimburse/reimburse/model"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // the pure-Go SQLite driver: builds with CGO_ENABLED=0
)

// Options configure a Store.
type Options struct {
	// Path is the SQLite file, or a postgres:// URL (see IsPostgres).
	Path string
	// TimeZone is the report time zone; it is recorded on creation. Nil
	// means the recorded zone (UTC when the database is new); any other
	// zone than the recorded one is refused (*SettingError).
	TimeZone *time.Location
	// Currency is the deployment's ISO 4217 currency, recorded like
	// TimeZone. Empty means the recorded one (SEK when new).
	Currency string
	// MustExist refuses a SQLite file that does not exist (ErrNoDatabase)
	// instead of creating it, for commands that only read or administer a
	// database. A PostgreSQL database is never created by Open, so it
	// does not apply there.
	MustExist bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// ReadConns is the size of the SQLite reader pool; 0 means
	// max(4, NumCPU).
	ReadConns int
	// MaxConns is the size of the one PostgreSQL pool; 0 means
	// max(16, 2*NumCPU). It is checked (not negative)
	// on SQLite too, where it is ignored.
	MaxConns int
	// Hooks are added to both connections (e.g. to count queries in tests).
	Hooks []bun.QueryHook
	// Observer is told about committed writes; nil means nobody.
	Observer Observer
	// MaxBackdate is how old an event a CAREGIVER token may register
	// (model.CheckBackdate), positive; nil means model.DefaultMaxBackdate.
	// It lives here, not in the GraphQL layer, because the store owns the
	// clock and reports it with every other bad item of a batch.
	MaxBackdate *time.Duration
	// Synchronous is SQLite's synchronous setting for the writer: "FULL"
	// (the default: every commit is fsynced, so an acknowledged write
	// survives power loss) or "NORMAL" (in WAL mode the last commits before
	// a power loss or OS crash may be lost, but the database never
	// corrupts; an application crash loses nothing). PostgreSQL takes only
	// FULL: its durability is the server's synchronous_commit.
	Synchronous string
	// GroupCommit tunes how concurrent RegisterEvent calls share
	// transactions; nil gives the defaults.
	GroupCommit *GroupCommitOptions

	// migrations replaces the embedded migrations of the dialect (a
	// directory of *.up.sql files), for tests that break one; nil means
	// the embedded ones.
	migrations fs.FS
}

// Store is the database. On SQLite: one writer connection, so writers
// queue in Go rather than fail with SQLITE_BUSY, and a pool of read-only
// readers, which WAL lets run beside the writer. On PostgreSQL both are
// one pool (openPostgres).
type Store struct {
	w, r     *bun.DB
	loc      *time.Location
	currency string
	now      func() time.Time
	obs      Observer
	// maxBackdate bounds the age of events CAREGIVER tokens register.
	maxBackdate time.Duration
	bounds      boundsCache
	// migrations is how many migrations this binary knows.
	migrations int
	// gc gathers concurrent single registrations into shared
	// transactions; nil when group commit is off.
	gc *groupCommitter
	// ckpt copies the SQLite write-ahead log into the database file beside
	// the writer; nil on PostgreSQL.
	ckpt *checkpointer
	// auth is the prepared token lookup (authStmt), made on first use.
	authMu sync.Mutex
	auth   *sql.Stmt
}

// Open opens (creating if needed, unless MustExist) the database, applies
// migrations and takes the recorded time zone and currency, refusing
// options that differ from them.
func Open(ctx context.Context, opt Options) (*Store, error) {
	opt, c, err := opt.checked()
	if err != nil {
		return nil, err
	}
	s := &Store{loc: opt.TimeZone, currency: opt.Currency, now: opt.Now, obs: opt.Observer, maxBackdate: c.maxBackdate}
	if IsPostgres(opt.Path) {
		return s.openPostgres(ctx, opt, c)
	}
	if opt.MustExist {
		if err := mustExist(opt.Path); err != nil {
			return nil, err
		}
	}
	if s.w, err = openSQLite(opt.Path, false, 1, c.synchronous, opt.Hooks); err != nil {
		return nil, err
	}
	s.w.AddQueryHook(boundsInvalidator{&s.bounds})
	if err := s.migrate(ctx, opt.migrations); err != nil {
		s.w.Close()
		return nil, err
	}
	if err := s.checkMeta(ctx); err != nil {
		s.w.Close()
		return nil, err
	}
	// A bulk load that never reached its Close left indexes to build.
	if err := s.restoreIndexes(ctx); err != nil {
		s.w.Close()
		return nil, err
	}
	if s.r, err = openSQLite(opt.Path, true, opt.ReadConns, c.synchronous, opt.Hooks); err != nil {
		s.w.Close()
		return nil, err
	}
	if s.ckpt, err = startCheckpointer(opt.Path, c.synchronous, s.obs); err != nil {
		s.r.Close()
		s.w.Close()
		return nil, err
	}
	s.w.AddQueryHook(checkpointHook{s.ckpt})
	if c.groupCommit.MaxBatch > 1 {
		s.gc = newGroupCommitter(s, c.groupCommit)
	}
	return s, nil
}

// Page cache sizes in KiB: the one writer connection, and each reader.
const (
	writerCacheKiB = 128 << 10
	readerCacheKiB = 16 << 10
)

// dsn puts every pragma in the connection string so that each pooled
// connection gets them, not only the one a db.Exec happens to reach.
func dsn(path string, readOnly bool, sync string) string {
	q := url.Values{}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous("+sync+")")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
		q.Add("_pragma", fmt.Sprintf("cache_size(-%d)", readerCacheKiB))
	} else {
		q.Set("_txlock", "immediate")
		// A large batch touches pages all over the indexes: with SQLite's
		// 2 MiB default the writer spilled dirty pages to the WAL in the
		// middle of transactions and wrote them again at commit, and each
		// multi-row statement's journal went to a temp file.
		q.Add("_pragma", fmt.Sprintf("cache_size(-%d)", writerCacheKiB))
		q.Add("_pragma", "temp_store(MEMORY)")
		// The checkpointer copies the log back; the writer only as a backstop.
		q.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", writerAutoCheckpoint))
		q.Add("_pragma", fmt.Sprintf("journal_size_limit(%d)", walSizeLimit))
	}
	return "file:" + path + "?" + q.Encode()
}

func openSQLite(path string, readOnly bool, conns int, sync string, hooks []bun.QueryHook) (*bun.DB, error) {
	sqldb, err := sql.Open("sqlite", dsn(path, readOnly, sync))
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	sqldb.SetMaxOpenConns(conns)
	sqldb.SetMaxIdleConns(conns)
	sqldb.SetConnMaxIdleTime(0)
	sqldb.SetConnMaxLifetime(0)
	if err := sqldb.Ping(); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db := bun.NewDB(sqldb, sqlitedialect.New())
	for _, h := range hooks {
		db.AddQueryHook(h)
	}
	return db, nil
}

// Close stops the group committer, which first commits the batch it holds
// and fails the registrations still waiting to join one (ErrClosed), then
// closes both connections. It may be called more than once.
func (s *Store) Close() error {
	if s.gc != nil {
		s.gc.stop()
	}
	var errStmt, errCkpt error
	s.authMu.Lock()
	if s.auth != nil {
		errStmt = s.auth.Close()
	}
	s.authMu.Unlock()
	if s.ckpt != nil {
		errCkpt = s.ckpt.close()
	}
	return errors.Join(errStmt, errCkpt, s.r.Close(), s.w.Close())
}

// Synchronous returns the writer's synchronous setting as SQLite reports
// it: "FULL" or "NORMAL"; on PostgreSQL, the server's synchronous_commit
// (e.g. "on").
func (s *Store) Synchronous(ctx context.Context) (string, error) {
	if isPG(s.w) {
		return s.postgresSynchronous(ctx)
	}
	var n int
	if err := s.w.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&n); err != nil {
		return "", fmt.Errorf("store: read synchronous: %w", err)
	}
	switch n {
	case 1:
		return "NORMAL", nil
	case 2:
		return "FULL", nil
	default:
		return fmt.Sprint(n), nil
	}
}

// Location is the report time zone.
func (s *Store) Location() *time.Location { return s.loc }

// Currency is the deployment's currency code.
func (s *Store) Currency() string { return s.currency }

// Now returns the store's clock reading.
func (s *Store) Now() time.Time { return s.now().UTC().Truncate(model.Precision) }

// ping checks that the readers' database answers.
func (s *Store) ping(ctx context.Context) error { return s.r.PingContext(ctx) }

// Ready checks that both connections answer and every migration is applied.
func (s *Store) Ready(ctx context.Context) error {
	if err := s.w.PingContext(ctx); err != nil {
		return fmt.Errorf("store: writer: %w", err)
	}
	var n int
	if err := s.r.NewSelect().ColumnExpr("COUNT(*)").Table("bun_migrations").Scan(ctx, &n); err != nil {
		return fmt.Errorf("store: reader: %w", err)
	}
	if want := s.migrations; n < want {
		return fmt.Errorf("store: %d of %d migrations applied", n, want)
	}
	return nil
}

// inTx runs fn in a write transaction on the writer connection, retrying
// it when PostgreSQL asks to (runTx).
func (s *Store) inTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	return runTx(ctx, s.w, nil, fn)
}

// isUnique reports whether err is a unique-constraint violation on SQLite or
// PostgreSQL.
func isUnique(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "SQLSTATE 23505")
}

// scanOne runs a query for the row with the given id: no row is ENotFound
// naming what was looked for, any other failure is wrapped.
func scanOne(ctx context.Context, q *bun.SelectQuery, what string, id int64) error {
	err := q.Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return model.Errorf(model.ENotFound, "%s %d not found", what, id)
	}
	if err != nil {
		return fmt.Errorf("store: find %s: %w", what, err)
	}
	return nil
}

// dedupe returns the distinct ids in first-seen order.
func dedupe(ids []int64) []int64 {
	seen := make(map[int64]struct{}, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if _, ok := seen[id]; !ok {
			seen[id] = struct{}{}
			out = append(out, id)
		}
	}
	return out
}

// micros converts a time to stored microseconds.
func micros(t time.Time) int64 { return t.UnixMicro() }

// fromMicros converts stored microseconds to a UTC time.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

func optMicros(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	v := micros(*t)
	return &v
}

func optTime(us *int64) *time.Time {
	if us == nil {
		return nil
	}
	t := fromMicros(*us)
	return &t
}
