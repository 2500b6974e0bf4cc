package graph_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/client"
	"github.com/reimburse/reimburse/graph"
	"github.com/reimburse/reimburse/internal/httpapi"
	"github.com/reimburse/reimburse/internal/testsupport"
	"github.com/reimburse/reimburse/store/storetest"
)

func TestGraphQLErrors(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ name, query, code string }{
		{"syntax", `{ eventTypes { id }`, "GRAPHQL_PARSE_FAILED"},
		{"unknown field", `{ eventTypes { id colour } }`, "GRAPHQL_VALIDATION_FAILED"},
		{"unknown argument", `{ events(last: 3) { edges { cursor } } }`, "GRAPHQL_VALIDATION_FAILED"},
		{"missing argument", `mutation { voidEvent(id: "1") { id } }`, "GRAPHQL_VALIDATION_FAILED"},
		{"wrong literal type", `{ events(first: "ten") { edges { cursor } } }`, "GRAPHQL_VALIDATION_FAILED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Raw(t, testsupport.GQLBody(t, tc.query, nil), e.Authed())
			if len(r.Errors) == 0 {
				t.Fatalf("no errors: %s", r.Body)
			}
			for _, err := range r.Errors {
				if err.Extensions.Code != tc.code {
					t.Fatalf("error %q has code %q, want %s", err.Message, err.Extensions.Code, tc.code)
				}
			}
		})
	}
}

// requireOpaque asserts that an error is an INTERNAL_SERVER_ERROR that
// carries the request id and reveals nothing of the database.
func requireOpaque(t *testing.T, e *env, err testsupport.GQLError, requestID string) {
	t.Helper()
	if err.Extensions.Code != "INTERNAL_SERVER_ERROR" || err.Extensions.RequestID == "" || err.Extensions.RequestID != requestID {
		t.Fatalf("error %+v, want INTERNAL_SERVER_ERROR with requestId %q", err, requestID)
	}
	msg := strings.ToLower(err.Message)
	for _, leak := range []string{"sql", "sqlite", "database", "table", "store:", e.Path, "t.db", "/"} {
		if strings.Contains(msg, strings.ToLower(leak)) {
			t.Fatalf("message %q reveals %q", err.Message, leak)
		}
	}
	if !strings.Contains(err.Message, requestID) {
		t.Fatalf("message %q does not quote request id %s", err.Message, requestID)
	}
	if !strings.Contains(e.Log.String(), "request_id="+requestID) {
		t.Fatalf("log lacks request id %s:\n%s", requestID, e.Log)
	}
}

func TestInternalErrorStoreClosed(t *testing.T) {
	e := newEnv(t)
	if err := e.S.Close(); err != nil {
		t.Fatal(err)
	}
	r := e.Raw(t, testsupport.GQLBody(t, `{ events { edges { cursor } } }`, nil), e.Authed())
	if r.Status != http.StatusInternalServerError || len(r.Errors) != 1 {
		t.Fatalf("status %d, errors %+v; want 500 with one error", r.Status, r.Errors)
	}
	requireOpaque(t, e, r.Errors[0], r.Header.Get("X-Request-Id"))
}

func TestInternalErrorInResolver(t *testing.T) {
	e := newEnv(t)
	e.Register(t, testsupport.Event(e.EventType(t, "XRAY", "1.00"), e.Caregiver(t, "Ann"), testsupport.UTC(2024, 1, 1, 0, 0)))
	// Break the events table behind the store's back: the token lookup still
	// works, the events query fails inside the resolver.
	driver, dsn, gone := "sqlite", "file:"+e.Path+"?_pragma=busy_timeout(5000)", "no such table"
	if storetest.Postgres() {
		driver, dsn, gone = "pgx", e.Path, "does not exist (SQLSTATE 42P01)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`ALTER TABLE events RENAME TO events_gone`); err != nil {
		t.Fatal(err)
	}
	const requestID = "req-internal-1" // a client's own id is kept
	r := e.Post(t, `{ eventTypes { code } event(id: "1") { id } }`, client.AddHeader("X-Request-Id", requestID))
	if len(r.Errors) != 1 {
		t.Fatalf("errors %+v, want 1", r.Errors)
	}
	requireOpaque(t, e, r.Errors[0], requestID)
	if p := r.Errors[0].Path; len(p) != 1 || p[0] != "event" {
		t.Fatalf("path = %v, want [event]", p)
	}
	var data struct {
		EventTypes []struct{ Code string }
		Event      *struct{ ID string }
	}
	if err := json.Unmarshal(r.Data, &data); err != nil || len(data.EventTypes) != 1 || data.EventTypes[0].Code != "XRAY" || data.Event != nil {
		t.Fatalf("data = %s, want the eventTypes that did resolve", r.Data)
	}
	if !strings.Contains(e.Log.String(), gone) {
		t.Fatalf("log lacks the cause:\n%s", e.Log)
	}
}

func TestComplexityLimit(t *testing.T) {
	// Aliases and root fields are capped well below what reaching the
	// complexity limit this way takes; lift those caps here.
	e := newEnvWith(t, graph.Options{Limits: graph.Limits{MaxRootFields: 1 << 20, MaxAliases: 1 << 20, MaxQueryTokens: 1 << 20}})
	alias := func(n int) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			fmt.Fprintf(&b, " a%d: eventTypes { id }", i)
		}
		b.WriteString(" }")
		return b.String()
	}
	// Each alias costs 1: the list; scalar fields are free.
	t.Run("OK at the limit", func(t *testing.T) {
		e.MustQuery(t, alias(graph.DefaultComplexityLimit), nil)
	})
	t.Run("ErrOverTheLimit", func(t *testing.T) {
		r := e.Raw(t, testsupport.GQLBody(t, alias(graph.DefaultComplexityLimit+1), nil), e.Authed())
		if len(r.Errors) != 1 || r.Errors[0].Extensions.Code != "COMPLEXITY_LIMIT_EXCEEDED" {
			t.Fatalf("status %d, errors %+v; want COMPLEXITY_LIMIT_EXCEEDED", r.Status, r.Errors)
		}
	})
	t.Run("ErrCustomLimit", func(t *testing.T) {
		small := *e
		small.H = testsupport.Handler(graph.Options{Store: e.S, Logger: slog.New(slog.NewTextHandler(e.Log, nil)), ComplexityLimit: 3}, httpapi.Options{})
		small.C = client.New(small.H, client.AddHeader("Authorization", "Bearer "+e.Secret))
		small.MustFail(t, "COMPLEXITY_LIMIT_EXCEEDED", "", `{ eventTypes { price { amount } prices { price { amount } } } }`)
		small.MustQuery(t, `{ eventTypes { id code name prices { price { amount } } } }`, nil)
	})
}
