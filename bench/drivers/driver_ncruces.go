//go:build sqlite_ncruces

package main

import _ "github.com/ncruces/go-sqlite3/driver" // pure Go, SQLite's Wasm build translated to Go (wasm2go)

const (
	driverLabel = "github.com/ncruces/go-sqlite3 (wasm2go)"
	driverName  = "sqlite3"
)
