package graph_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/reimburse/reimburse/graph"
	"github.com/reimburse/reimburse/internal/httpapi"
	"github.com/reimburse/reimburse/internal/testsupport"
)

// TestGraphQLOverHTTPStatus pins the statuses and bodies of the
// GraphQL-over-HTTP spec: under application/json (also the default for a
// missing or wildcard Accept) a well-formed request gets 200 whatever its
// GraphQL errors; under application/graphql-response+json a request that
// fails to parse, validate or coerce its variables gets 400. Either way a
// request that never executed has no data entry, and a body that is not a
// GraphQL request at all (bad JSON, no query) gets 400.
func TestGraphQLOverHTTPStatus(t *testing.T) {
	e := newEnv(t)
	const (
		js  = "application/json"
		gql = "application/graphql-response+json"
	)
	parse := `{"query":"{"}`
	validate := `{"query":"{ noSuchField }"}`
	coerce := `{"query":"query($id: ID!) { event(id: $id) { id } }","variables":{"id":null}}`
	for _, c := range []struct {
		name, body, accept string
		status             int
		code               string
	}{
		{"ParseJSON", parse, js, http.StatusOK, "GRAPHQL_PARSE_FAILED"},
		{"ParseNoAccept", parse, "", http.StatusOK, "GRAPHQL_PARSE_FAILED"},
		{"ParseAny", parse, "*/*", http.StatusOK, "GRAPHQL_PARSE_FAILED"},
		{"ParseGraphQLResponse", parse, gql, http.StatusBadRequest, "GRAPHQL_PARSE_FAILED"},
		{"ValidateJSON", validate, js, http.StatusOK, "GRAPHQL_VALIDATION_FAILED"},
		{"ValidateGraphQLResponse", validate, gql, http.StatusBadRequest, "GRAPHQL_VALIDATION_FAILED"},
		{"CoerceJSON", coerce, js, http.StatusOK, "GRAPHQL_VALIDATION_FAILED"},
		{"CoerceGraphQLResponse", coerce, gql, http.StatusBadRequest, "GRAPHQL_VALIDATION_FAILED"},
		{"NoQueryJSON", `{"notquery":"{ __typename }"}`, js, http.StatusBadRequest, "GRAPHQL_VALIDATION_FAILED"},
		{"NoQueryGraphQLResponse", `{"notquery":"{ __typename }"}`, gql, http.StatusBadRequest, "GRAPHQL_VALIDATION_FAILED"},
		{"BadJSON", `{ "not a JSON`, js, http.StatusBadRequest, "BAD_USER_INPUT"},
		{"BadJSONGraphQLResponse", `{ "not a JSON`, gql, http.StatusBadRequest, "BAD_USER_INPUT"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := e.Authed()
			if c.accept != "" {
				h["Accept"] = c.accept
			}
			r := e.Raw(t, c.body, h)
			if r.Status != c.status || len(r.Errors) != 1 || r.Errors[0].Extensions.Code != c.code {
				t.Fatalf("status %d, body %s; want %d and one %s", r.Status, r.Body, c.status, c.code)
			}
			var top map[string]json.RawMessage
			if err := json.Unmarshal(r.Body, &top); err != nil {
				t.Fatal(err)
			}
			if _, has := top["data"]; has {
				t.Errorf("body %s: a request that never executed has no data entry", r.Body)
			}
		})
	}

	// The complexity limit refuses an operation before it executes, like
	// validation: the same statuses, and no data.
	t.Run("Complexity", func(t *testing.T) {
		small := newEnvWith(t, graph.Options{ComplexityLimit: 2})
		for accept, status := range map[string]int{js: http.StatusOK, gql: http.StatusBadRequest} {
			h := small.Authed()
			h["Accept"] = accept
			r := small.Raw(t, `{"query":"{ a: eventTypes { id } b: eventTypes { id } c: eventTypes { id } }"}`, h)
			if r.Status != status || len(r.Errors) != 1 || r.Errors[0].Extensions.Code != "COMPLEXITY_LIMIT_EXCEEDED" ||
				strings.Contains(string(r.Body), `"data"`) {
				t.Fatalf("%s: status %d, body %s; want %d, COMPLEXITY_LIMIT_EXCEEDED and no data", accept, r.Status, r.Body, status)
			}
		}
	})

	t.Run("ExecutionErrorKeepsData", func(t *testing.T) {
		h := e.Authed()
		h["Accept"] = gql
		r := e.Raw(t, `{"query":"mutation { voidEvent(id: \"99\", reason: \"x\") { id } }"}`, h)
		if r.Status != http.StatusOK || len(r.Errors) != 1 || r.Errors[0].Extensions.Code != "NOT_FOUND" ||
			!strings.Contains(string(r.Body), `"data":{"voidEvent":null}`) {
			t.Fatalf("status %d, body %s; want 200, NOT_FOUND and data", r.Status, r.Body)
		}
		if ct := r.Header.Get("Content-Type"); ct != gql {
			t.Errorf("Content-Type %q, want %q", ct, gql)
		}
	})
}

// TestGraphQLWrongMethod: /graphql answers GET, POST and OPTIONS; any other
// method, and a mutation over GET, is 405 with an Allow header and a coded
// error body, before authentication.
func TestGraphQLWrongMethod(t *testing.T) {
	e := newEnv(t)
	for _, m := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodHead, "BREW"} {
		for _, token := range []string{e.Secret, ""} {
			req := httptest.NewRequest(m, "/graphql", strings.NewReader(`{"query":"{ __typename }"}`))
			req.Header.Set("Content-Type", "application/json")
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			w := httptest.NewRecorder()
			e.H.ServeHTTP(w, req)
			if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, POST, OPTIONS" {
				t.Fatalf("%s (token %t): %d Allow %q; want 405 Allow \"GET, POST, OPTIONS\"", m, token != "", w.Code, w.Header().Get("Allow"))
			}
			if m != http.MethodHead && !strings.Contains(w.Body.String(), `"code":"BAD_USER_INPUT"`) {
				t.Fatalf("%s: body %s; want a coded error", m, w.Body)
			}
		}
	}

	req := httptest.NewRequest(http.MethodOptions, "/graphql", nil)
	w := httptest.NewRecorder()
	e.H.ServeHTTP(w, req)
	if w.Code != http.StatusOK || w.Header().Get("Allow") != "GET, POST, OPTIONS" {
		t.Fatalf("OPTIONS: %d Allow %q", w.Code, w.Header().Get("Allow"))
	}

	req = httptest.NewRequest(http.MethodGet, "/graphql?query="+url.QueryEscape(`mutation { createCaregiver(input: {name: "x"}) { id } }`), nil)
	req.Header.Set("Authorization", "Bearer "+e.Secret)
	r := testsupport.ServeRaw(t, e.H, req)
	if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "GET, POST, OPTIONS" || len(r.Errors) != 1 ||
		r.Errors[0].Extensions.Code != "BAD_USER_INPUT" {
		t.Fatalf("mutation over GET: %d Allow %q %s", r.Status, r.Header.Get("Allow"), r.Body)
	}
	if n := len(e.CaregiverNames(t)); n != 0 {
		t.Fatalf("the mutation over GET created %d caregivers", n)
	}
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// TestBodyLimitFromContentLength: a request whose Content-Length passes the
// limit is answered 413 before one byte of its body is read, on /graphql
// and the CSV export, with or without a token.
func TestBodyLimitFromContentLength(t *testing.T) {
	e := newEnvHTTP(t, graph.Options{}, httpapi.Options{MaxBodyBytes: 1000})
	csv := testsupport.CSVHandler(e.S, slog.New(slog.NewTextHandler(io.Discard, nil)), httpapi.Options{MaxBodyBytes: 1000})
	for _, c := range []struct {
		name, method, path string
		h                  http.Handler
	}{
		{"graphql", http.MethodPost, "/graphql", e.H},
		{"csv", http.MethodGet, "/reports/monthly.csv", csv},
	} {
		for _, token := range []string{e.Secret, ""} {
			body := &countingReader{r: strings.NewReader(`{"query":"{ __typename }"}`)}
			req := httptest.NewRequest(c.method, c.path, body)
			req.ContentLength = 1001
			req.Header.Set("Content-Type", "application/json")
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			r := testsupport.ServeRaw(t, c.h, req)
			if r.Status != http.StatusRequestEntityTooLarge || len(r.Errors) != 1 || r.Errors[0].Extensions.Code != "BAD_USER_INPUT" {
				t.Fatalf("%s (token %t): status %d %s; want 413 BAD_USER_INPUT", c.name, token != "", r.Status, r.Body)
			}
			if body.n != 0 {
				t.Fatalf("%s (token %t): %d body bytes read before the 413", c.name, token != "", body.n)
			}
		}
	}
}
