// Package migrations embeds the SQL migrations of every dialect.
package migrations

import "embed"

// SQLite holds the SQLite migrations, applied in name order.
//
//go:embed sqlite/*.sql
var SQLite embed.FS
