package store

import (
	"context"
	"fmt"

	"github.com/reimburse/reimburse/model"
	"github.com/uptrace/bun"
)

type caregiverRow struct {
	bun.BaseModel `bun:"table:caregivers"`
	ID            int64   `bun:"id,pk,autoincrement"`
	Name          string  `bun:"name"`
	ExternalRef   *string `bun:"external_ref"`
	CreatedAt     int64   `bun:"created_at"`
}

func (r *caregiverRow) model() model.Caregiver {
	return model.Caregiver{ID: r.ID, Name: r.Name, ExternalRef: r.ExternalRef, CreatedAt: fromMicros(r.CreatedAt)}
}

// CreateCaregiver adds a caregiver. A duplicate externalRef is EConflict.
func (s *Store) CreateCaregiver(ctx context.Context, in model.NewCaregiver) (*model.Caregiver, error) {
	if err := in.Normalize(); err != nil {
		return nil, err
	}
	row := caregiverRow{Name: in.Name, ExternalRef: in.ExternalRef, CreatedAt: micros(s.Now())}
	if _, err := s.w.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
		if isUnique(err) {
			return nil, &model.Error{Code: model.EConflict, Field: "externalRef", Message: fmt.Sprintf("a caregiver with externalRef %q already exists", *in.ExternalRef)}
		}
		return nil, fmt.Errorf("store: create caregiver: %w", err)
	}
	c := row.model()
	return &c, nil
}

// FindCaregiverByID returns a caregiver or ENotFound.
func (s *Store) FindCaregiverByID(ctx context.Context, id int64) (*model.Caregiver, error) {
	var row caregiverRow
	if err := scanOne(ctx, s.r.NewSelect().Model(&row).Where("id = ?", id), "caregiver", id); err != nil {
		return nil, err
	}
	c := row.model()
	return &c, nil
}

// FindCaregiversByIDs returns the caregivers that exist among ids, in any
// order.
func (s *Store) FindCaregiversByIDs(ctx context.Context, ids []int64) ([]model.Caregiver, error) {
	return findCaregiversByIDs(ctx, s.r, ids)
}

func findCaregiversByIDs(ctx context.Context, db bun.IDB, ids []int64) ([]model.Caregiver, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []caregiverRow
	if err := db.NewSelect().Model(&rows).Where("id IN (?)", bun.In(ids)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: find caregivers: %w", err)
	}
	out := make([]model.Caregiver, len(rows))
	for i := range rows {
		out[i] = rows[i].model()
	}
	return out, nil
}

// FindCaregivers returns up to p.First caregivers that f matches, by id
// after the cursor, and whether more follow.
func (s *Store) FindCaregivers(ctx context.Context, f model.CaregiverFilter, p model.PageArgs) ([]model.Caregiver, bool, error) {
	if f.IDs != nil && len(f.IDs) == 0 {
		return nil, false, nil
	}
	var rows []caregiverRow
	q := s.r.NewSelect().Model(&rows).OrderExpr("id ASC").Limit(int64(p.First + 1))
	if f.IDs != nil {
		q = q.Where("id IN (?)", bun.In(dedupe(f.IDs)))
	}
	if p.After != nil {
		q = q.Where("id > ?", p.After.ID)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, false, fmt.Errorf("store: find caregivers: %w", err)
	}
	more := len(rows) > p.First
	if more {
		rows = rows[:p.First]
	}
	out := make([]model.Caregiver, len(rows))
	for i := range rows {
		out[i] = rows[i].model()
	}
	return out, more, nil
}

// checkCaregivers returns EInvalid naming every id that is not a caregiver.
func checkCaregivers(ctx context.Context, db bun.IDB, ids []int64) error {
	missing, err := missingIDs(ctx, db, "caregivers", ids)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return model.Invalid("caregiverIds", "unknown caregiver ids: %s", joinIDs(missing))
	}
	return nil
}

func joinIDs(ids []int64) string {
	const show = 20
	s := ""
	for i, id := range ids {
		if i == show {
			return s + fmt.Sprintf(" and %d more", len(ids)-show)
		}
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprint(id)
	}
	return s
}

// missingIDs returns the ids, in the order given, that have no row in table.
func missingIDs(ctx context.Context, db bun.IDB, table string, ids []int64) ([]int64, error) {
	ids = dedupe(ids)
	if len(ids) == 0 {
		return nil, nil
	}
	var found []int64
	if err := db.NewSelect().Table(table).Column("id").Where("id IN (?)", bun.In(ids)).Scan(ctx, &found); err != nil {
		return nil, fmt.Errorf("store: check %s ids: %w", table, err)
	}
	have := make(map[int64]bool, len(found))
	for _, id := range found {
		have[id] = true
	}
	var missing []int64
	for _, id := range ids {
		if !have[id] {
			missing = append(missing, id)
		}
	}
	return missing, nil
}
