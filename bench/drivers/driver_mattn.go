//go:build cgo && sqlite_mattn

package main

import _ "github.com/mattn/go-sqlite3" // cgo: SQLite's C compiled by the host's C compiler

const (
	driverLabel = "github.com/mattn/go-sqlite3 (cgo)"
	driverName  = "sqlite3"
)
