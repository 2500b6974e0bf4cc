package httpapi

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/reimburse/reimburse/internal/apierr"
	"github.com/reimburse/reimburse/internal/reqctx"
)

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
// own, see graph's recoverFunc) into a 500 INTERNAL_SERVER_ERROR that carries only
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
