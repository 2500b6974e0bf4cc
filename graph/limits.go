package graph

import "cmp"

// The defaults of Limits.
const (
	DefaultMaxQueryTokens = 15000
	// DefaultMaxFields is the token limit: fragments may not make a
	// document select more fields than could be written out in full.
	DefaultMaxFields    = DefaultMaxQueryTokens
	DefaultMaxFragments = 100
	// DefaultMaxDepth counts fields from the root (`{ a { b } }` is 2).
	// Introspection subtrees are exempt: gqlgen's standard introspection
	// query, the shape GraphiQL sends, nests 15 deep.
	DefaultMaxDepth       = 12
	DefaultMaxRootFields  = 20
	DefaultMaxAliases     = 50
	DefaultMaxReportCells = 100000
	// DefaultMaxFastReportCells bounds reports the fast report path answers:
	// it writes about half a million cells a second, with no per-object
	// executor cost, so the whole period for every caregiver fits.
	DefaultMaxFastReportCells = 2000000
)

// Limits hold the GraphQL document and cost limits and hardening switches
// of the API (the HTTP limits are internal/httpapi's Options). The
// zero value of every field means its default.
type Limits struct {
	// MaxQueryTokens caps the lexical tokens of a query document.
	MaxQueryTokens int
	// MaxFields caps the fields a document's operations select, counted
	// with each fragment expanded wherever it is spread (docsize.go).
	MaxFields int
	// MaxFragments caps a document's fragment definitions.
	MaxFragments int
	// MaxDepth caps how deeply an operation's fields nest, fragments
	// followed; __schema and __type subtrees are exempt.
	MaxDepth int
	// MaxRootFields caps an operation's distinct root fields (response keys).
	MaxRootFields int
	// MaxAliases caps an operation's aliased fields, counted once per use of
	// the fragment that holds them.
	MaxAliases int
	// MaxReportCells caps the data-dependent cost estimate of report fields
	// (months x caregivers x what is selected per cell); see complexity.go.
	MaxReportCells int
	// MaxFastReportCells replaces MaxReportCells for report-only queries
	// that the fast report path answers (fastreport.go).
	MaxFastReportCells int
	// DisableIntrospection rejects __schema and __type and drops the field
	// suggestions ("Did you mean ...?") from validation messages.
	DisableIntrospection bool
}

func (l Limits) withDefaults() Limits {
	l.MaxQueryTokens = cmp.Or(l.MaxQueryTokens, DefaultMaxQueryTokens)
	l.MaxFields = cmp.Or(l.MaxFields, DefaultMaxFields)
	l.MaxFragments = cmp.Or(l.MaxFragments, DefaultMaxFragments)
	l.MaxDepth = cmp.Or(l.MaxDepth, DefaultMaxDepth)
	l.MaxRootFields = cmp.Or(l.MaxRootFields, DefaultMaxRootFields)
	l.MaxAliases = cmp.Or(l.MaxAliases, DefaultMaxAliases)
	l.MaxReportCells = cmp.Or(l.MaxReportCells, DefaultMaxReportCells)
	l.MaxFastReportCells = cmp.Or(l.MaxFastReportCells, DefaultMaxFastReportCells)
	return l
}
