package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/reimburse/reimburse/graph"
	"github.com/reimburse/reimburse/internal/httpapi"
)

// limitFlags are serve's request limits and hardening switches.
type limitFlags struct {
	maxBody                int64
	maxTokens              int
	maxFields, maxFrags    int
	maxDepth               int
	maxRoot                int
	maxAliases             int
	complexity             int
	reportCells, fastCells int
	rate                   float64
	burst                  int
	timeout                time.Duration
	introspect             bool
	playground             bool
}

func (f *limitFlags) register(fs *flag.FlagSet) {
	fs.Int64Var(&f.maxBody, "max-body-bytes", httpapi.DefaultMaxBodyBytes, "largest request body in bytes; larger ones get 413")
	fs.IntVar(&f.maxTokens, "max-query-tokens", graph.DefaultMaxQueryTokens, "most lexical tokens in a query document")
	fs.IntVar(&f.maxFields, "max-fields", graph.DefaultMaxFields, "most fields a document selects, each fragment counted wherever it is spread")
	fs.IntVar(&f.maxFrags, "max-fragments", graph.DefaultMaxFragments, "most fragment definitions in a query document")
	fs.IntVar(&f.maxDepth, "max-depth", graph.DefaultMaxDepth, "deepest field nesting of an operation (introspection exempt)")
	fs.IntVar(&f.maxRoot, "max-root-fields", graph.DefaultMaxRootFields, "most root fields in an operation")
	fs.IntVar(&f.maxAliases, "max-aliases", graph.DefaultMaxAliases, "most aliased fields in an operation")
	fs.IntVar(&f.complexity, "max-complexity", graph.DefaultComplexityLimit, "highest operation complexity (1 per field, connections times first)")
	fs.IntVar(&f.reportCells, "max-report-cells", graph.DefaultMaxReportCells, "highest estimated report cost (month x caregiver cells times the fields selected per cell) for reports gqlgen's executor answers")
	fs.IntVar(&f.fastCells, "max-fast-report-cells", graph.DefaultMaxFastReportCells, "highest estimated report cost for report-only queries the fast report path answers")
	fs.Float64Var(&f.rate, "rate-limit", httpapi.DefaultRateLimit, "requests per second per token; 0 turns rate limiting off")
	fs.IntVar(&f.burst, "rate-burst", httpapi.DefaultRateBurst, "requests a token may make at once")
	fs.DurationVar(&f.timeout, "request-timeout", httpapi.DefaultRequestTimeout, "deadline of each API request, database work included")
	fs.BoolVar(&f.introspect, "introspection", true, "answer introspection (__schema, __type) and suggest field names in errors")
	fs.BoolVar(&f.playground, "playground", true, "serve the GraphiQL playground at /")
}

// limits checks the flags and returns them as graph.Limits and the HTTP
// chain's options (without its Store, Logger and Metrics).
func (f *limitFlags) limits() (graph.Limits, httpapi.Options, error) {
	for _, c := range []struct {
		name string
		v    int64
	}{
		{"max-body-bytes", f.maxBody}, {"max-query-tokens", int64(f.maxTokens)}, {"max-fields", int64(f.maxFields)},
		{"max-fragments", int64(f.maxFrags)}, {"max-depth", int64(f.maxDepth)},
		{"max-root-fields", int64(f.maxRoot)}, {"max-aliases", int64(f.maxAliases)}, {"max-complexity", int64(f.complexity)},
		{"max-report-cells", int64(f.reportCells)}, {"max-fast-report-cells", int64(f.fastCells)}, {"rate-burst", int64(f.burst)},
	} {
		if c.v <= 0 {
			return graph.Limits{}, httpapi.Options{}, fmt.Errorf("--%s must be positive, got %d", c.name, c.v)
		}
	}
	if f.rate < 0 {
		return graph.Limits{}, httpapi.Options{}, fmt.Errorf("--rate-limit must be 0 (off) or positive, got %g", f.rate)
	}
	if f.timeout <= 0 {
		return graph.Limits{}, httpapi.Options{}, fmt.Errorf("--request-timeout must be positive, got %s", f.timeout)
	}
	return graph.Limits{
			MaxQueryTokens:       f.maxTokens,
			MaxFields:            f.maxFields,
			MaxFragments:         f.maxFrags,
			MaxDepth:             f.maxDepth,
			MaxRootFields:        f.maxRoot,
			MaxAliases:           f.maxAliases,
			MaxReportCells:       f.reportCells,
			MaxFastReportCells:   f.fastCells,
			DisableIntrospection: !f.introspect,
		}, httpapi.Options{
			MaxBodyBytes:   f.maxBody,
			RequestTimeout: f.timeout,
			RateLimiter:    httpapi.NewRateLimiter(f.rate, f.burst),
		}, nil
}
