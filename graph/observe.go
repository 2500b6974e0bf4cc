package graph

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/reimburse/reimburse/internal/apierr"
	"github.com/reimburse/reimburse/internal/metrics"
	"github.com/reimburse/reimburse/internal/reqctx"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// observe logs one line per request (request id, operation, duration,
// outcome code, token id; never the token) and records its metrics.
// endpoint names requests that are not GraphQL operations, e.g. "csv".
func observe(log *slog.Logger, m *metrics.Metrics, endpoint string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := reqctx.NewInfo(endpoint)
		next.ServeHTTP(w, r.WithContext(reqctx.WithInfo(r.Context(), ri)))
		d := time.Since(start)
		f := ri.Fields()
		op, code, tok, fast := f.Operation, f.Code, f.TokenID, f.FastReport
		m.Request(op, code, d, fast)
		attrs := []any{"request_id", reqctx.RequestID(r.Context()), "method", r.Method, "path", r.URL.Path,
			"operation", op, "code", code, "duration_ms", float64(d.Microseconds()) / 1000}
		if tok != 0 {
			attrs = append(attrs, "token_id", tok)
		}
		if fast != "" {
			attrs = append(attrs, "fast_report", fast)
		}
		log.InfoContext(r.Context(), "request", attrs...)
	})
}

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
