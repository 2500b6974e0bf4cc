package store

import (
	"context"
	"path/filepath"
	"testing"
)

// TestSQLitePragmas: the writer has its large page cache, in-memory
// statement journals, the checkpoint backstop and the WAL size limit; each
// reader its own cache.
func TestSQLitePragmas(t *testing.T) {
	ctx := context.Background()
	s, _, _, _ := internalFixture(t, Options{Path: filepath.Join(t.TempDir(), "p.db")})
	for _, c := range []struct {
		conn   string
		pragma string
		want   int64
	}{
		{"writer", "cache_size", -writerCacheKiB},
		{"writer", "temp_store", 2}, // MEMORY
		{"writer", "wal_autocheckpoint", writerAutoCheckpoint},
		{"writer", "journal_size_limit", walSizeLimit},
		{"reader", "cache_size", -readerCacheKiB},
	} {
		db := s.w
		if c.conn == "reader" {
			db = s.r
		}
		var got int64
		if err := db.QueryRowContext(ctx, "PRAGMA "+c.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("%s PRAGMA %s = %d, want %d", c.conn, c.pragma, got, c.want)
		}
	}
}
