package graph

import (
	"fmt"
	"math"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// validationRules returns gqlparser's default rules, OverlappingFieldsCanBeMerged
// replaced by a linear one (mergefields.go), plus the limits on depth, root
// fields and aliases. They run once per distinct query text
// (gqlgen caches what passes) and are reported, like every validation
// error, as GRAPHQL_VALIDATION_FAILED. Without introspection, __schema and
// __type are refused and no message suggests names ("Did you mean ...?").
func validationRules(l Limits) func() *rules.Rules {
	return func() *rules.Rules {
		rs := rules.NewDefaultRules()
		rs.RemoveRule(rules.OverlappingFieldsCanBeMergedRule.Name)
		rs.AddRule("MergeableFields", mergeableFieldsRule(nil))
		rs.AddRule("MaxDepth", maxDepthRule(l.MaxDepth))
		rs.AddRule("MaxRootFields", maxRootFieldsRule(l.MaxRootFields))
		rs.AddRule("MaxAliases", maxAliasesRule(l.MaxAliases))
		if l.DisableIntrospection {
			rs.AddRule("NoIntrospection", noIntrospectionRule)
			for name, fn := range rs.GetInner() {
				rs.ReplaceRule(name, withoutSuggestions(fn))
			}
		}
		return rs
	}
}

// operationName names an operation in messages.
func operationName(op *ast.OperationDefinition) string {
	if op.Name == "" {
		return "the operation"
	}
	return fmt.Sprintf("operation %q", op.Name)
}

// fragments indexes a document's fragment definitions by name.
func fragments(doc *ast.QueryDocument) map[string]*ast.FragmentDefinition {
	m := make(map[string]*ast.FragmentDefinition, len(doc.Fragments))
	for _, f := range doc.Fragments {
		if _, ok := m[f.Name]; !ok {
			m[f.Name] = f
		}
	}
	return m
}

// fragmentWalk computes a value per selection set, following fragment
// spreads, computing each fragment once. A fragment reached again while it
// is being computed (a cycle, which NoFragmentCycles reports) counts 0.
type fragmentWalk struct {
	defs    map[string]*ast.FragmentDefinition
	memo    map[string]int
	working map[string]bool
}

func newFragmentWalk(doc *ast.QueryDocument) *fragmentWalk {
	return &fragmentWalk{defs: fragments(doc), memo: map[string]int{}, working: map[string]bool{}}
}

func (fw *fragmentWalk) spread(name string, fn func(ast.SelectionSet) int) int {
	if v, ok := fw.memo[name]; ok {
		return v
	}
	def := fw.defs[name]
	if def == nil || fw.working[name] {
		return 0 // unknown fragments and cycles are other rules' errors
	}
	fw.working[name] = true
	v := fn(def.SelectionSet)
	delete(fw.working, name)
	fw.memo[name] = v
	return v
}

// isIntrospection reports whether f is a __schema or __type root field.
func isIntrospection(f *ast.Field) bool { return f.Name == "__schema" || f.Name == "__type" }

// maxDepthRule rejects operations whose fields nest deeper than limit.
// Fragments add no depth of their own; introspection fields count 1 however
// deep their subtree (it is served from memory, and gqlparser's
// MaxIntrospectionDepth bounds its list nesting).
func maxDepthRule(limit int) core.RuleFunc {
	return func(obs *core.Events, addError core.AddErrFunc) {
		var fw *fragmentWalk
		obs.OnOperation(func(w *core.Walker, op *ast.OperationDefinition) {
			if fw == nil {
				fw = newFragmentWalk(w.Document)
			}
			var depth func(ast.SelectionSet) int
			depth = func(set ast.SelectionSet) int {
				d := 0
				for _, sel := range set {
					switch s := sel.(type) {
					case *ast.Field:
						if isIntrospection(s) {
							d = max(d, 1)
						} else {
							d = max(d, 1+depth(s.SelectionSet))
						}
					case *ast.InlineFragment:
						d = max(d, depth(s.SelectionSet))
					case *ast.FragmentSpread:
						d = max(d, fw.spread(s.Name, depth))
					}
				}
				return d
			}
			if d := depth(op.SelectionSet); d > limit {
				addError(core.Message("%s has depth %d, which exceeds the limit of %d", operationName(op), d, limit), core.At(op.Position))
			}
		})
	}
}

// maxRootFieldsRule rejects operations with more than limit distinct root
// response keys; fields repeated under one key merge into one.
func maxRootFieldsRule(limit int) core.RuleFunc {
	return func(obs *core.Events, addError core.AddErrFunc) {
		obs.OnOperation(func(w *core.Walker, op *ast.OperationDefinition) {
			defs := fragments(w.Document)
			keys := map[string]bool{}
			seen := map[string]bool{}
			var collect func(ast.SelectionSet)
			collect = func(set ast.SelectionSet) {
				for _, sel := range set {
					switch s := sel.(type) {
					case *ast.Field:
						keys[s.Alias] = true
					case *ast.InlineFragment:
						collect(s.SelectionSet)
					case *ast.FragmentSpread:
						if def := defs[s.Name]; def != nil && !seen[s.Name] {
							seen[s.Name] = true
							collect(def.SelectionSet)
						}
					}
				}
			}
			collect(op.SelectionSet)
			if n := len(keys); n > limit {
				addError(core.Message("%s has %d root fields, which exceeds the limit of %d", operationName(op), n, limit), core.At(op.Position))
			}
		})
	}
}

// maxAliasesRule rejects operations with more than limit aliased fields. A
// fragment's aliases count each time it is spread, as each spread can
// repeat its work.
func maxAliasesRule(limit int) core.RuleFunc {
	return func(obs *core.Events, addError core.AddErrFunc) {
		var fw *fragmentWalk
		obs.OnOperation(func(w *core.Walker, op *ast.OperationDefinition) {
			if fw == nil {
				fw = newFragmentWalk(w.Document)
			}
			var count func(ast.SelectionSet) int
			count = func(set ast.SelectionSet) int {
				n := 0
				for _, sel := range set {
					switch s := sel.(type) {
					case *ast.Field:
						if s.Alias != s.Name {
							n = addSat(n, 1)
						}
						n = addSat(n, count(s.SelectionSet))
					case *ast.InlineFragment:
						n = addSat(n, count(s.SelectionSet))
					case *ast.FragmentSpread:
						n = addSat(n, fw.spread(s.Name, count))
					}
				}
				return n
			}
			if n := count(op.SelectionSet); n > limit {
				addError(core.Message("%s has %d aliases, which exceeds the limit of %d", operationName(op), n, limit), core.At(op.Position))
			}
		})
	}
}

// noIntrospectionRule refuses __schema and __type (not __typename, which
// clients add everywhere) when introspection is off.
func noIntrospectionRule(obs *core.Events, addError core.AddErrFunc) {
	obs.OnField(func(_ *core.Walker, f *ast.Field) {
		if isIntrospection(f) {
			addError(core.Message("introspection is disabled on this server"), core.At(f.Position))
		}
	})
}

// withoutSuggestions drops the " Did you mean ...?" that gqlparser's rules
// append, which would reveal field, argument, type and enum value names.
func withoutSuggestions(fn core.RuleFunc) core.RuleFunc {
	strip := func(err *gqlerror.Error) {
		if i := strings.Index(err.Message, " Did you mean "); i >= 0 {
			err.Message = err.Message[:i]
		}
	}
	return func(obs *core.Events, addError core.AddErrFunc) {
		fn(obs, func(opts ...core.ErrorOption) { addError(append(opts, strip)...) })
	}
}

// addSat adds non-negative a and b, saturating instead of overflowing.
func addSat(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

// mulSat multiplies non-negative a and b, saturating instead of overflowing.
func mulSat(a, b int) int {
	if a == 0 || b == 0 {
		return 0
	}
	if a > math.MaxInt/b {
		return math.MaxInt
	}
	return a * b
}
