package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/reimburse/reimburse/graph"
	"github.com/reimburse/reimburse/internal/httpapi"
	"github.com/reimburse/reimburse/internal/metrics"
	"github.com/reimburse/reimburse/internal/testsupport"
	"github.com/reimburse/reimburse/store"
	"github.com/reimburse/reimburse/store/storetest"
)

// obsEnv is a server with metrics and a captured log.
type obsEnv struct {
	srv    *httptest.Server
	reg    *prometheus.Registry
	log    *testsupport.SyncBuffer
	secret string
	store  *store.Store
}

// newObsEnv starts the server; opts adjust its HTTP chain's options.
func newObsEnv(t *testing.T, opts ...func(*httpapi.Options)) *obsEnv {
	t.Helper()
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	s, err := store.Open(ctx, store.Options{Path: storetest.DB(t), Observer: m,
		Now: func() time.Time { return time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	secret, err := s.EnsureAdminToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	buf := &testsupport.SyncBuffer{}
	opt := httpapi.Options{Store: s, Logger: slog.New(slog.NewTextHandler(buf, nil)), Metrics: m}
	for _, o := range opts {
		o(&opt)
	}
	api := httpapi.New(opt)
	mux := http.NewServeMux()
	mux.Handle("/graphql", api.Wrap("graphql", graph.Methods(), graph.New(graph.Options{Store: s, Logger: opt.Logger})))
	mux.Handle("/reports/monthly.csv", api.MonthlyCSV())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &obsEnv{srv: srv, reg: reg, log: buf, secret: secret, store: s}
}

// post sends a GraphQL document with the admin token and returns the body.
func (e *obsEnv) post(t *testing.T, body string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// get sends a GET with the given token ("" for none).
func (e *obsEnv) get(t *testing.T, path, token string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// scrape returns the exposition text of the registry.
func (e *obsEnv) scrape(t *testing.T) string {
	t.Helper()
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(e.reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}

func mustContain(t *testing.T, haystack string, needles ...string) {
	t.Helper()
	for _, n := range needles {
		if !strings.Contains(haystack, n) {
			t.Errorf("missing %q in:\n%s", n, haystack)
		}
	}
}

// seedObs creates caregivers 1 (Anna) and 2 (=Bo, a formula-like name) and
// type XRAY at 1250.50.
func seedObs(t *testing.T, e *obsEnv) {
	t.Helper()
	for _, doc := range []string{
		`{"query":"mutation { createCaregiver(input:{name:\"Anna\"}){id} }"}`,
		`{"query":"mutation { createCaregiver(input:{name:\"=Bo, \\\"B\\\"\"}){id} }"}`,
		`{"query":"mutation { createEventType(input:{code:\"XRAY\", name:\"X-ray\", price:\"1250.50\"}){id} }"}`,
	} {
		if out := e.post(t, doc); strings.Contains(out, "errors") {
			t.Fatal(out)
		}
	}
}

func TestMetrics(t *testing.T) {
	e := newObsEnv(t)
	seedObs(t, e)
	reg := `{"query":"mutation Reg { registerEvents(inputs:[{eventTypeId:\"1\", caregiverId:\"1\", occurredAt:\"2024-03-01T09:30:00+01:00\", idempotencyKey:\"k1\"},{eventTypeId:\"1\", caregiverId:\"2\", occurredAt:\"2024-04-01T09:30:00+02:00\"}]){id} }"}`
	mustContain(t, e.post(t, reg), `"registerEvents":[{"id":"1"},{"id":"2"}]`)
	// An idempotent replay registers nothing and counts nothing.
	mustContain(t, e.post(t, `{"query":"mutation Again { registerEvent(input:{eventTypeId:\"1\", caregiverId:\"1\", occurredAt:\"2024-03-01T09:30:00+01:00\", idempotencyKey:\"k1\"}){id} }"}`), `"id":"1"`)
	mustContain(t, e.post(t, `{"query":"mutation V { voidEvent(id:\"2\", reason:\"twice\"){status} }"}`), `"VOIDED"`)
	mustContain(t, e.post(t, `{"query":"mutation P { reimburseEvents(ids:[\"1\"]){eventCount} }"}`), `"eventCount":1`)
	mustContain(t, e.post(t, `{"query":"query Broken { nope }","operationName":"Broken"}`), "GRAPHQL_VALIDATION_FAILED")
	mustContain(t, e.post(t, `{"query":"mutation Twice { reimburseEvents(ids:[\"1\"]){id} }"}`), "CONFLICT")

	m := e.scrape(t)
	mustContain(t, m,
		`reimburse_events_total{action="registered"} 2`,
		`reimburse_events_total{action="voided"} 1`,
		`reimburse_events_total{action="reimbursed"} 1`,
		`reimburse_requests_total{code="OK",operation="Reg"} 1`,
		`reimburse_requests_total{code="OK",operation="Again"} 1`,
		`reimburse_requests_total{code="GRAPHQL_VALIDATION_FAILED",operation="Broken"} 1`,
		`reimburse_requests_total{code="CONFLICT",operation="Twice"} 1`,
		`reimburse_request_duration_seconds_count{operation="Reg"} 1`,
		// registerEvent goes through group commit: one batch of one call.
		`reimburse_group_commit_batch_size_count 1`,
	)
	// On SQLite the writes are checkpointed in the background, within a
	// few rounds; PostgreSQL has no such series.
	ok := regexp.MustCompile(`(?m)^reimburse_wal_checkpoints_total\{result="ok"\} [1-9]`)
	for deadline := time.Now().Add(10 * time.Second); !storetest.Postgres() && !ok.MatchString(m); m = e.scrape(t) {
		if time.Now().After(deadline) {
			t.Fatalf("no ok checkpoint counted in:\n%s", m)
		}
		time.Sleep(50 * time.Millisecond)
	}
	mustContain(t, m, `reimburse_wal_checkpoints_total{result="error"} 0`)
	// Unauthenticated requests are counted too.
	e.get(t, "/graphql?query={eventTypes{id}}", "")
	mustContain(t, e.scrape(t), `reimburse_requests_total{code="UNAUTHENTICATED",operation="graphql"} 1`)
}

func TestMetricsOperationLabelsAreBounded(t *testing.T) {
	// More requests than a token's burst: no rate limit here.
	e := newObsEnv(t, func(o *httpapi.Options) { o.RateLimiter = httpapi.NewRateLimiter(0, 0) })
	for i := 0; i < 205; i++ {
		name := "Op" + strings.Repeat("x", i%3) + string(rune('A'+i%26)) + string(rune('a'+i/26))
		e.post(t, `{"query":"query `+name+` { eventTypes { id } }"}`)
	}
	e.post(t, `{"query":"query LateComer { eventTypes { id } }"}`)
	m := e.scrape(t)
	mustContain(t, m, `reimburse_requests_total{code="OK",operation="other"}`)
	if strings.Contains(m, `operation="LateComer"`) {
		t.Fatal("label set grew past its bound")
	}
}

func TestRequestLog(t *testing.T) {
	e := newObsEnv(t)
	seedObs(t, e)
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/graphql", strings.NewReader(`{"query":"query Types { eventTypes { code } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.secret)
	req.Header.Set("X-Request-Id", "trace-123")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("X-Request-Id"); got != "trace-123" {
		t.Fatalf("X-Request-Id = %q", got)
	}
	var line string
	for _, l := range strings.Split(e.log.String(), "\n") {
		if strings.Contains(l, "request_id=trace-123") {
			line = l
		}
	}
	mustContain(t, line, "msg=request", "operation=Types", "code=OK", "token_id=1", "duration_ms=", "path=/graphql")
	if strings.Contains(e.log.String(), e.secret) || strings.Contains(e.log.String(), "rbt_") {
		t.Fatal("the log contains a token secret")
	}
}

// TestFastReportObserved checks that fast responses are logged and counted
// like gqlgen's, with their outcome.
func TestFastReportObserved(t *testing.T) {
	e := newObsEnv(t)
	seedObs(t, e)
	mustContain(t, e.post(t, `{"query":"query Sums { report { totals { eventCount } } }"}`), `{"data":{"report":{"totals":{"eventCount":0}}}}`)
	mustContain(t, e.post(t, `{"query":"query Bad { report(caregiverIds: [\"9\"]) { currency } }"}`), "BAD_USER_INPUT")
	mustContain(t, e.scrape(t),
		`reimburse_fast_report_total{outcome="served"} 1`,
		`reimburse_fast_report_total{outcome="fallback"} 1`,
		`reimburse_requests_total{code="OK",operation="Sums"} 1`,
		`reimburse_requests_total{code="BAD_USER_INPUT",operation="Bad"} 1`,
	)
	mustContain(t, e.log.String(), "operation=Sums code=OK", "fast_report=served", "operation=Bad code=BAD_USER_INPUT")
}
