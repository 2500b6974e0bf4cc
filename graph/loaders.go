package graph

import (
	"context"
	"time"

	"github.com/graph-gophers/dataloader/v7"
	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
)

// loaderWait is how long a loader gathers keys before it queries. Lists
// prefetch their references with LoadMany, so the wait rarely matters.
const loaderWait = time.Millisecond

// Loaders batch and cache by-id lookups for one request, so a list of 500
// events costs one query for their types, one for their caregivers, one for
// their payouts and one for the tokens of their audit trail.
type Loaders struct {
	Caregiver     *dataloader.Loader[int64, *model.Caregiver]
	EventType     *dataloader.Loader[int64, *model.EventType]
	Reimbursement *dataloader.Loader[int64, *model.Reimbursement]
	// Token resolves the audit trail's actors.
	Token *dataloader.Loader[int64, *model.Token]
}

// NewLoaders returns fresh loaders over s; make one set per request.
func NewLoaders(s *store.Store) *Loaders {
	return &Loaders{
		Caregiver: dataloader.NewBatchedLoader(byID(s.FindCaregiversByIDs, caregiverID, "caregiver"),
			dataloader.WithWait[int64, *model.Caregiver](loaderWait)),
		EventType: dataloader.NewBatchedLoader(byID(s.FindEventTypesByIDs, eventTypeID, "event type"),
			dataloader.WithWait[int64, *model.EventType](loaderWait)),
		Reimbursement: dataloader.NewBatchedLoader(byID(s.FindReimbursementsByIDs, reimbursementID, "reimbursement"),
			dataloader.WithWait[int64, *model.Reimbursement](loaderWait)),
		Token: dataloader.NewBatchedLoader(byID(s.FindTokensByIDs, tokenID, "token"),
			dataloader.WithWait[int64, *model.Token](loaderWait)),
	}
}

// byID adapts a store lookup that returns rows in any order to a batch
// function that answers in key order, with ENotFound for missing keys.
func byID[T any](find func(context.Context, []int64) ([]T, error), id func(*T) int64, what string) dataloader.BatchFunc[int64, *T] {
	return func(ctx context.Context, keys []int64) []*dataloader.Result[*T] {
		out := make([]*dataloader.Result[*T], len(keys))
		rows, err := find(ctx, keys)
		if err != nil {
			for i := range out {
				out[i] = &dataloader.Result[*T]{Error: err}
			}
			return out
		}
		byKey := make(map[int64]*T, len(rows))
		for i := range rows {
			byKey[id(&rows[i])] = &rows[i]
		}
		for i, k := range keys {
			if v, ok := byKey[k]; ok {
				out[i] = &dataloader.Result[*T]{Data: v}
			} else {
				out[i] = &dataloader.Result[*T]{Error: model.Errorf(model.ENotFound, "%s %d not found", what, k)}
			}
		}
		return out
	}
}

type loadersKey struct{}

func withLoaders(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, loadersKey{}, l)
}

// loadersFrom returns the request's loaders.
func loadersFrom(ctx context.Context) *Loaders {
	return ctx.Value(loadersKey{}).(*Loaders)
}

// prefetch loads the keys with one store query and primes the loader with
// the results, so that the field resolvers of a list find them cached, and
// returns them. It does not go through the loader's batch window, whose
// timing could split one list into several queries.
func prefetch[T any](ctx context.Context, l *dataloader.Loader[int64, *T], find func(context.Context, []int64) ([]T, error), id func(*T) int64, keys []int64) []T {
	if len(keys) == 0 {
		return nil
	}
	seen := make(map[int64]struct{}, len(keys))
	uniq := keys[:0:0]
	for _, k := range keys {
		if _, ok := seen[k]; !ok {
			seen[k] = struct{}{}
			uniq = append(uniq, k)
		}
	}
	rows, err := find(ctx, uniq)
	if err != nil {
		return nil // each Load then queries and reports the error itself
	}
	for i := range rows {
		l.Prime(ctx, id(&rows[i]), &rows[i])
	}
	return rows
}
