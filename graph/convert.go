package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/reimburse/reimburse/graph/gqlmodel"
	"github.com/reimburse/reimburse/internal/reports"
	"github.com/reimburse/reimburse/internal/reqctx"
	"github.com/reimburse/reimburse/model"
	"github.com/vektah/gqlparser/v2/ast"
)

// orNull turns ENotFound from a by-id lookup into a null result, as GitHub's
// and Shopify's node lookups do; other errors pass through.
func orNull[T any](v *T, err error) (*T, error) {
	if model.ErrorCode(err) == model.ENotFound {
		return nil, nil
	}
	return v, err
}

// eventConnection pages the events of f that the request's token may read
// (scopeEvents) and prefetches, in one query each, the types, caregivers,
// reimbursements and audit tokens the selection asks for.
func (r *Resolver) eventConnection(ctx context.Context, f model.EventFilter, first *int, after *string) (*gqlmodel.EventConnection, error) {
	p, err := model.NewPageArgs(first, after)
	if err != nil {
		return nil, fail(ctx, "", err)
	}
	who := reqctx.MustPrincipal(ctx)
	evs, more, err := r.Store.FindEvents(ctx, scopeEvents(who, f), p)
	if err != nil {
		return nil, err
	}
	l := loadersFrom(ctx)
	var typeIDs, cgIDs, reIDs, tokIDs []int64
	// node reports whether the selection reaches any of the paths below an
	// event, through edges or nodes.
	node := func(paths ...string) bool {
		for _, path := range paths {
			if selects(ctx, "edges.node."+path, "nodes."+path) {
				return true
			}
		}
		return false
	}
	registeredBy, voidedBy := node("registeredBy"), node("voidedBy")
	for _, e := range evs {
		typeIDs = append(typeIDs, e.EventTypeID)
		cgIDs = append(cgIDs, e.CaregiverID)
		if e.ReimbursementID != nil {
			reIDs = append(reIDs, *e.ReimbursementID)
		}
		if registeredBy {
			tokIDs = append(tokIDs, e.RegisteredBy)
		}
		if voidedBy && e.VoidedBy != nil {
			tokIDs = append(tokIDs, *e.VoidedBy)
		}
	}
	if node("type") {
		prefetch(ctx, l.EventType, r.Store.FindEventTypesByIDs, eventTypeID, typeIDs)
	}
	if node("caregiver") {
		prefetch(ctx, l.Caregiver, r.Store.FindCaregiversByIDs, caregiverID, cgIDs)
	}
	if seesPayouts(who) && node("reimbursement", "reimbursedBy") {
		res := prefetch(ctx, l.Reimbursement, r.Store.FindReimbursementsByIDs, reimbursementID, reIDs)
		if node("reimbursedBy", "reimbursement.createdBy") {
			for _, re := range res {
				tokIDs = append(tokIDs, re.CreatedBy)
			}
		}
	}
	prefetch(ctx, l.Token, r.Store.FindTokensByIDs, tokenID, tokIDs)
	conn := &gqlmodel.EventConnection{Edges: make([]gqlmodel.EventEdge, len(evs)), Nodes: evs, PageInfo: &gqlmodel.PageInfo{HasNextPage: more}}
	for i := range evs {
		conn.Edges[i] = gqlmodel.EventEdge{Cursor: model.Cursor{Time: evs[i].OccurredAt, ID: evs[i].ID}.Encode(), Node: &evs[i]}
	}
	if n := len(evs); n > 0 {
		conn.PageInfo.EndCursor = &conn.Edges[n-1].Cursor
	}
	return conn, nil
}

func caregiverConnection(cgs []model.Caregiver, more bool) *gqlmodel.CaregiverConnection {
	conn := &gqlmodel.CaregiverConnection{Edges: make([]gqlmodel.CaregiverEdge, len(cgs)), Nodes: cgs, PageInfo: &gqlmodel.PageInfo{HasNextPage: more}}
	for i := range cgs {
		conn.Edges[i] = gqlmodel.CaregiverEdge{Cursor: model.Cursor{ID: cgs[i].ID}.Encode(), Node: &cgs[i]}
	}
	if n := len(cgs); n > 0 {
		conn.PageInfo.EndCursor = &conn.Edges[n-1].Cursor
	}
	return conn
}

// prefetchReport loads the caregivers and event types a report's selection
// names, one query each however many cells the report has.
func (r *Resolver) prefetchReport(ctx context.Context, rep *model.Report) {
	l := loadersFrom(ctx)
	if selects(ctx, "months.caregivers.caregiver") {
		ids := make(map[int64]bool)
		for _, m := range rep.Months {
			for _, c := range m.Caregivers {
				ids[c.CaregiverID] = true
			}
		}
		// Loaded as the fast path and the CSV export load a report's
		// caregivers; on an error each Load queries and reports it itself.
		if cgs, err := reports.Caregivers(ctx, r.Store, ids); err == nil {
			for id, c := range cgs {
				l.Caregiver.Prime(ctx, id, c)
			}
		}
	}
	if selects(ctx, "months.caregivers.byEventType.eventType") {
		var ids []int64
		for _, m := range rep.Months {
			for _, c := range m.Caregivers {
				for _, t := range c.ByEventType {
					ids = append(ids, t.EventTypeID)
				}
			}
		}
		prefetch(ctx, l.EventType, r.Store.FindEventTypesByIDs, eventTypeID, ids)
	}
}

func caregiverID(c *model.Caregiver) int64         { return c.ID }
func eventTypeID(t *model.EventType) int64         { return t.ID }
func reimbursementID(r *model.Reimbursement) int64 { return r.ID }
func tokenID(t *model.Token) int64                 { return t.ID }

// selects reports whether the current field's selection, through fragments
// and @include/@skip, reaches any of the dotted paths.
func selects(ctx context.Context, paths ...string) bool {
	op := graphql.GetOperationContext(ctx)
	fc := graphql.GetFieldContext(ctx)
	if op == nil || fc == nil {
		return true
	}
	for _, p := range paths {
		if selectsPath(op, fc.Field.Selections, strings.Split(p, ".")) {
			return true
		}
	}
	return false
}

func selectsPath(op *graphql.OperationContext, sel ast.SelectionSet, path []string) bool {
	for _, f := range graphql.CollectFields(op, sel, nil) {
		if f.Name != path[0] {
			continue
		}
		if len(path) == 1 || selectsPath(op, f.Selections, path[1:]) {
			return true
		}
	}
	return false
}
