package store

import (
	"context"
	"fmt"

	"github.com/reimburse/reimburse/model"
	"github.com/uptrace/bun"
)

// commitGroup registers the batch's events in one transaction: the inputs
// are checked together (one query per kind), the good ones inserted with
// multi-row INSERTs and the rollups updated once. A request that fails its
// checks gets its own error and writes nothing. Idempotency keys behave as
// across separate calls in batch order: a key already used, in the
// database or earlier in the batch, gives the same event with the same
// payload and EConflict with another. If the transaction fails, every
// request gets its error.
func (s *Store) commitGroup(ctx context.Context, batch []*registerReq) {
	var inserted int
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		ins := make([]model.NewEvent, len(batch))
		for i, r := range batch {
			ins[i] = r.in
			// A retried transaction (PostgreSQL: runTx) starts afresh.
			r.ev, r.err, r.row, r.same = model.Event{}, nil, -1, nil
		}
		rf, err := loadRefs(ctx, tx, ins)
		if err != nil {
			return err
		}
		var rows []eventRow
		var owners []*registerReq               // the request of each row
		firstKey := map[ownedKey]*registerReq{} // key -> the batch's request that inserts it
		for _, r := range batch {
			if r.in.IdempotencyKey != nil {
				key := keyOf(r.in)
				if e, ok := rf.prior[key]; ok {
					if e.SamePayload(r.in) {
						r.ev = e
					} else {
						r.err = model.Errors{conflictKey("", key.key)}
					}
					continue
				}
				if f, ok := firstKey[key]; ok {
					if samePayload(f.in, r.in) {
						r.same = f
					} else {
						r.err = model.Errors{conflictKey("", key.key)}
					}
					continue
				}
			}
			row, errs := s.checkEvent(rf, r.by, r.now, r.in, "")
			if errs != nil {
				r.err = errs
				continue
			}
			r.row = len(rows)
			rows, owners = append(rows, row), append(owners, r)
			if r.in.IdempotencyKey != nil {
				firstKey[keyOf(r.in)] = r
			}
		}
		collided, err := insertRows(ctx, tx, rows)
		if err != nil {
			return err
		}
		// A collision means a concurrent transaction committed the key
		// (PostgreSQL makes the loser's insert wait for the winner's
		// commit), so this statement sees the winner's event: the same
		// payload gets it, like any replay; another payload is EConflict.
		winners, err := collidedKeys(ctx, tx, rows, collided)
		if err != nil {
			return err
		}
		kept := rows[:0:0]
		for i, row := range rows {
			if collided[i] {
				r := owners[i]
				r.row = -1
				if e, ok := winners[keyOf(r.in)]; ok && e.SamePayload(r.in) {
					r.ev = e
				} else {
					r.err = model.Errors{conflictKey("", *row.IdempotencyKey)}
				}
				continue
			}
			kept = append(kept, row)
		}
		inserted = len(kept)
		d, err := registerDeltas(kept)
		if err != nil {
			return err
		}
		if err := applyRollups(ctx, tx, d); err != nil {
			return err
		}
		for _, r := range owners {
			if r.row >= 0 {
				r.ev = rows[r.row].model()
			}
		}
		return nil
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
	if err != nil {
		for _, r := range batch {
			r.ev, r.err = model.Event{}, err
		}
		return
	}
	for _, r := range batch {
		if r.same != nil {
			r.ev, r.err = r.same.ev, r.same.err
		}
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
