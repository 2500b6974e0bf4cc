package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// A document's work, before it runs, is that of its fragments expanded: a
// chain of fragments that each spread the next one twice is a few hundred
// bytes and 2^n fields. gqlgen's complexity walk, its executor and
// gqlparser's rules all walk the expanded document, and gqlparser's walker
// also walks each fragment definition on its own, which is quadratic in the
// number of fragments. So before gqlparser validates a document,
// documentBounds parses it and refuses it (COMPLEXITY_LIMIT_EXCEEDED) when
// it has more than MaxFragments fragments or, fragments expanded at every
// spread, more than MaxFields fields. The expanded count is computed once
// per fragment, so this check is linear in the document.

// documentBounds is a handler extension that bounds a document's expanded
// size before it is validated.
type documentBounds struct {
	// cache is the executor's query cache: a document in it passed
	// validation, and this check before that.
	cache                       graphql.Cache[*ast.QueryDocument]
	tokens, fields, fragmentMax int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = documentBounds{}

// ExtensionName implements graphql.HandlerExtension.
func (documentBounds) ExtensionName() string { return "DocumentBounds" }

// Validate implements graphql.HandlerExtension.
func (documentBounds) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters implements graphql.OperationParameterMutator. A
// document that does not parse passes: gqlgen parses it again and reports
// the error as usual.
func (d documentBounds) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if _, ok := d.cache.Get(ctx, p.Query); ok {
		return nil
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, d.tokens)
	if err != nil {
		return nil
	}
	return checkDocumentSize(doc, d.fields, d.fragmentMax, nil)
}

// workCounter counts the nodes a bounded walk visits, so tests can bound
// the work instead of timing it. A nil counter counts nothing.
type workCounter struct{ n int }

func (c *workCounter) add(n int) {
	if c != nil {
		c.n += n
	}
}

// checkDocumentSize refuses doc when it has more than maxFragments fragment
// definitions or its operations select, together, more than maxFields
// fields with every fragment spread expanded.
func checkDocumentSize(doc *ast.QueryDocument, maxFields, maxFragments int, count *workCounter) *gqlerror.Error {
	if n := len(doc.Fragments); n > maxFragments {
		return complexityError("the document defines %d fragments, which exceeds the limit of %d", n, maxFragments)
	}
	fields := expandedFields(doc, count)
	if fields > maxFields {
		return complexityError("the document selects %d fields once its fragments are expanded, which exceeds the limit of %d; spread fewer fragments or select less", fields, maxFields)
	}
	return nil
}

// expandedFields counts the fields doc's operations select, each fragment
// counted every time it is spread. Each fragment's count is computed once
// (fragmentWalk), so the walk visits every selection of doc at most once.
func expandedFields(doc *ast.QueryDocument, count *workCounter) int {
	fw := newFragmentWalk(doc)
	var size func(ast.SelectionSet) int
	size = func(set ast.SelectionSet) int {
		count.add(len(set))
		n := 0
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				n = addSat(n, addSat(1, size(s.SelectionSet)))
			case *ast.InlineFragment:
				n = addSat(n, size(s.SelectionSet))
			case *ast.FragmentSpread:
				n = addSat(n, fw.spread(s.Name, size))
			}
		}
		return n
	}
	total := 0
	for _, op := range doc.Operations {
		total = addSat(total, size(op.SelectionSet))
	}
	return total
}
