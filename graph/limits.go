package graph

import (
	"cmp"
	"errors"
	"fmt"
	"github.com/reimburse/reimburse/internal/apierr"
	"github.com/reimburse/reimburse/internal/reqctx"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// The defaults of Limits.
const (
	DefaultMaxBodyBytes   = 10 << 20 // a 10,000-event registerEvents is about 1.3 MB
	DefaultMaxQueryTokens = 15000
	// DefaultMaxFields is the token limit: fragments may not make a
	// document select more fields than could be written out in full.
	DefaultMaxFields    = DefaultMaxQueryTokens
	DefaultMaxFragments = 100
	// DefaultMaxDepth counts fields from the root (`{ a { b } }` is 2).
	// Introspection subtrees are exempt: gqlgen's standard introspection
	// query, the shape GraphiQL sends, nests 15 deep.
	DefaultMaxDepth       = 12
	DefaultMaxRootFields  = 20
	DefaultMaxAliases     = 50
	DefaultMaxReportCells = 100000
	// DefaultMaxFastReportCells bounds reports the fast report path answers:
	// it writes about half a million cells a second, with no per-object
	// executor cost, so the whole period for every caregiver fits.
	DefaultMaxFastReportCells = 2000000
	DefaultRequestTimeout     = 30 * time.Second
	DefaultRateLimit          = 50  // requests per second per token
	DefaultRateBurst          = 100 // requests a token may make at once
)

// Limits hold the request limits and hardening switches of the API. The
// zero value of every field means its default.
type Limits struct {
	// MaxBodyBytes caps a request body (413 over it).
	MaxBodyBytes int64
	// MaxQueryTokens caps the lexical tokens of a query document.
	MaxQueryTokens int
	// MaxFields caps the fields a document's operations select, counted
	// with each fragment expanded wherever it is spread (docsize.go).
	MaxFields int
	// MaxFragments caps a document's fragment definitions.
	MaxFragments int
	// MaxDepth caps how deeply an operation's fields nest, fragments
	// followed; __schema and __type subtrees are exempt.
	MaxDepth int
	// MaxRootFields caps an operation's distinct root fields (response keys).
	MaxRootFields int
	// MaxAliases caps an operation's aliased fields, counted once per use of
	// the fragment that holds them.
	MaxAliases int
	// MaxReportCells caps the data-dependent cost estimate of report fields
	// (months x caregivers x what is selected per cell); see complexity.go.
	MaxReportCells int
	// MaxFastReportCells replaces MaxReportCells for report-only queries
	// that the fast report path answers (fastreport.go).
	MaxFastReportCells int
	// RequestTimeout is the deadline of each request's context.
	RequestTimeout time.Duration
	// RateLimiter limits each token's requests; nil means one with
	// DefaultRateLimit and DefaultRateBurst for this handler alone. Give the
	// /graphql and CSV handlers the same one so a token has one budget.
	RateLimiter *RateLimiter
	// DisableIntrospection rejects __schema and __type and drops the field
	// suggestions ("Did you mean ...?") from validation messages.
	DisableIntrospection bool
}

func (l Limits) withDefaults() Limits {
	l.MaxBodyBytes = cmp.Or(l.MaxBodyBytes, DefaultMaxBodyBytes)
	l.MaxQueryTokens = cmp.Or(l.MaxQueryTokens, DefaultMaxQueryTokens)
	l.MaxFields = cmp.Or(l.MaxFields, DefaultMaxFields)
	l.MaxFragments = cmp.Or(l.MaxFragments, DefaultMaxFragments)
	l.MaxDepth = cmp.Or(l.MaxDepth, DefaultMaxDepth)
	l.MaxRootFields = cmp.Or(l.MaxRootFields, DefaultMaxRootFields)
	l.MaxAliases = cmp.Or(l.MaxAliases, DefaultMaxAliases)
	l.MaxReportCells = cmp.Or(l.MaxReportCells, DefaultMaxReportCells)
	l.MaxFastReportCells = cmp.Or(l.MaxFastReportCells, DefaultMaxFastReportCells)
	l.RequestTimeout = cmp.Or(l.RequestTimeout, DefaultRequestTimeout)
	if l.RateLimiter == nil {
		l.RateLimiter = NewRateLimiter(DefaultRateLimit, DefaultRateBurst)
	}
	return l
}

// limitBody answers 413 to a body over max: at once when Content-Length
// says so, and otherwise (chunked bodies) when reading passes max, in place
// of whatever the handler then writes.
func limitBody(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			tooLarge(w, r, max)
			return
		}
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		body := &cappedBody{ReadCloser: http.MaxBytesReader(w, r.Body, max)}
		r.Body = body
		next.ServeHTTP(&cappedWriter{ResponseWriter: w, body: body, r: r, max: max}, r)
	})
}

func tooLarge(w http.ResponseWriter, r *http.Request, max int64) {
	reqctx.SetCode(r.Context(), apierr.CodeBadUserInput)
	apierr.Write(w, http.StatusRequestEntityTooLarge,
		fmt.Sprintf("request body too large: the limit is %d bytes; send large batches in several requests", max),
		apierr.CodeBadUserInput, "", "")
}

// cappedBody records that the body went over its cap.
type cappedBody struct {
	io.ReadCloser
	over atomic.Bool
}

func (b *cappedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		b.over.Store(true)
	}
	return n, err
}

// cappedWriter replaces the response with a 413 once the body went over its
// cap: gqlgen answers a body it could not read with a 200.
type cappedWriter struct {
	http.ResponseWriter
	body     *cappedBody
	r        *http.Request
	max      int64
	replaced bool
}

func (c *cappedWriter) replace() bool {
	if !c.replaced && c.body.over.Load() {
		c.replaced = true
		tooLarge(c.ResponseWriter, c.r, c.max)
	}
	return c.replaced
}

func (c *cappedWriter) WriteHeader(status int) {
	if !c.replace() {
		c.ResponseWriter.WriteHeader(status)
	}
}

func (c *cappedWriter) Write(b []byte) (int, error) {
	if c.replace() {
		return len(b), nil
	}
	return c.ResponseWriter.Write(b)
}

// withDeadline gives each request a context deadline, so database work
// (modernc's driver honours cancellation) stops when it passes.
func withDeadline(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := reqctx.WithDeadline(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// recoverPanics turns a panic outside gqlgen's executor (which recovers its
// own, see recoverFunc) into a 500 INTERNAL_SERVER_ERROR that carries only
// the request id; the panic and its stack go to the log. A panic after the
// response started aborts the connection instead, so that a truncated body
// does not pass for a whole one.
func recoverPanics(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &startedWriter{ResponseWriter: w}
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler { //nolint:errorlint // the sentinel is panicked as is
				panic(p)
			}
			ctx := r.Context()
			id := reqctx.RequestID(ctx)
			log.ErrorContext(ctx, "panic", "request_id", id, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			reqctx.SetCode(ctx, apierr.CodeInternalError)
			if sw.started {
				panic(http.ErrAbortHandler)
			}
			apierr.Write(w, http.StatusInternalServerError, apierr.InternalMessage(ctx, id), apierr.CodeInternalError, id, "")
		}()
		next.ServeHTTP(sw, r)
	})
}

// startedWriter records whether the response has started.
type startedWriter struct {
	http.ResponseWriter
	started bool
}

func (s *startedWriter) WriteHeader(status int) {
	s.started = true
	s.ResponseWriter.WriteHeader(status)
}

func (s *startedWriter) Write(b []byte) (int, error) {
	s.started = true
	return s.ResponseWriter.Write(b)
}
