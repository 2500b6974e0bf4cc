package store

import (
	"context"
	"fmt"
	"time"

	"github.com/reimburse/reimburse/model"
	"github.com/uptrace/bun"
)

// Report computes the monthly report for q: sums per month (in the report
// time zone) per caregiver, and per event type only when q.ByEventType is
// set. Voided events count nowhere. Unknown caregiver ids are EInvalid
// naming them.
//
// Whole months inside the period are read from the rollup tables
// (month_caregiver_rollups, or month_rollups when byEventType is asked); only
// the partial months at the edges of the period touch raw events. Both reads
// share one read transaction, so they see the same snapshot.
func (s *Store) Report(ctx context.Context, q model.ReportQuery) (*model.Report, error) {
	return s.report(ctx, q, false)
}

// ReportNaive computes the same report with one GROUP BY over raw events.
// It is the reference that Report is tested and benchmarked against.
func (s *Store) ReportNaive(ctx context.Context, q model.ReportQuery) (*model.Report, error) {
	return s.report(ctx, q, true)
}

func (s *Store) report(ctx context.Context, q model.ReportQuery, naive bool) (*model.Report, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	rep := &model.Report{From: q.From, To: q.To, TimeZone: s.loc.String(), Currency: s.currency}
	if q.CaregiverIDs != nil && len(q.CaregiverIDs) == 0 {
		return rep, nil
	}
	err := s.r.RunInTx(ctx, s.readTx(), func(ctx context.Context, tx bun.Tx) error {
		if err := checkCaregivers(ctx, tx, q.CaregiverIDs); err != nil {
			return err
		}
		if q.From != nil && q.To != nil && !q.From.Before(*q.To) {
			return nil
		}
		var rows []model.ReportRow
		var err error
		if naive {
			rows, err = rawRows(ctx, tx, q, q.From, q.To)
		} else {
			rows, err = s.splitRows(ctx, tx, q)
		}
		if err != nil {
			return err
		}
		return model.BuildReport(rep, rows)
	})
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// splitRows reads whole months from rollups and the partial edge months
// from raw events, returning rows ordered by month, caregiver and type.
func (s *Store) splitRows(ctx context.Context, db bun.IDB, q model.ReportQuery) ([]model.ReportRow, error) {
	p := splitPeriod(q.From, q.To, s.loc)
	if !p.hasFull {
		return rawRows(ctx, db, q, q.From, q.To)
	}
	var rows []model.ReportRow
	if p.lowEnd != nil {
		low, err := rawRows(ctx, db, q, q.From, p.lowEnd)
		if err != nil {
			return nil, err
		}
		rows = append(rows, low...)
	}
	mid, err := rollupRows(ctx, db, q, p.first, p.last)
	if err != nil {
		return nil, err
	}
	rows = append(rows, mid...)
	if p.highStart != nil {
		high, err := rawRows(ctx, db, q, p.highStart, q.To)
		if err != nil {
			return nil, err
		}
		rows = append(rows, high...)
	}
	return rows, nil
}

// period is [from, to) cut into a partial edge before the whole months, the
// whole months first..last, and a partial edge after them.
type period struct {
	hasFull     bool
	first, last model.YearMonth
	lowEnd      *time.Time // raw events in [from, lowEnd) when set
	highStart   *time.Time // raw events in [highStart, to) when set
}

// Month keys far outside any real data, for unbounded periods.
const (
	minMonth model.YearMonth = 101    // 0001-01
	maxMonth model.YearMonth = 999912 // 9999-12
)

func splitPeriod(from, to *time.Time, loc *time.Location) period {
	p := period{first: minMonth, last: maxMonth}
	if from != nil {
		m := model.MonthOf(*from, loc)
		if m.Start(loc).Equal(*from) {
			p.first = m
		} else {
			p.first = m.Next()
			end := p.first.Start(loc).UTC()
			p.lowEnd = &end
		}
	}
	if to != nil {
		m := model.MonthOf(*to, loc)
		p.last = m.Prev()
		if !m.Start(loc).Equal(*to) {
			start := m.Start(loc).UTC()
			p.highStart = &start
		}
	}
	p.hasFull = p.first <= p.last
	return p
}

// reportRow is the scan target of both row queries.
type reportRow struct {
	Month       int32  `bun:"month"`
	CaregiverID int64  `bun:"caregiver_id"`
	EventTypeID int64  `bun:"event_type_id"`
	Status      string `bun:"status"`
	Count       int64  `bun:"count"`
	Amount      int64  `bun:"amount"`
}

func toModelRows(raw []reportRow) []model.ReportRow {
	rows := make([]model.ReportRow, len(raw))
	for i, r := range raw {
		rows[i] = model.ReportRow{Month: model.YearMonth(r.Month), CaregiverID: r.CaregiverID, EventTypeID: r.EventTypeID,
			Status: model.EventStatus(r.Status), Count: r.Count, Amount: model.Money(r.Amount)}
	}
	return rows
}

func groupCols(q model.ReportQuery) string {
	if q.ByEventType {
		return "month, caregiver_id, event_type_id"
	}
	return "month, caregiver_id"
}

// rawRows groups raw events in [from, to) with plain, portable SQL: the
// month key is a column, so no date functions are needed.
func rawRows(ctx context.Context, db bun.IDB, q model.ReportQuery, from, to *time.Time) ([]model.ReportRow, error) {
	cols := groupCols(q)
	sel := db.NewSelect().Table("events").
		ColumnExpr(cols+", status, COUNT(*) AS count, SUM(amount) AS amount").
		Where("status <> ?", model.StatusVoided).
		GroupExpr(cols + ", status").
		OrderExpr(cols)
	if from != nil {
		sel = sel.Where("occurred_at >= ?", micros(*from))
	}
	if to != nil {
		sel = sel.Where("occurred_at < ?", micros(*to))
	}
	if q.CaregiverIDs != nil {
		sel = sel.Where("caregiver_id IN (?)", bun.In(dedupe(q.CaregiverIDs)))
	}
	var raw []reportRow
	if err := sel.Scan(ctx, &raw); err != nil {
		return nil, fmt.Errorf("store: report events: %w", err)
	}
	return toModelRows(raw), nil
}

// rollupRows sums the rollups of the whole months first..last. It groups
// by a prefix of the table's primary key (month, caregiver, type) and splits
// the statuses with conditional sums, so SQLite walks the key in order with
// no temporary sort (grouping by status as well needs one: about twice the
// time on a whole-period report).
func rollupRows(ctx context.Context, db bun.IDB, q model.ReportQuery, first, last model.YearMonth) ([]model.ReportRow, error) {
	cols := groupCols(q)
	table := "month_rollups"
	if !q.ByEventType {
		table = "month_caregiver_rollups" // the same sums without the type: far fewer rows
	}
	sel := db.NewSelect().Table(table).
		ColumnExpr(cols+
			", SUM(CASE WHEN status = 'PENDING' THEN event_count ELSE 0 END) AS pending_count"+
			", SUM(CASE WHEN status = 'PENDING' THEN amount ELSE 0 END) AS pending_amount"+
			", SUM(CASE WHEN status = 'REIMBURSED' THEN event_count ELSE 0 END) AS reimbursed_count"+
			", SUM(CASE WHEN status = 'REIMBURSED' THEN amount ELSE 0 END) AS reimbursed_amount").
		Where("month >= ? AND month <= ?", int32(first), int32(last)).
		GroupExpr(cols).
		OrderExpr(cols)
	if q.CaregiverIDs != nil {
		sel = sel.Where("caregiver_id IN (?)", bun.In(dedupe(q.CaregiverIDs)))
	}
	var raw []struct {
		Month            int32 `bun:"month"`
		CaregiverID      int64 `bun:"caregiver_id"`
		EventTypeID      int64 `bun:"event_type_id"`
		PendingCount     int64 `bun:"pending_count"`
		PendingAmount    int64 `bun:"pending_amount"`
		ReimbursedCount  int64 `bun:"reimbursed_count"`
		ReimbursedAmount int64 `bun:"reimbursed_amount"`
	}
	if err := sel.Scan(ctx, &raw); err != nil {
		return nil, fmt.Errorf("store: report rollups: %w", err)
	}
	rows := make([]model.ReportRow, 0, 2*len(raw))
	for _, r := range raw {
		base := model.ReportRow{Month: model.YearMonth(r.Month), CaregiverID: r.CaregiverID, EventTypeID: r.EventTypeID}
		if r.PendingCount != 0 {
			p := base
			p.Status, p.Count, p.Amount = model.StatusPending, r.PendingCount, model.Money(r.PendingAmount)
			rows = append(rows, p)
		}
		if r.ReimbursedCount != 0 {
			p := base
			p.Status, p.Count, p.Amount = model.StatusReimbursed, r.ReimbursedCount, model.Money(r.ReimbursedAmount)
			rows = append(rows, p)
		}
	}
	return rows, nil
}
