package store

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/reimburse/reimburse/model"
	"github.com/uptrace/bun"
)

// ReportBounds are the sizes a report's cost estimate needs: the months that
// hold events and how many caregivers and event types exist.
type ReportBounds struct {
	// Months are the months, in the report time zone, that hold events not
	// voided (of anyone), ascending: what a report can show, however far
	// apart. An event backdated by centuries adds one month, not the span.
	Months []model.YearMonth
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
// is cheap, one statement: a walk of the months of the rollups (one index
// seek per month that holds events) and two COUNT(*) over small tables, and
// cached for a few seconds or until the next write.
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

	// The counts come in a row of month 0, which no month is.
	var rows []struct {
		Month      int32 `bun:"month"`
		Caregivers int   `bun:"caregivers"`
		EventTypes int   `bun:"event_types"`
	}
	err := s.r.NewRaw(`WITH RECURSIVE m(month) AS (`+monthWalk("")+`)
		SELECT 0 AS month, (SELECT COUNT(*) FROM caregivers) AS caregivers, (SELECT COUNT(*) FROM event_types) AS event_types
		UNION ALL SELECT month, 0, 0 FROM m WHERE month IS NOT NULL`).Scan(ctx, &rows)
	if err != nil {
		return ReportBounds{}, fmt.Errorf("store: report bounds: %w", err)
	}
	var b ReportBounds
	for _, r := range rows {
		if r.Month == 0 {
			b.Caregivers, b.EventTypes = r.Caregivers, r.EventTypes
		} else {
			b.Months = append(b.Months, model.YearMonth(r.Month))
		}
	}
	slices.Sort(b.Months)

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		c.val, c.at = b, time.Now()
	}
	return b, nil
}

// CaregiverMonths returns the months, ascending, that hold events not
// voided of caregiver id: the months of a report on that caregiver alone,
// whose estimate must not depend on (nor tell) anyone else's data.
func (s *Store) CaregiverMonths(ctx context.Context, id int64) ([]model.YearMonth, error) {
	var months []int32
	err := s.r.NewRaw(`WITH RECURSIVE m(month) AS (`+monthWalk("r.caregiver_id = ? AND ")+`)
		SELECT month FROM m WHERE month IS NOT NULL`, id, id).Scan(ctx, &months)
	if err != nil {
		return nil, fmt.Errorf("store: caregiver months: %w", err)
	}
	out := make([]model.YearMonth, len(months))
	for i, m := range months {
		out[i] = model.YearMonth(m)
	}
	slices.Sort(out)
	return out, nil
}

// monthWalk is the body of a recursive CTE m(month) that lists the months
// of month_caregiver_rollups rows with events, cond (on table r, with its
// arguments given twice) narrowing them: each step seeks the next month in
// an index whose columns are cond's and then month, instead of reading
// every row (SQLite and PostgreSQL have no skip scan of their own). It ends
// with a NULL row.
func monthWalk(cond string) string {
	next := func(after string) string {
		return `(SELECT r.month FROM month_caregiver_rollups r WHERE ` + cond + `r.event_count > 0` + after + ` ORDER BY r.month LIMIT 1)`
	}
	return `SELECT ` + next("") + ` UNION ALL SELECT ` + next(" AND r.month > m.month") + ` FROM m WHERE m.month IS NOT NULL`
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
