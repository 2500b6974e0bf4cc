package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/reimburse/reimburse/graph"
	"github.com/reimburse/reimburse/internal/httpapi"
	"github.com/reimburse/reimburse/internal/metrics"
	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
	"github.com/reimburse/reimburse/web"
)

// serve runs the HTTP server until ctx is cancelled, then shuts down
// gracefully: in-flight requests get the request timeout plus shutdownSlack.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var f dbFlags
	var wf writeFlags
	fs := newFlagSet("serve", stderr)
	f.register(fs)
	wf.register(fs, true)
	addr := fs.String("addr", ":8080", "listen address (host:port; port 0 picks a free one)")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	maxBackdate := fs.Duration("max-backdate", model.DefaultMaxBackdate, "how old an event a CAREGIVER token may register, e.g. 720h (ADMIN and ACCOUNTANT: any age)")
	var lf limitFlags
	lf.register(fs)
	fastReport := fs.Bool("fast-report", true, "answer report-only queries with the fast report path; false runs every query through gqlgen's executor")
	pos, err := parse(fs, args, getenv)
	if err != nil {
		return err
	}
	if err := noArgs("serve", pos); err != nil {
		return err
	}
	limits, hopt, err := lf.limits()
	if err != nil {
		return err
	}
	log, err := newLogger(stderr, *logFormat)
	if err != nil {
		return err
	}
	// Bind before the database is opened: a run that cannot listen (port
	// in use, bad --addr) must neither create a new database file nor print
	// the one-time first token.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := metrics.New(reg)
	s, err := f.open(ctx, wf.options(), func(o *store.Options) { o.Observer = m; o.MaxBackdate = maxBackdate })
	if err != nil {
		return err
	}
	defer s.Close()
	if wdb, rdb := s.DBs(); wdb == rdb { // PostgreSQL: one pool
		reg.MustRegister(collectors.NewDBStatsCollector(wdb, "pool"))
	} else {
		reg.MustRegister(collectors.NewDBStatsCollector(wdb, "writer"), collectors.NewDBStatsCollector(rdb, "reader"))
	}

	secret, err := s.EnsureAdminToken(ctx)
	if err != nil {
		return err
	}
	if secret != "" {
		fmt.Fprintf(stdout, "Created the first ADMIN token. It is shown only this once; store it now:\n%s\n", secret)
	}

	// Patterns carry no method: each handler checks its own, so that a wrong
	// method is 405 with an Allow header and a JSON error body rather than
	// the playground's catch-all "/".
	get := []string{http.MethodGet, http.MethodHead}
	mux := http.NewServeMux()
	gopt := graph.Options{Store: s, Logger: log, ComplexityLimit: lf.complexity, Limits: limits, DisableFastReport: !*fastReport}
	hopt.Store, hopt.Logger, hopt.Metrics = s, log, m
	// One chain, so one rate limiter: a token has one budget for /graphql
	// and the CSV export.
	api := httpapi.New(hopt)
	mux.Handle("/graphql", api.Wrap("graphql", graph.Methods(), graph.New(gopt)))
	mux.Handle("/reports/monthly.csv", api.MonthlyCSV())
	if lf.playground {
		mux.Handle("/", web.Handler())
	}
	mux.Handle("/metrics", httpapi.AllowMethods(promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}), get...))
	mux.Handle("/healthz", api.Healthz())
	mux.Handle("/readyz", api.Readyz())

	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       readTimeout,
		// From the end of the headers: reading the body, the handler (cut
		// at the request timeout) and writing the response.
		WriteTimeout: readTimeout + hopt.RequestTimeout + 30*time.Second,
		IdleTimeout:  120 * time.Second,
		BaseContext:  func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	mode, err := s.Synchronous(ctx)
	if err != nil {
		return err
	}
	attrs := []any{"addr", ln.Addr().String(), "db", store.Redact(f.db), "timezone", s.Location().String(), "currency", s.Currency(),
		"synchronous", mode, "group_commit_wait", wf.groupWait.String(), "group_commit_batch", wf.groupBatch}
	base := baseURL(ln.Addr())
	if lf.playground {
		attrs = append(attrs, "playground", base+"/")
	}
	log.Info("listening", append(attrs, "graphql", base+"/graphql")...)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	// In-flight requests get their own deadline plus a little to answer.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lf.timeout+shutdownSlack)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// baseURL is the http:// address a client on this host reaches addr at:
// a wildcard listener (":8080", "[::]:8080") is named localhost.
func baseURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// shutdownSlack is how long, past the request timeout, in-flight requests
// may take to finish after a signal.
const shutdownSlack = 5 * time.Second

// readTimeout bounds reading a request, headers and body.
const readTimeout = 60 * time.Second
