// Package reqctx holds the values one API request carries in its context:
// who makes it (the principal, set by authentication), its request id, the
// request deadline's cause, and the request info its log line and metrics
// are made of. Values are set and read only through the functions here, so
// that the HTTP chain, the GraphQL layer and the metrics agree on them
// without importing one another.
package reqctx

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/reimburse/reimburse/model"
)

type principalKey struct{}

// WithPrincipal returns ctx carrying p, the authenticated caller.
func WithPrincipal(ctx context.Context, p model.Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// Principal returns who makes the request, and false before authentication
// (or on a CORS preflight, which carries no token).
func Principal(ctx context.Context) (model.Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(model.Principal)
	return p, ok
}

// MustPrincipal returns who makes the request; the auth middleware
// guarantees one on every request that reaches a resolver or an export.
func MustPrincipal(ctx context.Context) model.Principal {
	return ctx.Value(principalKey{}).(model.Principal)
}

type requestIDKey struct{}

// WithRequestID returns ctx carrying the request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the id of the request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// timeoutError is the cause of a context cut by the request deadline.
type timeoutError struct{ limit time.Duration }

func (e *timeoutError) Error() string { return fmt.Sprintf("request deadline of %s exceeded", e.limit) }

// WithDeadline returns ctx cut after d, with a cause that TimedOut
// recognises.
func WithDeadline(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, d, &timeoutError{d})
}

// TimedOut reports whether ctx was cut by the request deadline, and its
// length.
func TimedOut(ctx context.Context) (time.Duration, bool) {
	var te *timeoutError
	if errors.As(context.Cause(ctx), &te) {
		return te.limit, true
	}
	return 0, false
}

// Info collects what one request did, for its log line and metrics. Its
// methods are safe for concurrent use and on a nil *Info (a request
// outside the observed chain), where they do nothing.
type Info struct {
	mu sync.Mutex
	f  InfoFields
}

// InfoFields are the values of an Info.
type InfoFields struct {
	// Operation is the GraphQL operation name, or the endpoint ("csv").
	Operation string
	// Code is "OK" or the first error's extensions.code.
	Code    string
	TokenID int64
	// FastReport is "served" when the fast report path answered,
	// "fallback" when it tried and handed the operation to gqlgen, ""
	// otherwise.
	FastReport string
}

// NewInfo returns the info of a request to endpoint, OK so far.
func NewInfo(endpoint string) *Info {
	return &Info{f: InfoFields{Code: "OK", Operation: endpoint}}
}

// Update changes the fields under the lock.
func (ri *Info) Update(fn func(*InfoFields)) {
	if ri == nil {
		return
	}
	ri.mu.Lock()
	defer ri.mu.Unlock()
	fn(&ri.f)
}

// Fields returns a copy of the fields.
func (ri *Info) Fields() InfoFields {
	ri.mu.Lock()
	defer ri.mu.Unlock()
	return ri.f
}

type infoKey struct{}

// WithInfo returns ctx carrying ri.
func WithInfo(ctx context.Context, ri *Info) context.Context {
	return context.WithValue(ctx, infoKey{}, ri)
}

// InfoFrom returns the request's info, or nil.
func InfoFrom(ctx context.Context) *Info {
	ri, _ := ctx.Value(infoKey{}).(*Info)
	return ri
}

// SetCode records the request's outcome code.
func SetCode(ctx context.Context, code string) {
	InfoFrom(ctx).Update(func(f *InfoFields) { f.Code = code })
}

// SetFastReport records what the fast report path did ("served",
// "fallback").
func SetFastReport(ctx context.Context, outcome string) {
	InfoFrom(ctx).Update(func(f *InfoFields) { f.FastReport = outcome })
}
