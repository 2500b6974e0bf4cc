package store

import (
	"context"
	"testing"
	"time"

	"github.com/reimburse/reimburse/model"
	"github.com/uptrace/bun"
)

// HoldWriter takes every connection of the writer pool (SQLite: the one
// writer; PostgreSQL: the whole pool) until release is called, so that
// writes queue behind it: tests use it to gather a batch.
func HoldWriter(tb testing.TB, s *Store) (release func()) {
	tb.Helper()
	var conns []bun.Conn
	for range s.w.Stats().MaxOpenConnections {
		conn, err := s.w.Conn(context.Background())
		if err != nil {
			tb.Fatal(err)
		}
		conns = append(conns, conn)
	}
	return func() {
		for _, c := range conns {
			c.Close()
		}
	}
}

// Ping checks that the readers' database of s answers.
func Ping(ctx context.Context, s *Store) error { return s.ping(ctx) }

// QueuedRegistrations is how many RegisterEvent callers wait to hand their
// request to the group committer.
func QueuedRegistrations(s *Store) int { return int(s.gc.queued.Load()) }

// TakenRegistrations is how many requests the group committer has
// received since the store opened.
func TakenRegistrations(s *Store) int { return int(s.gc.taken.Load()) }

// SetGroupClock replaces the wall clock of s's group committer: now gives
// the arrival times, and timer starts each wait for a batch to fill (see
// groupCommitter). Call it while no registration is under way.
func SetGroupClock(s *Store, now func() time.Time, timer func(time.Duration) (<-chan time.Time, func() bool)) {
	s.gc.now, s.gc.timer = now, timer
}

// GroupRequest is one registration of a hand-made batch.
type GroupRequest struct {
	By model.Principal
	In model.NewEvent
}

// CommitGroup runs reqs as one batch, in order, exactly as the group
// committer runs the batches it gathers, and returns each request's event
// or error.
func CommitGroup(ctx context.Context, s *Store, reqs []GroupRequest) ([]*model.Event, []error) {
	evs, errs := make([]*model.Event, len(reqs)), make([]error, len(reqs))
	var batch []*registerReq
	var idx []int
	for i, gr := range reqs {
		now := s.Now()
		if err := gr.In.Normalize(now); err != nil {
			errs[i] = err
			continue
		}
		batch = append(batch, &registerReq{ctx: ctx, by: gr.By, in: gr.In, now: now, arrived: time.Now(), done: make(chan struct{})})
		idx = append(idx, i)
	}
	if len(batch) > 0 {
		s.commitGroup(ctx, batch)
	}
	for k, r := range batch {
		if r.err != nil {
			errs[idx[k]] = r.err
		} else {
			ev := r.ev
			evs[idx[k]] = &ev
		}
	}
	return evs, errs
}
