package graph

import (
	"crypto/rand"
	"encoding/hex"
	"github.com/reimburse/reimburse/internal/apierr"
	"log/slog"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/reimburse/reimburse/internal/metrics"
	"github.com/reimburse/reimburse/internal/reqctx"
	"github.com/reimburse/reimburse/model"
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
	// Metrics, when set, count requests and their latency.
	Metrics *metrics.Metrics
	// Limits are the request limits (limits.go); zero fields take defaults.
	Limits
	// DisableFastReport sends report queries through gqlgen's executor
	// instead of the fast report path (fastreport.go). The responses are the
	// same; it is there for comparison and as a safety valve.
	DisableFastReport bool
}

// New returns the /graphql handler: request id, bearer authentication,
// per-request loaders, then gqlgen's executor with explicit transports, an
// error presenter, a recover func, and the limits: body size, parser
// tokens, fragments and expanded fields, depth, root fields, aliases,
// complexity, report cost, per-token rate and a request deadline.
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
	return cfg.wrap("graphql", graphQLMethods, h)
}

// wrap adds what every API endpoint shares, outermost first: request id,
// the request log line and metrics, the method check (405 outside methods),
// panic recovery, the request deadline, the body cap, bearer authentication
// and the per-token rate limit.
func (cfg Options) wrap(endpoint string, methods []string, h http.Handler) http.Handler {
	l := cfg.Limits.withDefaults()
	h = rateLimit(l.RateLimiter, h)
	h = authMiddleware(cfg.Store, cfg.Logger, h)
	h = limitBody(l.MaxBodyBytes, h)
	h = withDeadline(l.RequestTimeout, h)
	h = recoverPanics(cfg.Logger, h)
	h = AllowMethods(h, methods...)
	h = observe(cfg.Logger, cfg.Metrics, endpoint, h)
	return RequestIDMiddleware(h)
}

// RequestIDMiddleware gives every request an id (the client's X-Request-Id
// when it is short and plain, a random one otherwise), echoed in the response
// header and carried by internal errors and logs.
func RequestIDMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !plainID(id) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(reqctx.WithRequestID(r.Context(), id)))
	})
}

func plainID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// authMiddleware requires "Authorization: Bearer <token>" and answers 401
// with an UNAUTHENTICATED GraphQL error otherwise.
func authMiddleware(s *store.Store, log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		ctx := r.Context()
		scheme, secret, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
			reqctx.SetCode(ctx, apierr.CodeUnauthent)
			apierr.Write(w, http.StatusUnauthorized, "missing token: send \"Authorization: Bearer <token>\"", apierr.CodeUnauthent, "", "")
			return
		}
		p, err := s.Authenticate(r.Context(), strings.TrimSpace(secret))
		if err != nil {
			if model.ErrorCode(err) == model.EUnauthenticated {
				reqctx.SetCode(ctx, apierr.CodeUnauthent)
				apierr.Write(w, http.StatusUnauthorized, "invalid or revoked token", apierr.CodeUnauthent, "", "")
				return
			}
			apierr.Internal(log, w, r, "authenticate", err)
			return
		}
		reqctx.InfoFrom(ctx).Update(func(f *reqctx.InfoFields) { f.TokenID = p.TokenID })
		next.ServeHTTP(w, r.WithContext(reqctx.WithPrincipal(r.Context(), *p)))
	})
}

func loadersMiddleware(s *store.Store, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(withLoaders(r.Context(), NewLoaders(s))))
	})
}
