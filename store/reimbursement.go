package store

import (
	"context"
	"fmt"

	"github.com/reimburse/reimburse/model"
	"github.com/uptrace/bun"
)

type reimbursementRow struct {
	bun.BaseModel `bun:"table:reimbursements"`
	ID            int64 `bun:"id,pk,autoincrement"`
	CreatedAt     int64 `bun:"created_at"`
	CreatedBy     int64 `bun:"created_by"`
	EventCount    int64 `bun:"event_count"`
	Total         int64 `bun:"total"`
}

func (r *reimbursementRow) model() model.Reimbursement {
	return model.Reimbursement{ID: r.ID, CreatedAt: fromMicros(r.CreatedAt), CreatedBy: r.CreatedBy, EventCount: r.EventCount, Total: model.Money(r.Total)}
}

// FindReimbursementByID returns a reimbursement or ENotFound.
func (s *Store) FindReimbursementByID(ctx context.Context, id int64) (*model.Reimbursement, error) {
	var row reimbursementRow
	if err := scanOne(ctx, s.r.NewSelect().Model(&row).Where("id = ?", id), "reimbursement", id); err != nil {
		return nil, err
	}
	r := row.model()
	return &r, nil
}

// ReimburseEvents reimburses the given PENDING events in one payout, all or
// nothing: an unknown id is ENotFound and an event that is not PENDING is
// EConflict, each naming its position in ids ("[2]").
func (s *Store) ReimburseEvents(ctx context.Context, by model.Principal, ids []int64) (*model.Reimbursement, error) {
	if len(ids) == 0 {
		return nil, model.Invalid("", "at least one event id is required")
	}
	if len(ids) > model.MaxBatch {
		return nil, model.Invalid("", "at most %d ids per call, got %d", model.MaxBatch, len(ids))
	}
	var errs model.Errors
	seen := make(map[int64]int, len(ids))
	for i, id := range ids {
		if j, dup := seen[id]; dup {
			errs = append(errs, model.Invalid(fmt.Sprintf("[%d]", i), "event %d is listed twice (also at [%d])", id, j))
			continue
		}
		seen[id] = i
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return s.payout(ctx, func(ctx context.Context, tx bun.Tx) (reimbursementRow, rollupDeltas, error) {
		// Locked in id order on PostgreSQL, so that a concurrent void or
		// payout of the same events waits for this one and then sees them
		// REIMBURSED, and two payouts lock shared events in one order.
		var rows []eventRow
		q := tx.NewSelect().Model(&rows).Column("id", "status", "amount", "month", "caregiver_id", "event_type_id").
			Where("id IN (?)", bun.In(ids)).OrderExpr("id")
		if err := s.forUpdate(q).Scan(ctx); err != nil {
			return reimbursementRow{}, nil, fmt.Errorf("store: find events to reimburse: %w", err)
		}
		var errs model.Errors
		byID := make(map[int64]eventRow, len(rows))
		for _, r := range rows {
			byID[r.ID] = r
		}
		var total model.Money
		d := rollupDeltas{}
		for i, id := range ids {
			r, ok := byID[id]
			switch {
			case !ok:
				errs = append(errs, &model.Error{Code: model.ENotFound, Field: fmt.Sprintf("[%d]", i), Message: fmt.Sprintf("event %d not found", id)})
			case r.Status != string(model.StatusPending):
				errs = append(errs, &model.Error{Code: model.EConflict, Field: fmt.Sprintf("[%d]", i), Message: fmt.Sprintf("event %d is %s; only PENDING events can be reimbursed", id, r.Status)})
			default:
				var err error
				if total, err = total.Add(model.Money(r.Amount)); err != nil {
					return reimbursementRow{}, nil, errPayoutOverflow("events")
				}
				if err := d.move(r.Month, r.CaregiverID, r.EventTypeID, model.StatusPending, model.StatusReimbursed, 1, r.Amount); err != nil {
					return reimbursementRow{}, nil, err
				}
			}
		}
		if len(errs) > 0 {
			return reimbursementRow{}, nil, errs
		}
		row, err := s.newPayout(ctx, tx, by, int64(len(ids)), int64(total))
		if err != nil {
			return reimbursementRow{}, nil, err
		}
		n, err := markReimbursed(ctx, tx, row, func(q *bun.UpdateQuery) *bun.UpdateQuery {
			return q.Where("id IN (?)", bun.In(ids))
		})
		if err != nil {
			return reimbursementRow{}, nil, err
		}
		if n != int64(len(ids)) {
			// Unreachable while the rows are locked; checked so that the
			// rollups never move for events that did not change.
			return reimbursementRow{}, nil, model.Errorf(model.EConflict, "%d of the %d events changed concurrently; only PENDING events can be reimbursed", int64(len(ids))-n, len(ids))
		}
		return row, d, nil
	})
}

// ReimbursePending reimburses every PENDING event of the caregivers (all
// when caregiverIDs is nil) whose month, in the report time zone, is
// through or earlier. Unknown caregivers are EInvalid; nothing to reimburse
// is EInvalid too, rather than an empty payout.
func (s *Store) ReimbursePending(ctx context.Context, by model.Principal, caregiverIDs []int64, through model.YearMonth) (*model.Reimbursement, error) {
	if caregiverIDs != nil && len(caregiverIDs) == 0 {
		return nil, model.Invalid("caregiverIds", "must not be empty; omit it to reimburse every caregiver")
	}
	if len(caregiverIDs) > model.MaxBatch {
		return nil, model.Invalid("caregiverIds", "at most %d ids", model.MaxBatch)
	}
	return s.payout(ctx, func(ctx context.Context, tx bun.Tx) (reimbursementRow, rollupDeltas, error) {
		if err := checkCaregivers(ctx, tx, caregiverIDs); err != nil {
			return reimbursementRow{}, nil, err
		}
		where := func(q bun.QueryBuilder) bun.QueryBuilder {
			q = q.Where("status = ?", model.StatusPending).Where("month <= ?", int32(through))
			if caregiverIDs != nil {
				q = q.Where("caregiver_id IN (?)", bun.In(dedupe(caregiverIDs)))
			}
			return q
		}
		// The update decides which events the payout takes, in one
		// statement: on PostgreSQL it waits for rows a concurrent write
		// holds and skips those that are no longer PENDING, and events
		// committed after it started stay PENDING. The sums are then read
		// back from the events that now link to the payout.
		row, err := s.newPayout(ctx, tx, by, 0, 0)
		if err != nil {
			return reimbursementRow{}, nil, err
		}
		n, err := markReimbursed(ctx, tx, row, func(q *bun.UpdateQuery) *bun.UpdateQuery {
			return where(q.QueryBuilder()).Unwrap().(*bun.UpdateQuery)
		})
		if err != nil {
			return reimbursementRow{}, nil, err
		}
		if n == 0 {
			return reimbursementRow{}, nil, model.Invalid("through", "no PENDING events through %s for the given caregivers", through)
		}
		d, err := pendingDeltas(ctx, tx, func(q bun.QueryBuilder) bun.QueryBuilder {
			return q.Where("reimbursement_id = ?", row.ID)
		})
		if err != nil {
			return reimbursementRow{}, nil, err
		}
		for k, v := range d {
			if k.status == model.StatusReimbursed {
				total, err := model.Money(row.Total).Add(model.Money(v[1]))
				if err != nil {
					return reimbursementRow{}, nil, errPayoutOverflow("caregivers or months")
				}
				row.EventCount, row.Total = row.EventCount+v[0], int64(total)
			}
		}
		if row.EventCount != n {
			return reimbursementRow{}, nil, fmt.Errorf("store: payout %d links %d events, marked %d", row.ID, row.EventCount, n)
		}
		if _, err := tx.NewUpdate().Model(&row).Column("event_count", "total").WherePK().Exec(ctx); err != nil {
			return reimbursementRow{}, nil, fmt.Errorf("store: total payout: %w", err)
		}
		return row, d, nil
	})
}

// payout runs a payout's transaction: pay marks the events and returns
// the payout and its rollup deltas, which are applied in the same
// transaction; the payout is reported to the observer once committed.
func (s *Store) payout(ctx context.Context, pay func(ctx context.Context, tx bun.Tx) (reimbursementRow, rollupDeltas, error)) (*model.Reimbursement, error) {
	var out *model.Reimbursement
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		row, d, err := pay(ctx, tx)
		if err != nil {
			return err
		}
		if err := applyRollups(ctx, tx, d); err != nil {
			return err
		}
		r := row.model()
		out = &r
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.obs.EventsReimbursed(int(out.EventCount))
	return out, nil
}

// errPayoutOverflow is the error of a payout whose total would pass the
// range of Money; fewer is what to reimburse at once instead.
func errPayoutOverflow(fewer string) *model.Error {
	return model.Overflow("the payout's total would pass the largest amount, %s; reimburse fewer %s at once", model.MaxMoney.Decimal(), fewer)
}

// newPayout inserts a payout of n events totalling total, made now.
func (s *Store) newPayout(ctx context.Context, tx bun.Tx, by model.Principal, n, total int64) (reimbursementRow, error) {
	row := reimbursementRow{CreatedAt: micros(s.Now()), CreatedBy: by.TokenID, EventCount: n, Total: total}
	if _, err := tx.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
		return row, fmt.Errorf("store: create reimbursement: %w", err)
	}
	return row, nil
}

// markReimbursed marks the events that sel selects and that are still
// PENDING as reimbursed by the payout, and returns how many it marked: the
// status condition makes a concurrent void or payout of the same event win
// or lose as a whole, never both.
func markReimbursed(ctx context.Context, tx bun.Tx, p reimbursementRow, sel func(*bun.UpdateQuery) *bun.UpdateQuery) (int64, error) {
	q := tx.NewUpdate().Table("events").
		Set("status = ?", model.StatusReimbursed).Set("reimbursed_at = ?", p.CreatedAt).Set("reimbursement_id = ?", p.ID).
		Where("status = ?", model.StatusPending)
	res, err := sel(q).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: mark reimbursed: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: mark reimbursed: %w", err)
	}
	return n, nil
}

// FindReimbursementsByIDs returns the reimbursements that exist among ids, in
// any order.
func (s *Store) FindReimbursementsByIDs(ctx context.Context, ids []int64) ([]model.Reimbursement, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []reimbursementRow
	if err := s.r.NewSelect().Model(&rows).Where("id IN (?)", bun.In(dedupe(ids))).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: find reimbursements: %w", err)
	}
	out := make([]model.Reimbursement, len(rows))
	for i := range rows {
		out[i] = rows[i].model()
	}
	return out, nil
}
