package graph_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/reimburse/reimburse/graph"
	"github.com/reimburse/reimburse/internal/testsupport"
)

// fanOut returns a document of n fragments, each spreading the next one
// twice, the last selecting __typename: 2^(n-1) fields once expanded.
func fanOut(n int) string {
	var b strings.Builder
	b.WriteString("query FanOut { ...F0 }\n")
	for i := range n - 1 {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on Query { __typename }\n", n-1)
	return b.String()
}

func TestDocumentSize(t *testing.T) {
	e := newEnv(t)
	e.EventType(t, "XRAY", "1.00")

	t.Run("ErrFragmentFanOut", func(t *testing.T) {
		// 26 fragments, under 1 KB: 2^25 fields.
		q := fanOut(26)
		if len(q) > 1100 {
			t.Fatalf("the document is %d bytes", len(q))
		}
		r := e.Raw(t, testsupport.GQLBody(t, q, nil), e.Authed())
		testsupport.RequireLimit(t, r, http.StatusOK, "COMPLEXITY_LIMIT_EXCEEDED",
			fmt.Sprintf("the document selects 33554432 fields once its fragments are expanded, which exceeds the limit of %d", graph.DefaultMaxFields))
	})

	t.Run("OK fan-out under the limit", func(t *testing.T) {
		// 2^13 = 8192 fields, which the executor merges into one.
		var out struct {
			Typename string `json:"__typename"`
		}
		e.MustQuery(t, fanOut(14), &out)
		if out.Typename != "Query" {
			t.Fatalf("__typename = %q", out.Typename)
		}
	})

	t.Run("ErrTooManyFragments", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("{ ...F0 }")
		for i := range graph.DefaultMaxFragments + 1 {
			fmt.Fprintf(&b, " fragment F%d on Query { __typename %s}", i, map[bool]string{true: fmt.Sprintf("...F%d ", i+1)}[i < graph.DefaultMaxFragments])
		}
		r := e.Raw(t, testsupport.GQLBody(t, b.String(), nil), e.Authed())
		testsupport.RequireLimit(t, r, http.StatusOK, "COMPLEXITY_LIMIT_EXCEEDED",
			fmt.Sprintf("the document defines %d fragments, which exceeds the limit of %d", graph.DefaultMaxFragments+1, graph.DefaultMaxFragments))
	})

	t.Run("OK a field repeated up to the token limit", func(t *testing.T) {
		// 14,990 ids: gqlparser's pairwise overlap check took seconds here.
		var out struct{ EventTypes []struct{ ID string } }
		e.MustQuery(t, selection(graph.DefaultMaxQueryTokens-10), &out)
		if len(out.EventTypes) != 1 || out.EventTypes[0].ID == "" {
			t.Fatalf("eventTypes = %+v", out.EventTypes)
		}
	})

	t.Run("custom MaxFields", func(t *testing.T) {
		e := newEnvWith(t, graph.Options{Limits: graph.Limits{MaxFields: 5}})
		e.MustQuery(t, `{ eventTypes { id code price { amount } } }`, nil)
		r := e.Raw(t, testsupport.GQLBody(t, `{ eventTypes { id code name price { amount } } }`, nil), e.Authed())
		testsupport.RequireLimit(t, r, http.StatusOK, "COMPLEXITY_LIMIT_EXCEEDED", "the document selects 6 fields once its fragments are expanded, which exceeds the limit of 5")
	})
}

// TestFieldsMerge: the linear rule that replaces gqlparser's
// OverlappingFieldsCanBeMerged refuses what it refused, with its messages.
func TestFieldsMerge(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ name, query, msg string }{
		{"ErrDifferentFields", `{ eventTypes { id id: code } }`,
			`Fields "id" conflict because "id" and "code" are different fields. Use different aliases on the fields to fetch both if this was intentional.`},
		{"ErrDifferingArguments", `{ events(first: 1) { nodes { id } } events(first: 2) { nodes { id } } }`,
			`Fields "events" conflict because they have differing arguments.`},
		{"ErrSubfields", `{ eventTypes { price { amount } } eventTypes { price { amount: currency } } }`,
			`Fields "eventTypes" conflict because subfields "price" conflict because subfields "amount" conflict because "amount" and "currency" are different fields.`},
		{"ErrThroughFragments", `{ eventTypes { ...A ...B } } fragment A on EventType { x: id } fragment B on EventType { x: name }`,
			`Fields "x" conflict because "id" and "name" are different fields.`},
		{"ErrThroughInlineFragments", `{ eventTypes { code ... { code: name } } }`,
			`Fields "code" conflict because "code" and "name" are different fields.`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Raw(t, testsupport.GQLBody(t, tc.query, nil), e.Authed())
			testsupport.RequireLimit(t, r, http.StatusOK, "GRAPHQL_VALIDATION_FAILED", tc.msg)
		})
	}
	for _, q := range []string{
		`{ eventTypes { id id ...A ... { id } } } fragment A on EventType { id code }`,
		`{ events(first: 2) { nodes { id } } events(first: 2) { nodes { amount { amount } } } }`,
		`query Q($n: Int) { events(first: $n) { nodes { id } } events(first: $n) { pageInfo { hasNextPage } } }`,
		`{ eventTypes { price { amount } } eventTypes { price { currency } } }`,
	} {
		e.MustQuery(t, q, nil)
	}
}

// TestFragmentCycle: a cycle through nested selections is the default
// rules' error; the size check and the merge rule stop at it (they used to
// expand it for ever).
func TestFragmentCycle(t *testing.T) {
	e := newEnv(t)
	for _, q := range []string{
		`{ events { nodes { ...E } } } fragment E on Event { id reimbursement { events { nodes { ...E } } } }`,
		`{ events { nodes { ...E } } } fragment E on Event { reimbursement { ...R } } fragment R on Reimbursement { events { nodes { ...E } } }`,
		`{ ...A } fragment A on Query { __typename ...A }`,
	} {
		r := e.Raw(t, testsupport.GQLBody(t, q, nil), e.Authed())
		testsupport.RequireLimit(t, r, http.StatusOK, "GRAPHQL_VALIDATION_FAILED", `Cannot spread fragment "`)
	}
}

// TestFieldsMergeNested: a fragment spread again deeper, with no cycle, is
// checked there too.
func TestFieldsMergeNested(t *testing.T) {
	e := newEnv(t)
	const q = `{ events { nodes { ...F reimbursement { events { nodes { ...F id: status } } } } } } fragment F on Event { id }`
	r := e.Raw(t, testsupport.GQLBody(t, q, nil), e.Authed())
	testsupport.RequireLimit(t, r, http.StatusOK, "GRAPHQL_VALIDATION_FAILED", `Fields "id" conflict because "id" and "status" are different fields.`)
	e.MustQuery(t, `{ events { nodes { ...F reimbursement { events { nodes { ...F id } } } } } } fragment F on Event { id }`, nil)
}
