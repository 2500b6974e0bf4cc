package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/reimburse/reimburse/internal/apierr"
	"github.com/reimburse/reimburse/internal/reqctx"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// opNameRecorder records the operationName a client sent, so that requests
// that fail before an operation context exists (parse or validation errors)
// are still logged and counted under it.
type opNameRecorder struct{}

// ExtensionName implements graphql.HandlerExtension.
func (opNameRecorder) ExtensionName() string { return "OperationNameRecorder" }

// Validate implements graphql.HandlerExtension.
func (opNameRecorder) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters implements graphql.OperationParameterMutator.
func (opNameRecorder) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	reqctx.InfoFrom(ctx).Update(func(f *reqctx.InfoFields) { f.Operation = p.OperationName })
	return nil
}

// responseObserver records the operation name and the outcome code of every
// GraphQL response, including parse and validation failures.
func responseObserver(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	ri := reqctx.InfoFrom(ctx)
	if ri == nil {
		return resp
	}
	ri.Update(func(ri *reqctx.InfoFields) {
		if graphql.HasOperationContext(ctx) {
			if oc := graphql.GetOperationContext(ctx); oc != nil && oc.Operation != nil {
				ri.Operation = oc.Operation.Name
			}
		}
		if resp != nil && len(resp.Errors) > 0 && ri.Code == "OK" {
			ri.Code = apierr.CodeInternalError
			if c, ok := resp.Errors[0].Extensions["code"].(string); ok {
				ri.Code = c
			}
		}
	})
	return resp
}
