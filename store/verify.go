package store

import (
	"context"
	"fmt"
	"sort"

	"github.com/reimburse/reimburse/model"
	"github.com/uptrace/bun"
)

// RollupDiff is one (month, caregiver, type, status) whose rollup row
// disagrees with a recount of the raw events.
type RollupDiff struct {
	Month                    model.YearMonth
	CaregiverID, EventTypeID int64
	Status                   model.EventStatus
	WantCount, GotCount      int64
	WantAmount, GotAmount    model.Money
}

// String describes the difference for an operator.
func (d RollupDiff) String() string {
	return fmt.Sprintf("month %s caregiver %d type %d %s: events say %d events / %s, rollup says %d / %s",
		d.Month, d.CaregiverID, d.EventTypeID, d.Status, d.WantCount, d.WantAmount.Decimal(), d.GotCount, d.GotAmount.Decimal())
}

// VerifyRollups recounts every rollup (month_rollups, and
// month_caregiver_rollups reported with event type 0) from the raw events, in one read
// snapshot, and returns the rows that differ (none when all is well).
func (s *Store) VerifyRollups(ctx context.Context) ([]RollupDiff, error) {
	var diffs []RollupDiff
	err := s.r.RunInTx(ctx, s.readTx(), func(ctx context.Context, tx bun.Tx) error {
		// Per type: month_rollups against the events.
		var raw, rolled []rollupRow
		if err := tx.NewSelect().Table("events").
			ColumnExpr("month, caregiver_id, event_type_id, status, COUNT(*) AS event_count, SUM(amount) AS amount").
			Where("status <> ?", model.StatusVoided).
			GroupExpr("month, caregiver_id, event_type_id, status").Scan(ctx, &raw); err != nil {
			return fmt.Errorf("store: recount events: %w", err)
		}
		if err := tx.NewSelect().Model(&rolled).Scan(ctx); err != nil {
			return fmt.Errorf("store: read rollups: %w", err)
		}
		diffs = compareRollups(diffs, raw, rolled)
		// Per caregiver (reported with type 0): month_caregiver_rollups
		// against the same recount summed over types.
		var rawCG, rolledCG []rollupRow
		if err := tx.NewSelect().Table("events").
			ColumnExpr("month, caregiver_id, 0 AS event_type_id, status, COUNT(*) AS event_count, SUM(amount) AS amount").
			Where("status <> ?", model.StatusVoided).
			GroupExpr("month, caregiver_id, status").Scan(ctx, &rawCG); err != nil {
			return fmt.Errorf("store: recount events: %w", err)
		}
		if err := tx.NewSelect().Table("month_caregiver_rollups").
			ColumnExpr("month, caregiver_id, 0 AS event_type_id, status, event_count, amount").Scan(ctx, &rolledCG); err != nil {
			return fmt.Errorf("store: read caregiver rollups: %w", err)
		}
		diffs = compareRollups(diffs, rawCG, rolledCG)
		return nil
	})
	sort.Slice(diffs, func(i, j int) bool {
		a, b := diffs[i], diffs[j]
		if a.Month != b.Month {
			return a.Month < b.Month
		}
		if a.CaregiverID != b.CaregiverID {
			return a.CaregiverID < b.CaregiverID
		}
		if a.EventTypeID != b.EventTypeID {
			return a.EventTypeID < b.EventTypeID
		}
		return a.Status < b.Status
	})
	return diffs, err
}

// compareRollups appends to diffs every key whose rolled-up count or amount
// differs from the recount raw (a missing row counts as zero).
func compareRollups(diffs []RollupDiff, raw, rolled []rollupRow) []RollupDiff {
	type key struct {
		m      int32
		cg, et int64
		st     string
	}
	want := make(map[key]rollupRow, len(raw))
	for _, r := range raw {
		want[key{r.Month, r.CaregiverID, r.EventTypeID, r.Status}] = r
	}
	seen := make(map[key]bool, len(rolled))
	for _, g := range rolled {
		k := key{g.Month, g.CaregiverID, g.EventTypeID, g.Status}
		seen[k] = true
		w := want[k]
		if w.EventCount != g.EventCount || w.Amount != g.Amount {
			diffs = append(diffs, diff(k.m, k.cg, k.et, k.st, w, g))
		}
	}
	for k, w := range want {
		if !seen[k] {
			diffs = append(diffs, diff(k.m, k.cg, k.et, k.st, w, rollupRow{}))
		}
	}
	return diffs
}

func diff(m int32, cg, et int64, st string, want, got rollupRow) RollupDiff {
	return RollupDiff{Month: model.YearMonth(m), CaregiverID: cg, EventTypeID: et, Status: model.EventStatus(st),
		WantCount: want.EventCount, GotCount: got.EventCount, WantAmount: model.Money(want.Amount), GotAmount: model.Money(got.Amount)}
}
