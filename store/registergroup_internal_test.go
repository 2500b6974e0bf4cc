package store

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/reimburse/reimburse/model"
	"github.com/uptrace/bun"
)

// TestInsertRowsKeyCollision drives insertRows' savepoint path, which on
// SQLite only a key registered between the batch's check and its insert
// would take (PostgreSQL's READ COMMITTED allows that): the colliding row
// fails alone and its neighbours are inserted.
func TestInsertRowsKeyCollision(t *testing.T) {
	ctx := context.Background()
	s, _, cg, et := internalFixture(t, Options{Path: filepath.Join(t.TempDir(), "t.db")})
	taken := "taken"
	if _, err := s.RegisterEvent(ctx, model.Principal{TokenID: 1}, model.NewEvent{EventTypeID: et.ID, CaregiverID: cg.ID, OccurredAt: s.Now(), IdempotencyKey: &taken}); err != nil {
		t.Fatal(err)
	}
	row := func(key *string) eventRow {
		return eventRow{EventTypeID: et.ID, CaregiverID: cg.ID, OccurredAt: micros(s.Now()), Month: 202401, Amount: 1000,
			Status: string(model.StatusPending), RegisteredAt: micros(s.Now()), RegisteredBy: 1, IdempotencyKey: key}
	}
	free := "free"
	rows := []eventRow{row(nil), row(&taken), row(&free)}
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		collided, err := insertRows(ctx, tx, rows)
		if err != nil {
			return err
		}
		if len(collided) != 1 || !collided[1] {
			t.Errorf("collided %v, want row 1 only", collided)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rows[0].ID == 0 || rows[2].ID <= rows[0].ID {
		t.Fatalf("ids %d, %d: want both inserted", rows[0].ID, rows[2].ID)
	}
	n, err := s.r.NewSelect().Table("events").Count(ctx)
	if err != nil || n != 3 {
		t.Fatalf("%d events (%v), want 3", n, err)
	}
}
