package graph_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
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
			h := e.authed()
			if c.accept != "" {
				h["Accept"] = c.accept
			}
			r := e.raw(t, c.body, h)
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

	t.Run("ExecutionErrorKeepsData", func(t *testing.T) {
		h := e.authed()
		h["Accept"] = gql
		r := e.raw(t, `{"query":"mutation { voidEvent(id: \"99\", reason: \"x\") { id } }"}`, h)
		if r.Status != http.StatusOK || len(r.Errors) != 1 || r.Errors[0].Extensions.Code != "NOT_FOUND" ||
			!strings.Contains(string(r.Body), `"data":null`) {
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
		for _, token := range []string{e.secret, ""} {
			req := httptest.NewRequest(m, "/graphql", strings.NewReader(`{"query":"{ __typename }"}`))
			req.Header.Set("Content-Type", "application/json")
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			w := httptest.NewRecorder()
			e.h.ServeHTTP(w, req)
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
	e.h.ServeHTTP(w, req)
	if w.Code != http.StatusOK || w.Header().Get("Allow") != "GET, POST, OPTIONS" {
		t.Fatalf("OPTIONS: %d Allow %q", w.Code, w.Header().Get("Allow"))
	}

	req = httptest.NewRequest(http.MethodGet, "/graphql?query="+url.QueryEscape(`mutation { createCaregiver(input: {name: "x"}) { id } }`), nil)
	req.Header.Set("Authorization", "Bearer "+e.secret)
	r := serveRaw(t, e.h, req)
	if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "GET, POST, OPTIONS" || len(r.Errors) != 1 ||
		r.Errors[0].Extensions.Code != "BAD_USER_INPUT" {
		t.Fatalf("mutation over GET: %d Allow %q %s", r.Status, r.Header.Get("Allow"), r.Body)
	}
	if n := len(e.caregiverNames(t)); n != 0 {
		t.Fatalf("the mutation over GET created %d caregivers", n)
	}
}
