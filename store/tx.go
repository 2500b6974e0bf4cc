package store

import (
	"context"
	"database/sql"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"
)

// maxTxAttempts bounds how often runTx tries one transaction.
const maxTxAttempts = 10

// retryError marks an error after which the whole transaction is worth
// running again, e.g. an insert that lost a race on a unique idempotency
// key: the retry reads the winner's committed row. runTx unwraps it when
// the attempts run out.
type retryError struct{ error }

func (e retryError) Unwrap() error { return e.error }

// runTx runs fn in a transaction and runs it again, a bounded number of
// times with a short random backoff, when PostgreSQL aborted it with a
// serialization failure (SQLSTATE 40001) or a deadlock (40P01), or fn
// asked for a retry with retryError. Each attempt starts from scratch, so
// fn must only set its results on success. SQLite's single writer never
// raises these, so there it runs fn once.
func runTx(ctx context.Context, db *bun.DB, opts *sql.TxOptions, fn func(ctx context.Context, tx bun.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := db.RunInTx(ctx, opts, fn)
		if err == nil || !retryable(err) {
			return err
		}
		if attempt == maxTxAttempts {
			var r retryError
			if errors.As(err, &r) {
				return r.error
			}
			return err
		}
		// Full jitter, growing with the attempt: up to 2, 4, 8 ... 64 ms.
		d := time.Duration(rand.Int64N(int64(time.Millisecond) << min(attempt, 6)))
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(d):
		}
	}
}

// retryable reports whether err means the transaction was rolled back and
// may succeed if run again.
func retryable(err error) bool {
	var r retryError
	if errors.As(err, &r) {
		return true
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "40001" || pg.Code == "40P01"
	}
	return false
}
