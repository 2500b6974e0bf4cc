// Package reports is the one entry point of a monthly report: the caller's
// access scope applied to the query, then the store call, and the
// caregivers a report names loaded with one store call. The `report`
// resolver, graph's fast report path and the CSV export all go through it,
// so argument handling and row scoping of reports live in one place. It sits
// below both graph and internal/httpapi, which cannot import each other.
package reports

import (
	"context"
	"errors"
	"fmt"

	"github.com/reimburse/reimburse/internal/reqctx"
	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
)

// Report computes the report q asks for, as the request's principal may see
// it (Scope).
func Report(ctx context.Context, s *store.Store, q model.ReportQuery) (*model.Report, error) {
	ids, err := Scope(reqctx.MustPrincipal(ctx), q.CaregiverIDs)
	if err != nil {
		return nil, err
	}
	q.CaregiverIDs = ids
	return s.Report(ctx, q)
}

// Scope returns the caregiver ids of a report (or CSV export) for p.
// For a CAREGIVER token omitted ids mean itself, [] stays an empty report,
// and any other id is FORBIDDEN on caregiverIds. ADMIN and ACCOUNTANT
// tokens are not scoped.
func Scope(p model.Principal, ids []int64) ([]int64, error) {
	own, scoped := p.Own()
	if !scoped {
		return ids, nil
	}
	if ids == nil {
		return []int64{own}, nil
	}
	for _, id := range ids {
		if id != own {
			return nil, &model.Error{Code: model.EForbidden, Field: "caregiverIds",
				Message: fmt.Sprintf("a CAREGIVER token may only report on its own caregiver (%d), not %d", own, id)}
		}
	}
	return ids, nil
}

// Caregivers loads the caregivers of ids (a set, e.g. those a report's
// cells name) with one store call, all or an error. The fast report path
// and the CSV export load a report's caregivers this way.
func Caregivers(ctx context.Context, s *store.Store, ids map[int64]bool) (map[int64]*model.Caregiver, error) {
	return ByID(ctx, ids, s.FindCaregiversByIDs, func(c *model.Caregiver) int64 { return c.ID })
}

// ByID loads the rows of ids with one store call, all or an error.
func ByID[T any](ctx context.Context, ids map[int64]bool, find func(context.Context, []int64) ([]T, error), id func(*T) int64) (map[int64]*T, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	keys := make([]int64, 0, len(ids))
	for k := range ids {
		keys = append(keys, k)
	}
	rows, err := find(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*T, len(rows))
	for i := range rows {
		out[id(&rows[i])] = &rows[i]
	}
	if len(out) != len(ids) {
		return nil, errors.New("reports: referenced rows missing")
	}
	return out, nil
}
