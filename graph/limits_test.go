package graph_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql/introspection"
	"github.com/reimburse/reimburse/graph"
	"github.com/reimburse/reimburse/internal/httpapi"
	"github.com/reimburse/reimburse/internal/testsupport"
)

// do serves req with the env's handler and decodes the GraphQL errors of
// the response.
func (e *env) do(t testing.TB, req *http.Request) testsupport.RawResponse {
	t.Helper()
	w := httptest.NewRecorder()
	e.H.ServeHTTP(w, req)
	out := testsupport.RawResponse{Status: w.Code, Header: w.Header(), Body: w.Body.Bytes()}
	var payload struct {
		Errors []testsupport.GQLError `json:"errors"`
	}
	if err := json.Unmarshal(out.Body, &payload); err != nil {
		t.Fatalf("status %d, body not JSON: %v\n%.300s", out.Status, err, out.Body)
	}
	out.Errors = payload.Errors
	return out
}

// postBody builds an authenticated POST of body; chunked hides its length,
// as a client streaming the body does.
func (e *env) postBody(body string, chunked bool) *http.Request {
	var r io.Reader = strings.NewReader(body)
	if chunked {
		r = io.MultiReader(r) // no Len method: ContentLength stays unknown
	}
	req := httptest.NewRequest(http.MethodPost, "/graphql", r)
	if chunked {
		req.ContentLength = -1
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.Secret)
	return req
}

// padded returns a request body of exactly n bytes for query: JSON allows
// trailing white space.
func padded(t testing.TB, query string, n int) string {
	t.Helper()
	b := testsupport.GQLBody(t, query, nil)
	if len(b) > n {
		t.Fatalf("body %d bytes, want at most %d", len(b), n)
	}
	return b + strings.Repeat(" ", n-len(b))
}

func TestBodyLimit(t *testing.T) {
	t.Run("OK 10,000 events in one registerEvents", func(t *testing.T) {
		e := newEnv(t)
		typ, cg := e.EventType(t, "XRAY", "1250.50"), e.Caregiver(t, "Anna")
		ins := make([]map[string]any, 10000)
		for i := range ins {
			ins[i] = map[string]any{"eventTypeId": testsupport.ID(typ), "caregiverId": testsupport.ID(cg),
				"occurredAt": "2024-03-02T10:00:00+01:00", "idempotencyKey": fmt.Sprintf("end-of-day-2024-03-02-%05d", i)}
		}
		body := testsupport.GQLBody(t, `mutation Upload($in: [RegisterEventInput!]!) { registerEvents(inputs: $in) { id status } }`, map[string]any{"in": ins})
		t.Logf("a 10,000-event body is %d bytes", len(body))
		r := e.do(t, e.postBody(body, false))
		if r.Status != http.StatusOK || len(r.Errors) > 0 {
			t.Fatalf("status %d, errors %+v", r.Status, r.Errors)
		}
		var out struct {
			Data struct{ RegisterEvents []struct{ ID string } }
		}
		if err := json.Unmarshal(r.Body, &out); err != nil || len(out.Data.RegisterEvents) != 10000 {
			t.Fatalf("registered %d events, %v", len(out.Data.RegisterEvents), err)
		}
	})

	huge := `{"query":"{ __typename }","variables":{"pad":"` + strings.Repeat("x", 20<<20) + `"}}`
	for _, chunked := range []bool{false, true} {
		t.Run(fmt.Sprintf("Err20MiB chunked=%v", chunked), func(t *testing.T) {
			e := newEnv(t)
			r := e.do(t, e.postBody(huge, chunked))
			testsupport.RequireLimit(t, r, http.StatusRequestEntityTooLarge, "BAD_USER_INPUT", "request body too large: the limit is 10485760 bytes")
			if ct := r.Header.Get("Content-Type"); ct != "application/json" {
				t.Fatalf("Content-Type = %q", ct)
			}
		})
	}

	t.Run("at the limit", func(t *testing.T) {
		e := newEnvHTTP(t, graph.Options{}, httpapi.Options{MaxBodyBytes: 300})
		for _, chunked := range []bool{false, true} {
			r := e.do(t, e.postBody(padded(t, `{ eventTypes { id } }`, 300), chunked))
			if r.Status != http.StatusOK || len(r.Errors) > 0 {
				t.Fatalf("chunked=%v: 300 bytes: status %d, errors %+v", chunked, r.Status, r.Errors)
			}
			r = e.do(t, e.postBody(padded(t, `{ eventTypes { id } }`, 301), chunked))
			testsupport.RequireLimit(t, r, http.StatusRequestEntityTooLarge, "BAD_USER_INPUT", "the limit is 300 bytes")
		}
		if !strings.Contains(e.Log.String(), "code=BAD_USER_INPUT") {
			t.Fatalf("the request log lacks the refusal:\n%s", e.Log)
		}
	})
}

// selection returns `{ eventTypes { id id ... } }` with n ids: n+5 tokens.
func selection(n int) string {
	return "{ eventTypes { " + strings.Repeat("id ", n) + "} }"
}

func TestParserTokenLimit(t *testing.T) {
	e := newEnvWith(t, graph.Options{Limits: graph.Limits{MaxQueryTokens: 50}})
	e.MustQuery(t, selection(45), nil)
	r := e.Raw(t, testsupport.GQLBody(t, selection(46), nil), e.Authed())
	testsupport.RequireLimit(t, r, http.StatusOK, "GRAPHQL_PARSE_FAILED", "exceeded token limit of 50")

	t.Run("default", func(t *testing.T) {
		e := newEnv(t)
		r := e.Raw(t, testsupport.GQLBody(t, selection(graph.DefaultMaxQueryTokens), nil), e.Authed())
		testsupport.RequireLimit(t, r, http.StatusOK, "GRAPHQL_PARSE_FAILED", fmt.Sprintf("exceeded token limit of %d", graph.DefaultMaxQueryTokens))
	})
}

// nested returns a query whose fields nest exactly depth deep (depth >= 4),
// through reimbursements and their events, first: 1 so that complexity
// stays low.
func nested(depth int) string {
	chain := []string{"events(first: 1)", "edges", "node", "reimbursement"}
	var b strings.Builder
	b.WriteString("{ ")
	for i := range depth - 1 {
		b.WriteString(chain[i%4] + " { ")
	}
	b.WriteString("id")
	b.WriteString(strings.Repeat(" }", depth))
	return b.String()
}

func TestDepthLimit(t *testing.T) {
	e := newEnv(t)
	t.Run("OK at the default", func(t *testing.T) {
		e.MustQuery(t, nested(graph.DefaultMaxDepth), nil)
	})
	t.Run("ErrOverTheDefault", func(t *testing.T) {
		r := e.Raw(t, testsupport.GQLBody(t, nested(graph.DefaultMaxDepth+1), nil), e.Authed())
		testsupport.RequireLimit(t, r, http.StatusOK, "GRAPHQL_VALIDATION_FAILED", "the operation has depth 13, which exceeds the limit of 12")
	})
	t.Run("ErrThroughFragments", func(t *testing.T) {
		const q = `query Deep { events(first: 1) { ...E } }
			fragment E on EventConnection { edges { node { ... on Event { reimbursement { ...R } } } } }
			fragment R on Reimbursement { events(first: 1) { ...E2 } }
			fragment E2 on EventConnection { edges { node { reimbursement { events(first: 1) { edges { node { reimbursement { id } } } } } } } }`
		r := e.Raw(t, testsupport.GQLBody(t, q, nil), e.Authed())
		testsupport.RequireLimit(t, r, http.StatusOK, "GRAPHQL_VALIDATION_FAILED", `operation "Deep" has depth 13`)
	})
	t.Run("custom", func(t *testing.T) {
		e := newEnvWith(t, graph.Options{Limits: graph.Limits{MaxDepth: 4}})
		e.MustQuery(t, nested(4), nil)
		r := e.Raw(t, testsupport.GQLBody(t, nested(5), nil), e.Authed())
		testsupport.RequireLimit(t, r, http.StatusOK, "GRAPHQL_VALIDATION_FAILED", "depth 5, which exceeds the limit of 4")
	})
}

// aliased returns n aliased copies of field, a0: field a1: field ...
func aliased(n int, field string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, " a%d: %s", i, field)
	}
	return b.String()
}

func TestRootFieldLimit(t *testing.T) {
	e := newEnv(t)
	e.MustQuery(t, "{"+aliased(graph.DefaultMaxRootFields, "eventTypes { id }")+" }", nil)
	r := e.Raw(t, testsupport.GQLBody(t, "{"+aliased(graph.DefaultMaxRootFields+1, "eventTypes { id }")+" }", nil), e.Authed())
	testsupport.RequireLimit(t, r, http.StatusOK, "GRAPHQL_VALIDATION_FAILED", "the operation has 21 root fields, which exceeds the limit of 20")

	t.Run("ErrThroughFragments", func(t *testing.T) {
		q := "{ x: eventTypes { id } ...F } fragment F on Query {" + aliased(20, "eventTypes { id }") + " }"
		r := e.Raw(t, testsupport.GQLBody(t, q, nil), e.Authed())
		testsupport.RequireLimit(t, r, http.StatusOK, "GRAPHQL_VALIDATION_FAILED", "21 root fields")
	})
	t.Run("OK a repeated field is one", func(t *testing.T) {
		e.MustQuery(t, "{"+strings.Repeat(" eventTypes { id }", 30)+" }", nil)
	})
}

func TestAliasLimit(t *testing.T) {
	e := newEnv(t)
	e.MustQuery(t, "{ eventTypes {"+aliased(graph.DefaultMaxAliases, "id")+" } }", nil)
	r := e.Raw(t, testsupport.GQLBody(t, "{ eventTypes {"+aliased(graph.DefaultMaxAliases+1, "id")+" } }", nil), e.Authed())
	testsupport.RequireLimit(t, r, http.StatusOK, "GRAPHQL_VALIDATION_FAILED", "the operation has 51 aliases, which exceeds the limit of 50")

	// A fragment's aliases count at each spread: 1 + 2 x 24 = 49, 1 + 2 x 25 = 51.
	frag := func(n int) string {
		return "{ eventTypes { ...F } x: eventTypes { ...F } } fragment F on EventType {" + aliased(n, "code") + " }"
	}
	e.MustQuery(t, frag(24), nil)
	r = e.Raw(t, testsupport.GQLBody(t, frag(25), nil), e.Authed())
	testsupport.RequireLimit(t, r, http.StatusOK, "GRAPHQL_VALIDATION_FAILED", "51 aliases")
}

func TestIntrospection(t *testing.T) {
	const typo = `{ eventTypes { cod } events(frist: 1, filter: { statuses: [PENDIN] }) { nodes { id } } }`
	t.Run("OK on by default with the standard query", func(t *testing.T) {
		e := newEnv(t)
		var out struct {
			Schema struct {
				QueryType struct{ Name string }
				Types     []struct{ Name string }
			} `json:"__schema"`
		}
		// gqlgen's full introspection query, the shape GraphiQL sends: its
		// TypeRef fragment nests 15 deep, past the default depth limit.
		e.MustQuery(t, introspection.Query, &out)
		if out.Schema.QueryType.Name != "Query" || len(out.Schema.Types) < 20 {
			t.Fatalf("introspection answered %+v", out.Schema)
		}
		r := e.Raw(t, testsupport.GQLBody(t, typo, nil), e.Authed())
		if !strings.Contains(string(r.Body), "Did you mean") {
			t.Fatalf("with introspection on, suggestions are expected: %s", r.Body)
		}
	})

	t.Run("ErrOff", func(t *testing.T) {
		e := newEnvWith(t, graph.Options{Limits: graph.Limits{DisableIntrospection: true}})
		for _, q := range []string{introspection.Query, `{ __type(name: "Event") { name } }`, `{ eventTypes { id } __schema { types { name } } }`} {
			r := e.Raw(t, testsupport.GQLBody(t, q, nil), e.Authed())
			if r.Status != http.StatusOK || len(r.Errors) == 0 || string(r.Body) == "" || strings.Contains(string(r.Body), `"data":{`) {
				t.Fatalf("status %d, body %.300s; want 200 (application/json) and no data", r.Status, r.Body)
			}
			for _, err := range r.Errors {
				if err.Extensions.Code != "GRAPHQL_VALIDATION_FAILED" || err.Message != "introspection is disabled on this server" {
					t.Fatalf("error %+v", err)
				}
			}
		}
		e.MustQuery(t, `{ __typename eventTypes { __typename id } }`, nil)
		r := e.Raw(t, testsupport.GQLBody(t, typo, nil), e.Authed())
		if len(r.Errors) != 3 {
			t.Fatalf("errors %+v, want 3", r.Errors)
		}
		for _, err := range r.Errors {
			if err.Extensions.Code != "GRAPHQL_VALIDATION_FAILED" || strings.Contains(err.Message, "Did you mean") || strings.Contains(err.Message, "PENDING") {
				t.Fatalf("error %+v leaks names", err)
			}
		}
	})
}
