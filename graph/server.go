package graph

import (
	"log/slog"
	"net/http"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/reimburse/reimburse/store"
	"github.com/vektah/gqlparser/v2/ast"
)

// DefaultComplexityLimit bounds the cost of one operation: one per selected
// field, connections multiplied by their page size (complexity.go).
const DefaultComplexityLimit = 5000

// Options hold what the GraphQL endpoint needs.
type Options struct {
	Store  *store.Store
	Logger *slog.Logger
	// ComplexityLimit bounds an operation's complexity; 0 means
	// DefaultComplexityLimit.
	ComplexityLimit int
	// Limits are the document and cost limits (limits.go); zero fields
	// take defaults.
	Limits
	// DisableFastReport sends report queries through gqlgen's executor
	// instead of the fast report path (fastreport.go). The responses are the
	// same; it is there for comparison and as a safety valve.
	DisableFastReport bool
}

// New returns the GraphQL handler: per-request loaders, then gqlgen's
// executor with explicit transports and their GraphQL-over-HTTP statuses
// (transport.go), an error presenter, a recover func, and the limits: parser
// tokens, fragments and expanded fields, depth, root fields, aliases,
// complexity and report cost. It expects the shared HTTP chain around it
// (internal/httpapi's API.Wrap, with Methods): request id, authentication
// (resolvers read the principal it sets), body cap, deadline and rate
// limit.
func New(cfg Options) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ComplexityLimit == 0 {
		cfg.ComplexityLimit = DefaultComplexityLimit
	}
	cfg.Limits = cfg.Limits.withDefaults()
	res := &Resolver{Store: cfg.Store}
	srv := handler.New(NewExecutableSchema(Config{Resolvers: res, Directives: directives(), Complexity: complexityRoot()}))
	srv.AddTransport(transport.Options{AllowedMethods: graphQLMethods})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	cache := lru.New[*ast.QueryDocument](1000)
	srv.SetQueryCache(cache)
	srv.SetParserTokenLimit(cfg.MaxQueryTokens)
	srv.Use(documentBounds{cache: cache, tokens: cfg.MaxQueryTokens, fields: cfg.MaxFields, fragmentMax: cfg.MaxFragments})
	srv.SetValidationRulesFn(validationRules(cfg.Limits))
	if cfg.DisableIntrospection {
		srv.SetDisableSuggestion(true)
	} else {
		srv.Use(extension.Introspection{})
	}
	srv.Use(&complexityLimit{store: cfg.Store, limit: cfg.ComplexityLimit, cellsLimit: cfg.MaxReportCells,
		fastCellsLimit: cfg.MaxFastReportCells, fast: !cfg.DisableFastReport})
	srv.SetErrorPresenter(presenter(cfg.Logger))
	srv.SetRecoverFunc(recoverFunc(cfg.Logger))
	srv.Use(opNameRecorder{})
	srv.AroundRootFields(checkMutationSelections)
	srv.AroundResponses(responseObserver)
	if !cfg.DisableFastReport {
		// Last, so that it is the innermost response interceptor: the
		// observer above sees its responses like gqlgen's.
		srv.Use(newFastReport(res, cfg.Logger))
	}

	var h http.Handler = srv
	h = codeTransportErrors(h)
	h = loadersMiddleware(cfg.Store, h)
	return h
}

func loadersMiddleware(s *store.Store, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(withLoaders(r.Context(), NewLoaders(s))))
	})
}
