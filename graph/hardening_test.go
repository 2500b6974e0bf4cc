package graph_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reimburse/reimburse/graph"
	"github.com/reimburse/reimburse/internal/httpapi"
	"github.com/reimburse/reimburse/internal/testsupport"
	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
	"github.com/uptrace/bun"
)

func TestRateLimit(t *testing.T) {
	// Half a request per second, bursts of 3: the 4th in a row waits 2 s.
	// The clock stands still, so no bucket refills however slow the machine.
	lim := httpapi.NewRateLimiter(0.5, 3)
	frozen := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	lim.Now = func() time.Time { return frozen }
	e := newEnvHTTP(t, graph.Options{}, httpapi.Options{RateLimiter: lim})
	other, _, err := e.S.CreateToken(t.Context(), model.NewToken{Name: "other", Role: model.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	body := testsupport.GQLBody(t, `{ eventTypes { id } }`, nil)

	// Requests without a valid token never reach the limiter.
	for range 5 {
		if r := e.Raw(t, body, map[string]string{"Authorization": "Bearer rbt_wrong"}); r.Status != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", r.Status)
		}
	}
	for i := range 3 {
		if r := e.Raw(t, body, e.Authed()); r.Status != http.StatusOK || len(r.Errors) > 0 {
			t.Fatalf("request %d: status %d, errors %+v", i+1, r.Status, r.Errors)
		}
	}
	r := e.Raw(t, body, e.Authed())
	testsupport.RequireLimit(t, r, http.StatusTooManyRequests, "RATE_LIMITED", "rate limit exceeded: a token may make 0.5 requests per second, in bursts of up to 3")
	if got := r.Header.Get("Retry-After"); got != "2" {
		t.Fatalf("Retry-After = %q, want 2 (whole seconds)", got)
	}
	if !strings.Contains(e.Log.String(), "code=RATE_LIMITED") {
		t.Fatalf("the request log lacks the refusal:\n%s", e.Log)
	}

	t.Run("another token is unaffected", func(t *testing.T) {
		r := e.Raw(t, body, map[string]string{"Authorization": "Bearer " + other})
		if r.Status != http.StatusOK || len(r.Errors) > 0 {
			t.Fatalf("status %d, errors %+v", r.Status, r.Errors)
		}
	})

	t.Run("the CSV export shares the budget", func(t *testing.T) {
		csv := testsupport.CSVHandler(e.S, slog.New(slog.NewTextHandler(e.Log, nil)), httpapi.Options{RateLimiter: lim})
		req := httptest.NewRequest(http.MethodGet, "/reports/monthly.csv", nil)
		req.Header.Set("Authorization", "Bearer "+e.Secret)
		w := httptest.NewRecorder()
		csv.ServeHTTP(w, req)
		if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), `"code":"RATE_LIMITED"`) {
			t.Fatalf("status %d, Retry-After %q, body %s", w.Code, w.Header().Get("Retry-After"), w.Body)
		}
	})

	t.Run("OK off", func(t *testing.T) {
		e := newEnvHTTP(t, graph.Options{}, httpapi.Options{RateLimiter: httpapi.NewRateLimiter(0, 0)})
		for range 2 * httpapi.DefaultRateBurst {
			if r := e.Raw(t, body, e.Authed()); r.Status != http.StatusOK {
				t.Fatalf("status %d with rate limiting off", r.Status)
			}
		}
	})
}

// stallHook holds every statement whose text contains marker until its
// context is done, like a query too slow for the request deadline. Only
// statements run under a request (a context with a deadline) stall, so
// opening the store (migrations group events too) is not held. cut counts
// the statements that the deadline released.
type stallHook struct {
	marker string
	cut    *atomic.Int32
}

func (h stallHook) BeforeQuery(ctx context.Context, ev *bun.QueryEvent) context.Context {
	if _, ok := ctx.Deadline(); ok && strings.Contains(ev.Query, h.marker) {
		<-ctx.Done()
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			h.cut.Add(1)
		}
	}
	return ctx
}

func (stallHook) AfterQuery(context.Context, *bun.QueryEvent) {}

func TestRequestTimeout(t *testing.T) {
	const limit = 200 * time.Millisecond
	// The report's GROUP BY stalls; everything else runs.
	cut := &atomic.Int32{}
	e := newEnvHTTP(t, graph.Options{}, httpapi.Options{RequestTimeout: limit},
		func(o *store.Options) { o.Hooks = append(o.Hooks, stallHook{"GROUP BY", cut}) })
	e.Register(t, testsupport.Event(e.EventType(t, "XRAY", "1.00"), e.Caregiver(t, "Anna"), testsupport.UTC(2024, 1, 1, 0, 0)))

	r := e.Raw(t, testsupport.GQLBody(t, `{ eventTypes { code } report { totals { eventCount } } }`, nil), e.Authed())
	// Counted, not timed: the stalled statement was released by the
	// request's deadline, not by anything else.
	if n := cut.Load(); n != 1 {
		t.Fatalf("the deadline released %d stalled statements, want 1", n)
	}
	if r.Status != http.StatusOK || len(r.Errors) != 1 {
		t.Fatalf("status %d, errors %+v; want one error", r.Status, r.Errors)
	}
	err := r.Errors[0]
	id := r.Header.Get("X-Request-Id")
	if err.Extensions.Code != "INTERNAL_SERVER_ERROR" || err.Extensions.RequestID != id || len(err.Path) != 1 || err.Path[0] != "report" ||
		!strings.HasPrefix(err.Message, "the request exceeded the server's time limit of 200ms;") || !strings.Contains(err.Message, id) {
		t.Fatalf("error %+v, want INTERNAL_SERVER_ERROR on report saying the time limit, with request id %s", err, id)
	}
	if strings.Contains(strings.ToLower(err.Message), "context") || strings.Contains(strings.ToLower(err.Message), "sql") {
		t.Fatalf("message %q reveals internals", err.Message)
	}

	t.Run("CSV export", func(t *testing.T) {
		csv := testsupport.CSVHandler(e.S, slog.New(slog.NewTextHandler(e.Log, nil)), httpapi.Options{RequestTimeout: limit})
		req := httptest.NewRequest(http.MethodGet, "/reports/monthly.csv", nil)
		req.Header.Set("Authorization", "Bearer "+e.Secret)
		w := httptest.NewRecorder()
		cut.Store(0)
		csv.ServeHTTP(w, req)
		if w.Code != http.StatusInternalServerError || !strings.Contains(w.Body.String(), "time limit of 200ms") || cut.Load() != 1 {
			t.Fatalf("status %d, body %s, %d statements cut by the deadline", w.Code, w.Body, cut.Load())
		}
	})
}

// panicHook panics, once armed, on statements whose text contains marker.
type panicHook struct {
	marker string
	armed  *atomic.Bool
}

// secretPanic is what the panic says: none of it may reach a client.
const secretPanic = "boom at /srv/reimburse/store/token.go: SELECT secret_hash"

func (h panicHook) BeforeQuery(ctx context.Context, ev *bun.QueryEvent) context.Context {
	if h.armed.Load() && strings.Contains(ev.Query, h.marker) {
		panic(secretPanic)
	}
	return ctx
}

func (panicHook) AfterQuery(context.Context, *bun.QueryEvent) {}

func TestPanicRecovered(t *testing.T) {
	for _, tc := range []struct {
		name, marker string
		status       int
		frame        string // a function the logged stack must show
	}{
		// The CSV export runs its report outside gqlgen.
		{"outside the executor", `SELECT`, http.StatusInternalServerError, "recoverPanics"},
		// The events query runs in a resolver: gqlgen's recover func.
		{"in a resolver", `FROM "events"`, http.StatusOK, "recoverFunc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			armed := &atomic.Bool{}
			e := newEnv(t, func(o *store.Options) { o.Hooks = append(o.Hooks, panicHook{tc.marker, armed}) })
			armed.Store(true)
			var r testsupport.RawResponse
			if tc.frame == "recoverPanics" {
				r = e.rawCSV(t, "/reports/monthly.csv")
			} else {
				r = e.Raw(t, testsupport.GQLBody(t, `{ events { edges { cursor } } }`, nil), e.Authed())
			}
			if r.Status != tc.status || len(r.Errors) != 1 {
				t.Fatalf("status %d, errors %+v; want %d with one error", r.Status, r.Errors, tc.status)
			}
			requireOpaque(t, e, r.Errors[0], r.Header.Get("X-Request-Id"))
			for _, leak := range []string{"boom", "secret", ".go", "SELECT", "goroutine"} {
				if strings.Contains(string(r.Body), leak) {
					t.Fatalf("response reveals %q: %s", leak, r.Body)
				}
			}
			log := e.Log.String()
			for _, want := range []string{"msg=panic", "boom at", "goroutine ", tc.frame, "code=INTERNAL_SERVER_ERROR"} {
				if !strings.Contains(log, want) {
					t.Fatalf("log lacks %q:\n%s", want, log)
				}
			}
		})
	}
}

// rawCSV gets path from the CSV export handler of the env's store, as the
// env's ADMIN token; a failure is a JSON GraphQL error.
func (e *env) rawCSV(t testing.TB, path string) testsupport.RawResponse {
	t.Helper()
	h := testsupport.CSVHandler(e.S, slog.New(slog.NewTextHandler(e.Log, nil)), httpapi.Options{})
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for k, v := range e.Authed() {
		req.Header.Set(k, v)
	}
	return testsupport.ServeRaw(t, h, req)
}
