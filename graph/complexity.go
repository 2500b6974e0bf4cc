package graph

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/reimburse/reimburse/graph/gqlmodel"
	"github.com/reimburse/reimburse/graph/scalar"
	"github.com/reimburse/reimburse/internal/reqctx"
	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Cost model, after Shopify's: an object field costs 1 plus what it selects,
// a scalar or enum field 0 (it is part of an object already paid for),
// except:
//   - connections (Query.events, Query.caregivers, Reimbursement.events)
//     cost 1 + first x their selection: first defaults to 50 and counts as
//     1..1000 (a larger first fails in the resolver, with BAD_USER_INPUT
//     naming it, which is clearer than a cost error);
//   - lists without a size argument (eventTypes, EventType.prices) count
//     their selection once: both are short, admin-made lists;
//   - registerEvents returns one event per input, so its selection counts
//     once per input (batchCost): once as in any query, and for every
//     further input again with Money fields free, as they are values of the
//     event written, not something fetched. A full batch of 10,000 that
//     selects `{ id amount { amount } status }` costs 2; one that selects
//     each event's reimbursement and its events pays for every copy the
//     executor builds, replays of one key included;
//   - report months and cells depend on the data, not on the query text, so
//     they are estimated apart (reportCost) against their own limit.

// scalarsFree makes scalar and enum fields cost 0.
var scalarsFree = complexity.WithFixedScalarValue(0)

// complexityRoot sets the cost functions that differ from the default.
func complexityRoot() ComplexityRoot {
	var c ComplexityRoot
	c.Query.Events = func(child int, _ *gqlmodel.EventFilter, first *int, _ *string) int { return pageCost(child, first) }
	c.Query.Caregivers = func(child int, first *int, _ *string) int { return pageCost(child, first) }
	c.Reimbursement.Events = func(child int, first *int, _ *string) int { return pageCost(child, first) }
	return c
}

// pageCost is a connection's cost: its selection once per item of a page.
func pageCost(child int, first *int) int {
	n := model.DefaultPageSize
	if first != nil {
		n = min(max(*first, 1), model.MaxPageSize)
	}
	return addSat(1, mulSat(n, child))
}

// complexityLimit is a handler extension (in place of gqlgen's
// FixedComplexityLimit) with two limits: one on the operation's complexity,
// computed with gqlgen's complexity.Calculate and the functions above, and
// one on the estimated cost of report fields.
type complexityLimit struct {
	es         graphql.ExecutableSchema
	store      *store.Store
	limit      int
	cellsLimit int
	// moneyFree names the fields of type Money, free in batchCost.
	moneyFree complexity.Option
	// fastCellsLimit applies instead when the fast report path will answer.
	fastCellsLimit int
	fast           bool
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = &complexityLimit{}

// ExtensionName implements graphql.HandlerExtension.
func (c *complexityLimit) ExtensionName() string { return "ComplexityLimit" }

// Validate implements graphql.HandlerExtension.
func (c *complexityLimit) Validate(es graphql.ExecutableSchema) error {
	c.es = es
	money := map[string]struct{}{}
	for _, t := range es.Schema().Types {
		for _, f := range t.Fields {
			if f.Type.Name() == "Money" {
				money[t.Name+"."+f.Name] = struct{}{}
			}
		}
	}
	c.moneyFree = complexity.WithIgnoreFields(money)
	return nil
}

// MutateOperationContext implements graphql.OperationContextMutator.
func (c *complexityLimit) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	op := opCtx.Operation
	cost := complexity.Calculate(ctx, c.es, op, opCtx.Variables, scalarsFree)
	if op.Operation == ast.Mutation {
		cost = addSat(cost, c.batchCost(ctx, opCtx))
	}
	// Stats under gqlgen's name, so extension.GetComplexityStats reads them.
	opCtx.Stats.SetExtension("ComplexityLimit", &extension.ComplexityStats{Complexity: cost, ComplexityLimit: c.limit})
	if cost > c.limit {
		return complexityError("operation has complexity %d, which exceeds the limit of %d", cost, c.limit)
	}
	if op.Operation != ast.Query {
		return nil
	}
	est, err := c.reportCost(ctx, opCtx)
	if err != nil {
		return &gqlerror.Error{Message: err.Error(), Err: err} // presented as an opaque internal error
	}
	limit := c.cellsLimit
	if c.fast && reportOnly(opCtx) {
		limit = c.fastCellsLimit
	}
	if est.cost > limit {
		return complexityError("the report is estimated to cost %d (%d months x %d caregivers = %d cells, times the fields selected per month and per cell), which exceeds the limit of %d; ask for a shorter period or fewer caregivers, or select less under months.caregivers",
			est.cost, est.months, est.caregivers, mulSat(est.months, est.caregivers), limit)
	}
	return nil
}

// batchCost is what registerEvents fields cost beyond their selection
// counted once: the selection again for every further input, Money fields
// free. inputs given as one object (list input coercion) are one input. A
// batch over model.MaxBatch costs nothing more: the resolver refuses it
// before any work, with BAD_USER_INPUT naming inputs, which is clearer
// than a cost error (as for first over the maximum).
func (c *complexityLimit) batchCost(ctx context.Context, opCtx *graphql.OperationContext) int {
	extra := 0
	for _, f := range graphql.CollectFields(opCtx, opCtx.Operation.SelectionSet, []string{"Mutation"}) {
		if f.Name != "registerEvents" {
			continue
		}
		inputs, _ := f.ArgumentMap(opCtx.Variables)["inputs"].([]any)
		if len(inputs) < 2 || len(inputs) > model.MaxBatch {
			continue
		}
		each := complexity.Calculate(ctx, c.es, &ast.OperationDefinition{SelectionSet: f.Selections}, opCtx.Variables, scalarsFree, c.moneyFree)
		extra = addSat(extra, mulSat(len(inputs)-1, each))
	}
	return extra
}

// reportEstimate is the estimated cost of an operation's report fields; months
// and caregivers describe the largest of them.
type reportEstimate struct {
	cost, months, caregivers int
}

// reportCost estimates what the executor builds for each report field the
// operation selects (through fragments, aliases, @include and @skip):
//
//	months x (selection under months)
//	+ cells x (selection under months.caregivers)
//	+ cells x event types x (selection under months.caregivers.byEventType)
//
// (each selection costing at least 1: the object built for it),
// where months are those of the period that hold events of the caregivers
// asked about, and cells are months x those caregivers (the distinct ids
// given, or all). Each is an upper bound: only months and caregivers with
// events appear in a report. A CAREGIVER's token is always estimated on its
// own caregiver's months (the resolver refuses other ids), so that neither
// the estimate nor its message depends on anyone else's data; so is a
// report on one caregiver id. Other reports take the months in which anyone
// has events: ADMIN and ACCOUNTANT tokens may see them all.
func (c *complexityLimit) reportCost(ctx context.Context, opCtx *graphql.OperationContext) (reportEstimate, error) {
	var est reportEstimate
	var bounds *store.ReportBounds
	own := map[int64][]model.YearMonth{} // months by caregiver, read once
	vars := opCtx.Variables
	// What one element of a list costs: at least 1, the object itself.
	each := func(sel ast.SelectionSet) int {
		return max(1, complexity.Calculate(ctx, c.es, &ast.OperationDefinition{SelectionSet: sel}, vars, scalarsFree))
	}
	for _, root := range graphql.CollectFields(opCtx, opCtx.Operation.SelectionSet, []string{"Query"}) {
		if root.Name != "report" {
			continue
		}
		if bounds == nil {
			b, err := c.store.ReportBounds(ctx)
			if err != nil {
				return est, err
			}
			bounds = &b
		}
		from, to, ids, one := reportCostArgs(root.ArgumentMap(vars))
		if p, ok := reqctx.Principal(ctx); ok {
			if id, scoped := p.Own(); scoped {
				ids, one = 1, &id
			}
		}
		months, cgs := bounds.Months, bounds.Caregivers
		if ids >= 0 {
			cgs = min(ids, cgs)
		}
		if one != nil {
			m, ok := own[*one]
			if !ok {
				var err error
				if m, err = c.store.CaregiverMonths(ctx, *one); err != nil {
					return est, err
				}
				own[*one] = m
			}
			months = m
		}
		n := monthsBetween(from, to, months, c.store.Location())
		cells := mulSat(n, cgs)
		cost := 0
		for _, m := range graphql.CollectFields(opCtx, root.Selections, []string{"Report"}) {
			if m.Name != "months" {
				continue
			}
			cost = addSat(cost, mulSat(n, each(m.Selections)))
			for _, cg := range graphql.CollectFields(opCtx, m.Selections, []string{"ReportMonth"}) {
				if cg.Name != "caregivers" {
					continue
				}
				cost = addSat(cost, mulSat(cells, each(cg.Selections)))
				for _, bt := range graphql.CollectFields(opCtx, cg.Selections, []string{"CaregiverTotals"}) {
					if bt.Name == "byEventType" {
						cost = addSat(cost, mulSat(mulSat(cells, bounds.EventTypes), each(bt.Selections)))
					}
				}
			}
		}
		est.cost = addSat(est.cost, cost)
		if cells >= mulSat(est.months, est.caregivers) {
			est.months, est.caregivers = n, cgs
		}
	}
	return est, nil
}

// reportCostArgs reads report's arguments as the client sent them; ids is the
// number of distinct caregiver ids, -1 when omitted or null (all), and one
// the id when exactly one is given. Values that do not parse count as
// omitted: the resolver rejects them anyway.
func reportCostArgs(args map[string]any) (from, to *time.Time, ids int, one *int64) {
	parse := func(v any) *time.Time {
		s, ok := v.(string)
		if !ok {
			return nil
		}
		t, err := model.ParseDateTime(s)
		if err != nil {
			return nil
		}
		return &t
	}
	from, to, ids = parse(args["from"]), parse(args["to"]), -1
	list, ok := args["caregiverIds"].([]any)
	if !ok && args["caregiverIds"] != nil {
		list = []any{args["caregiverIds"]} // a single value stands for a list of one
	}
	if list != nil || ok {
		seen := map[string]bool{}
		for _, id := range list {
			seen[fmt.Sprint(id)] = true
		}
		ids = len(seen)
		if ids == 1 {
			if id, err := scalar.UnmarshalID(list[0]); err == nil {
				one = &id
			}
		}
	}
	return from, to, ids, one
}

// monthsBetween counts the months (ascending) that lie in [from, to), the
// bounds taken as calendar months in loc.
func monthsBetween(from, to *time.Time, months []model.YearMonth, loc *time.Location) int {
	if from != nil && to != nil && !from.Before(*to) {
		return 0
	}
	lo, hi := 0, len(months)
	if from != nil {
		lo, _ = slices.BinarySearch(months, model.MonthOf(*from, loc))
	}
	if to != nil {
		last := model.MonthOf(to.Add(-time.Nanosecond), loc)
		hi, _ = slices.BinarySearch(months, last.Next())
	}
	return max(0, hi-lo)
}
