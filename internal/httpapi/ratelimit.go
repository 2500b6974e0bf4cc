package httpapi

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/reimburse/reimburse/internal/apierr"
	"github.com/reimburse/reimburse/internal/reqctx"
	"golang.org/x/time/rate"
)

// RateLimiter limits each API token's requests with a token bucket
// (golang.org/x/time/rate): perSecond sustained, burst at once. It is safe
// for concurrent use; share one between handlers to give each token one
// budget.
type RateLimiter struct {
	// Now is the limiter's clock; nil means time.Now. Tests set it (before
	// the first request) to refill buckets by hand instead of waiting.
	Now func() time.Time

	limit rate.Limit
	burst int

	mu      sync.Mutex
	buckets map[int64]*bucket // by token id
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	used time.Time
}

// sweepEvery bounds how often idle buckets are dropped.
const sweepEvery = time.Minute

// NewRateLimiter returns a limiter of perSecond requests per token with
// bursts of burst (at least 1). perSecond <= 0 turns limiting off.
func NewRateLimiter(perSecond float64, burst int) *RateLimiter {
	if perSecond <= 0 {
		return &RateLimiter{limit: rate.Inf}
	}
	return &RateLimiter{limit: rate.Limit(perSecond), burst: max(burst, 1), buckets: map[int64]*bucket{}}
}

// allow takes one request from token's bucket, or reports how long until
// one is available.
func (l *RateLimiter) allow(token int64, now time.Time) (bool, time.Duration) {
	if l.limit == rate.Inf {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b := l.buckets[token]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.buckets[token] = b
	}
	b.used = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweep drops the buckets idle long enough to have refilled: a new bucket
// is the same, so the map holds only tokens in recent use.
func (l *RateLimiter) sweep(now time.Time) {
	if now.Sub(l.swept) < sweepEvery {
		return
	}
	l.swept = now
	refill := time.Duration(float64(l.burst) / float64(l.limit) * float64(time.Second))
	for id, b := range l.buckets {
		if now.Sub(b.used) > refill {
			delete(l.buckets, id)
		}
	}
}

// rateLimit answers 429 RATE_LIMITED, with Retry-After in whole seconds,
// to a token over its rate. It runs after authentication: requests without
// a valid token never reach it.
func rateLimit(l *RateLimiter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := reqctx.Principal(r.Context())
		if !ok { // CORS preflight, which carries no token
			next.ServeHTTP(w, r)
			return
		}
		now := time.Now
		if l.Now != nil {
			now = l.Now
		}
		allowed, wait := l.allow(p.TokenID, now())
		if allowed {
			next.ServeHTTP(w, r)
			return
		}
		secs := max(1, int(math.Ceil(wait.Seconds())))
		reqctx.SetCode(r.Context(), apierr.CodeRateLimited)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		apierr.Write(w, http.StatusTooManyRequests,
			fmt.Sprintf("rate limit exceeded: a token may make %g requests per second, in bursts of up to %d; retry after %d s", float64(l.limit), l.burst, secs),
			apierr.CodeRateLimited, "", "")
	})
}
