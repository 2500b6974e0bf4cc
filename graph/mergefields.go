package graph

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/core"
)

// mergeableFieldsRule replaces gqlparser's OverlappingFieldsCanBeMerged,
// which compares every pair of fields that share a response key: a
// selection of one field repeated 15,000 times (within the token limit)
// took seconds of CPU. This rule checks the same thing, that the fields
// answering one response key can merge, by comparing each to the first of
// its group, then checking the union of their sub-selections the same way,
// as the executor merges them. Fragments are expanded once per merged
// selection set, as the executor does, so the work is at most the
// document's expanded size, which documentBounds caps before validation.
//
// The schema has no interfaces or unions, so the fields of one merged
// selection set share their parent type and none are mutually exclusive;
// fields whose parent types differ (a fragment on the wrong type, which
// PossibleFragmentSpreads reports) are only checked for their types.
// Fragment definitions are checked where they are spread: an unspread one
// is NoUnusedFragments' error.
func mergeableFieldsRule(count *workCounter) core.RuleFunc {
	return func(obs *core.Events, addError core.AddErrFunc) {
		obs.OnOperation(func(w *core.Walker, op *ast.OperationDefinition) {
			m := merger{schema: w.Schema, defs: fragments(w.Document), addError: addError, count: count}
			m.check([]part{{set: op.SelectionSet}}, nil)
		})
	}
}

type merger struct {
	schema   *ast.Schema
	defs     map[string]*ast.FragmentDefinition
	addError core.AddErrFunc
	count    *workCounter
}

// within is the chain of fragments whose expansion a selection lies in,
// innermost first: spreading one of them again is a cycle
// (NoFragmentCycles' error), which would otherwise expand for ever.
type within struct {
	name string
	up   *within
}

func (w *within) has(name string) bool {
	for ; w != nil; w = w.up {
		if w.name == name {
			return true
		}
	}
	return false
}

// part is one selection set of a merged one, with the fragments it lies in.
type part struct {
	set ast.SelectionSet
	in  *within
}

// pathKey is a response key above a merged selection set; merged says that
// several fields answer it, so that their sub-selections were merged.
type pathKey struct {
	key    string
	merged bool
}

// check checks the merged selection set made of parts; path holds the
// response keys above it, for messages.
func (m *merger) check(parts []part, path []pathKey) {
	type field struct {
		f  *ast.Field
		in *within
	}
	var keys []string
	groups := map[string][]field{}
	visited := map[string]bool{} // each fragment once per merged set, as the executor does
	var collect func(ast.SelectionSet, *within)
	collect = func(set ast.SelectionSet, in *within) {
		m.count.add(len(set))
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if _, ok := groups[s.Alias]; !ok {
					keys = append(keys, s.Alias)
				}
				groups[s.Alias] = append(groups[s.Alias], field{s, in})
			case *ast.InlineFragment:
				collect(s.SelectionSet, in)
			case *ast.FragmentSpread:
				if def := m.defs[s.Name]; def != nil && !visited[s.Name] && !in.has(s.Name) {
					visited[s.Name] = true
					collect(def.SelectionSet, &within{s.Name, in})
				}
			}
		}
	}
	for _, p := range parts {
		collect(p.set, p.in)
	}
	for _, key := range keys {
		fields := groups[key]
		first, conflict := fields[0].f, ""
		var at *ast.Position
		for _, f := range fields[1:] {
			if conflict = m.conflict(first, f.f); conflict != "" {
				at = f.f.Position
				break
			}
		}
		if conflict != "" {
			m.report(path, key, conflict, at)
			continue
		}
		var subs []part
		for _, f := range fields {
			if len(f.f.SelectionSet) > 0 {
				subs = append(subs, part{f.f.SelectionSet, f.in})
			}
		}
		if len(subs) > 0 {
			m.check(subs, append(slices.Clip(path), pathKey{key, len(fields) > 1}))
		}
	}
}

// conflict says why fields a and b, of one response key, cannot merge, or
// "" when they can; the reasons are gqlparser's.
func (m *merger) conflict(a, b *ast.Field) string {
	if a.ObjectDefinition == nil || b.ObjectDefinition == nil {
		return "" // an unknown parent type is another rule's error
	}
	exclusive := a.ObjectDefinition.Name != b.ObjectDefinition.Name &&
		a.ObjectDefinition.Kind == ast.Object && b.ObjectDefinition.Kind == ast.Object &&
		a.Definition != nil && b.Definition != nil
	if !exclusive {
		if a.Name != b.Name {
			return fmt.Sprintf(`"%s" and "%s" are different fields`, a.Name, b.Name)
		}
		if !sameArguments(a.Arguments, b.Arguments) {
			return "they have differing arguments"
		}
	}
	if a.Definition != nil && b.Definition != nil && typesConflict(m.schema, a.Definition.Type, b.Definition.Type) {
		return fmt.Sprintf(`they return conflicting types "%s" and "%s"`, a.Definition.Type.String(), b.Definition.Type.String())
	}
	return ""
}

// report adds the error gqlparser's rule gives for a conflict at key under
// path. Like it, the message starts at the highest key whose fields were
// merged ("Fields "a" conflict because subfields "b" conflict because
// ..."), or at key when they all sit in one selection set.
func (m *merger) report(path []pathKey, key, reason string, at *ast.Position) {
	keys := []string{key}
	for i := len(path) - 1; i >= 0; i-- {
		if !slices.ContainsFunc(path[:i+1], func(k pathKey) bool { return k.merged }) {
			break
		}
		keys = append(keys, path[i].key)
	}
	for _, k := range keys[:len(keys)-1] {
		reason = fmt.Sprintf(`subfields "%s" conflict because %s`, k, reason)
	}
	m.addError(core.Message(`Fields "%s" conflict because %s. Use different aliases on the fields to fetch both if this was intentional.`, keys[len(keys)-1], reason), core.At(at))
}

func sameArguments(a, b ast.ArgumentList) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		y := b.ForName(x.Name)
		if y == nil || !sameValue(x.Value, y.Value) {
			return false
		}
	}
	return true
}

func sameValue(a, b *ast.Value) bool {
	if a.Kind != b.Kind || a.Raw != b.Raw || len(a.Children) != len(b.Children) {
		return false
	}
	ca, cb := a.Children, b.Children
	if a.Kind == ast.ObjectValue {
		byName := func(x, y *ast.ChildValue) int { return strings.Compare(x.Name, y.Name) }
		ca, cb = slices.SortedStableFunc(slices.Values(ca), byName), slices.SortedStableFunc(slices.Values(cb), byName)
	}
	for i := range ca {
		if ca[i].Name != cb[i].Name || !sameValue(ca[i].Value, cb[i].Value) {
			return false
		}
	}
	return true
}

// typesConflict reports whether two field types give responses of
// different shapes.
func typesConflict(s *ast.Schema, a, b *ast.Type) bool {
	if a.NonNull != b.NonNull || (a.Elem == nil) != (b.Elem == nil) {
		return true
	}
	if a.Elem != nil {
		return typesConflict(s, a.Elem, b.Elem)
	}
	ta, tb := s.Types[a.NamedType], s.Types[b.NamedType]
	if ta == nil || tb == nil {
		return false
	}
	if ta.IsLeafType() || tb.IsLeafType() {
		return ta.Name != tb.Name
	}
	return false
}
