package httpapi

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/reimburse/reimburse/internal/metrics"
	"github.com/reimburse/reimburse/internal/reqctx"
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
