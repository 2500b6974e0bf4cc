package store

import (
	"context"
	"fmt"

	"github.com/reimburse/reimburse/model"
	"github.com/uptrace/bun"
)

type eventTypeRow struct {
	bun.BaseModel `bun:"table:event_types"`
	ID            int64  `bun:"id,pk,autoincrement"`
	Code          string `bun:"code"`
	Name          string `bun:"name"`
	CreatedAt     int64  `bun:"created_at"`
}

type priceRow struct {
	bun.BaseModel `bun:"table:event_type_prices"`
	ID            int64  `bun:"id,pk,autoincrement"`
	EventTypeID   int64  `bun:"event_type_id"`
	Amount        int64  `bun:"amount"`
	EffectiveFrom *int64 `bun:"effective_from"`
	CreatedAt     int64  `bun:"created_at"`
}

// CreateEventType adds an event type with its first price. A duplicate code
// is EConflict.
func (s *Store) CreateEventType(ctx context.Context, in model.NewEventType) (*model.EventType, error) {
	if err := in.Normalize(); err != nil {
		return nil, err
	}
	var et *model.EventType
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		n, err := tx.NewSelect().Table("event_types").Where("code = ?", in.Code).Count(ctx)
		if err != nil {
			return fmt.Errorf("store: check code: %w", err)
		}
		if n > 0 {
			return &model.Error{Code: model.EConflict, Field: "code", Message: fmt.Sprintf("an event type with code %q already exists", in.Code)}
		}
		now := micros(s.Now())
		row := eventTypeRow{Code: in.Code, Name: in.Name, CreatedAt: now}
		if _, err := tx.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
			if isUnique(err) { // created concurrently since the check (PostgreSQL)
				return &model.Error{Code: model.EConflict, Field: "code", Message: fmt.Sprintf("an event type with code %q already exists", in.Code)}
			}
			return fmt.Errorf("store: create event type: %w", err)
		}
		p := priceRow{EventTypeID: row.ID, Amount: int64(in.Price), EffectiveFrom: optMicros(in.EffectiveFrom), CreatedAt: now}
		if _, err := tx.NewInsert().Model(&p).Returning("id").Exec(ctx); err != nil {
			return fmt.Errorf("store: create price: %w", err)
		}
		et, err = findEventType(ctx, tx, row.ID)
		return err
	})
	return et, err
}

// SetEventTypePrice adds a price to a type's history. Events already
// registered keep the amount they were registered with. A second price with
// the same effectiveFrom is EConflict: history is never rewritten.
func (s *Store) SetEventTypePrice(ctx context.Context, in model.NewPrice) (*model.EventType, error) {
	if err := in.Normalize(); err != nil {
		return nil, err
	}
	var et *model.EventType
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := findEventType(ctx, tx, in.EventTypeID); err != nil {
			if model.ErrorCode(err) == model.ENotFound {
				return &model.Error{Code: model.ENotFound, Field: "eventTypeId", Message: fmt.Sprintf("event type %d not found", in.EventTypeID)}
			}
			return err
		}
		p := priceRow{EventTypeID: in.EventTypeID, Amount: int64(in.Price), EffectiveFrom: optMicros(&in.EffectiveFrom), CreatedAt: micros(s.Now())}
		if _, err := tx.NewInsert().Model(&p).Returning("id").Exec(ctx); err != nil {
			if isUnique(err) {
				return &model.Error{Code: model.EConflict, Field: "effectiveFrom", Message: fmt.Sprintf("event type %d already has a price effective from %s", in.EventTypeID, model.FormatDateTime(in.EffectiveFrom))}
			}
			return fmt.Errorf("store: set price: %w", err)
		}
		var err error
		et, err = findEventType(ctx, tx, in.EventTypeID)
		return err
	})
	return et, err
}

// FindEventTypeByID returns an event type with its price history, or
// ENotFound.
func (s *Store) FindEventTypeByID(ctx context.Context, id int64) (*model.EventType, error) {
	return findEventType(ctx, s.r, id)
}

func findEventType(ctx context.Context, db bun.IDB, id int64) (*model.EventType, error) {
	ets, err := findEventTypes(ctx, db, []int64{id})
	if err != nil {
		return nil, err
	}
	if len(ets) == 0 {
		return nil, model.Errorf(model.ENotFound, "event type %d not found", id)
	}
	return &ets[0], nil
}

// FindEventTypesByIDs returns the event types that exist among ids, with
// their price histories, in any order.
func (s *Store) FindEventTypesByIDs(ctx context.Context, ids []int64) ([]model.EventType, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return findEventTypes(ctx, s.r, ids)
}

// FindEventTypes returns every event type, ordered by code.
func (s *Store) FindEventTypes(ctx context.Context) ([]model.EventType, error) {
	return findEventTypes(ctx, s.r, nil)
}

// findEventTypes loads types (all when ids is nil) and their prices in two
// queries.
func findEventTypes(ctx context.Context, db bun.IDB, ids []int64) ([]model.EventType, error) {
	var rows []eventTypeRow
	q := db.NewSelect().Model(&rows).OrderExpr("code ASC")
	if ids != nil {
		q = q.Where("id IN (?)", bun.In(dedupe(ids)))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: find event types: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	typeIDs := make([]int64, len(rows))
	for i, r := range rows {
		typeIDs[i] = r.ID
	}
	var prices []priceRow
	if err := db.NewSelect().Model(&prices).Where("event_type_id IN (?)", bun.In(typeIDs)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: find prices: %w", err)
	}
	byType := make(map[int64][]model.Price, len(rows))
	for _, p := range prices {
		byType[p.EventTypeID] = append(byType[p.EventTypeID], model.Price{Amount: model.Money(p.Amount), EffectiveFrom: optTime(p.EffectiveFrom)})
	}
	out := make([]model.EventType, len(rows))
	for i, r := range rows {
		ps := byType[r.ID]
		model.SortPrices(ps)
		out[i] = model.EventType{ID: r.ID, Code: r.Code, Name: r.Name, CreatedAt: fromMicros(r.CreatedAt), Prices: ps}
	}
	return out, nil
}
