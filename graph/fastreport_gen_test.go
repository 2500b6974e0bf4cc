package graph_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// reportGen generates random report operations and their variables: random
// subsets and orders of fields at every level, aliases (the same field
// under several aliases, and repeated keys that gqlgen merges), named and
// inline fragments with and without type conditions, @include/@skip on
// variables, __typename everywhere, priceAt with literal and variable
// arguments, and several report roots with their own arguments.
//
// Operations are valid by construction where it is cheap: a response key
// always stands for the same field with the same arguments. Some variable
// values are deliberately bad (unknown ids, malformed instants), so that
// errors are compared too.
type reportGen struct {
	rng    *rand.Rand
	cgIDs  []string
	frags  []string            // fragment definitions
	done   map[string][]string // finished fragments by type, for reuse
	nfrag  int
	vars   map[string]string // used variables and their types
	values map[string]any
	edges  []any // more from and to values: instants near the zone's odd month starts
}

// genField is a field of the report tree as the generator sees it.
type genField struct {
	name, child string
}

var genTypes = map[string][]genField{
	"Report":          {{"from", ""}, {"to", ""}, {"timeZone", ""}, {"currency", ""}, {"totals", "Totals"}, {"months", "ReportMonth"}},
	"ReportMonth":     {{"month", ""}, {"totals", "Totals"}, {"caregivers", "CaregiverTotals"}},
	"CaregiverTotals": {{"caregiver", "Caregiver"}, {"totals", "Totals"}, {"byEventType", "EventTypeTotals"}},
	"EventTypeTotals": {{"eventType", "EventType"}, {"totals", "Totals"}},
	"Totals":          {{"eventCount", ""}, {"amount", "Money"}, {"reimbursed", "Money"}, {"pending", "Money"}},
	"Money":           {{"amount", ""}, {"currency", ""}},
	"Caregiver":       {{"id", ""}, {"name", ""}, {"externalRef", ""}, {"createdAt", ""}},
	"EventType": {{"id", ""}, {"code", ""}, {"name", ""}, {"price", "Money"}, {"priceAt", "Money"},
		{"prices", "EventTypePrice"}, {"createdAt", ""}},
	"EventTypePrice": {{"price", "Money"}, {"effectiveFrom", ""}},
}

func newReportGen(seed uint64, cgIDs []string) *reportGen {
	return &reportGen{rng: rand.New(rand.NewPCG(seed, seed*7+1)), cgIDs: cgIDs}
}

func (g *reportGen) chance(p float64) bool { return g.rng.Float64() < p }

func pick[T any](g *reportGen, xs ...T) T { return xs[g.rng.IntN(len(xs))] }

// operation returns a new random operation and its variables.
func (g *reportGen) operation() (string, map[string]any) {
	g.frags, g.done, g.nfrag = nil, map[string][]string{}, 0
	g.vars, g.values = map[string]string{}, map[string]any{}
	var roots []string
	for i, n := 0, 1+g.rng.IntN(3); i < n; i++ {
		key, args := "report", g.reportArgs(i)
		if i > 0 || g.chance(0.3) {
			key = fmt.Sprintf("r%d: report", i)
		}
		head := key + args
		roots = append(roots, head+" "+g.selection("Report", 0))
		if g.chance(0.2) { // the same key again: gqlgen merges the selections
			roots = append(roots, head+" "+g.selection("Report", 0))
		}
	}
	if g.chance(0.3) {
		roots = append(roots, pick(g, "__typename", "tn: __typename"))
	}
	g.rng.Shuffle(len(roots), func(i, j int) { roots[i], roots[j] = roots[j], roots[i] })
	if g.chance(0.25) { // some roots through a fragment on Query
		k := 1 + g.rng.IntN(len(roots))
		name := g.fragName()
		g.frags = append(g.frags, "fragment "+name+" on Query { "+strings.Join(roots[:k], " ")+" }")
		roots = append([]string{"..." + name}, roots[k:]...)
	}
	if g.chance(0.15) {
		roots = []string{"... on Query { " + strings.Join(roots, " ") + " }"}
	}
	var b strings.Builder
	b.WriteString("query Q")
	if len(g.vars) > 0 {
		names := make([]string, 0, len(g.vars))
		for n := range g.vars {
			names = append(names, n)
		}
		slices.Sort(names)
		b.WriteString("(")
		for i, n := range names {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "$%s: %s", n, g.vars[n])
		}
		b.WriteString(")")
	}
	b.WriteString(" { " + strings.Join(roots, " ") + " }")
	for _, f := range g.frags {
		b.WriteString("\n" + f)
	}
	return b.String(), g.values
}

// variable declares $name of typ on first use, with a value from values
// (nil for null; omitted when the value is omit).
func (g *reportGen) variable(name, typ string, values ...any) string {
	if _, ok := g.vars[name]; !ok {
		g.vars[name] = typ
		if v := pick(g, values...); v != omit {
			g.values[name] = v
		}
	}
	return "$" + name
}

// omit leaves a variable out of the request.
var omit = new(int)

var (
	fromValues = []any{nil, omit, "2023-03-01T00:00:00+01:00", "2023-06-15T12:00:00Z", "2022-12-31T23:00:00Z",
		"2024-01-01T00:00:00+01:00", "2023-10-29T01:30:00Z"}
	toValues = []any{nil, omit, "2024-03-01T00:00:00+01:00", "2024-07-01T00:00:00Z", "2023-09-10T08:00:00-05:00",
		"2099-01-01T00:00:00Z", "2023-03-01T00:00:00+01:00"}
	atValues = []any{"2023-02-01T00:00:00+01:00", "2022-01-01T00:00:00Z", "2024-05-01T12:00:00Z", "2030-01-01T00:00:00Z"}
)

// reportArgs returns the argument list of report root i (the same for a
// root's repeated key).
func (g *reportGen) reportArgs(i int) string {
	var args []string
	switch g.rng.IntN(4) {
	case 1:
		args = append(args, "from: "+pick(g, `"2023-03-01T00:00:00+01:00"`, `"2023-05-20T10:00:00-04:00"`, "null"))
	case 2:
		vals := append(slices.Clone(fromValues), g.edges...)
		if g.chance(0.05) {
			vals = []any{"2024-01-01"} // no offset: gqlgen's coercion error
		}
		args = append(args, "from: "+g.variable(fmt.Sprintf("from%d", i), "DateTime", vals...))
	}
	switch g.rng.IntN(4) {
	case 1:
		args = append(args, "to: "+pick(g, `"2024-02-01T00:00:00+01:00"`, `"2023-11-11T11:11:11.5Z"`, "null"))
	case 2:
		args = append(args, "to: "+g.variable(fmt.Sprintf("to%d", i), "DateTime", append(slices.Clone(toValues), g.edges...)...))
	}
	switch g.rng.IntN(4) {
	case 1:
		args = append(args, "caregiverIds: "+pick(g, "[]", "null", `"`+pick(g, g.cgIDs...)+`"`,
			fmt.Sprintf(`["%s", "%s"]`, pick(g, g.cgIDs...), pick(g, g.cgIDs...))))
	case 2:
		ids := []any{nil, omit, []string{}, []string{pick(g, g.cgIDs...)}, pick(g, g.cgIDs...),
			[]string{pick(g, g.cgIDs...), pick(g, g.cgIDs...), pick(g, g.cgIDs...)}}
		if g.chance(0.08) {
			ids = []any{[]string{pick(g, g.cgIDs...), "999"}} // unknown: BAD_USER_INPUT
		}
		args = append(args, "caregiverIds: "+g.variable(fmt.Sprintf("cg%d", i), "[ID!]", ids...))
	}
	g.rng.Shuffle(len(args), func(i, j int) { args[i], args[j] = args[j], args[i] })
	if len(args) == 0 {
		return ""
	}
	return "(" + strings.Join(args, ", ") + ")"
}

// selection returns a random selection set on typ.
func (g *reportGen) selection(typ string, depth int) string {
	var items []string
	for i, n := 0, 1+g.rng.IntN(max(1, 4-depth/2)); i < n; i++ {
		switch r := g.rng.Float64(); {
		case r < 0.7:
			items = append(items, g.field(typ, depth))
		case r < 0.8:
			items = append(items, pick(g, "__typename", "tn: __typename")+g.directive())
		case r < 0.9:
			cond := pick(g, "... on "+typ, "...")
			items = append(items, cond+g.directive()+" "+g.selection(typ, depth+1))
		default:
			items = append(items, "..."+g.fragment(typ, depth)+g.directive())
		}
	}
	return "{ " + strings.Join(items, " ") + " }"
}

func (g *reportGen) field(typ string, depth int) string {
	f := pick(g, genTypes[typ]...)
	var s string
	switch {
	case f.name == "priceAt":
		s = g.priceAt()
	case g.chance(0.3):
		s = f.name + pick(g, "_x", "_y") + ": " + f.name
	default:
		s = f.name
	}
	s += g.directive()
	if f.child != "" {
		s += " " + g.selection(f.child, depth+1)
	}
	return s
}

// priceAt returns a priceAt field; each response key has its own argument.
func (g *reportGen) priceAt() string {
	switch g.rng.IntN(5) {
	case 0:
		return `priceAt(at: ` + g.atVar() + `)`
	case 1:
		return `pa1: priceAt(at: "2023-02-01T00:00:00+01:00")`
	case 2:
		return `pa2: priceAt(at: "2022-01-01T00:00:00Z")`
	case 3:
		return `pa3: priceAt(at: ` + g.variable("at2", `DateTime = "2023-05-01T00:00:00Z"`, omit, omit, "2024-02-01T00:00:00Z", nil) + `)`
	default:
		return `pa0: priceAt(at: ` + g.atVar() + `)`
	}
}

func (g *reportGen) atVar() string {
	vals := atValues
	if g.chance(0.05) {
		vals = []any{"yesterday"}
	}
	return g.variable("at", "DateTime!", vals...)
}

// directive returns an optional @include or @skip on a boolean variable.
func (g *reportGen) directive() string {
	if !g.chance(0.2) {
		return ""
	}
	if g.chance(0.25) {
		return pick(g, " @include(if: true)", " @skip(if: false)", " @include(if: false)")
	}
	v := g.variable(fmt.Sprintf("b%d", g.rng.IntN(3)), "Boolean!", true, false)
	return pick(g, " @include(if: "+v+")", " @skip(if: "+v+")")
}

// fragment returns the name of a fragment on typ: a finished one or a new one.
func (g *reportGen) fragment(typ string, depth int) string {
	if names := g.done[typ]; len(names) > 0 && g.chance(0.4) {
		return pick(g, names...)
	}
	name := g.fragName()
	body := g.selection(typ, depth+1) // before registering: no cycles
	g.frags = append(g.frags, "fragment "+name+" on "+typ+" "+body)
	g.done[typ] = append(g.done[typ], name)
	return name
}

func (g *reportGen) fragName() string {
	g.nfrag++
	return fmt.Sprintf("F%d", g.nfrag)
}
