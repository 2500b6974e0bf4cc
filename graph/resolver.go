package graph

import (
	"context"
	"time"

	"github.com/reimburse/reimburse/graph/gqlmodel"
	"github.com/reimburse/reimburse/internal/reports"
	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
)

//go:generate go run github.com/99designs/gqlgen generate

// Resolver holds the dependencies of the resolvers. It is never regenerated.
type Resolver struct {
	Store *store.Store
}

// money wraps minor units with the deployment's currency.
func (r *Resolver) money(m model.Money) *gqlmodel.Money {
	return &gqlmodel.Money{Amount: m, Currency: r.Store.Currency()}
}

// reportFor computes the report a `report` field asks for. Both the Report
// resolver and the fast report path (fastreport.go) call it; it hands the
// query to internal/reports, the entry point the CSV export shares, which
// applies the caller's scope and calls the store. byEventType asks for the per-type breakdown.
func (r *Resolver) reportFor(ctx context.Context, from, to *time.Time, caregiverIDs []int64, byEventType bool) (*model.Report, error) {
	q := model.ReportQuery{From: from, To: to, CaregiverIDs: caregiverIDs, ByEventType: byEventType}
	return reports.Report(ctx, r.Store, q)
}
