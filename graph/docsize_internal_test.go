package graph

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/lexer"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/core"
)

// countingSchema counts the fields gqlgen's complexity walk visits: it asks
// the schema for every field's complexity.
type countingSchema struct {
	graphql.ExecutableSchema
	n *int
}

func (c countingSchema) Complexity(ctx context.Context, typeName, field string, child int, args map[string]any) (int, bool) {
	*c.n++
	return c.ExecutableSchema.Complexity(ctx, typeName, field, child, args)
}

// tokens counts the lexical tokens of q, as the parser's limit does.
func tokens(t *testing.T, q string) int {
	lx := lexer.New(&ast.Source{Input: q})
	n := 0
	for {
		tok, err := lx.ReadToken()
		if err != nil {
			t.Fatal(err)
		}
		if tok.Kind == lexer.EOF {
			return n
		}
		n++
	}
}

// genDocument returns a random document of the shapes that made the work
// grow faster than the document: fragments spreading the next ones several
// times, fields repeated many times, and both nested.
func genDocument(r *rand.Rand) string {
	var b strings.Builder
	rep := func(n int, s string) string { return strings.Repeat(s+" ", n) }
	switch r.IntN(5) {
	case 0: // a chain of fragments on Query, each spreading the next w times
		n, w := 2+r.IntN(40), 1+r.IntN(4)
		b.WriteString("{ ...F0 }\n")
		for i := range n - 1 {
			fmt.Fprintf(&b, "fragment F%d on Query { __typename %s}\n", i, rep(w, fmt.Sprintf("...F%d", i+1)))
		}
		fmt.Fprintf(&b, "fragment F%d on Query { %s}\n", n-1, rep(1+r.IntN(20), "eventTypes { id }"))
	case 1: // one field repeated
		fmt.Fprintf(&b, "{ eventTypes { %s} }", rep(1+r.IntN(DefaultMaxQueryTokens), "id"))
	case 2: // an object field repeated, each selecting repeated fields
		k := 1 + r.IntN(120)
		fmt.Fprintf(&b, "{ eventTypes { %s} }", rep(k, "prices { "+rep(k, "effectiveFrom")+"}"))
	case 3: // fragments on EventType spread in a repeated field
		n, w := 2+r.IntN(20), 1+r.IntN(3)
		fmt.Fprintf(&b, "{ %s}\n", rep(1+r.IntN(50), "eventTypes { ...E0 }"))
		for i := range n - 1 {
			fmt.Fprintf(&b, "fragment E%d on EventType { id %s}\n", i, rep(w, fmt.Sprintf("...E%d", i+1)))
		}
		fmt.Fprintf(&b, "fragment E%d on EventType { %s}\n", n-1, rep(1+r.IntN(200), "code"))
	default: // nested repeats under connections
		k := 1 + r.IntN(60)
		fmt.Fprintf(&b, "{ events(first: 1) { %s} }", rep(k, "nodes { "+rep(k, "type { "+rep(1+r.IntN(5), "code")+"}")+"}"))
	}
	return b.String()
}

// TestDocumentWorkIsBounded generates documents up to the token limit and
// counts the nodes that bounding, validating and estimating each visits:
// within a constant times its tokens, or, when fragments expand it, within
// a constant times MaxFields; the documents that pass that limit are
// refused after a walk linear in their size.
func TestDocumentWorkIsBounded(t *testing.T) {
	es := NewExecutableSchema(Config{Resolvers: &Resolver{}, Directives: directives(), Complexity: complexityRoot()})
	l := Limits{}.withDefaults()
	r := rand.New(rand.NewPCG(1, 2))
	refused, passed := 0, 0
	for i := range 300 {
		q := genDocument(r)
		n := tokens(t, q)
		if n > l.MaxQueryTokens {
			continue
		}
		doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: q}, l.MaxQueryTokens)
		if err != nil {
			t.Fatalf("doc %d: %v", i, err)
		}
		var pre workCounter
		gqlErr := checkDocumentSize(doc, l.MaxFields, l.MaxFragments, &pre)
		if pre.n > n {
			t.Fatalf("doc %d of %d tokens: the size check visited %d nodes", i, n, pre.n)
		}
		if gqlErr != nil {
			refused++
			continue
		}
		passed++
		bound := 4 * (n + l.MaxFields)

		// Validation: the merge rule, and gqlparser's walker (every rule's
		// callbacks run per node it visits).
		var merge workCounter
		walked := 0
		rs := validationRules(l)()
		rs.ReplaceRule("MergeableFields", mergeableFieldsRule(&merge))
		rs.AddRule("CountWalk", func(obs *core.Events, _ core.AddErrFunc) {
			obs.OnField(func(*core.Walker, *ast.Field) { walked++ })
			obs.OnFragmentSpread(func(*core.Walker, *ast.FragmentSpread) { walked++ })
			obs.OnInlineFragment(func(*core.Walker, *ast.InlineFragment) { walked++ })
		})
		if errs := validator.ValidateWithRules(es.Schema(), doc, rs); len(errs) > 0 {
			// Only gqlparser's own limits may refuse these documents.
			if errs[0].Rule != "MaxAliases" && errs[0].Rule != "MaxDepth" {
				t.Fatalf("doc %d: %v\n%s", i, errs, q)
			}
			continue
		}
		if merge.n > bound {
			t.Fatalf("doc %d of %d tokens: the merge rule visited %d nodes, over %d", i, n, merge.n, bound)
		}
		if walkBound := (len(doc.Fragments) + 1) * n; walked > walkBound {
			t.Fatalf("doc %d of %d tokens: the validator walked %d nodes, over %d", i, n, walked, walkBound)
		}

		// Estimating: gqlgen's complexity walk visits each expanded field.
		visits := 0
		complexity.Calculate(t.Context(), countingSchema{es, &visits}, doc.Operations[0], nil, scalarsFree)
		if visits > l.MaxFields {
			t.Fatalf("doc %d: the complexity walk visited %d fields, over %d", i, visits, l.MaxFields)
		}
	}
	t.Logf("%d documents refused, %d passed", refused, passed)
	if refused < 20 || passed < 50 {
		t.Fatalf("%d documents refused, %d passed: the generator misses a side", refused, passed)
	}
}

// TestExpandedFields: the memoised count equals a naive expansion of every
// spread.
func TestExpandedFields(t *testing.T) {
	var naive func(doc *ast.QueryDocument, set ast.SelectionSet) int
	naive = func(doc *ast.QueryDocument, set ast.SelectionSet) int {
		n := 0
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				n += 1 + naive(doc, s.SelectionSet)
			case *ast.InlineFragment:
				n += naive(doc, s.SelectionSet)
			case *ast.FragmentSpread:
				n += naive(doc, doc.Fragments.ForName(s.Name).SelectionSet)
			}
		}
		return n
	}
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 200; {
		q := genDocument(r)
		doc, err := parser.ParseQuery(&ast.Source{Input: q})
		if err != nil {
			t.Fatal(err)
		}
		var c workCounter
		got := expandedFields(doc, &c)
		if got > 200000 {
			continue // too big to expand naively
		}
		i++
		if want := naive(doc, doc.Operations[0].SelectionSet); got != want {
			t.Fatalf("expandedFields = %d, want %d\n%s", got, want, q)
		}
	}
}
