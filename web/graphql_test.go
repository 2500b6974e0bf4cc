package web_test

import (
	"encoding/json"
	"net/http"
	"os"
	"sync"
	"testing"

	"github.com/99designs/gqlgen/graphql/introspection"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// This file is the stand-in API for the browser test. The web package
// imports nothing of ours, so instead of the real server it serves the real
// contract: it loads ../schema.graphqls, validates every query against it,
// answers introspection from it (through gqlgen's introspection package,
// as the real server does) and resolves other queries from fixed data.

// testToken is the API token the browser test types into the page.
const testToken = "test-token"

// reportData is what the stand-in API answers for report queries.
var reportData = map[string]any{
	"report": map[string]any{
		"timeZone": "UTC",
		"currency": "SEK",
		"months":   []any{},
		"totals": map[string]any{
			"eventCount": 3,
			"amount":     map[string]any{"amount": "1250.50", "currency": "SEK"},
			"reimbursed": map[string]any{"amount": "1000.00", "currency": "SEK"},
			"pending":    map[string]any{"amount": "250.50", "currency": "SEK"},
		},
	},
}

// fakeAPI serves POST /graphql; it records what it was asked.
type fakeAPI struct {
	schema *ast.Schema

	mu             sync.Mutex
	unauthorized   int // requests without the test token
	introspections int // authorized introspection queries
	queries        int // authorized other queries
}

// newFakeAPI loads the project's schema.
func newFakeAPI(t *testing.T) *fakeAPI {
	t.Helper()
	sdl, err := os.ReadFile("../schema.graphqls")
	if err != nil {
		t.Fatalf("reading the schema: %v", err)
	}
	schema, gerr := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphqls", Input: string(sdl)})
	if gerr != nil {
		t.Fatalf("loading the schema: %v", gerr)
	}
	return &fakeAPI{schema: schema}
}

// counts returns the request counters.
func (a *fakeAPI) counts() (unauthorized, introspections, queries int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.unauthorized, a.introspections, a.queries
}

// ServeHTTP implements http.Handler.
func (a *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	gqlError := func(code, msg string) {
		_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{
			map[string]any{"message": msg, "extensions": map[string]any{"code": code}},
		}})
	}
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		gqlError("BAD_REQUEST", "POST only")
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+testToken {
		a.mu.Lock()
		a.unauthorized++
		a.mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
		gqlError("UNAUTHENTICATED", "missing or unknown API token")
		return
	}
	var req struct {
		Query         string         `json:"query"`
		OperationName string         `json:"operationName"`
		Variables     map[string]any `json:"variables"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		gqlError("BAD_REQUEST", err.Error())
		return
	}
	doc, errs := gqlparser.LoadQuery(a.schema, req.Query)
	if len(errs) > 0 {
		w.WriteHeader(http.StatusUnprocessableEntity)
		_ = json.NewEncoder(w).Encode(map[string]any{"errors": errs})
		return
	}
	op := doc.Operations.ForName(req.OperationName)
	if op == nil {
		gqlError("BAD_USER_INPUT", "unknown operation "+req.OperationName)
		return
	}
	source := reportData
	a.mu.Lock()
	if isIntrospection(op) {
		source = map[string]any{"__schema": schemaJSON(introspection.WrapSchema(a.schema))}
		a.introspections++
	} else {
		a.queries++
	}
	a.mu.Unlock()
	_ = json.NewEncoder(w).Encode(map[string]any{"data": project(op.SelectionSet, source)})
}

// isIntrospection reports whether op asks for __schema.
func isIntrospection(op *ast.OperationDefinition) bool {
	for _, sel := range op.SelectionSet {
		if f, ok := sel.(*ast.Field); ok && f.Name == "__schema" {
			return true
		}
	}
	return false
}

// project shapes data like a GraphQL executor: only the selected fields,
// under their aliases, with fragments expanded.
func project(set ast.SelectionSet, data any) any {
	switch d := data.(type) {
	case []any:
		out := make([]any, len(d))
		for i, v := range d {
			out[i] = project(set, v)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		var walk func(ast.SelectionSet)
		walk = func(set ast.SelectionSet) {
			for _, sel := range set {
				switch s := sel.(type) {
				case *ast.Field:
					if s.Name == "__typename" {
						out[s.Alias] = s.ObjectDefinition.Name
						continue
					}
					out[s.Alias] = project(s.SelectionSet, d[s.Name])
				case *ast.InlineFragment:
					walk(s.SelectionSet)
				case *ast.FragmentSpread:
					walk(s.Definition.SelectionSet)
				}
			}
		}
		walk(set)
		return out
	}
	return data
}

// schemaJSON renders the full introspection result that GraphiQL's
// introspection query asks for (project then trims it to the selection).
func schemaJSON(s *introspection.Schema) map[string]any {
	named := func(t *introspection.Type) any {
		if t == nil {
			return nil
		}
		return map[string]any{"name": t.Name(), "kind": t.Kind()}
	}
	var types []any
	for _, t := range s.Types() {
		types = append(types, typeJSON(&t))
	}
	var directives []any
	for _, d := range s.Directives() {
		directives = append(directives, map[string]any{
			"name": d.Name, "description": d.Description(), "isRepeatable": d.IsRepeatable,
			"locations": d.Locations, "args": inputValuesJSON(d.VisibleArgs(true)),
		})
	}
	return map[string]any{
		"description":      s.Description(),
		"queryType":        named(s.QueryType()),
		"mutationType":     named(s.MutationType()),
		"subscriptionType": named(s.SubscriptionType()),
		"types":            types,
		"directives":       directives,
	}
}

// typeJSON renders a named type with its fields, arguments and values.
func typeJSON(t *introspection.Type) map[string]any {
	out := map[string]any{
		"kind": t.Kind(), "name": t.Name(), "description": t.Description(),
		"specifiedByURL": t.SpecifiedByURL(), "isOneOf": t.IsOneOf(),
		"fields": nil, "inputFields": nil, "interfaces": nil, "enumValues": nil, "possibleTypes": nil,
	}
	if fields := t.Fields(true); fields != nil {
		list := []any{}
		for _, f := range fields {
			list = append(list, map[string]any{
				"name": f.Name, "description": f.Description(), "args": inputValuesJSON(f.VisibleArgs(true)),
				"type": typeRefJSON(f.Type), "isDeprecated": f.IsDeprecated(), "deprecationReason": f.DeprecationReason(),
			})
		}
		out["fields"] = list
	}
	if in := t.InputFields(); in != nil {
		out["inputFields"] = inputValuesJSON(in)
	}
	if ifaces := t.Interfaces(); ifaces != nil {
		out["interfaces"] = typeRefsJSON(ifaces)
	}
	if pts := t.PossibleTypes(); pts != nil {
		out["possibleTypes"] = typeRefsJSON(pts)
	}
	if vals := t.EnumValues(true); vals != nil {
		list := []any{}
		for _, v := range vals {
			list = append(list, map[string]any{
				"name": v.Name, "description": v.Description(),
				"isDeprecated": v.IsDeprecated(), "deprecationReason": v.DeprecationReason(),
			})
		}
		out["enumValues"] = list
	}
	return out
}

// inputValuesJSON renders arguments or input fields.
func inputValuesJSON(vals []introspection.InputValue) []any {
	list := []any{}
	for _, v := range vals {
		list = append(list, map[string]any{
			"name": v.Name, "description": v.Description(), "type": typeRefJSON(v.Type),
			"defaultValue": v.DefaultValue, "isDeprecated": v.IsDeprecated(), "deprecationReason": v.DeprecationReason(),
		})
	}
	return list
}

// typeRefsJSON renders a list of type references.
func typeRefsJSON(ts []introspection.Type) []any {
	list := []any{}
	for i := range ts {
		list = append(list, typeRefJSON(&ts[i]))
	}
	return list
}

// typeRefJSON renders a type reference with its NON_NULL and LIST wrappers.
func typeRefJSON(t *introspection.Type) any {
	if t == nil {
		return nil
	}
	return map[string]any{"kind": t.Kind(), "name": t.Name(), "ofType": typeRefJSON(t.OfType())}
}
