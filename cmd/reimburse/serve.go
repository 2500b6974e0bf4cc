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
	"github.com/reimburse/reimburse/store"
	"github.com/reimburse/reimburse/web"
)

// serve runs the HTTP server until ctx is cancelled, then shuts down
// gracefully: in-flight requests get shutdownGrace to finish.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var f dbFlags
	fs := newFlagSet("serve", stderr)
	f.register(fs)
	addr := fs.String("addr", ":8080", "listen address (host:port; port 0 picks a free one)")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	fastReport := fs.Bool("fast-report", true, "answer report-only queries with the fast report path; false runs every query through gqlgen's executor")
	pos, err := parse(fs, args, getenv)
	if err != nil {
		return err
	}
	if err := noArgs("serve", pos); err != nil {
		return err
	}
	log, err := newLogger(stderr, *logFormat)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := graph.NewMetrics(reg)
	s, err := f.open(ctx, func(o *store.Options) { o.Observer = metrics })
	if err != nil {
		return err
	}
	defer s.Close()
	wdb, rdb := s.DBs()
	reg.MustRegister(collectors.NewDBStatsCollector(wdb, "writer"), collectors.NewDBStatsCollector(rdb, "reader"))

	// Bind first: the one-time token must not be printed by a run that then
	// fails to listen.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	secret, err := s.EnsureAdminToken(ctx)
	if err != nil {
		return err
	}
	if secret != "" {
		fmt.Fprintf(stdout, "Created the first ADMIN token. It is shown only this once; store it now:\n%s\n", secret)
	}

	mux := http.NewServeMux()
	gopt := graph.Options{Store: s, Logger: log, Metrics: metrics, DisableFastReport: !*fastReport}
	mux.Handle("/graphql", graph.New(gopt))
	mux.Handle("GET /reports/monthly.csv", graph.NewMonthlyCSV(gopt))
	mux.Handle("/", web.Handler())
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain")
		if err := s.Ready(ctx); err != nil {
			log.WarnContext(ctx, "not ready", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "database unavailable\n")
			return
		}
		_, _ = io.WriteString(w, "ready\n")
	})

	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	log.Info("listening", "addr", ln.Addr().String(), "db", f.db, "timezone", s.Location().String(), "currency", s.Currency())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
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

// shutdownGrace is how long in-flight requests may run after a signal.
const shutdownGrace = 20 * time.Second
