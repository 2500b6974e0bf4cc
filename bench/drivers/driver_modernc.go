//go:build !sqlite_mattn && !sqlite_ncruces

package main

import _ "modernc.org/sqlite" // pure Go, transpiled from C: the project's default

const (
	driverLabel = "modernc.org/sqlite"
	driverName  = "sqlite"
)
