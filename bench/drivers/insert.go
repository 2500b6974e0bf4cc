package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

const (
	bulkRows = 100     // rows per INSERT statement
	bulkTx   = 100_000 // rows per transaction
)

// insertSQL is a multi-row INSERT of n events without RETURNING.
func insertSQL(n int) string {
	row := "(?, ?, ?, ?, ?, 'PENDING', 0, 1)"
	return "INSERT INTO events (event_type_id, caregiver_id, occurred_at, month, amount, status, registered_at, registered_by) VALUES " +
		strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

// bulkInsert inserts events in time order over [from, to), like the seed.
func bulkInsert(ctx context.Context, db *sql.DB, rng *rand.Rand, events, caregivers, types int, from, to time.Time) error {
	step := to.Sub(from) / time.Duration(max(events, 1))
	args := make([]any, 0, bulkRows*5)
	for done := 0; done < events; {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, insertSQL(bulkRows))
		if err != nil {
			tx.Rollback()
			return err
		}
		for end := min(done+bulkTx, events); done < end; {
			n := min(bulkRows, end-done)
			args = args[:0]
			for i := range n {
				at := from.Add(step * time.Duration(done+i))
				month := at.Year()*100 + int(at.Month())
				args = append(args, 1+rng.IntN(types), 1+rng.IntN(caregivers), at.UnixMicro(), month, int64(100*(1+rng.IntN(5000))))
			}
			s := stmt
			if n < bulkRows {
				if s, err = tx.PrepareContext(ctx, insertSQL(n)); err != nil {
					tx.Rollback()
					return err
				}
			}
			if _, err := s.ExecContext(ctx, args...); err != nil {
				tx.Rollback()
				return fmt.Errorf("bulk insert: %w", err)
			}
			done += n
		}
		stmt.Close()
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// singleTx times transactions of one event and its rollup upsert, as
// registerEvent without group commit does, at synchronous=FULL.
func singleTx(ctx context.Context, db *sql.DB, rng *rand.Rand, n int, limit time.Duration, caregivers, types int) (float64, int, error) {
	at := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	start := time.Now()
	done := 0
	for ; done < n && time.Since(start) < limit; done++ {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return 0, done, err
		}
		et, cg := 1+rng.IntN(types), 1+rng.IntN(caregivers)
		_, err = tx.ExecContext(ctx, `INSERT INTO events (event_type_id, caregiver_id, occurred_at, month, amount, status, registered_at, registered_by)
			VALUES (?, ?, ?, 202601, 10000, 'PENDING', 0, 1)`, et, cg, at.Add(time.Duration(done)*time.Second).UnixMicro())
		if err == nil {
			_, err = tx.ExecContext(ctx, `INSERT INTO month_rollups (month, caregiver_id, event_type_id, status, event_count, amount)
				VALUES (202601, ?, ?, 'PENDING', 1, 10000) ON CONFLICT (month, caregiver_id, event_type_id, status)
				DO UPDATE SET event_count = event_count + excluded.event_count, amount = amount + excluded.amount`, cg, et)
		}
		if err != nil {
			tx.Rollback()
			return 0, done, err
		}
		if err := tx.Commit(); err != nil {
			return 0, done, err
		}
	}
	return float64(done) / time.Since(start).Seconds(), done, nil
}
