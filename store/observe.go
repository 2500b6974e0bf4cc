package store

import "database/sql"

// Observer is told about committed writes, e.g. to count them in metrics.
// Its methods are called after the transaction commits and must not block.
type Observer interface {
	EventsRegistered(n int)
	EventsReimbursed(n int)
	EventsVoided(n int)
	// GroupCommitted is told the number of registerEvent calls that shared
	// one group-commit transaction.
	GroupCommitted(calls int)
	// Checkpointed is told each background checkpoint of the SQLite
	// write-ahead log: the frames copied into the database file so far
	// (of the log as it is now), or the error.
	Checkpointed(frames int, err error)
}

type nopObserver struct{}

func (nopObserver) EventsRegistered(int)    {}
func (nopObserver) EventsReimbursed(int)    {}
func (nopObserver) EventsVoided(int)        {}
func (nopObserver) GroupCommitted(int)      {}
func (nopObserver) Checkpointed(int, error) {}

// DBs returns the writer and reader connection pools, for pool metrics.
func (s *Store) DBs() (writer, reader *sql.DB) { return s.w.DB, s.r.DB }
