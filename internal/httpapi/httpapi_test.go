package httpapi

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/reimburse/reimburse/store"
	"github.com/reimburse/reimburse/store/storetest"
)

// openStore opens a store of the dialect under test and returns it with an
// ADMIN token's secret.
func openStore(t *testing.T) (*store.Store, string) {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, store.Options{Path: storetest.DB(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	secret, err := s.EnsureAdminToken(ctx)
	if err != nil || secret == "" {
		t.Fatalf("EnsureAdminToken = %q, %v", secret, err)
	}
	return s, secret
}

func get(t *testing.T, h http.Handler, path, secret string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// Options without a Logger take slog.Default() once, in New: the CSV export
// (which used to log through a nil Logger on every request) answers.
func TestNewWithoutLogger(t *testing.T) {
	s, secret := openStore(t)
	api := New(Options{Store: s})
	w := get(t, api.MonthlyCSV(), "/reports/monthly.csv", secret)
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.HasPrefix(w.Body.String(), "month,caregiver_id,caregiver_name,") {
		t.Fatalf("status %d, type %q, body %q", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	// A domain error goes through the same defaulted Logger.
	w = get(t, api.MonthlyCSV(), "/reports/monthly.csv?caregiverId=1", secret)
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), `"code":"BAD_USER_INPUT"`) {
		t.Fatalf("status %d, body %s", w.Code, w.Body)
	}
}

// The API builds its default rate limiter once: every endpoint it wraps
// draws on one budget per token.
func TestOneDefaultRateLimiter(t *testing.T) {
	s, secret := openStore(t)
	api := New(Options{Store: s})
	t0 := time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC)
	api.opts.RateLimiter.Now = func() time.Time { return t0 } // no refill
	ok := api.Wrap("graphql", []string{http.MethodGet}, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	for i := range DefaultRateBurst {
		if w := get(t, ok, "/graphql", secret); w.Code != http.StatusOK {
			t.Fatalf("request %d: status %d, body %s", i+1, w.Code, w.Body)
		}
	}
	w := get(t, api.MonthlyCSV(), "/reports/monthly.csv", secret)
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "1" ||
		!strings.Contains(w.Body.String(), `"code":"RATE_LIMITED"`) {
		t.Fatalf("CSV after the burst on /graphql: status %d, Retry-After %q, body %s", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
}
