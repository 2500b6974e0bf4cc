package graph

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql"
	"github.com/reimburse/reimburse/internal/reports"
	"github.com/reimburse/reimburse/internal/reqctx"
	"github.com/reimburse/reimburse/model"
)

// The fast report path.
//
// gqlgen's executor spends tens of microseconds and hundreds of allocations
// on every object of a response, and a report has one object per month x
// caregiver cell (and per event type within it). For queries whose root
// fields are only `report` (any number, aliased) and `__typename`, this
// extension writes the response itself, straight into a buffer, after the
// same authentication, parsing, validation, complexity limit and variable
// coercion as every request (they run before operations are dispatched).
//
// It computes each report with Resolver.reportFor, as the Report resolver
// does, loads the caregivers (reports.Caregivers, as the CSV export does)
// and event types the selection names with one store call each, and writes the selection that gqlgen's own field
// collection yields (fastreport_plan.go) with the same marshalers
// (fastreport_write.go). The response is byte for byte what gqlgen would
// write; TestFastReportMatchesGqlgen checks that on random selections.
//
// Whatever it does not handle goes to gqlgen untouched: mutations, other
// root fields, @defer, fields it does not know or that carry schema
// directives, arguments that do not coerce, and any error from the store or
// a resolver (gqlgen then produces the usual error). Field middleware added
// with AroundFields would not run on this path: add it here too, or set
// Options.DisableFastReport.
//
// It is both an operation interceptor, which decides per operation, and the
// innermost response interceptor, which writes the response, so that the
// response observer (logs and metrics) sees fast responses like any other.
type fastReport struct {
	r     *Resolver
	log   *slog.Logger
	query *objType
}

func newFastReport(r *Resolver, log *slog.Logger) *fastReport {
	return &fastReport{r: r, log: log}
}

var (
	_ graphql.HandlerExtension     = (*fastReport)(nil)
	_ graphql.OperationInterceptor = (*fastReport)(nil)
	_ graphql.ResponseInterceptor  = (*fastReport)(nil)
)

// ExtensionName implements graphql.HandlerExtension.
func (*fastReport) ExtensionName() string { return "FastReport" }

// Validate implements graphql.HandlerExtension: it checks the fields the
// fast path writes against the schema it serves.
func (f *fastReport) Validate(es graphql.ExecutableSchema) error {
	f.query, _ = reportTypes(es.Schema())
	return nil
}

type fastOpKey struct{}

// fastOp is one operation the fast path has compiled.
type fastOp struct {
	root  *plan
	state fastState
}

type fastState uint8

const (
	fastPending fastState = iota
	fastServed
	fastFellBack
)

// rootsAllowed applies each root field's @auth directive, as gqlgen would.
func rootsAllowed(ctx context.Context, op *graphql.OperationContext) bool {
	for _, f := range graphql.CollectFields(op, op.Operation.SelectionSet, []string{"Query"}) {
		if f.Definition != nil && !authAllowed(ctx, f.Definition) {
			return false
		}
	}
	return true
}

// InterceptOperation implements graphql.OperationInterceptor: it compiles
// report-only queries and marks them for InterceptResponse.
func (f *fastReport) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	op := graphql.GetOperationContext(ctx)
	if !reportOnly(op) || !rootsAllowed(ctx, op) {
		return next(ctx) // gqlgen answers, FORBIDDEN included
	}
	root, err := compile(op, op.Operation.SelectionSet, f.query)
	if err != nil {
		reqctx.SetFastReport(ctx, "fallback")
		return next(ctx)
	}
	return next(context.WithValue(ctx, fastOpKey{}, &fastOp{root: root}))
}

// InterceptResponse implements graphql.ResponseInterceptor. It answers a
// marked operation's first response itself, and ends the stream after it
// as gqlgen does after a query's single response; when it cannot answer,
// gqlgen executes the operation.
func (f *fastReport) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	op, _ := ctx.Value(fastOpKey{}).(*fastOp)
	if op == nil {
		return next(ctx)
	}
	switch op.state {
	case fastServed:
		return nil
	case fastFellBack:
		return next(ctx)
	}
	data, err := f.execute(ctx, op.root)
	if err != nil {
		op.state = fastFellBack
		reqctx.SetFastReport(ctx, "fallback")
		return next(ctx)
	}
	op.state = fastServed
	reqctx.SetFastReport(ctx, "served")
	return &graphql.Response{Data: data, Errors: graphql.GetErrors(ctx), Extensions: graphql.GetExtensions(ctx)}
}

// execute computes the reports of root and writes the response data.
func (f *fastReport) execute(ctx context.Context, root *plan) (data []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			f.log.ErrorContext(ctx, "fast report panicked; gqlgen answers instead", "request_id", reqctx.RequestID(ctx),
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("fast report: panic: %v", p)
		}
	}()
	reps := make([]*model.Report, len(root.fields))
	cgIDs, typeIDs := map[int64]bool{}, map[int64]bool{}
	for i := range root.fields {
		fl := &root.fields[i]
		if fl.kind != kQueryReport {
			continue
		}
		a := fl.args
		rep, err := f.r.reportFor(ctx, a.from, a.to, a.caregiverIDs, fl.sub.reaches(kReportMonths, kMonthCaregivers, kCellByEventType))
		if err != nil {
			return nil, err
		}
		reps[i] = rep
		wantCG := fl.sub.reaches(kReportMonths, kMonthCaregivers, kCellCaregiver)
		wantType := fl.sub.reaches(kReportMonths, kMonthCaregivers, kCellByEventType, kTypeTotalsEventType)
		for _, m := range rep.Months {
			for _, c := range m.Caregivers {
				if wantCG {
					cgIDs[c.CaregiverID] = true
				}
				if wantType {
					for _, t := range c.ByEventType {
						typeIDs[t.EventTypeID] = true
					}
				}
			}
		}
	}
	w := newFastWriter(ctx, f.r)
	if w.caregivers, err = reports.Caregivers(ctx, f.r.Store, cgIDs); err != nil {
		return nil, err
	}
	if w.types, err = reports.ByID(ctx, typeIDs, f.r.Store.FindEventTypesByIDs, eventTypeID); err != nil {
		return nil, err
	}
	w.root(root, reps)
	if w.err != nil {
		return nil, w.err
	}
	return w.buf.Bytes(), nil
}
