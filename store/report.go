package store

import (
	"context"
	"fmt"

	"github.com/reimburse/reimburse/model"
	"github.com/uptrace/bun"
)

// Report computes the monthly report for q: sums per month (in the report
// time zone, from each event's stored month key) per caregiver, and per event
// type only when q.ByEventType is set. Voided events count nowhere. Unknown
// caregiver ids are EInvalid naming them.
//
// This is the one place reports are computed; faster strategies (rollups)
// replace its body behind the same signature.
func (s *Store) Report(ctx context.Context, q model.ReportQuery) (*model.Report, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	rep := &model.Report{From: q.From, To: q.To, TimeZone: s.loc.String(), Currency: s.currency}
	if q.CaregiverIDs != nil && len(q.CaregiverIDs) == 0 {
		return rep, nil
	}
	if err := checkCaregivers(ctx, s.r, q.CaregiverIDs); err != nil {
		return nil, err
	}
	if q.From != nil && q.To != nil && !q.From.Before(*q.To) {
		return rep, nil
	}
	rows, err := reportRows(ctx, s.r, q)
	if err != nil {
		return nil, err
	}
	model.BuildReport(rep, rows)
	return rep, nil
}

// reportRows groups raw events with plain, portable SQL: the month key is a
// column, so no date functions are needed.
func reportRows(ctx context.Context, db bun.IDB, q model.ReportQuery) ([]model.ReportRow, error) {
	cols := "month, caregiver_id"
	if q.ByEventType {
		cols += ", event_type_id"
	}
	sel := db.NewSelect().Table("events").
		ColumnExpr(cols+", status, COUNT(*) AS count, SUM(amount) AS amount").
		Where("status <> ?", model.StatusVoided).
		GroupExpr(cols + ", status").
		OrderExpr(cols)
	if q.From != nil {
		sel = sel.Where("occurred_at >= ?", micros(*q.From))
	}
	if q.To != nil {
		sel = sel.Where("occurred_at < ?", micros(*q.To))
	}
	if q.CaregiverIDs != nil {
		sel = sel.Where("caregiver_id IN (?)", bun.In(dedupe(q.CaregiverIDs)))
	}
	var raw []struct {
		Month       int32  `bun:"month"`
		CaregiverID int64  `bun:"caregiver_id"`
		EventTypeID int64  `bun:"event_type_id"`
		Status      string `bun:"status"`
		Count       int64  `bun:"count"`
		Amount      int64  `bun:"amount"`
	}
	if err := sel.Scan(ctx, &raw); err != nil {
		return nil, fmt.Errorf("store: report: %w", err)
	}
	rows := make([]model.ReportRow, len(raw))
	for i, r := range raw {
		rows[i] = model.ReportRow{Month: model.YearMonth(r.Month), CaregiverID: r.CaregiverID, EventTypeID: r.EventTypeID,
			Status: model.EventStatus(r.Status), Count: r.Count, Amount: model.Money(r.Amount)}
	}
	return rows, nil
}
