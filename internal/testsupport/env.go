package testsupport

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
	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
	"github.com/reimburse/reimburse/store/storetest"
	"github.com/uptrace/bun"
)

// Now is the pinned clock of every test store.
var Now = time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC)

// Env is one test server: a real store of the dialect under test (a SQLite
// file in a temp dir, or a PostgreSQL schema: storetest.DB), the /graphql
// handler over it, an ADMIN token and a gqlgen client that sends it.
type Env struct {
	S       *store.Store   // the store under test
	H       http.Handler   // /graphql: graph's handler behind the HTTP chain
	C       *client.Client // a gqlgen client of H that sends Secret
	Secret  string         // the ADMIN token
	Path    string         // the database: a SQLite file or a PostgreSQL URL
	Log     *SyncBuffer    // what the handler logs
	Queries *QueryCounter  // the statements the store runs
}

// NewEnv opens a fresh store and handler; opts adjust the store's options.
// The store is closed at cleanup.
func NewEnv(t testing.TB, opts ...func(*store.Options)) *Env {
	t.Helper()
	e := &Env{Path: storetest.DB(t), Log: &SyncBuffer{}, Queries: &QueryCounter{}}
	opt := store.Options{
		Path:  e.Path,
		Now:   func() time.Time { return Now },
		Hooks: []bun.QueryHook{e.Queries},
	}
	for _, o := range opts {
		o(&opt)
	}
	s, err := store.Open(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	e.S = s
	if e.Secret, err = s.EnsureAdminToken(context.Background()); err != nil || e.Secret == "" {
		t.Fatalf("EnsureAdminToken = %q, %v", e.Secret, err)
	}
	logger := slog.New(slog.NewTextHandler(e.Log, nil))
	e.H = Handler(graph.Options{Store: s, Logger: logger}, httpapi.Options{})
	e.C = client.New(e.H, client.AddHeader("Authorization", "Bearer "+e.Secret))
	return e
}

// GQLError is one entry of a response's errors.
type GQLError struct {
	Message    string `json:"message"`
	Path       []any  `json:"path"`
	Extensions struct {
		Code      string `json:"code"`
		Field     string `json:"field"`
		RequestID string `json:"requestId"`
	} `json:"extensions"`
}

// Result is a decoded GraphQL response.
type Result struct {
	Data   json.RawMessage
	Errors []GQLError
}

// Post runs an operation through the gqlgen client and decodes the response;
// it fails the test on a transport error (HTTP status >= 400).
func (e *Env) Post(t testing.TB, query string, opts ...client.Option) Result {
	t.Helper()
	resp, err := e.C.RawPost(query, opts...)
	if err != nil {
		t.Fatalf("post: %v\nquery: %s", err, query)
	}
	data, err := json.Marshal(resp.Data)
	if err != nil {
		t.Fatal(err)
	}
	var r Result
	r.Data = data
	if len(resp.Errors) > 0 {
		if err := json.Unmarshal(resp.Errors, &r.Errors); err != nil {
			t.Fatalf("decode errors %s: %v", resp.Errors, err)
		}
	}
	return r
}

// MustQuery runs an operation that must succeed and decodes its data into out.
func (e *Env) MustQuery(t testing.TB, query string, out any, opts ...client.Option) {
	t.Helper()
	r := e.Post(t, query, opts...)
	if len(r.Errors) > 0 {
		t.Fatalf("unexpected errors: %+v\nquery: %s", r.Errors, query)
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			t.Fatalf("decode data %s: %v", r.Data, err)
		}
	}
}

// MustFail runs an operation that must fail with exactly one error of code
// on field, and returns that error.
func (e *Env) MustFail(t testing.TB, code, field, query string, opts ...client.Option) GQLError {
	t.Helper()
	r := e.Post(t, query, opts...)
	RequireOne(t, r.Errors, code, field)
	return r.Errors[0]
}

// RequireOne asserts that errs holds exactly one error, with the given
// extensions.code and extensions.field.
func RequireOne(t testing.TB, errs []GQLError, code, field string) {
	t.Helper()
	if len(errs) != 1 {
		t.Fatalf("got %d errors, want 1 %s on %q: %+v", len(errs), code, field, errs)
	}
	RequireCode(t, errs[0], code, field)
}

// RequireCode asserts an error's extensions.code and extensions.field.
func RequireCode(t testing.TB, err GQLError, code, field string) {
	t.Helper()
	if err.Extensions.Code != code || err.Extensions.Field != field {
		t.Fatalf("error %q: code %q field %q, want code %q field %q", err.Message, err.Extensions.Code, err.Extensions.Field, code, field)
	}
}

// RawResponse is a response read straight off the handler.
type RawResponse struct {
	Status int
	Header http.Header
	Body   []byte
	Errors []GQLError
}

// Raw posts body to the handler with the given headers, bypassing the
// gqlgen client so that HTTP status codes and headers can be checked.
func (e *Env) Raw(t testing.TB, body string, header map[string]string) RawResponse {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return ServeRaw(t, e.H, req)
}

// ServeRaw serves req with h and decodes the GraphQL errors of the
// response, which must be JSON.
func ServeRaw(t testing.TB, h http.Handler, req *http.Request) RawResponse {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	out := RawResponse{Status: w.Code, Header: w.Header(), Body: w.Body.Bytes()}
	var payload struct {
		Errors []GQLError `json:"errors"`
	}
	if err := json.Unmarshal(out.Body, &payload); err != nil {
		t.Fatalf("decode %q: %v", out.Body, err)
	}
	out.Errors = payload.Errors
	return out
}

// Authed returns the Authorization header of the env's ADMIN token.
func (e *Env) Authed() map[string]string {
	return map[string]string{"Authorization": "Bearer " + e.Secret}
}

// GQLBody encodes an operation as a JSON request body.
func GQLBody(t testing.TB, query string, vars map[string]any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// QueryCounter is a bun query hook that counts executed statements and
// keeps their text.
type QueryCounter struct {
	n  atomic.Int64
	mu sync.Mutex
	qs []string
}

// BeforeQuery lets the query run.
func (q *QueryCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

// AfterQuery counts the statement and keeps its text.
func (q *QueryCounter) AfterQuery(_ context.Context, ev *bun.QueryEvent) {
	q.n.Add(1)
	q.mu.Lock()
	defer q.mu.Unlock()
	q.qs = append(q.qs, ev.Query)
}

// Reset forgets the statements counted so far.
func (q *QueryCounter) Reset() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.n.Store(0)
	q.qs = nil
}

// Count is how many statements ran since Reset.
func (q *QueryCounter) Count() int64 { return q.n.Load() }

// Statements returns the text of the statements counted since Reset.
func (q *QueryCounter) Statements() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]string(nil), q.qs...)
}

// Fixtures are made through the store: they are not what the tests check.

// Caregiver creates a caregiver named name and returns its id.
func (e *Env) Caregiver(t testing.TB, name string) int64 {
	t.Helper()
	c, err := e.S.CreateCaregiver(context.Background(), model.NewCaregiver{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// EventType creates a type whose price (a Decimal) applies since always.
func (e *Env) EventType(t testing.TB, code, price string) int64 {
	t.Helper()
	m, err := model.ParseDecimal(price)
	if err != nil {
		t.Fatal(err)
	}
	et, err := e.S.CreateEventType(context.Background(), model.NewEventType{Code: code, Name: "Type " + code, Price: m})
	if err != nil {
		t.Fatal(err)
	}
	return et.ID
}

// Register registers events as the env's admin and returns their ids.
func (e *Env) Register(t testing.TB, ins ...model.NewEvent) []int64 {
	t.Helper()
	p, err := e.S.Authenticate(context.Background(), e.Secret)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := e.S.RegisterEvents(context.Background(), *p, ins)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(evs))
	for i, ev := range evs {
		ids[i] = ev.ID
	}
	return ids
}

// Event is a NewEvent of type typ for caregiver cg at at.
func Event(typ, cg int64, at time.Time) model.NewEvent {
	return model.NewEvent{EventTypeID: typ, CaregiverID: cg, OccurredAt: at}
}

// ID formats an id for a GraphQL ID.
func ID(n int64) string { return fmt.Sprint(n) }

// CountEvents returns how many events exist, through the API.
func (e *Env) CountEvents(t testing.TB) int {
	t.Helper()
	var out struct {
		Events struct {
			Edges []struct{ Cursor string }
		}
	}
	e.MustQuery(t, `{ events(first: 1000) { edges { cursor } } }`, &out)
	return len(out.Events.Edges)
}

// CaregiverNames lists the first 1000 caregivers' names, through the API.
func (e *Env) CaregiverNames(t testing.TB) []string {
	t.Helper()
	var out struct {
		Caregivers struct{ Nodes []struct{ Name string } }
	}
	e.MustQuery(t, `{ caregivers(first: 1000) { nodes { name } } }`, &out)
	names := make([]string, len(out.Caregivers.Nodes))
	for i, c := range out.Caregivers.Nodes {
		names[i] = c.Name
	}
	return names
}

// Handler is what cmd/reimburse serves at /graphql: graph's handler of o
// behind the HTTP chain of h (whose Store and Logger are o's).
func Handler(o graph.Options, h httpapi.Options) http.Handler {
	h.Store, h.Logger = o.Store, o.Logger
	return httpapi.New(h).Wrap("graphql", graph.Methods(), graph.New(o))
}

// CSVHandler is what cmd/reimburse serves at /reports/monthly.csv.
func CSVHandler(s *store.Store, log *slog.Logger, h httpapi.Options) http.Handler {
	h.Store, h.Logger = s, log
	return httpapi.New(h).MonthlyCSV()
}

// NewEnvWith is NewEnv with a handler made from o (its Store and Logger are
// the env's).
func NewEnvWith(t testing.TB, o graph.Options, opts ...func(*store.Options)) *Env {
	t.Helper()
	return NewEnvHTTP(t, o, httpapi.Options{}, opts...)
}

// NewEnvHTTP is NewEnvWith with the HTTP chain's options h.
func NewEnvHTTP(t testing.TB, o graph.Options, h httpapi.Options, opts ...func(*store.Options)) *Env {
	t.Helper()
	e := NewEnv(t, opts...)
	o.Store, o.Logger = e.S, slog.New(slog.NewTextHandler(e.Log, nil))
	e.H = Handler(o, h)
	e.C = client.New(e.H, client.AddHeader("Authorization", "Bearer "+e.Secret))
	return e
}

// RequireLimit asserts a response with one error of code whose message
// contains msg.
func RequireLimit(t testing.TB, r RawResponse, status int, code, msg string) {
	t.Helper()
	if r.Status != status || len(r.Errors) != 1 || r.Errors[0].Extensions.Code != code || !strings.Contains(r.Errors[0].Message, msg) {
		t.Fatalf("status %d, errors %+v; want %d with one %s error saying %q", r.Status, r.Errors, status, code, msg)
	}
}
