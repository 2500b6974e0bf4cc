package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"
	"github.com/reimburse/reimburse/graph"
	"github.com/reimburse/reimburse/internal/httpapi"
	"github.com/reimburse/reimburse/internal/testsupport"
	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
	"github.com/reimburse/reimburse/store/storetest"
	"github.com/uptrace/bun"
)

// testNow is the pinned clock of every test store.
var testNow = time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC)

// env is one test server: a real store of the dialect under test (a SQLite
// file in a temp dir, or a PostgreSQL schema: storetest.DB), the /graphql
// handler over it, an ADMIN token and a gqlgen client that sends it.
type env struct {
	s       *store.Store
	h       http.Handler
	c       *client.Client
	secret  string
	path    string
	log     *testsupport.SyncBuffer
	queries *queryCounter
}

// newEnv opens a fresh store and handler; opts adjust the store's options.
// The store is closed at cleanup.
func newEnv(t testing.TB, opts ...func(*store.Options)) *env {
	t.Helper()
	e := &env{path: storetest.DB(t), log: &testsupport.SyncBuffer{}, queries: &queryCounter{}}
	opt := store.Options{
		Path:  e.path,
		Now:   func() time.Time { return testNow },
		Hooks: []bun.QueryHook{e.queries},
	}
	for _, o := range opts {
		o(&opt)
	}
	s, err := store.Open(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	e.s = s
	if e.secret, err = s.EnsureAdminToken(context.Background()); err != nil || e.secret == "" {
		t.Fatalf("EnsureAdminToken = %q, %v", e.secret, err)
	}
	logger := slog.New(slog.NewTextHandler(e.log, nil))
	e.h = handler(graph.Options{Store: s, Logger: logger}, httpapi.Options{})
	e.c = client.New(e.h, client.AddHeader("Authorization", "Bearer "+e.secret))
	return e
}

// gqlError is one entry of a response's errors.
type gqlError struct {
	Message    string `json:"message"`
	Path       []any  `json:"path"`
	Extensions struct {
		Code      string `json:"code"`
		Field     string `json:"field"`
		RequestID string `json:"requestId"`
	} `json:"extensions"`
}

// result is a decoded GraphQL response.
type result struct {
	Data   json.RawMessage
	Errors []gqlError
}

// post runs an operation through the gqlgen client and decodes the response;
// it fails the test on a transport error (HTTP status >= 400).
func (e *env) post(t testing.TB, query string, opts ...client.Option) result {
	t.Helper()
	resp, err := e.c.RawPost(query, opts...)
	if err != nil {
		t.Fatalf("post: %v\nquery: %s", err, query)
	}
	data, err := json.Marshal(resp.Data)
	if err != nil {
		t.Fatal(err)
	}
	var r result
	r.Data = data
	if len(resp.Errors) > 0 {
		if err := json.Unmarshal(resp.Errors, &r.Errors); err != nil {
			t.Fatalf("decode errors %s: %v", resp.Errors, err)
		}
	}
	return r
}

// mustQuery runs an operation that must succeed and decodes its data into out.
func (e *env) mustQuery(t testing.TB, query string, out any, opts ...client.Option) {
	t.Helper()
	r := e.post(t, query, opts...)
	if len(r.Errors) > 0 {
		t.Fatalf("unexpected errors: %+v\nquery: %s", r.Errors, query)
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			t.Fatalf("decode data %s: %v", r.Data, err)
		}
	}
}

// mustFail runs an operation that must fail with exactly one error of code
// on field, and returns that error.
func (e *env) mustFail(t testing.TB, code, field, query string, opts ...client.Option) gqlError {
	t.Helper()
	r := e.post(t, query, opts...)
	requireOne(t, r.Errors, code, field)
	return r.Errors[0]
}

// requireOne asserts that errs holds exactly one error, with the given
// extensions.code and extensions.field.
func requireOne(t testing.TB, errs []gqlError, code, field string) {
	t.Helper()
	if len(errs) != 1 {
		t.Fatalf("got %d errors, want 1 %s on %q: %+v", len(errs), code, field, errs)
	}
	requireCode(t, errs[0], code, field)
}

// requireCode asserts an error's extensions.code and extensions.field.
func requireCode(t testing.TB, err gqlError, code, field string) {
	t.Helper()
	if err.Extensions.Code != code || err.Extensions.Field != field {
		t.Fatalf("error %q: code %q field %q, want code %q field %q", err.Message, err.Extensions.Code, err.Extensions.Field, code, field)
	}
}

// rawResponse is a response read straight off the handler.
type rawResponse struct {
	Status int
	Header http.Header
	Body   []byte
	Errors []gqlError
}

// raw posts body to the handler with the given headers, bypassing the
// gqlgen client so that HTTP status codes and headers can be checked.
func (e *env) raw(t testing.TB, body string, header map[string]string) rawResponse {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return serveRaw(t, e.h, req)
}

// serveRaw serves req with h and decodes the GraphQL errors of the
// response, which must be JSON.
func serveRaw(t testing.TB, h http.Handler, req *http.Request) rawResponse {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	out := rawResponse{Status: w.Code, Header: w.Header(), Body: w.Body.Bytes()}
	var payload struct {
		Errors []gqlError `json:"errors"`
	}
	if err := json.Unmarshal(out.Body, &payload); err != nil {
		t.Fatalf("decode %q: %v", out.Body, err)
	}
	out.Errors = payload.Errors
	return out
}

// authed returns the Authorization header of the env's ADMIN token.
func (e *env) authed() map[string]string {
	return map[string]string{"Authorization": "Bearer " + e.secret}
}

// gqlBody encodes an operation as a JSON request body.
func gqlBody(t testing.TB, query string, vars map[string]any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// queryCounter is a bun query hook that counts executed statements and
// keeps their text.
type queryCounter struct {
	n  atomic.Int64
	mu sync.Mutex
	qs []string
}

func (q *queryCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (q *queryCounter) AfterQuery(_ context.Context, ev *bun.QueryEvent) {
	q.n.Add(1)
	q.mu.Lock()
	defer q.mu.Unlock()
	q.qs = append(q.qs, ev.Query)
}

func (q *queryCounter) reset() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.n.Store(0)
	q.qs = nil
}

func (q *queryCounter) count() int64 { return q.n.Load() }

// statements returns the text of the statements counted since reset.
func (q *queryCounter) statements() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]string(nil), q.qs...)
}

// Fixtures are made through the store: they are not what the tests check.

func (e *env) caregiver(t testing.TB, name string) int64 {
	t.Helper()
	c, err := e.s.CreateCaregiver(context.Background(), model.NewCaregiver{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// eventType creates a type whose price (a Decimal) applies since always.
func (e *env) eventType(t testing.TB, code, price string) int64 {
	t.Helper()
	m, err := model.ParseDecimal(price)
	if err != nil {
		t.Fatal(err)
	}
	et, err := e.s.CreateEventType(context.Background(), model.NewEventType{Code: code, Name: "Type " + code, Price: m})
	if err != nil {
		t.Fatal(err)
	}
	return et.ID
}

// register registers events as the env's admin and returns their ids.
func (e *env) register(t testing.TB, ins ...model.NewEvent) []int64 {
	t.Helper()
	p, err := e.s.Authenticate(context.Background(), e.secret)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := e.s.RegisterEvents(context.Background(), *p, ins)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(evs))
	for i, ev := range evs {
		ids[i] = ev.ID
	}
	return ids
}

// ev is a NewEvent of type typ for caregiver cg at at.
func ev(typ, cg int64, at time.Time) model.NewEvent {
	return model.NewEvent{EventTypeID: typ, CaregiverID: cg, OccurredAt: at}
}

// id formats an id for a GraphQL ID.
func id(n int64) string { return fmt.Sprint(n) }

// countEvents returns how many events exist, through the API.
func (e *env) countEvents(t testing.TB) int {
	t.Helper()
	var out struct {
		Events struct {
			Edges []struct{ Cursor string }
		}
	}
	e.mustQuery(t, `{ events(first: 1000) { edges { cursor } } }`, &out)
	return len(out.Events.Edges)
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// caregiverNames lists the first 1000 caregivers' names, through the API.
func (e *env) caregiverNames(t testing.TB) []string {
	t.Helper()
	var out struct {
		Caregivers struct{ Nodes []struct{ Name string } }
	}
	e.mustQuery(t, `{ caregivers(first: 1000) { nodes { name } } }`, &out)
	names := make([]string, len(out.Caregivers.Nodes))
	for i, c := range out.Caregivers.Nodes {
		names[i] = c.Name
	}
	return names
}
