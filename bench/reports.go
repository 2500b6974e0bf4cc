package main

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
)

// reportQuery is the nested report every shape sends: one GraphQL object
// per month x caregiver cell, as front ends ask for it.
const reportQuery = `query BenchReport($from: DateTime, $to: DateTime, $ids: [ID!]) {
  report(from: $from, to: $to, caregiverIds: $ids) {
    months { month caregivers { caregiver { id name } totals { eventCount amount { amount } reimbursed { amount } pending { amount } } } }
  }
}`

// shape is one report query measured over HTTP and naively.
type shape struct {
	name     string
	from, to time.Time
	ids      []int64 // nil: all caregivers
	whole    bool    // timed --whole-runs times
}

// shapes holds the data-dependent parts of the measurements.
type shapes struct {
	list       []shape
	caregivers []int64
	typeIDs    []int64
	events     int64
	st         *store.Store // opened in-process for the naive GROUP BY
}

// newShapes opens the database in-process and derives the four shapes from
// the seeded period: whole period x all caregivers; the last 12 months x 100
// caregivers; the last month x all caregivers; one caregiver x all months.
func newShapes(ctx context.Context, c config) (*shapes, error) {
	from, err := time.Parse(time.DateOnly, c.from)
	if err != nil {
		return nil, fmt.Errorf("--from: %w", err)
	}
	to, err := time.Parse(time.DateOnly, c.to)
	if err != nil {
		return nil, fmt.Errorf("--to: %w", err)
	}
	st, err := store.Open(ctx, store.Options{Path: c.db})
	if err != nil {
		return nil, err
	}
	sh := &shapes{st: st}
	_, r := st.DBs()
	if sh.caregivers, err = ids(ctx, r, "SELECT id FROM caregivers ORDER BY id"); err != nil {
		return nil, err
	}
	if sh.typeIDs, err = ids(ctx, r, "SELECT id FROM event_types ORDER BY id"); err != nil {
		return nil, err
	}
	if err := r.QueryRowContext(ctx, "SELECT COUNT(*) FROM events").Scan(&sh.events); err != nil {
		return nil, err
	}
	if len(sh.caregivers) == 0 || len(sh.typeIDs) == 0 {
		return nil, fmt.Errorf("%s has no caregivers or event types", c.db)
	}
	last := model.MonthOf(to, time.UTC).Prev()
	year := last
	for range 11 {
		year = year.Prev()
	}
	var hundred []int64
	step := max(1, len(sh.caregivers)/100)
	for i := 0; i < len(sh.caregivers) && len(hundred) < 100; i += step {
		hundred = append(hundred, sh.caregivers[i])
	}
	sh.list = []shape{
		{name: "whole period x all caregivers", from: from, to: to, whole: true},
		{name: fmt.Sprintf("12 months x %d caregivers", len(hundred)), from: year.Start(time.UTC), to: to, ids: hundred},
		{name: "one month x all caregivers", from: last.Start(time.UTC), to: to},
		{name: "one caregiver x all months", from: from, to: to, ids: sh.caregivers[:1]},
	}
	return sh, nil
}

// ids reads one column of ids.
func ids(ctx context.Context, db *sql.DB, q string) ([]int64, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// measureShape times one shape over HTTP, the rollup report in-process and
// the naive GROUP BY in-process, and checks that HTTP and naive agree on the
// number of cells and events.
func measureShape(ctx context.Context, c config, cl *client, sh *shapes, s shape, t *table, logf func(string, ...any)) error {
	n := c.runs
	if s.whole {
		n = c.wholeRuns
	}
	vars := map[string]any{"from": model.FormatDateTime(s.from), "to": model.FormatDateTime(s.to), "ids": nil}
	if s.ids != nil {
		strs := make([]string, len(s.ids))
		for i, id := range s.ids {
			strs[i] = fmt.Sprint(id)
		}
		vars["ids"] = strs
	}
	logf("%s: warm-up and check", s.name)
	body, err := cl.post(ctx, reportQuery, vars)
	if err != nil {
		return fmt.Errorf("%s: %w", s.name, err)
	}
	cells, events, err := countCells(body)
	if err != nil {
		return fmt.Errorf("%s: %w", s.name, err)
	}
	q := model.ReportQuery{From: &s.from, To: &s.to, CaregiverIDs: s.ids}
	var httpT, storeT, naiveT []time.Duration
	logf("%s: %d runs over HTTP", s.name, n)
	for range n {
		start := time.Now()
		if _, err := cl.post(ctx, reportQuery, vars); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		httpT = append(httpT, time.Since(start))
	}
	logf("%s: %d runs of store.Report in-process", s.name, n)
	for range n {
		start := time.Now()
		if _, err := sh.st.Report(ctx, q); err != nil {
			return err
		}
		storeT = append(storeT, time.Since(start))
	}
	if c.naive {
		logf("%s: %d runs of the naive GROUP BY in-process", s.name, n)
		for i := range n {
			start := time.Now()
			rep, err := sh.st.ReportNaive(ctx, q)
			if err != nil {
				return err
			}
			naiveT = append(naiveT, time.Since(start))
			if i == 0 {
				nc := 0
				for _, m := range rep.Months {
					nc += len(m.Caregivers)
				}
				if nc != cells || rep.Totals.EventCount != events {
					return fmt.Errorf("%s: HTTP gave %d cells / %d events, the naive GROUP BY %d / %d", s.name, cells, events, nc, rep.Totals.EventCount)
				}
			}
		}
	}
	r := row{what: "report: " + s.name, n: n, result: fmt.Sprintf("%s cells, %s events, %.1f MB", thousands(cells), thousands(int(events)), float64(len(body))/1e6),
		p50: pct(httpT, 50), p95: pct(httpT, 95), store: pct(storeT, 50)}
	if c.naive {
		r.naive50, r.naive95 = pct(naiveT, 50), pct(naiveT, 95)
	}
	t.add(r)
	return nil
}
