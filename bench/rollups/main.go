// Command rollups compares the two rollup tables on a seeded database: the
// report's rollup query without event types on month_rollups (one row per
// type) and on month_caregiver_rollups (summed over types), and the whole
// report each way. Medians of 7 runs.
//
//	go run ./cmd/reimburse seed --db /tmp/m1.db --events 1000000 --caregivers 500 --types 50 --from 2021-01-01 --to 2026-01-01 --seed 1
//	go run ./bench/rollups --db /tmp/m1.db
package main

import (
	"context"
	"flag"
	"fmt"
	"sort"
	"time"

	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
)

func main() {
	db := flag.String("db", "reimburse.db", "a seeded SQLite database")
	flag.Parse()
	ctx := context.Background()
	s, err := store.Open(ctx, store.Options{Path: *db})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	w, _ := s.DBs()
	var n1, n2 int
	w.QueryRow("SELECT COUNT(*) FROM month_rollups").Scan(&n1)
	w.QueryRow("SELECT COUNT(*) FROM month_caregiver_rollups").Scan(&n2)
	fmt.Println("rollup rows per type:", n1, "per caregiver:", n2)
	for _, table := range []string{"month_rollups", "month_caregiver_rollups"} {
		var ds []time.Duration
		for i := 0; i < 7; i++ {
			t := time.Now()
			rows, err := w.Query("SELECT month, caregiver_id, SUM(CASE WHEN status = 'PENDING' THEN event_count ELSE 0 END), SUM(CASE WHEN status = 'PENDING' THEN amount ELSE 0 END), SUM(CASE WHEN status = 'REIMBURSED' THEN event_count ELSE 0 END), SUM(CASE WHEN status = 'REIMBURSED' THEN amount ELSE 0 END) FROM " + table + " GROUP BY month, caregiver_id ORDER BY month, caregiver_id")
			if err != nil {
				panic(err)
			}
			n := 0
			for rows.Next() {
				n++
			}
			rows.Close()
			ds = append(ds, time.Since(t))
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		fmt.Printf("the report's rollup query without types on %s: median %v\n", table, ds[3])
	}
	for _, by := range []bool{true, false} {
		var ds []time.Duration
		for i := 0; i < 7; i++ {
			t := time.Now()
			if _, err := s.Report(ctx, model.ReportQuery{ByEventType: by}); err != nil {
				panic(err)
			}
			ds = append(ds, time.Since(t))
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		fmt.Printf("whole period x all caregivers, table %s: median %v\n", map[bool]string{true: "month_rollups (byEventType)", false: "month_caregiver_rollups"}[by], ds[3])
	}
}
