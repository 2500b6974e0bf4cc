package httpapi_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/reimburse/reimburse/graph"
	"github.com/reimburse/reimburse/internal/httpapi"
	"github.com/reimburse/reimburse/internal/testsupport"
)

// fakeClock is a clock that moves only when the test says so.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestRateLimitClock counts a token's requests against its bucket on a
// clock the test moves, so that a slow machine cannot refill the bucket
// between requests.
func TestRateLimitClock(t *testing.T) {
	clock := &fakeClock{now: time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC)}
	lim := httpapi.NewRateLimiter(0.5, 3) // a request per 2 s, bursts of 3
	lim.Now = clock.Now
	e := testsupport.NewEnvHTTP(t, graph.Options{}, httpapi.Options{RateLimiter: lim})
	body := testsupport.GQLBody(t, `{ eventTypes { id } }`, nil)
	// send makes n requests, which must have status want; the refusals
	// must say to retry after retry seconds.
	send := func(n, want int, retry string) {
		t.Helper()
		for i := range n {
			r := e.Raw(t, body, e.Authed())
			if r.Status != want {
				t.Fatalf("request %d of %d: status %d, want %d (errors %+v)", i+1, n, r.Status, want, r.Errors)
			}
			if want == http.StatusTooManyRequests {
				testsupport.RequireLimit(t, r, want, "RATE_LIMITED", "retry after "+retry+" s")
				if got := r.Header.Get("Retry-After"); got != retry {
					t.Fatalf("Retry-After %q, want %q", got, retry)
				}
			}
		}
	}
	send(3, http.StatusOK, "")               // the burst
	send(2, http.StatusTooManyRequests, "2") // refusals take nothing from the bucket
	clock.advance(time.Second)
	send(1, http.StatusTooManyRequests, "1") // half a request refilled
	clock.advance(time.Second)
	send(1, http.StatusOK, "") // one whole request
	send(1, http.StatusTooManyRequests, "2")
	clock.advance(time.Hour) // refilled to the burst, no further
	send(3, http.StatusOK, "")
	send(1, http.StatusTooManyRequests, "2")
}
