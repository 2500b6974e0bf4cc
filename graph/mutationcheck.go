package graph

import (
	"context"
	"fmt"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/reimburse/reimburse/model"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// checkMutationSelections runs around each Mutation root field, so that
// nothing after a field's commit can hide what it wrote.
//
// First it refuses the field, before its resolver writes anything, when
// its selection set holds an argument that would fail only while the
// committed result is being resolved: the page arguments (first, after) of
// a connection, such as reimburseEvents { events(first: 5000) }. Left to
// the connection's resolver, that error's null would propagate through the
// non-null connection up to the mutation field. The refused field is null
// with a BAD_USER_INPUT error at its path; the operation's other fields
// run as usual. Queries are not checked: they write nothing, and their
// resolvers report the same errors.
//
// Then it runs the field with a context without the request's deadline
// and cancellation, so that a request cut after the commit still reads the
// object back; the resolver's store calls get them back through writing.
func checkMutationSelections(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	// The operation's type, not fc.Object: gqlgen sets that to the field's
	// name for root fields.
	opCtx := graphql.GetOperationContext(ctx)
	fc := graphql.GetRootFieldContext(ctx)
	if opCtx.Operation == nil || opCtx.Operation.Operation != ast.Mutation || fc == nil || fc.Field.Definition == nil {
		return next(ctx)
	}
	err := checkPageArgs(opCtx, fc.Field.Selections, fc.Field.Definition.Type.Name(), "")
	if err == nil {
		return next(context.WithValue(context.WithoutCancel(ctx), requestCtxKey{}, ctx))
	}
	gqlErr := &gqlerror.Error{Message: err.Error(), Path: ast.Path{ast.PathName(fc.Field.Alias)}, Err: err}
	if p := fc.Field.Position; p != nil {
		gqlErr.Locations = []gqlerror.Location{{Line: p.Line, Column: p.Column}}
	}
	graphql.AddError(ctx, gqlErr)
	return graphql.Null
}

// requestCtxKey holds, under a Mutation root field's context, the
// request's context with its deadline and cancellation.
type requestCtxKey struct{}

// writing returns ctx with the request's deadline and cancellation again,
// for a mutation resolver's store calls: a write still stops when the
// request ends, only the read back of what it committed does not.
func writing(ctx context.Context) context.Context {
	if req, ok := ctx.Value(requestCtxKey{}).(context.Context); ok {
		return withCancelOf{Context: ctx, req: req}
	}
	return ctx
}

// withCancelOf has the values of its Context and the deadline and
// cancellation of req (an ancestor of it, under context.WithoutCancel).
type withCancelOf struct {
	context.Context
	req context.Context
}

// Value looks in req too for what WithoutCancel hides: the cancel state
// that context.Cause reads (timedOut needs the deadline's cause).
func (c withCancelOf) Value(key any) any {
	if v := c.Context.Value(key); v != nil {
		return v
	}
	return c.req.Value(key)
}

func (c withCancelOf) Deadline() (time.Time, bool) { return c.req.Deadline() }
func (c withCancelOf) Done() <-chan struct{}       { return c.req.Done() }
func (c withCancelOf) Err() error                  { return c.req.Err() }

// checkPageArgs checks with model.NewPageArgs, the connections' own rule,
// the first and after arguments of every field selected (at any depth) in
// sel on an object of type typ. prefix is the response path of sel below
// the mutation field ("events.nodes."), which the error's field starts with.
func checkPageArgs(opCtx *graphql.OperationContext, sel ast.SelectionSet, typ, prefix string) error {
	for _, f := range graphql.CollectFields(opCtx, sel, []string{typ}) {
		def := f.Definition
		if def == nil {
			continue
		}
		path := prefix + f.Alias
		if def.Arguments.ForName("first") != nil || def.Arguments.ForName("after") != nil {
			if err := pageArgs(f.ArgumentMap(opCtx.Variables)); err != nil {
				e, ok := err.(*model.Error)
				if !ok {
					return err
				}
				field := e.WithField(path).Field
				return &model.Error{Code: e.Code, Field: field, Message: fmt.Sprintf("%s: %s; the mutation was not run", field, e.Message)}
			}
		}
		if err := checkPageArgs(opCtx, f.Selections, def.Type.Name(), path+"."); err != nil {
			return err
		}
	}
	return nil
}

// pageArgs applies model.NewPageArgs to a field's first and after argument
// values (nil when absent or null).
func pageArgs(args map[string]any) error {
	var first *int
	var after *string
	if v := args["first"]; v != nil {
		n, err := graphql.UnmarshalInt(v)
		if err != nil {
			return model.Invalid("first", "must be an Int")
		}
		first = &n
	}
	if v := args["after"]; v != nil {
		s, err := graphql.UnmarshalString(v)
		if err != nil {
			return model.Invalid("after", "must be a String")
		}
		after = &s
	}
	_, err := model.NewPageArgs(first, after)
	return err
}
