package store

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/reimburse/reimburse/model"
	"github.com/uptrace/bun"
)

// ReportBounds are the sizes a report's cost estimate needs: the months that
// hold events and how many caregivers and event types exist.
type ReportBounds struct {
	// First and Last are the months, in the report time zone, of the earliest
	// and the latest event (voided ones included: an estimate may be high).
	// Both are zero when there are no events.
	First, Last model.YearMonth
	// Caregivers and EventTypes count every row of each.
	Caregivers, EventTypes int
}

// boundsTTL is how long ReportBounds may serve a cached answer. Writes
// through this store drop the cache at once; the TTL only bounds how long
// writes by another process (seed, a second server) go unseen.
const boundsTTL = 5 * time.Second

// boundsCache keeps the last ReportBounds. gen counts writes, so that a read
// that raced a write does not store what it read.
type boundsCache struct {
	mu  sync.Mutex
	val ReportBounds
	at  time.Time // when val was read; zero means no value
	gen uint64
}

// ReportBounds returns the data sizes a report's cost is estimated from. It
// is cheap: MIN and MAX of the indexed occurred_at and two COUNT(*) over
// small tables, and cached for a few seconds or until the next write.
func (s *Store) ReportBounds(ctx context.Context) (ReportBounds, error) {
	c := &s.bounds
	c.mu.Lock()
	// Wall-clock time, not the injected clock: this is cache expiry, not a
	// domain time, and a pinned test clock must not freeze it.
	if !c.at.IsZero() && time.Since(c.at) < boundsTTL {
		v := c.val
		c.mu.Unlock()
		return v, nil
	}
	gen := c.gen
	c.mu.Unlock()

	// One subquery per aggregate: SQLite answers a lone MIN or MAX of an
	// indexed column with one index seek, but not two in the same SELECT.
	var minAt, maxAt *int64
	var b ReportBounds
	err := s.r.NewRaw(`SELECT (SELECT MIN(occurred_at) FROM events), (SELECT MAX(occurred_at) FROM events),
		(SELECT COUNT(*) FROM caregivers), (SELECT COUNT(*) FROM event_types)`).
		Scan(ctx, &minAt, &maxAt, &b.Caregivers, &b.EventTypes)
	if err != nil {
		return ReportBounds{}, fmt.Errorf("store: report bounds: %w", err)
	}
	if minAt != nil && maxAt != nil {
		b.First = model.MonthOf(fromMicros(*minAt), s.loc)
		b.Last = model.MonthOf(fromMicros(*maxAt), s.loc)
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		c.val, c.at = b, time.Now()
	}
	return b, nil
}

// invalidate drops the cached bounds.
func (c *boundsCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.at = time.Time{}
}

// boundsInvalidator is a query hook on the writer connection: every
// statement it runs, COMMIT included, drops the cached report bounds, so
// that no write path can forget to.
type boundsInvalidator struct{ c *boundsCache }

func (h boundsInvalidator) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (h boundsInvalidator) AfterQuery(context.Context, *bun.QueryEvent) { h.c.invalidate() }
