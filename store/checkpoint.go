package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
)

// checkpointEvery is how often the checkpointer copies the write-ahead log
// back into the database file, when anything was written since it last did.
const checkpointEvery = 250 * time.Millisecond

// writerAutoCheckpoint is the WAL size, in pages, at which the writer
// connection checkpoints by itself, as a backstop should the checkpointer
// fall behind (SQLite's default is 1,000 pages, done by whichever
// connection commits past it: the writer, in the middle of the write path).
const writerAutoCheckpoint = 1 << 16

// walSizeLimit is what the WAL file is truncated to when it is reset after a
// checkpoint, so that one large transaction does not leave a large file.
const walSizeLimit = 64 << 20

// checkpointer runs PASSIVE checkpoints from a connection of its own, so
// that copying the log into the database file and its fsyncs happen beside
// the writer, not inside a commit of the writer, which answers clients
// waiting on it. PASSIVE never blocks the writer or the readers; what a
// reader still needs is copied on a later round.
type checkpointer struct {
	db    *sql.DB
	obs   Observer
	dirty atomic.Bool // set by a write, taken by a round
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
}

func startCheckpointer(path, sync string, obs Observer) (*checkpointer, error) {
	db, err := sql.Open("sqlite", dsn(path, false, sync))
	if err != nil {
		return nil, fmt.Errorf("store: open checkpointer: %w", err)
	}
	db.SetMaxOpenConns(1)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open checkpointer: %w", err)
	}
	c := &checkpointer{db: db, obs: obs, stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c, nil
}

func (c *checkpointer) run() {
	defer close(c.done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		if c.dirty.Swap(false) {
			c.checkpoint()
		}
	}
}

// checkpoint runs one round; a round that could not copy the whole log
// leaves the checkpointer dirty, to try again on the next tick.
func (c *checkpointer) checkpoint() {
	var busy, logFrames, copied int
	err := c.db.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logFrames, &copied)
	if err != nil || copied < logFrames {
		c.dirty.Store(true)
	}
	c.obs.Checkpointed(copied, err)
}

// close stops the rounds and closes the connection; later calls do
// nothing.
func (c *checkpointer) close() error {
	var err error
	c.once.Do(func() {
		close(c.stop)
		<-c.done
		err = c.db.Close()
	})
	return err
}

// checkpointHook is a query hook on the writer: any statement it runs,
// COMMIT included, marks the log as having something to copy.
type checkpointHook struct{ c *checkpointer }

func (h checkpointHook) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (h checkpointHook) AfterQuery(context.Context, *bun.QueryEvent) { h.c.dirty.Store(true) }
