package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/reimburse/reimburse/model"
	"github.com/uptrace/bun"
)

// BulkEvent is one event of a bulk load, already priced by the caller (the
// loader trusts it: no price lookup, no idempotency key, no checks).
type BulkEvent struct {
	EventTypeID int64
	CaregiverID int64
	OccurredAt  time.Time
	Amount      model.Money
}

// BulkOptions tune a bulk load.
type BulkOptions struct {
	// ReimburseThrough makes every event whose month (in the report time
	// zone) is this month or earlier REIMBURSED at insert time, in one payout
	// per month; 0 leaves every event PENDING.
	ReimburseThrough model.YearMonth
	// RebuildIndexes, when the database holds no event yet, drops the
	// secondary indexes of events and rollups for the load and builds each
	// once in Close: one sort instead of millions of random inserts. Until
	// Close the indexes are missing; an interrupted load gets them back on
	// the next Open.
	RebuildIndexes bool
}

// BulkStats count what a bulk loader wrote.
type BulkStats struct {
	Events     int64 // events inserted
	Reimbursed int64 // of which REIMBURSED
	Payouts    int   // reimbursements created
}

// BulkLoader inserts trusted, priced events fast, for seeding: each Load is
// one transaction of multi-row INSERTs through prepared statements, without
// RETURNING, with the monthly rollups of the batch applied in the same
// transaction. It keeps one payout per month across Loads. It is not safe
// for concurrent use.
type BulkLoader struct {
	s       *Store
	by      model.Principal
	opt     BulkOptions
	now     int64
	payouts map[int32]*payout
	created []int32 // months whose payout the current Load created
	stats   BulkStats
}

type payout struct {
	id            int64
	count, amount int64 // added by the current Load, flushed at its end
	// total is what committed Loads added; flushed what it is once the
	// current Load commits. Kept so that the total in the database, which
	// each Load increments, stays within the range of Money.
	total, flushed model.Money
}

// NewBulkLoader returns a loader that registers events as by. Reimbursed
// and registered times are the store's clock reading now. Call Close when
// done.
func (s *Store) NewBulkLoader(ctx context.Context, by model.Principal, opt BulkOptions) (*BulkLoader, error) {
	l := &BulkLoader{s: s, by: by, opt: opt, now: micros(s.Now()), payouts: map[int32]*payout{}}
	if opt.RebuildIndexes && !isPG(s.w) { // SQLite's schema table holds the definitions
		if err := s.dropIndexesIfEmpty(ctx); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// Close builds the indexes that the loader dropped, if any. It is safe to
// call after a failed Load.
func (l *BulkLoader) Close(ctx context.Context) error {
	return l.s.restoreIndexes(ctx)
}

// Stats returns what the loader has written so far.
func (l *BulkLoader) Stats() BulkStats { return l.stats }

// bulkRows is how many rows one INSERT statement holds: enough to amortise
// the per-statement cost, small enough to prepare once per transaction.
const bulkRows = 100

// bulkCacheKiB is the page cache of the writer connection during a Load and
// an index rebuild (SQLite's default is 2 MiB). Events arrive in time order
// but the caregiver indexes, when kept, take them at random places; the
// sorter of CREATE INDEX sizes its in-memory runs by it too.
const bulkCacheKiB = 512 << 10

// bulkCache raises the writer's page cache to bulkCacheKiB, for a load or
// an index build; it stays so for the connection. (Statement journals and
// sorts are already in memory: temp_store is in the writer's DSN.)
func bulkCache(ctx context.Context, tx bun.Tx) error {
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = -%d", bulkCacheKiB)); err != nil {
		return fmt.Errorf("store: bulk page cache: %w", err)
	}
	return nil
}

// bulkCols are the columns a bulk INSERT binds per row; registered_at and
// registered_by are the same for the whole load and written as literals.
const bulkCols = 8

// Load inserts evs in one transaction, with their rollups and payouts. On
// error nothing of this call is written (earlier Loads stay).
func (l *BulkLoader) Load(ctx context.Context, evs []BulkEvent) error {
	if len(evs) == 0 {
		return nil
	}
	var stats BulkStats
	l.created = l.created[:0]
	err := l.s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if !isPG(l.s.w) {
			if err := bulkCache(ctx, tx); err != nil {
				return err
			}
		}
		var err error
		stats, err = l.load(ctx, tx, evs)
		return err
	})
	if err != nil {
		// The payouts this transaction created were rolled back with it.
		for _, m := range l.created {
			delete(l.payouts, m)
		}
		for _, p := range l.payouts {
			p.count, p.amount, p.flushed = 0, 0, p.total
		}
		return err
	}
	for _, p := range l.payouts {
		p.total = p.flushed
	}
	l.stats.Events += stats.Events
	l.stats.Reimbursed += stats.Reimbursed
	l.stats.Payouts += stats.Payouts
	l.s.obs.EventsRegistered(int(stats.Events))
	return nil
}

func (l *BulkLoader) load(ctx context.Context, tx bun.Tx, evs []BulkEvent) (BulkStats, error) {
	var st BulkStats
	d := rollupDeltas{}
	type placed struct {
		month   int32
		status  model.EventStatus
		at, rid any // reimbursed_at, reimbursement_id
	}
	ps := make([]placed, len(evs))
	for i, e := range evs {
		p := placed{month: int32(model.MonthOf(e.OccurredAt, l.s.loc)), status: model.StatusPending}
		if l.opt.ReimburseThrough != 0 && p.month <= int32(l.opt.ReimburseThrough) {
			po := l.payouts[p.month]
			if po == nil {
				po = &payout{}
				l.payouts[p.month] = po
			}
			if po.id == 0 {
				var err error
				if po.id, err = l.newPayout(ctx, tx); err != nil {
					return st, err
				}
				l.created = append(l.created, p.month)
			}
			amount, err := model.Money(po.amount).Add(e.Amount)
			if err == nil {
				_, err = po.total.Add(amount)
			}
			if err != nil {
				return st, model.Overflow("the payout of month %s would pass the largest amount, %s; load fewer of its events as reimbursed",
					model.YearMonth(p.month), model.MaxMoney.Decimal())
			}
			po.count++
			po.amount = int64(amount)
			p.status, p.at, p.rid = model.StatusReimbursed, l.now, po.id
			st.Reimbursed++
		}
		if err := d.add(p.month, e.CaregiverID, e.EventTypeID, p.status, 1, int64(e.Amount)); err != nil {
			return st, err
		}
		ps[i] = p
	}
	m := multiRow{
		head:    "INSERT INTO events (event_type_id, caregiver_id, occurred_at, month, amount, status, reimbursed_at, reimbursement_id, registered_at, registered_by) VALUES ",
		rowTail: ", " + strconv.FormatInt(l.now, 10) + ", " + strconv.FormatInt(l.by.TokenID, 10),
		cols:    bulkCols, chunk: bulkRows, pg: isPG(tx),
	}
	err := m.exec(ctx, tx, len(evs), func(start, end int, args []any) []any {
		for i := start; i < end; i++ {
			e, p := &evs[i], &ps[i]
			args = append(args, e.EventTypeID, e.CaregiverID, micros(e.OccurredAt), p.month, int64(e.Amount), string(p.status), p.at, p.rid)
		}
		return args
	})
	if err != nil {
		return st, fmt.Errorf("store: bulk insert events: %w", err)
	}
	st.Events = int64(len(evs))
	if err := applyRollups(ctx, tx, d); err != nil {
		return st, err
	}
	if err := l.flushPayouts(ctx, tx); err != nil {
		return st, err
	}
	st.Payouts = len(l.created)
	return st, nil
}

// newPayout creates an empty reimbursement; flushPayouts fills in its count
// and total at the end of the transaction.
func (l *BulkLoader) newPayout(ctx context.Context, tx bun.Tx) (int64, error) {
	row := reimbursementRow{CreatedAt: l.now, CreatedBy: l.by.TokenID}
	if _, err := tx.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
		return 0, fmt.Errorf("store: create payout: %w", err)
	}
	return row.ID, nil
}

func (l *BulkLoader) flushPayouts(ctx context.Context, tx bun.Tx) error {
	for _, p := range l.payouts {
		p.flushed = p.total
		if p.count == 0 {
			continue
		}
		_, err := tx.NewUpdate().Table("reimbursements").
			Set("event_count = event_count + ?", p.count).Set("total = total + ?", p.amount).
			Where("id = ?", p.id).Exec(ctx)
		if err != nil {
			return fmt.Errorf("store: update payout: %w", err)
		}
		p.flushed = p.total + model.Money(p.amount) // in range: load checked it
		p.count, p.amount = 0, 0
	}
	return nil
}

// CreateCaregivers adds caregivers in one transaction, all or nothing, and
// returns them in input order: a bulk load's references without one
// durable commit each. A bad item is reported with its index ("[3].name").
func (s *Store) CreateCaregivers(ctx context.Context, ins []model.NewCaregiver) ([]model.Caregiver, error) {
	var errs model.Errors
	rows := make([]caregiverRow, len(ins))
	now := micros(s.Now())
	for i := range ins {
		in := ins[i]
		if err := in.Normalize(); err != nil {
			errs = appendAt(errs, i, err)
			continue
		}
		rows[i] = caregiverRow{Name: in.Name, ExternalRef: in.ExternalRef, CreatedAt: now}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for start := 0; start < len(rows); start += insertChunk {
			chunk := rows[start:min(start+insertChunk, len(rows))]
			if _, err := tx.NewInsert().Model(&chunk).Returning("id").Exec(ctx); err != nil {
				if isUnique(err) {
					return model.Errorf(model.EConflict, "an externalRef is already used by another caregiver")
				}
				return fmt.Errorf("store: create caregivers: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]model.Caregiver, len(rows))
	for i := range rows {
		out[i] = rows[i].model()
	}
	return out, nil
}
