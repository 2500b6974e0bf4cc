package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
)

// bulkIndexKey prefixes the meta rows that remember the indexes a bulk load
// dropped, so that they are rebuilt even when the load never finishes.
const bulkIndexKey = "bulk_index:"

// bulkIndexTables are the tables whose secondary indexes a bulk load into an
// empty database drops. The indexes SQLite makes for UNIQUE and PRIMARY KEY
// constraints cannot be dropped and stay, as do unique indexes.
var bulkIndexTables = []string{"events", "month_rollups", "month_caregiver_rollups"}

// dropIndexesIfEmpty drops the secondary indexes of bulkIndexTables when no
// event exists, recording their definitions in meta in the same
// transaction.
func (s *Store) dropIndexesIfEmpty(ctx context.Context) error {
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var any int
		if err := tx.NewRaw("SELECT EXISTS (SELECT 1 FROM events)").Scan(ctx, &any); err != nil {
			return fmt.Errorf("store: count events: %w", err)
		}
		if any != 0 {
			return nil
		}
		var idx []struct {
			Name string `bun:"name"`
			SQL  string `bun:"sql"`
		}
		// Unique indexes stay, so that the constraints they enforce
		// (idempotency keys) hold during the load too.
		err := tx.NewRaw("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE %' AND tbl_name IN (?) ORDER BY name",
			bun.In(bulkIndexTables)).Scan(ctx, &idx)
		if err != nil {
			return fmt.Errorf("store: list indexes: %w", err)
		}
		for _, ix := range idx {
			if _, err := tx.ExecContext(ctx, "INSERT INTO meta (key, value) VALUES (?, ?)", bulkIndexKey+ix.Name, ix.SQL); err != nil {
				return fmt.Errorf("store: remember index %s: %w", ix.Name, err)
			}
			if _, err := tx.ExecContext(ctx, "DROP INDEX "+quoteIdent(ix.Name)); err != nil {
				return fmt.Errorf("store: drop index %s: %w", ix.Name, err)
			}
		}
		return nil
	})
}

// restoreIndexes builds every index a bulk load dropped and forgets it, in
// one transaction. Open calls it too, for loads that were interrupted.
func (s *Store) restoreIndexes(ctx context.Context) error {
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var idx []struct {
			Key   string `bun:"key"`
			Value string `bun:"value"`
		}
		if err := tx.NewRaw("SELECT key, value FROM meta WHERE key LIKE ? ORDER BY key", bulkIndexKey+"%").Scan(ctx, &idx); err != nil {
			return fmt.Errorf("store: list dropped indexes: %w", err)
		}
		if len(idx) == 0 {
			return nil
		}
		// The sorter of an index build sizes its in-memory runs by the cache.
		if err := bulkCache(ctx, tx); err != nil {
			return err
		}
		for _, ix := range idx {
			sql := ix.Value
			if !strings.HasPrefix(strings.ToUpper(sql), "CREATE ") {
				return fmt.Errorf("store: meta %s is not an index definition", ix.Key)
			}
			if _, err := tx.ExecContext(ctx, sql); err != nil {
				return fmt.Errorf("store: build index %s: %w", strings.TrimPrefix(ix.Key, bulkIndexKey), err)
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM meta WHERE key = ?", ix.Key); err != nil {
				return fmt.Errorf("store: forget index: %w", err)
			}
		}
		return nil
	})
}

// quoteIdent quotes an SQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
