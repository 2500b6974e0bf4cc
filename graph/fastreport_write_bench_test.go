package graph

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
	"github.com/vektah/gqlparser/v2"
)

// BenchmarkFastReportWrite measures the fast path's own work on a report
// already computed: compiling the selection and writing the JSON of
// months x caregivers cells (no SQL, no HTTP). BenchmarkReportNested
// measures the whole request.
func BenchmarkFastReportWrite(b *testing.B) {
	const q = `query { report { from to currency totals { ...T }
		months { month totals { ...T } caregivers { caregiver { id name } totals { ...T } } } } }
	fragment T on Totals { eventCount amount { amount currency } reimbursed { amount } pending { amount } }`
	doc, errs := gqlparser.LoadQuery(parsedSchema, q)
	if errs != nil {
		b.Fatal(errs)
	}
	s, err := store.Open(context.Background(), store.Options{Path: filepath.Join(b.TempDir(), "w.db")})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	r := &Resolver{Store: s}
	query, _ := reportTypes(parsedSchema)
	for _, sz := range [][2]int{{12, 100}, {60, 1000}, {60, 5000}} {
		months, cgs := sz[0], sz[1]
		rep, caregivers := syntheticReport(months, cgs)
		b.Run(fmt.Sprintf("%dx%d", months, cgs), func(b *testing.B) {
			b.ReportAllocs()
			var n int
			for b.Loop() {
				op := &graphql.OperationContext{Doc: doc, Operation: doc.Operations[0], Variables: map[string]any{}}
				root, err := compile(op, op.Operation.SelectionSet, query)
				if err != nil {
					b.Fatal(err)
				}
				w := newFastWriter(context.Background(), r)
				w.caregivers = caregivers
				w.root(root, []*model.Report{rep})
				if w.err != nil {
					b.Fatal(w.err)
				}
				n = w.buf.Len()
			}
			b.ReportMetric(float64(n), "resp-bytes")
		})
	}
}

// syntheticReport is a report with every month x caregiver cell filled.
func syntheticReport(months, cgs int) (*model.Report, map[int64]*model.Caregiver) {
	from := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, months, 0)
	rep := &model.Report{From: &from, To: &to, TimeZone: "UTC", Currency: "SEK"}
	caregivers := make(map[int64]*model.Caregiver, cgs)
	for c := 1; c <= cgs; c++ {
		caregivers[int64(c)] = &model.Caregiver{ID: int64(c), Name: fmt.Sprintf("Caregiver %04d", c), CreatedAt: from}
	}
	ym := model.MonthOf(from, time.UTC)
	for m := 0; m < months; m++ {
		month := model.ReportMonth{Month: ym, Caregivers: make([]model.CaregiverTotals, cgs)}
		for c := range month.Caregivers {
			t := model.Totals{EventCount: 2, Reimbursed: model.Money(10000 + c), Pending: model.Money(12550 + m)}
			month.Caregivers[c] = model.CaregiverTotals{CaregiverID: int64(c + 1), Totals: t}
			month.Totals.Merge(t)
		}
		rep.Totals.Merge(month.Totals)
		rep.Months = append(rep.Months, month)
		ym = ym.Next()
	}
	return rep, caregivers
}
