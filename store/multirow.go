package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
)

// multiRow is a multi-row statement with bound values: head, then rows of
// cols placeholders each (followed by rowTail inside the parentheses, for
// literals the same in every row), then tail. Its statements are prepared
// through database/sql, so SQLite parses the text once per transaction
// rather than once per chunk as bun's inlined values would make it.
type multiRow struct {
	head, rowTail, tail string
	cols                int
	// chunk is the most rows one statement holds.
	chunk int
	pg    bool // PostgreSQL numbers its placeholders: $1, $2, ...
}

// sql returns the statement for n rows.
func (m multiRow) sql(n int) string {
	var b strings.Builder
	b.Grow(len(m.head) + len(m.tail) + n*(m.cols*5+len(m.rowTail)+4))
	b.WriteString(m.head)
	arg := 0
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range m.cols {
			if c > 0 {
				b.WriteString(", ")
			}
			arg++
			if m.pg {
				b.WriteString("$" + strconv.Itoa(arg))
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteString(m.rowTail)
		b.WriteByte(')')
	}
	b.WriteString(m.tail)
	return b.String()
}

// exec runs the statement over n rows in chunks. bind appends the values of
// rows [start, end) to args. On SQLite a full chunk's statement is prepared
// once and the last, shorter one run as it is. On PostgreSQL nothing is
// prepared by name, so that pgbouncer in transaction mode works without
// max_prepared_statements (docs/SCALING.md): each chunk is sent as an
// unnamed statement, as the store's exec mode sends every query.
func (m multiRow) exec(ctx context.Context, tx bun.Tx, n int, bind func(start, end int, args []any) []any) error {
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, min(n, m.chunk)*m.cols)
	for start := 0; start < n; start += m.chunk {
		end := min(start+m.chunk, n)
		args = bind(start, end, args[:0])
		var err error
		if m.pg || end-start < m.chunk {
			// tx.Tx: bun's own ExecContext would format the placeholders.
			_, err = tx.Tx.ExecContext(ctx, m.sql(end-start), args...)
		} else {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, m.sql(m.chunk)); err != nil {
					return fmt.Errorf("prepare: %w", err)
				}
			}
			_, err = full.ExecContext(ctx, args...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// eventColumns are the columns a new event is written with; the rest
// (reimbursement, void) start NULL.
const eventColumns = "id, event_type_id, caregiver_id, occurred_at, month, amount, status, registered_at, registered_by, idempotency_key"

// insertEvents inserts rows, new events, and fills in their ids. On SQLite
// the one writer holds the write lock from BEGIN IMMEDIATE to COMMIT, so it
// numbers the rows itself after the largest id, which is what SQLite would
// do, and needs no RETURNING; PostgreSQL takes the ids from its sequence.
func insertEvents(ctx context.Context, tx bun.Tx, rows []eventRow) error {
	if isPG(tx) {
		for start := 0; start < len(rows); start += insertChunk {
			chunk := rows[start:min(start+insertChunk, len(rows))]
			if _, err := tx.NewInsert().Model(&chunk).Returning("id").Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	}
	var last int64
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM events").Scan(&last); err != nil {
		return err
	}
	m := multiRow{head: "INSERT INTO events (" + eventColumns + ") VALUES ", cols: 10, chunk: 100}
	return m.exec(ctx, tx, len(rows), func(start, end int, args []any) []any {
		for i := start; i < end; i++ {
			r := &rows[i]
			last++
			r.ID = last
			args = append(args, r.ID, r.EventTypeID, r.CaregiverID, r.OccurredAt, r.Month, r.Amount, r.Status, r.RegisteredAt, r.RegisteredBy, r.IdempotencyKey)
		}
		return args
	})
}
