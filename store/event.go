package store

import (
	"context"
	"fmt"

	"github.com/reimburse/reimburse/model"
	"github.com/uptrace/bun"
)

type eventRow struct {
	bun.BaseModel   `bun:"table:events"`
	ID              int64   `bun:"id,pk,autoincrement"`
	EventTypeID     int64   `bun:"event_type_id"`
	CaregiverID     int64   `bun:"caregiver_id"`
	OccurredAt      int64   `bun:"occurred_at"`
	Month           int32   `bun:"month"`
	Amount          int64   `bun:"amount"`
	Status          string  `bun:"status"`
	RegisteredAt    int64   `bun:"registered_at"`
	RegisteredBy    int64   `bun:"registered_by"`
	ReimbursedAt    *int64  `bun:"reimbursed_at"`
	ReimbursementID *int64  `bun:"reimbursement_id"`
	VoidedAt        *int64  `bun:"voided_at"`
	VoidedBy        *int64  `bun:"voided_by"`
	VoidReason      *string `bun:"void_reason"`
	IdempotencyKey  *string `bun:"idempotency_key"`
}

func (r *eventRow) model() model.Event {
	return model.Event{
		ID: r.ID, EventTypeID: r.EventTypeID, CaregiverID: r.CaregiverID,
		OccurredAt: fromMicros(r.OccurredAt), Month: model.YearMonth(r.Month),
		Amount: model.Money(r.Amount), Status: model.EventStatus(r.Status),
		RegisteredAt: fromMicros(r.RegisteredAt), RegisteredBy: r.RegisteredBy,
		ReimbursedAt: optTime(r.ReimbursedAt), ReimbursementID: r.ReimbursementID,
		VoidedAt: optTime(r.VoidedAt), VoidedBy: r.VoidedBy, VoidReason: r.VoidReason,
		IdempotencyKey: r.IdempotencyKey,
	}
}

func eventModels(rows []eventRow) []model.Event {
	out := make([]model.Event, len(rows))
	for i := range rows {
		out[i] = rows[i].model()
	}
	return out
}

// FindEventByID returns an event or ENotFound.
func (s *Store) FindEventByID(ctx context.Context, id int64) (*model.Event, error) {
	return findEvent(ctx, s.r, id)
}

func findEvent(ctx context.Context, db bun.IDB, id int64) (*model.Event, error) {
	var row eventRow
	if err := scanOne(ctx, db.NewSelect().Model(&row).Where("id = ?", id), "event", id); err != nil {
		return nil, err
	}
	e := row.model()
	return &e, nil
}

// lockEvent reads an event for a write that depends on its status: on
// PostgreSQL the row stays locked until the transaction ends, so a
// concurrent void or payout waits and then sees the new status.
func (s *Store) lockEvent(ctx context.Context, tx bun.Tx, id int64) (*model.Event, error) {
	var row eventRow
	if err := scanOne(ctx, s.forUpdate(tx.NewSelect().Model(&row).Where("id = ?", id)), "event", id); err != nil {
		return nil, err
	}
	e := row.model()
	return &e, nil
}

// FindEvents returns up to p.First events matching f, ordered by
// (occurredAt, id), after the cursor, and whether more follow. It pages by
// keyset, never by OFFSET, so deep pages cost what the first one does.
func (s *Store) FindEvents(ctx context.Context, f model.EventFilter, p model.PageArgs) ([]model.Event, bool, error) {
	f.Normalize()
	if (f.CaregiverIDs != nil && len(f.CaregiverIDs) == 0) ||
		(f.EventTypeIDs != nil && len(f.EventTypeIDs) == 0) || (f.Statuses != nil && len(f.Statuses) == 0) {
		return nil, false, nil
	}
	var rows []eventRow
	q := s.r.NewSelect().Model(&rows).OrderExpr("occurred_at ASC, id ASC").Limit(int64(p.First + 1))
	if f.CaregiverIDs != nil {
		q = q.Where("caregiver_id IN (?)", bun.In(dedupe(f.CaregiverIDs)))
	}
	if f.EventTypeIDs != nil {
		q = q.Where("event_type_id IN (?)", bun.In(dedupe(f.EventTypeIDs)))
	}
	if f.Statuses != nil {
		q = q.Where("status IN (?)", bun.In(f.Statuses))
	}
	if f.From != nil {
		q = q.Where("occurred_at >= ?", micros(*f.From))
	}
	if f.To != nil {
		q = q.Where("occurred_at < ?", micros(*f.To))
	}
	if f.ReimbursementID != nil {
		q = q.Where("reimbursement_id = ?", *f.ReimbursementID)
	}
	if p.After != nil {
		at := micros(p.After.Time)
		q = q.Where("(occurred_at > ? OR (occurred_at = ? AND id > ?))", at, at, p.After.ID)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, false, fmt.Errorf("store: find events: %w", err)
	}
	more := len(rows) > p.First
	if more {
		rows = rows[:p.First]
	}
	return eventModels(rows), more, nil
}

// VoidEvent voids a PENDING event: it is kept, with the reason, and counts
// in no total. Voiding an event that is not PENDING is EConflict.
func (s *Store) VoidEvent(ctx context.Context, by model.Principal, id int64, reason string) (*model.Event, error) {
	reason, err := model.NormalizeReason(reason)
	if err != nil {
		return nil, err
	}
	var e *model.Event
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		cur, err := s.lockEvent(ctx, tx, id)
		if err != nil {
			if model.ErrorCode(err) == model.ENotFound {
				return &model.Error{Code: model.ENotFound, Field: "id", Message: fmt.Sprintf("event %d not found", id)}
			}
			return err
		}
		if cur.Status != model.StatusPending {
			return &model.Error{Code: model.EConflict, Field: "id", Message: fmt.Sprintf("event %d is %s; only PENDING events can be voided", id, cur.Status)}
		}
		now := micros(s.Now())
		res, err := tx.NewUpdate().Table("events").
			Set("status = ?", model.StatusVoided).Set("voided_at = ?", now).
			Set("voided_by = ?", by.TokenID).Set("void_reason = ?", reason).
			Where("id = ? AND status = ?", id, model.StatusPending).Exec(ctx)
		if err != nil {
			return fmt.Errorf("store: void event: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			// Unreachable while the row is locked, but the rollups must
			// never move for an event that did not change.
			return &model.Error{Code: model.EConflict, Field: "id", Message: fmt.Sprintf("event %d changed concurrently; only PENDING events can be voided", id)}
		}
		d := rollupDeltas{}
		if err := d.add(int32(cur.Month), cur.CaregiverID, cur.EventTypeID, model.StatusPending, -1, -int64(cur.Amount)); err != nil {
			return err
		}
		if err := applyRollups(ctx, tx, d); err != nil {
			return err
		}
		e, err = findEvent(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.obs.EventsVoided(1)
	return e, nil
}
