package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/reimburse/reimburse/model"
	"github.com/uptrace/bun"
)

type rollupRow struct {
	bun.BaseModel `bun:"table:month_rollups"`
	Month         int32  `bun:"month,pk"`
	CaregiverID   int64  `bun:"caregiver_id,pk"`
	EventTypeID   int64  `bun:"event_type_id,pk"`
	Status        string `bun:"status,pk"`
	EventCount    int64  `bun:"event_count"`
	Amount        int64  `bun:"amount"`
}

// caregiverRollupRow is a row of month_caregiver_rollups: month_rollups
// summed over event types.
type caregiverRollupRow struct {
	bun.BaseModel `bun:"table:month_caregiver_rollups"`
	Month         int32  `bun:"month,pk"`
	CaregiverID   int64  `bun:"caregiver_id,pk"`
	Status        string `bun:"status,pk"`
	EventCount    int64  `bun:"event_count"`
	Amount        int64  `bun:"amount"`
}

type rollupKey struct {
	month  int32
	cg, et int64
	status model.EventStatus
}

// rollupDeltas gathers the changes one write makes to the monthly sums, so
// that each touched rollup row is updated once per transaction.
type rollupDeltas map[rollupKey]*[2]int64 // count, amount

func (d rollupDeltas) add(month int32, cg, et int64, status model.EventStatus, n, amount int64) error {
	if status == model.StatusVoided {
		return nil
	}
	k := rollupKey{month, cg, et, status}
	v := d[k]
	if v == nil {
		v = new([2]int64)
		d[k] = v
	}
	sum, err := model.Money(v[1]).Add(model.Money(amount))
	if err != nil {
		return errRollupOverflow()
	}
	v[0] += n
	v[1] = int64(sum)
	return nil
}

// move records that n events worth amount went from one status to another.
func (d rollupDeltas) move(month int32, cg, et int64, from, to model.EventStatus, n, amount int64) error {
	if err := d.add(month, cg, et, from, -n, -amount); err != nil {
		return err
	}
	return d.add(month, cg, et, to, n, amount)
}

// errRollupOverflow is the error of a write that would take a monthly sum
// past the range of Money. The database refuses it too (isSumOverflow), for
// the sums it adds up itself.
func errRollupOverflow() *model.Error {
	return model.Overflow("this would take a caregiver's sum for one month past the largest amount, %s; nothing was changed", model.MaxMoney.Decimal())
}

// isSumOverflow reports whether the database refused an integer sum past
// int64: SQLite would store such a sum as a REAL, which the rollups'
// CHECK (typeof(...) = 'integer') constraints, named *_integer, refuse, and
// its SUM() fails with "integer overflow"; PostgreSQL raises
// numeric_value_out_of_range (SQLSTATE 22003).
func isSumOverflow(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "SQLSTATE 22003") || strings.Contains(msg, "integer overflow") ||
		(strings.Contains(msg, "CHECK constraint failed") && strings.Contains(msg, "_integer"))
}

// rollupChunk bounds the rows of one multi-row upsert.
const rollupChunk = 100

// applyRollups upserts the deltas with increments (never read-modify-write,
// so concurrent writers on PostgreSQL cannot lose updates), in key order so
// that concurrent transactions lock rows in the same order.
func applyRollups(ctx context.Context, tx bun.Tx, d rollupDeltas) error {
	if len(d) == 0 {
		return nil
	}
	rows := make([]rollupRow, 0, len(d))
	for k, v := range d {
		if v[0] == 0 && v[1] == 0 {
			continue
		}
		rows = append(rows, rollupRow{Month: k.month, CaregiverID: k.cg, EventTypeID: k.et, Status: string(k.status), EventCount: v[0], Amount: v[1]})
	}
	slices.SortFunc(rows, func(a, b rollupRow) int {
		return cmp.Or(cmp.Compare(a.Month, b.Month), cmp.Compare(a.CaregiverID, b.CaregiverID),
			cmp.Compare(a.EventTypeID, b.EventTypeID), cmp.Compare(a.Status, b.Status))
	})
	err := upsertIncrements(ctx, tx, rows, "month_rollups", "month, caregiver_id, event_type_id, status", 6, func(r *rollupRow, args []any) []any {
		return append(args, r.Month, r.CaregiverID, r.EventTypeID, r.Status, r.EventCount, r.Amount)
	})
	if err != nil {
		return err
	}
	return applyCaregiverRollups(ctx, tx, rows)
}

// applyCaregiverRollups adds the same changes, summed over event types, to
// month_caregiver_rollups. rows are in key order, so the sums come out in
// key order too.
func applyCaregiverRollups(ctx context.Context, tx bun.Tx, rows []rollupRow) error {
	var sums []caregiverRollupRow
	for _, r := range rows {
		if n := len(sums); n > 0 {
			// rows sort by month, caregiver, type, status: the same month and
			// caregiver may come back for another type, so look up the status.
			if i := findCaregiverSum(sums, r); i >= 0 {
				sum, err := model.Money(sums[i].Amount).Add(model.Money(r.Amount))
				if err != nil {
					return errRollupOverflow()
				}
				sums[i].EventCount += r.EventCount
				sums[i].Amount = int64(sum)
				continue
			}
		}
		sums = append(sums, caregiverRollupRow{Month: r.Month, CaregiverID: r.CaregiverID, Status: r.Status, EventCount: r.EventCount, Amount: r.Amount})
	}
	slices.SortFunc(sums, func(a, b caregiverRollupRow) int {
		return cmp.Or(cmp.Compare(a.Month, b.Month), cmp.Compare(a.CaregiverID, b.CaregiverID), cmp.Compare(a.Status, b.Status))
	})
	return upsertIncrements(ctx, tx, sums, "month_caregiver_rollups", "month, caregiver_id, status", 5, func(r *caregiverRollupRow, args []any) []any {
		return append(args, r.Month, r.CaregiverID, r.Status, r.EventCount, r.Amount)
	})
}

// upsertIncrements adds rows (in key order) to table with multi-row
// INSERT ... ON CONFLICT (key) DO UPDATE by increments. cols are the key
// columns then event_count and amount; bind appends one row's values in
// that order.
func upsertIncrements[T any](ctx context.Context, tx bun.Tx, rows []T, table, key string, cols int, bind func(*T, []any) []any) error {
	m := multiRow{
		head: "INSERT INTO " + table + " (" + key + ", event_count, amount) VALUES ",
		tail: " ON CONFLICT (" + key + ") DO UPDATE SET event_count = " + table + ".event_count + EXCLUDED.event_count, amount = " +
			table + ".amount + EXCLUDED.amount",
		cols: cols, chunk: rollupChunk, pg: isPG(tx),
	}
	err := m.exec(ctx, tx, len(rows), func(start, end int, args []any) []any {
		for i := start; i < end; i++ {
			args = bind(&rows[i], args)
		}
		return args
	})
	if isSumOverflow(err) {
		return errRollupOverflow()
	}
	if err != nil {
		return fmt.Errorf("store: update %s: %w", table, err)
	}
	return nil
}

// findCaregiverSum returns the index of r's (month, caregiver, status) among
// the trailing sums of r's month and caregiver, or -1.
func findCaregiverSum(sums []caregiverRollupRow, r rollupRow) int {
	for i := len(sums) - 1; i >= 0 && sums[i].Month == r.Month && sums[i].CaregiverID == r.CaregiverID; i-- {
		if sums[i].Status == r.Status {
			return i
		}
	}
	return -1
}

// pendingDeltas returns the rollup moves for reimbursing the PENDING events
// that where selects.
func pendingDeltas(ctx context.Context, db bun.IDB, where func(bun.QueryBuilder) bun.QueryBuilder) (rollupDeltas, error) {
	var groups []struct {
		Month       int32 `bun:"month"`
		CaregiverID int64 `bun:"caregiver_id"`
		EventTypeID int64 `bun:"event_type_id"`
		N           int64 `bun:"n"`
		Amount      int64 `bun:"amount"`
	}
	sel := db.NewSelect().Table("events").
		ColumnExpr("month, caregiver_id, event_type_id, COUNT(*) AS n, SUM(amount) AS amount").
		GroupExpr("month, caregiver_id, event_type_id")
	if err := where(sel.QueryBuilder()).Unwrap().(*bun.SelectQuery).Scan(ctx, &groups); err != nil {
		if isSumOverflow(err) {
			return nil, errRollupOverflow()
		}
		return nil, fmt.Errorf("store: group pending: %w", err)
	}
	d := rollupDeltas{}
	for _, g := range groups {
		if err := d.move(g.Month, g.CaregiverID, g.EventTypeID, model.StatusPending, model.StatusReimbursed, g.N, g.Amount); err != nil {
			return nil, err
		}
	}
	return d, nil
}
