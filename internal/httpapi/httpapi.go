// Package httpapi is the HTTP side of the API: the middleware chain every
// endpoint shares (request id, the request log line and metrics, the method
// check, panic recovery, the request deadline, the body cap, bearer
// authentication and the per-token rate limit), the health and readiness
// endpoints, and the CSV export of the monthly report. The GraphQL handler
// itself comes from package graph; cmd/reimburse puts it behind API.Wrap.
// Errors are answered through internal/apierr.
package httpapi

import (
	"cmp"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/reimburse/reimburse/internal/apierr"
	"github.com/reimburse/reimburse/internal/metrics"
	"github.com/reimburse/reimburse/internal/reqctx"
	"github.com/reimburse/reimburse/store"
)

// The defaults of Options.
const (
	DefaultMaxBodyBytes   = 10 << 20 // a 10,000-event registerEvents is about 1.3 MB
	DefaultRequestTimeout = 30 * time.Second
	DefaultRateLimit      = 50  // requests per second per token
	DefaultRateBurst      = 100 // requests a token may make at once
)

// Options hold what the HTTP chain needs. The zero value of every field but
// Store means its default.
type Options struct {
	Store *store.Store
	// Logger gets the request lines and internal errors; nil means
	// slog.Default().
	Logger *slog.Logger
	// Metrics, when set, count requests and their latency.
	Metrics *metrics.Metrics
	// MaxBodyBytes caps a request body (413 over it).
	MaxBodyBytes int64
	// RequestTimeout is the deadline of each request's context.
	RequestTimeout time.Duration
	// RateLimiter limits each token's requests; nil means one with
	// DefaultRateLimit and DefaultRateBurst. Either way the API has one,
	// shared by every endpoint it wraps, so a token has one budget.
	RateLimiter *RateLimiter
}

// API is the shared chain of one server, with its options defaulted once.
type API struct {
	opts Options
}

// New returns the API of o, its defaults applied.
func New(o Options) *API {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	o.MaxBodyBytes = cmp.Or(o.MaxBodyBytes, DefaultMaxBodyBytes)
	o.RequestTimeout = cmp.Or(o.RequestTimeout, DefaultRequestTimeout)
	if o.RateLimiter == nil {
		o.RateLimiter = NewRateLimiter(DefaultRateLimit, DefaultRateBurst)
	}
	return &API{opts: o}
}

// Wrap adds what every API endpoint shares, outermost first: request id,
// the request log line and metrics, the method check (405 outside methods),
// panic recovery, the request deadline, the body cap, bearer authentication
// and the per-token rate limit. endpoint names the requests in logs and
// metrics until a GraphQL operation name replaces it.
func (a *API) Wrap(endpoint string, methods []string, h http.Handler) http.Handler {
	o := a.opts
	h = rateLimit(o.RateLimiter, h)
	h = authMiddleware(o.Store, o.Logger, h)
	h = limitBody(o.MaxBodyBytes, h)
	h = withDeadline(o.RequestTimeout, h)
	h = recoverPanics(o.Logger, h)
	h = AllowMethods(h, methods...)
	h = observe(o.Logger, o.Metrics, endpoint, h)
	return RequestIDMiddleware(h)
}

// AllowMethods returns h behind a check of the request method: any method
// outside allowed gets 405 with an Allow header listing them and a JSON
// error body coded BAD_USER_INPUT.
func AllowMethods(h http.Handler, allowed ...string) http.Handler {
	allow := strings.Join(allowed, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !slices.Contains(allowed, r.Method) {
			methodNotAllowed(w, r, allow)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func methodNotAllowed(w http.ResponseWriter, r *http.Request, allow string) {
	reqctx.SetCode(r.Context(), apierr.CodeBadUserInput)
	w.Header().Set("Allow", allow)
	apierr.Write(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed: use "+allow, apierr.CodeBadUserInput, "", "")
}
