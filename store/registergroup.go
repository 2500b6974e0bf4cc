package store

import (
	"context"
	"fmt"

	"github.com/reimburse/reimburse/model"
	"github.com/uptrace/bun"
)

// commitGroup registers the batch's events in one transaction through
// register, each request failing alone: a request that fails its checks
// gets its own error and writes nothing, and idempotency keys behave as
// across separate calls in batch order. If the transaction fails, every
// request gets its error.
func (s *Store) commitGroup(ctx context.Context, batch []*registerReq) {
	items := make([]regItem, len(batch))
	for i, r := range batch {
		items[i] = regItem{by: r.by, now: r.now, in: r.in}
	}
	var inserted int
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		inserted, err = s.register(ctx, tx, items, true)
		return err
	})
	if err != nil && len(batch) > 1 && model.IsOverflow(err) {
		// One request took a monthly sum past the range of Money: commit
		// each on its own, in batch order, so that it fails alone as a bad
		// input does, rather than failing its neighbours too. Rare, so
		// the extra commits cost nothing that matters.
		for _, r := range batch {
			s.commitGroup(ctx, []*registerReq{r})
		}
		return
	}
	for i, r := range batch {
		if err != nil {
			r.ev, r.err = model.Event{}, err
		} else {
			r.ev, r.err = items[i].ev, items[i].errs.Err()
		}
	}
	if err != nil {
		return
	}
	if inserted > 0 {
		s.obs.EventsRegistered(inserted)
	}
	s.obs.GroupCommitted(len(batch))
}

// collidedKeys returns the events now holding the keys of the collided
// rows.
func collidedKeys(ctx context.Context, tx bun.Tx, rows []eventRow, collided map[int]bool) (map[ownedKey]model.Event, error) {
	if len(collided) == 0 {
		return nil, nil
	}
	keys := make([]ownedKey, 0, len(collided))
	for i := range collided {
		keys = append(keys, ownedKey{rows[i].CaregiverID, *rows[i].IdempotencyKey})
	}
	return findEventsByKeys(ctx, tx, keys)
}

// insertRows inserts rows with multi-row INSERTs, filling their ids. The
// idempotency keys were checked in the same transaction, so a unique
// violation means another process inserted a key in between, which
// PostgreSQL's READ COMMITTED allows. Then the INSERTs are rolled back to
// a savepoint and the rows inserted one by one, each under its own
// savepoint, so that only the colliding rows fail; their indexes are
// returned. SAVEPOINT, RELEASE and ROLLBACK TO are the same on SQLite and
// PostgreSQL.
func insertRows(ctx context.Context, tx bun.Tx, rows []eventRow) (map[int]bool, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	if _, err := tx.ExecContext(ctx, "SAVEPOINT register_group"); err != nil {
		return nil, fmt.Errorf("store: savepoint: %w", err)
	}
	err := insertEvents(ctx, tx, rows)
	if err == nil {
		if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT register_group"); err != nil {
			return nil, fmt.Errorf("store: release savepoint: %w", err)
		}
		return nil, nil
	}
	if !isUnique(err) {
		return nil, fmt.Errorf("store: insert events: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT register_group"); err != nil {
		return nil, fmt.Errorf("store: rollback to savepoint: %w", err)
	}
	collided := map[int]bool{}
	for i := range rows {
		rows[i].ID = 0
		if _, err := tx.ExecContext(ctx, "SAVEPOINT register_one"); err != nil {
			return nil, fmt.Errorf("store: savepoint: %w", err)
		}
		one := rows[i : i+1]
		_, err := tx.NewInsert().Model(&one).Returning("id").Exec(ctx)
		switch {
		case err == nil:
			_, err = tx.ExecContext(ctx, "RELEASE SAVEPOINT register_one")
		case isUnique(err):
			collided[i] = true
			if _, err = tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT register_one"); err == nil {
				_, err = tx.ExecContext(ctx, "RELEASE SAVEPOINT register_one")
			}
		default:
			return nil, fmt.Errorf("store: insert event: %w", err)
		}
		if err != nil {
			return nil, fmt.Errorf("store: savepoint: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT register_group"); err != nil {
		return nil, fmt.Errorf("store: release savepoint: %w", err)
	}
	return collided, nil
}
