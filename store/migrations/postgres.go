package migrations

import "embed"

// Postgres holds the PostgreSQL migrations, applied in name order. Each
// mirrors the SQLite migration of the same name.
//
//go:embed postgres/*.sql
var Postgres embed.FS
